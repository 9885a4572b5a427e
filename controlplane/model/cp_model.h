/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One model of pools and instances, many sources. Per pool it keeps the
 * last set each source reported (static: the config's backends; file, dns,
 * etcd: cp_disc.h updates) and merges them by (address, port):
 * - an instance is in the model while at least one source the pool uses
 *   lists it; when none does any more it is removed (the table builder then
 *   drains it, or frees it at once if it was down);
 * - its weight and name come from the first source listing it in the
 *   order static, file, dns, etcd (the config wins over discovery);
 * - an entry of a dynamic source is held to the config's rules for a
 *   backend (cfg_instance_why(): unicast, the family of the pool's
 *   VIPs, a name of [A-Za-z0-9_.:[]-]), and its name must not be another
 *   instance's: a refused entry is reported (hooks.refused), counted and
 *   left out, so it never reaches the tables, an operator's terminal or a
 *   drain meant for another;
 * - each instance carries its health state machine (cp_health_fsm.h;
 *   health type "none": healthy as soon as discovered), the administrative
 *   drain flag, and the reason of its last change.
 * A pool uses its static list always, and the dynamic sources its
 * discovery keys name; an implicit pool (named by a VIP only) uses the file
 * and etcd sources (both report pools by name).
 *
 * The model produces the table builder's input (cp_model_view): the config
 * with each pool's backends = its instances, serving ones with their weight,
 * drained ones with weight 0 (kept: established flows stay), the rest
 * marked down (published inactive: their flows move at once). The panic
 * rule of cp_health_fsm.h decides who serves.
 *
 * Every change of state is reported through the event hook (one struct per
 * change; cp_model_event_json() turns it into the JSON line sluiced prints).
 */
#ifndef CP_MODEL_H
#define CP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg_types.h"
#include "cp_disc.h"
#include "cp_health_fsm.h"
#include "sl_shm.h"

struct cp_model;

/* One instance of a pool. Stable address while it is in the model. */
struct cp_model_inst {
	char name[SL_NAME_LEN];
	struct sl_addr addr; /* IPv4-mapped for IPv4 */
	uint8_t af;
	uint16_t port;	 /* host order; 0: the VIP's port */
	uint32_t weight; /* merged (first source in static, file, dns, etcd order) */
	uint8_t sources; /* bit (1 << enum cp_disc_source) per source listing it */
	uint8_t drained; /* sluicectl drain */
	uint8_t serving; /* takes new flows (health, drain, panic) */
	struct cp_health_fsm fsm;
	char reason[CP_HEALTH_FSM_REASON_LEN]; /* of the last change */
	void *probe;			       /* the owner's (sluiced: its health target) */
	uint32_t pool_index; /* into the config of the last cp_model_configure() */
	uint64_t seq;	     /* order of discovery */
};

/* What changed; strings valid during the callback only. */
struct cp_model_event {
	const char *event; /* "instance" or "pool" */
	const char *pool;
	const char *instance; /* NULL for a pool event */
	const char *old_state;
	const char *new_state;
	const char *reason;
};

/* An entry a source reported that breaks the config's rules: not in the model. */
struct cp_model_refusal {
	struct cp_disc_instance inst;
	char why[96];
};

#define CP_MODEL_REFUSED_MAX 8 /* refusals described per report; more are only counted */

struct cp_model_hooks {
	void (*event)(void *ctx, const struct cp_model_event *e);
	/* an instance entered the model: start probing it (health type not "none") */
	void (*inst_added)(void *ctx, struct cp_model_inst *inst, const struct cfg_pool *pool);
	/* it leaves (freed after the call): stop probing */
	void (*inst_removed)(void *ctx, struct cp_model_inst *inst);
	/* the serving view changed: rebuild the tables (coalesce) */
	void (*changed)(void *ctx);
	/*
	 * the set @src just reported for @pool had @n_total entries refused
	 * (cfg_instance_why(), or a name another entry of the pool has):
	 * the first @n of them in @r
	 */
	void (*refused)(void *ctx, enum cp_disc_source src, const char *pool,
			const struct cp_model_refusal *r, uint32_t n, uint32_t n_total);
	void *ctx;
};

/* NULL + errno. @hooks is copied; any member may be NULL. */
struct cp_model *cp_model_new(const struct cp_model_hooks *hooks);
/* Frees every instance (inst_removed is called for each, no events). */
void cp_model_free(struct cp_model *m);

