/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The health state machine of one instance, and the pool-level rule that
 * decides which instances take new flows. Pure: no I/O, no clock, no
 * allocation; the probe engine (cp_health.c) feeds it results and sluiced
 * turns its transitions into events and table rebuilds.
 *
 * Per instance (rise/fall live here, not in the probe spec):
 *   probing   --rise consecutive ok-->    healthy
 *   probing   --fall consecutive fail-->  unhealthy
 *   healthy   --fall consecutive fail-->  unhealthy
 *   unhealthy --rise consecutive ok-->    healthy
 * A result of the other kind resets the run being counted (ok, fail, ok ...
 * never adds up). A verdict from outside (cp_health_fsm_force_down) makes
 * any state unhealthy at once. Only healthy instances serve, unless the pool
 * is in panic.
 *
 * Pool (Envoy-style fail-open, never a silent black hole): of the eligible
 * instances (not drained, weight > 0), if the healthy share is below
 * panic_threshold percent -- or, with threshold 0, if none is healthy --
 * the pool is in panic and every eligible instance serves, whatever its
 * health state. Drained and weight-0 instances never take new flows.
 */
#ifndef CP_HEALTH_FSM_H
#define CP_HEALTH_FSM_H

#include <stdbool.h>
#include <stdint.h>

enum cp_health_fsm_state {
	CP_HEALTH_FSM_PROBING = 0, /* new: not serving until rise successes */
	CP_HEALTH_FSM_HEALTHY = 1,
	CP_HEALTH_FSM_UNHEALTHY = 2,
};

#define CP_HEALTH_FSM_REASON_LEN 160 /* bytes of a transition's reason, NUL included */

struct cp_health_fsm {
	uint8_t state; /* enum cp_health_fsm_state */
	uint8_t pad0;
	uint16_t rise;	   /* 1..1000 */
	uint16_t fall;	   /* 1..1000 */
	uint16_t ok_run;   /* consecutive ok results counted towards rise */
	uint16_t fail_run; /* consecutive failures counted towards fall */
};

struct cp_health_fsm_transition {
	enum cp_health_fsm_state old_state;
	enum cp_health_fsm_state new_state;
	/* "<probe reason> (3/3 failed)" or "<probe reason> (2/2 ok)" */
	char reason[CP_HEALTH_FSM_REASON_LEN];
};

/* "probing", "healthy", "unhealthy" ("?" for anything else). */
const char *cp_health_fsm_state_name(enum cp_health_fsm_state s);

/* Start in CP_HEALTH_FSM_PROBING. 0, or -EINVAL when rise or fall is 0 or > 1000. */
int cp_health_fsm_init(struct cp_health_fsm *f, uint16_t rise, uint16_t fall);

/*
 * Feed one probe result (@reason: what the probe saw, e.g. "http: status
 * 503", may be NULL). Returns 1 and fills @t when the state changed, 0 when
 * it did not (@t untouched). Never fails.
 */
int cp_health_fsm_input(struct cp_health_fsm *f, bool ok, const char *reason,
			struct cp_health_fsm_transition *t);

/*
 * A verdict from outside the probes (passive health: the dataplane's connect
 * failures): unhealthy now, whatever the runs, with @reason as it is. The
 * runs restart, so coming back takes rise ok results from here. Returns 1
 * and fills @t when the state changed, 0 when it already was unhealthy.
 */
int cp_health_fsm_force_down(struct cp_health_fsm *f, const char *reason,
			     struct cp_health_fsm_transition *t);

/* Change rise/fall (reload) without losing the state; runs are clamped. -EINVAL as init. */
int cp_health_fsm_set_counts(struct cp_health_fsm *f, uint16_t rise, uint16_t fall);

/* ---- pool level ---- */

/* One instance as the pool rule sees it; @serving is the output. */
struct cp_health_fsm_member {
	uint8_t state;	 /* enum cp_health_fsm_state */
	uint8_t drained; /* administrative drain, or vanished from discovery */
	uint8_t serving; /* out: 1 if it may take new flows */
	uint8_t pad0;
	uint32_t weight; /* 0: never takes new flows */
};

struct cp_health_fsm_verdict {
	uint32_t n_eligible; /* not drained and weight > 0 */
	uint32_t n_healthy;  /* eligible and healthy */
	uint32_t n_serving;  /* members with serving = 1 */
	bool panic;
};

/*
 * Panic rule alone: @n_healthy of @n_eligible, @panic_threshold percent
 * (0..100, larger is clamped to 100). No eligible instance: no panic (there
 * is nothing to fail open to).
 */
bool cp_health_fsm_panic(uint32_t n_healthy, uint32_t n_eligible, uint8_t panic_threshold);

/* Whether one instance serves, given the pool's panic flag. */
bool cp_health_fsm_serves(enum cp_health_fsm_state s, bool drained, uint32_t weight, bool panic);

/* Set m[i].serving for all @n members and fill @v (may be NULL). Returns v->panic. */
bool cp_health_fsm_select(struct cp_health_fsm_member *m, uint32_t n, uint8_t panic_threshold,
			  struct cp_health_fsm_verdict *v);

#endif /* CP_HEALTH_FSM_H */
