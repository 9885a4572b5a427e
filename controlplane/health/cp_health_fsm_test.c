/* SPDX-License-Identifier: BSD-3-Clause */
/* Health state machine: exact rise/fall transitions, flapping, forced down, drain, panic. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cp_health_fsm.h"

/* Feed @pattern ('+' ok, '-' fail); return the index of each transition in @at. */
static int feed(struct cp_health_fsm *f, const char *pattern, struct cp_health_fsm_transition *tr,
		int *at, int max)
{
	int n = 0;

	for (int i = 0; pattern[i]; i++) {
		bool ok = pattern[i] == '+';
		struct cp_health_fsm_transition t;

		memset(&t, 0xa5, sizeof(t));
		if (cp_health_fsm_input(f, ok, ok ? "tcp: connected" : "tcp: connect refused",
					&t)) {
			assert_true(n < max);
			tr[n] = t;
			at[n++] = i;
		}
	}
	return n;
}

static void test_init_rejects_bad_counts(void **state)
{
	struct cp_health_fsm f;

	(void)state;
	assert_int_equal(cp_health_fsm_init(&f, 0, 3), -EINVAL);
	assert_int_equal(cp_health_fsm_init(&f, 2, 0), -EINVAL);
	assert_int_equal(cp_health_fsm_init(&f, 1001, 3), -EINVAL);
	assert_int_equal(cp_health_fsm_init(&f, 2, 3), 0);
	assert_int_equal(f.state, CP_HEALTH_FSM_PROBING);
	assert_string_equal(cp_health_fsm_state_name(CP_HEALTH_FSM_PROBING), "probing");
	assert_string_equal(cp_health_fsm_state_name(CP_HEALTH_FSM_HEALTHY), "healthy");
	assert_string_equal(cp_health_fsm_state_name(CP_HEALTH_FSM_UNHEALTHY), "unhealthy");
	assert_string_equal(cp_health_fsm_state_name((enum cp_health_fsm_state)7), "?");
}

static void test_probing_needs_rise_successes(void **state)
{
	struct cp_health_fsm f;
	struct cp_health_fsm_transition tr[4];
	int at[4];

	(void)state;
	assert_int_equal(cp_health_fsm_init(&f, 3, 2), 0);
	/* two ok, one failure resets, then three ok: healthy on the 6th result */
	assert_int_equal(feed(&f, "++-+++", tr, at, 4), 1);
	assert_int_equal(at[0], 5);
	assert_int_equal(tr[0].old_state, CP_HEALTH_FSM_PROBING);
	assert_int_equal(tr[0].new_state, CP_HEALTH_FSM_HEALTHY);
	assert_string_equal(tr[0].reason, "tcp: connected (3/3 ok)");
	assert_int_equal(f.state, CP_HEALTH_FSM_HEALTHY);
	/* more successes: no transition */
	assert_int_equal(feed(&f, "++++", tr, at, 4), 0);
}

/*
 * Forced down (passive health) from healthy and from probing, at once and
 * with the reason as given; an ok run under way is lost, so coming back
 * takes rise ok results counted from the verdict; forced again while
 * unhealthy: no transition, the run restarts.
 */
