/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluiced's admin socket (controlplane.admin_socket): a unix stream socket,
 * mode 0600, served on the event loop. One request line per connection,
 * one JSON reply line, then the server closes the connection:
 *   drain POOL INSTANCE    {"ok":true}
 *   undrain POOL INSTANCE  {"ok":true}
 *   health                 {"ok":true,"pools":[...]} (see cp_main.c)
 *   reload                 {"ok":true} once the reload was started
 * A request it cannot serve gets {"ok":false,"error":"..."} naming what was
 * wrong (unknown command, missing argument, no such pool or instance).
 */
#ifndef CP_ADMIN_H
#define CP_ADMIN_H

#include <stddef.h>

#include <jansson.h>

struct cp_loop;
struct cp_admin;

#define CP_ADMIN_LINE_MAX 1024 /* bytes of a request line, newline included */

struct cp_admin_ops {
	/* 0, or -errno with @why filled (becomes "error") */
	int (*drain)(void *ctx, const char *pool, const char *instance, int drain, char *why,
		     size_t why_len);
	/* the "pools" array (new reference), or NULL on no memory */
	json_t *(*health)(void *ctx);
	int (*reload)(void *ctx, char *why, size_t why_len);
	void *ctx;
};

/*
 * Listen on @path (an old socket file there is replaced; its directory is
 * created, mode 0755). NULL + errno, with @why naming the path and reason.
 */
struct cp_admin *cp_admin_new(struct cp_loop *l, const char *path, const struct cp_admin_ops *ops,
			      char *why, size_t why_len);
/* Close every connection and the listener, unlink the socket file. */
void cp_admin_free(struct cp_admin *a);

/*
 * Serve one request line (no newline) into a reply line (no newline),
 * exactly what a client gets. Returns the reply (caller frees).
 */
char *cp_admin_handle(const struct cp_admin_ops *ops, const char *line);

#endif /* CP_ADMIN_H */
