/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The health wiring: each instance that enters the model gets a health
 * target of the probe engine (cp_health.h) built from its pool's health
 * settings, unless the pool checks none; each probe's result goes back to
 * the model (cp_model_health_result()), whose state machine decides. A
 * pool probing through the tunnel (health.via_tunnel) marks its probes and
 * keeps the rewrite sluice_probe needs for each, for cp_port_sync.c.
 */
#ifndef CP_HEALTH_WIRE_H
#define CP_HEALTH_WIRE_H

#include <stdbool.h>

#include "cfg_types.h"
#include "cp_health.h"
#include "cp_model.h"
#include "sl_bpf_types.h"

struct cp_health_wire_target;

struct cp_health_wire {
	struct cp_health *health;	      /* the engine the targets run on */
	struct cp_model *model;		      /* where results go */
	struct cp_health_wire_target *tunnel; /* targets that probe through the tunnel */
	bool tunnel_wanted; /* some pool probes through the tunnel: keep sluice_probe attached */
};

void cp_health_wire_init(struct cp_health_wire *w, struct cp_health *health,
			 struct cp_model *model);

/*
 * The model's inst_added hook: probe @inst as @pool's health settings say
 * (port: health.port, else the instance's, else the pool's first VIP's of
 * @cfg, the config being configured). Through the tunnel when asked and a
 * tunnel VIP of the instance's family exists, else directly (logged). A
 * target that cannot be made is logged and the instance is not probed.
 */
void cp_health_wire_add(struct cp_health_wire *w, const struct cfg *cfg, struct cp_model_inst *inst,
			const struct cfg_pool *pool);

/* The model's inst_removed hook: stop probing @inst. */
void cp_health_wire_remove(struct cp_health_wire *w, struct cp_model_inst *inst);

/* What sl_probes gets for the open probe socket @s: its tunnel rewrite, or NULL (direct). */
const struct sl_probe_value *cp_health_wire_tunnel_value(const struct cp_health_wire *w,
							 const struct cp_health_sock *s);

#endif /* CP_HEALTH_WIRE_H */