static void test_force_down(void **state)
{
	const char *why = "passive: 5 connect failures in 1000 ms (passive_fall 5)";
	struct cp_health_fsm f;
	struct cp_health_fsm_transition tr[4], t;
	int at[4];

	(void)state;
	assert_int_equal(cp_health_fsm_init(&f, 3, 2), 0);
	assert_int_equal(feed(&f, "+++", tr, at, 4), 1);
	assert_int_equal(f.state, CP_HEALTH_FSM_HEALTHY);
	assert_int_equal(feed(&f, "-", tr, at, 4), 0); /* one of fall 2 */
	assert_int_equal(cp_health_fsm_force_down(&f, why, &t), 1);
	assert_int_equal(t.old_state, CP_HEALTH_FSM_HEALTHY);
	assert_int_equal(t.new_state, CP_HEALTH_FSM_UNHEALTHY);
	assert_string_equal(t.reason, why);
	assert_int_equal(f.state, CP_HEALTH_FSM_UNHEALTHY);
	assert_int_equal(f.fail_run, 0);
	/* two ok, forced again: nothing changes, but the two are lost */
	assert_int_equal(feed(&f, "++", tr, at, 4), 0);
	memset(&t, 0xa5, sizeof(t));
	assert_int_equal(cp_health_fsm_force_down(&f, why, &t), 0);
	assert_int_equal((uint8_t)t.reason[0], 0xa5);
	assert_int_equal(feed(&f, "+++", tr, at, 4), 1);
	assert_int_equal(at[0], 2);
	assert_int_equal(tr[0].old_state, CP_HEALTH_FSM_UNHEALTHY);
	assert_string_equal(tr[0].reason, "tcp: connected (3/3 ok)");
	/* from probing */
	assert_int_equal(cp_health_fsm_init(&f, 3, 2), 0);
	assert_int_equal(feed(&f, "++", tr, at, 4), 0);
	assert_int_equal(cp_health_fsm_force_down(&f, why, &t), 1);
	assert_int_equal(t.old_state, CP_HEALTH_FSM_PROBING);
	assert_int_equal(f.ok_run, 0);
}

static void test_probing_to_unhealthy_after_fall(void **state)
{
	struct cp_health_fsm f;
	struct cp_health_fsm_transition tr[4];
	int at[4];

	(void)state;
	assert_int_equal(cp_health_fsm_init(&f, 2, 3), 0);
	assert_int_equal(feed(&f, "---", tr, at, 4), 1);
	assert_int_equal(at[0], 2);
	assert_int_equal(tr[0].old_state, CP_HEALTH_FSM_PROBING);
	assert_int_equal(tr[0].new_state, CP_HEALTH_FSM_UNHEALTHY);
	assert_string_equal(tr[0].reason, "tcp: connect refused (3/3 failed)");
	/* unhealthy back to healthy after rise = 2 */
	assert_int_equal(feed(&f, "--++", tr, at, 4), 1);
	assert_int_equal(at[0], 3);
	assert_int_equal(tr[0].old_state, CP_HEALTH_FSM_UNHEALTHY);
	assert_int_equal(tr[0].new_state, CP_HEALTH_FSM_HEALTHY);
	assert_string_equal(tr[0].reason, "tcp: connected (2/2 ok)");
}

static void test_fall_exact_and_reason(void **state)
{
	struct cp_health_fsm f;
	struct cp_health_fsm_transition t;

	(void)state;
	assert_int_equal(cp_health_fsm_init(&f, 1, 3), 0);
	assert_int_equal(cp_health_fsm_input(&f, true, "http: status 200", &t), 1);
	assert_int_equal(t.new_state, CP_HEALTH_FSM_HEALTHY);
	assert_string_equal(t.reason, "http: status 200 (1/1 ok)");
	assert_int_equal(cp_health_fsm_input(&f, false, "http: status 503", &t), 0);
	assert_int_equal(cp_health_fsm_input(&f, false, "http: status 503", &t), 0);
	assert_int_equal(cp_health_fsm_input(&f, false, "http: status 503", &t), 1);
	assert_int_equal(t.old_state, CP_HEALTH_FSM_HEALTHY);
	assert_int_equal(t.new_state, CP_HEALTH_FSM_UNHEALTHY);
	assert_string_equal(t.reason, "http: status 503 (3/3 failed)");
	/* NULL reason is named */
	assert_int_equal(cp_health_fsm_input(&f, true, NULL, &t), 1);
	assert_string_equal(t.reason, "probe (1/1 ok)");
}

