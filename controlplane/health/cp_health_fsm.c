/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Health state machine and pool panic rule (see cp_health_fsm.h). Pure
 * functions so every transition can be tested exactly.
 */
#include <errno.h>
#include <stdio.h>

#include "cfg_types.h"
#include "cp_health_fsm.h"

const char *cp_health_fsm_state_name(enum cp_health_fsm_state s)
{
	switch (s) {
	case CP_HEALTH_FSM_PROBING:
		return "probing";
	case CP_HEALTH_FSM_HEALTHY:
		return "healthy";
	case CP_HEALTH_FSM_UNHEALTHY:
		return "unhealthy";
	}
	return "?";
}

static int hc_counts_valid(uint16_t rise, uint16_t fall)
{
	return rise >= 1 && rise <= CFG_RISE_FALL_MAX && fall >= 1 && fall <= CFG_RISE_FALL_MAX;
}

int cp_health_fsm_init(struct cp_health_fsm *f, uint16_t rise, uint16_t fall)
{
	if (!hc_counts_valid(rise, fall))
		return -EINVAL;
	f->state = CP_HEALTH_FSM_PROBING;
	f->pad0 = 0;
	f->rise = rise;
	f->fall = fall;
	f->ok_run = 0;
	f->fail_run = 0;
	return 0;
}

int cp_health_fsm_set_counts(struct cp_health_fsm *f, uint16_t rise, uint16_t fall)
{
	if (!hc_counts_valid(rise, fall))
		return -EINVAL;
	f->rise = rise;
	f->fall = fall;
	/* a run already long enough takes effect on the next result */
	if (f->ok_run > rise)
		f->ok_run = rise;
	if (f->fail_run > fall)
		f->fail_run = fall;
	return 0;
}

static void hc_transition(struct cp_health_fsm *f, enum cp_health_fsm_state to, const char *reason,
			  uint16_t run, uint16_t of, const char *what,
			  struct cp_health_fsm_transition *t)
{
	t->old_state = f->state;
	t->new_state = to;
	snprintf(t->reason, sizeof(t->reason), "%s (%u/%u %s)", reason ? reason : "probe", run, of,
		 what);
	f->state = to;
}

int cp_health_fsm_input(struct cp_health_fsm *f, bool ok, const char *reason,
			struct cp_health_fsm_transition *t)
{
	if (ok) {
		f->fail_run = 0;
		if (f->state == CP_HEALTH_FSM_HEALTHY)
			return 0;
		if (f->ok_run < f->rise)
			f->ok_run++;
		if (f->ok_run < f->rise)
			return 0;
		hc_transition(f, CP_HEALTH_FSM_HEALTHY, reason, f->ok_run, f->rise, "ok", t);
		f->ok_run = 0;
		return 1;
	}
	f->ok_run = 0;
	if (f->state == CP_HEALTH_FSM_UNHEALTHY)
		return 0;
	if (f->fail_run < f->fall)
		f->fail_run++;
	if (f->fail_run < f->fall)
		return 0;
	hc_transition(f, CP_HEALTH_FSM_UNHEALTHY, reason, f->fail_run, f->fall, "failed", t);
	f->fail_run = 0;
	return 1;
}

int cp_health_fsm_force_down(struct cp_health_fsm *f, const char *reason,
			     struct cp_health_fsm_transition *t)
{
	f->ok_run = 0;
	f->fail_run = 0;
	if (f->state == CP_HEALTH_FSM_UNHEALTHY)
		return 0;
	t->old_state = f->state;
	t->new_state = CP_HEALTH_FSM_UNHEALTHY;
	snprintf(t->reason, sizeof(t->reason), "%s", reason);
	f->state = CP_HEALTH_FSM_UNHEALTHY;
	return 1;
}

bool cp_health_fsm_panic(uint32_t n_healthy, uint32_t n_eligible, uint8_t panic_threshold)
{
	if (n_eligible == 0)
		return false;
	if (n_healthy == 0)
		return true;
	if (panic_threshold > 100)
		panic_threshold = 100;
	/* healthy share < threshold %, in integers */
	return (uint64_t)n_healthy * 100 < (uint64_t)panic_threshold * n_eligible;
}

bool cp_health_fsm_serves(enum cp_health_fsm_state s, bool drained, uint32_t weight, bool panic)
{
	if (drained || weight == 0)
		return false;
	return panic || s == CP_HEALTH_FSM_HEALTHY;
}

bool cp_health_fsm_select(struct cp_health_fsm_member *m, uint32_t n, uint8_t panic_threshold,
			  struct cp_health_fsm_verdict *v)
{
	uint32_t eligible = 0, healthy = 0, serving = 0;
	bool panic;

	for (uint32_t i = 0; i < n; i++) {
		if (m[i].drained || m[i].weight == 0)
			continue;
		eligible++;
		if (m[i].state == CP_HEALTH_FSM_HEALTHY)
			healthy++;
	}
	panic = cp_health_fsm_panic(healthy, eligible, panic_threshold);
	for (uint32_t i = 0; i < n; i++) {
		m[i].serving = cp_health_fsm_serves(m[i].state, m[i].drained, m[i].weight, panic);
		serving += m[i].serving;
	}
	if (v) {
		v->n_eligible = eligible;
		v->n_healthy = healthy;
		v->n_serving = serving;
		v->panic = panic;
	}
	return panic;
}
