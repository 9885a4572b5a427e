/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluicectl's commands that talk to a running sluiced over its admin socket
 * (cp_admin.h): drain, undrain, health.
 */
#ifndef CTL_ADMIN_H
#define CTL_ADMIN_H

#include <stddef.h>

/*
 * @argv[0] is the command ("drain", "undrain", "health"). The socket is
 * @instance's /run/sluice/<instance>.sock when @instance is set, else
 * controlplane.admin_socket of @config. Returns the exit status: 0 ok,
 * 1 error (no sluiced, refused request), 2 usage.
 */
int ctl_admin_main(const char *config, const char *instance, int argc, char **argv);

/* The admin socket's path: @instance's default, else @config's. 0, or -EINVAL (printed). */
int ctl_admin_socket_path(const char *config, const char *instance, char *out, size_t len);

#endif /* CTL_ADMIN_H */