static void test_flapping_never_transitions(void **state)
{
	struct cp_health_fsm f;
	struct cp_health_fsm_transition tr[4];
	int at[4];

	(void)state;
	assert_int_equal(cp_health_fsm_init(&f, 2, 2), 0);
	assert_int_equal(feed(&f, "++", tr, at, 4), 1);
	/* alternating results: each resets the other run, nothing changes */
	assert_int_equal(feed(&f, "-+-+-+-+-+-+-+-+-+-+", tr, at, 4), 0);
	assert_int_equal(f.state, CP_HEALTH_FSM_HEALTHY);
	/* healthy, fail, fail: down exactly at the second failure */
	assert_int_equal(feed(&f, "+--", tr, at, 4), 1);
	assert_int_equal(at[0], 2);
	/* unhealthy: alternating keeps it down */
	assert_int_equal(feed(&f, "+-+-+-+-", tr, at, 4), 0);
	assert_int_equal(f.state, CP_HEALTH_FSM_UNHEALTHY);
	/* a full sequence: up, down, up */
	assert_int_equal(feed(&f, "++--++", tr, at, 4), 3);
	assert_int_equal(at[0], 1);
	assert_int_equal(tr[0].new_state, CP_HEALTH_FSM_HEALTHY);
	assert_int_equal(at[1], 3);
	assert_int_equal(tr[1].new_state, CP_HEALTH_FSM_UNHEALTHY);
	assert_int_equal(at[2], 5);
	assert_int_equal(tr[2].new_state, CP_HEALTH_FSM_HEALTHY);
}

static void test_set_counts_keeps_state(void **state)
{
	struct cp_health_fsm f;
	struct cp_health_fsm_transition tr[4];
	int at[4];

	(void)state;
	assert_int_equal(cp_health_fsm_init(&f, 5, 5), 0);
	assert_int_equal(feed(&f, "+++", tr, at, 4), 0);
	/* rise lowered to 2: a run of 3 already counts, the next ok makes it */
	assert_int_equal(cp_health_fsm_set_counts(&f, 2, 2), 0);
	assert_int_equal(f.ok_run, 2);
	assert_int_equal(feed(&f, "+", tr, at, 4), 1);
	assert_string_equal(tr[0].reason, "tcp: connected (2/2 ok)");
	assert_int_equal(cp_health_fsm_set_counts(&f, 0, 2), -EINVAL);
	assert_int_equal(f.rise, 2);
}

static void member(struct cp_health_fsm_member *m, enum cp_health_fsm_state s, int drained,
		   uint32_t weight)
{
	m->state = s;
	m->drained = (uint8_t)drained;
	m->weight = weight;
	m->serving = 0xee;
}

static void test_pool_normal_serves_healthy_not_drained(void **state)
{
	struct cp_health_fsm_member m[5];
	struct cp_health_fsm_verdict v;

	(void)state;
	member(&m[0], CP_HEALTH_FSM_HEALTHY, 0, 1);
	member(&m[1], CP_HEALTH_FSM_HEALTHY, 1, 1); /* drained */
	member(&m[2], CP_HEALTH_FSM_UNHEALTHY, 0, 1);
	member(&m[3], CP_HEALTH_FSM_PROBING, 0, 1);
	member(&m[4], CP_HEALTH_FSM_HEALTHY, 0, 0); /* weight 0 */
	assert_false(cp_health_fsm_select(m, 5, 0, &v));
	assert_int_equal(v.n_eligible, 3);
	assert_int_equal(v.n_healthy, 1);
	assert_int_equal(v.n_serving, 1);
	assert_false(v.panic);
	assert_int_equal(m[0].serving, 1);
	assert_int_equal(m[1].serving, 0);
	assert_int_equal(m[2].serving, 0);
	assert_int_equal(m[3].serving, 0);
	assert_int_equal(m[4].serving, 0);
}

static void test_pool_panic_threshold_zero(void **state)
{
	struct cp_health_fsm_member m[4];
	struct cp_health_fsm_verdict v;

	(void)state;
	member(&m[0], CP_HEALTH_FSM_UNHEALTHY, 0, 1);
	member(&m[1], CP_HEALTH_FSM_PROBING, 0, 2);
	member(&m[2], CP_HEALTH_FSM_UNHEALTHY, 1, 1); /* drained: still never */
	member(&m[3], CP_HEALTH_FSM_UNHEALTHY, 0, 0); /* weight 0: still never */
	/* nobody healthy: fail open to every eligible instance */
	assert_true(cp_health_fsm_select(m, 4, 0, &v));
	assert_int_equal(v.n_eligible, 2);
	assert_int_equal(v.n_healthy, 0);
	assert_int_equal(v.n_serving, 2);
	assert_int_equal(m[0].serving, 1);
	assert_int_equal(m[1].serving, 1);
	assert_int_equal(m[2].serving, 0);
	assert_int_equal(m[3].serving, 0);
	/* one comes back: panic ends, only it serves */
	m[1].state = CP_HEALTH_FSM_HEALTHY;
	assert_false(cp_health_fsm_select(m, 4, 0, &v));
	assert_int_equal(v.n_serving, 1);
	assert_int_equal(m[0].serving, 0);
	assert_int_equal(m[1].serving, 1);
}

