/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluiced's configuration file: the first load at start and each reload
 * (SIGHUP, admin "reload"). A reload is parsed and checked against what
 * only a restart can change (the segment's geometry, the instance) and
 * against the ports' interfaces (its NAT sources: cp_nat_addr.h, whose new
 * addresses are added at once, the ones that left removed once the reload
 * is accepted), handed
 * to the model and built at once (cp_publish_sched.h, which accepts it or
 * reverts it). A file refused at any step leaves the running config, the
 * model and the tables as they were.
 */
#ifndef CP_RELOAD_H
#define CP_RELOAD_H

#include <stddef.h>

#include "cfg_types.h"
#include "cp_publish_sched.h"

/*
 * Load @path into *@out (to free with cfg_free() and free()) and log what
 * it holds, warning of pools only discovery fills. 0 or -errno, logged as
 * FILE:LINE: KEY: TEXT.
 */
int cp_reload_first(const char *path, struct cfg **out);

/*
 * Reload @path in place of the running config of @s (*s->p.cfg, which the
 * model follows). 0 once it is handed to the model and its build started,
 * else -errno with @why ("reload refused: ..."), logged.
 */
int cp_reload(struct cp_publish_sched *s, const char *path, char *why, size_t why_len);

#endif /* CP_RELOAD_H */
