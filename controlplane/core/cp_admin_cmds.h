/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the admin socket's commands do (cp_admin.h frames them): drain and
 * undrain change the model at once and answer once the publication that
 * carries the change is acknowledged (a ticket of cp_publish_sched.h);
 * health pages through every pool's instances with their state; reload
 * reloads the config file (cp_reload.h).
 */
#ifndef CP_ADMIN_CMDS_H
#define CP_ADMIN_CMDS_H

#include "cfg_types.h"
#include "cp_admin.h"
#include "cp_loop.h"
#include "cp_ev_out.h"
#include "cp_model.h"
#include "cp_publish_sched.h"
#include "cp_tables.h"

#define CP_ADMIN_CMDS_HEALTH_PAGE 512 /* instances per "health" reply */

struct cp_admin_cmds {
	struct cp_model *model;
	const struct cp_tables *tables; /* which instances the last build left out */
	struct cfg *const *cfg;		/* the running config */
	struct cp_publish_sched *sched; /* tickets, reloads */
	const char *config_path;	/* what "reload" reads */
	struct cp_ev_out *events;	/* what "events" shows */
};

/* The handlers, with @c as their context. */
void cp_admin_cmds_ops(struct cp_admin_cmds *c, struct cp_admin_ops *ops);

/*
 * Listen on controlplane.admin_socket of the running config with these
 * handlers (logged). NULL + errno, logged naming the path and reason.
 */
struct cp_admin *cp_admin_cmds_listen(struct cp_admin_cmds *c, struct cp_loop *loop);

#endif /* CP_ADMIN_CMDS_H */