/*
 * A restarted sluiced starts from the tables it takes over: each backend
 * of the slot @h->published names (the generation the dataplane follows)
 * seeds the health state of the instance (pool name, address, port) that
 * enters the model next: published active (it served: healthy, drained, or
 * rescued by panic) starts healthy, so it stays serving until fall
 * failures; published down (health) starts unhealthy and needs rise passes.
 * Backends without a next hop, draining ones and pools without health
 * checks seed nothing. Each seed is used once; cp_model_forget_seeds() drops
 * the rest (after the first publish: an instance discovered later is new).
 * Replaces earlier seeds. Returns the number of seeds, or -ENOMEM.
 */
int cp_model_adopt(struct cp_model *m, const struct sl_shm_header *h);
void cp_model_forget_seeds(struct cp_model *m);

/*
 * Adopt @cfg (kept by reference until the next call: it must outlive it):
 * pools by name (a pool gone from the config loses its instances, events
 * "removed"), static sets from each pool's backends, health rise/fall. An
 * instance whose pool's health settings changed is removed and added again
 * through the hooks (probing restarts) but keeps its state. 0 or -ENOMEM.
 */
int cp_model_configure(struct cp_model *m, const struct cfg *cfg);

/*
 * The complete set of @pool from @src (cp_disc_sink.update). Kept even for
 * a pool the config does not have or that does not use @src (it applies
 * when a reload makes it do so). 0 or -ENOMEM.
 */
int cp_model_update(struct cp_model *m, enum cp_disc_source src, const char *pool,
		    const struct cp_disc_instance *v, uint32_t n);

/* A probe result for @inst (cp_health's callback). */
void cp_model_health_result(struct cp_model *m, struct cp_model_inst *inst, bool ok,
			    const char *reason);

/*
 * Passive health for @inst: @failures new connect failures of its backend
 * (the dataplane's, summed over its workers) in the window of @window_ms
 * just ended. Nothing while its pool's health.passive_fall is 0. At least
 * passive_fall of them: unhealthy at once, "passive: N connect failures in
 * W ms (passive_fall P)", and back after rise ok probes; in a pool without
 * probes (type "none") an unhealthy instance counts each window without a
 * new failure as one ok ("passive: no connect failure in W ms (1/R ok)")
 * and one with failures as a failure (the run restarts). Events and a
 * rebuild as for a probe result. Returns 1 when the state changed, else 0.
 */
int cp_model_passive(struct cp_model *m, struct cp_model_inst *inst, uint64_t failures,
		     uint32_t window_ms);

/*
 * sluicectl drain/undrain: @instance is a name, "address:port" /
 * "[v6]:port", or an address (when only one instance has it). 0 (also
 * when it already was), -ENOENT with @why saying which of pool/instance
 * was not found.
 */
int cp_model_drain(struct cp_model *m, const char *pool, const char *instance, bool drain,
		   char *why, size_t why_len);

/* The instance cp_model_drain() would act on, or NULL. */
struct cp_model_inst *cp_model_find(const struct cp_model *m, const char *pool,
				    const char *instance);

/* Instances of pool @pool_index of the configured config, in discovery order. */
uint32_t cp_model_pool_instances(const struct cp_model *m, uint32_t pool_index,
				 struct cp_model_inst *const **out);
/* Whether pool @pool_index is in panic. */
bool cp_model_pool_panic(const struct cp_model *m, uint32_t pool_index);
/* Entries of pool @pool_index's sources the model refused (not published). */
uint32_t cp_model_pool_refused(const struct cp_model *m, uint32_t pool_index);

/*
 * The table builder's input: a copy of the configured config (VIPs shared)
 * whose pools' backends are the model's instances (see the top). Free with
 * cp_model_view_free(). 0 or -ENOMEM.
 */
int cp_model_view(const struct cp_model *m, struct cfg *out);
void cp_model_view_free(struct cfg *view);

/* "probing", "healthy", "unhealthy" for an instance's health state. */
const char *cp_model_inst_state(const struct cp_model_inst *inst);
/* "static,file" into @buf. */
const char *cp_model_sources_text(uint8_t sources, char *buf, size_t len);

/*
 * The event as one JSON line (no newline) with "ts" = @realtime_ns as
 * RFC 3339 UTC with milliseconds: {"ts":"2026-11-25T12:00:00.123Z",
 * "event":"instance","pool":..,"instance":..,"old":..,"new":..,"reason":..}
 * (no "instance" member for a pool event). Returns the length, or -ENOSPC
 * / -ENOMEM.
 */
int cp_model_event_json(const struct cp_model_event *e, uint64_t realtime_ns, char *buf,
			size_t len);

#endif /* CP_MODEL_H */