static void test_pool_panic_threshold_percent(void **state)
{
	struct cp_health_fsm_member m[4];
	struct cp_health_fsm_verdict v;

	(void)state;
	for (int i = 0; i < 4; i++)
		member(&m[i], CP_HEALTH_FSM_HEALTHY, 0, 1);
	/* 4/4 healthy, threshold 50 */
	assert_false(cp_health_fsm_select(m, 4, 50, &v));
	assert_int_equal(v.n_serving, 4);
	/* 2/4 = 50 %: not below the threshold */
	m[0].state = CP_HEALTH_FSM_UNHEALTHY;
	m[1].state = CP_HEALTH_FSM_UNHEALTHY;
	assert_false(cp_health_fsm_select(m, 4, 50, &v));
	assert_int_equal(v.n_serving, 2);
	assert_int_equal(m[0].serving, 0);
	/* 1/4 = 25 % < 50 %: panic, all four serve */
	m[2].state = CP_HEALTH_FSM_UNHEALTHY;
	assert_true(cp_health_fsm_select(m, 4, 50, &v));
	assert_int_equal(v.n_healthy, 1);
	assert_int_equal(v.n_serving, 4);
	/* draining two unhealthy ones changes the share: 1/2 = 50 %, panic ends */
	m[0].drained = 1;
	m[1].drained = 1;
	assert_false(cp_health_fsm_select(m, 4, 50, &v));
	assert_int_equal(v.n_eligible, 2);
	assert_int_equal(v.n_serving, 1);
	assert_int_equal(m[3].serving, 1);
	assert_int_equal(m[2].serving, 0);
	/* threshold 100: anything less than all healthy panics; > 100 clamps */
	assert_true(cp_health_fsm_panic(9, 10, 100));
	assert_true(cp_health_fsm_panic(9, 10, 250));
	assert_false(cp_health_fsm_panic(10, 10, 250));
	/* 0 eligible: no panic, nothing serves */
	assert_false(cp_health_fsm_panic(0, 0, 50));
	assert_false(cp_health_fsm_select(m, 0, 50, &v));
	assert_int_equal(v.n_serving, 0);
}

static void test_pool_all_drained_is_explicit(void **state)
{
	struct cp_health_fsm_member m[2];
	struct cp_health_fsm_verdict v;

	(void)state;
	member(&m[0], CP_HEALTH_FSM_HEALTHY, 1, 1);
	member(&m[1], CP_HEALTH_FSM_UNHEALTHY, 1, 1);
	assert_false(cp_health_fsm_select(m, 2, 0, &v));
	assert_int_equal(v.n_eligible, 0);
	assert_int_equal(v.n_serving, 0);
	assert_false(cp_health_fsm_serves(CP_HEALTH_FSM_HEALTHY, true, 1, true));
	assert_false(cp_health_fsm_serves(CP_HEALTH_FSM_HEALTHY, false, 0, false));
	assert_true(cp_health_fsm_serves(CP_HEALTH_FSM_PROBING, false, 1, true));
	assert_false(cp_health_fsm_serves(CP_HEALTH_FSM_PROBING, false, 1, false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects_bad_counts),
		cmocka_unit_test(test_probing_needs_rise_successes),
		cmocka_unit_test(test_probing_to_unhealthy_after_fall),
		cmocka_unit_test(test_force_down),
		cmocka_unit_test(test_fall_exact_and_reason),
		cmocka_unit_test(test_flapping_never_transitions),
		cmocka_unit_test(test_set_counts_keeps_state),
		cmocka_unit_test(test_pool_normal_serves_healthy_not_drained),
		cmocka_unit_test(test_pool_panic_threshold_zero),
		cmocka_unit_test(test_pool_panic_threshold_percent),
		cmocka_unit_test(test_pool_all_drained_is_explicit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
