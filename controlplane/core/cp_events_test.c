/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cp_events: a real model's changes (instances found, drained, undrained,
 * removed; a pool into and out of panic) come out as exactly the JSON lines
 * docs/health.md shows, one per change, in order, flushed, stamped with the
 * wall clock of the change; a line that cannot be made is logged instead.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "cp_core_test.h"
#include "cp_events.h"
#include "cp_model.h"
#include "cp_test_util.h"

static void on_event(void *ctx, const struct cp_model_event *e)
{
	cp_events_print(ctx, e);
}

static uint64_t realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000ull + (uint64_t)ts.tv_nsec / 1000000ull;
}

/* One line expected: an instance's change (inst set) or a pool's. */
struct want {
	const char *pool, *inst, *old, *new, *reason;
};

/* The lines written to @f since *@from: @want[0..n), each stamped within [@lo_ms, @hi_ms]. */
static void expect_lines(FILE *f, long *from, const struct want *want, int n, uint64_t lo_ms,
			 uint64_t hi_ms)
{
	char line[2048], exp[1024];
	int i = 0;

	/* flushed by cp_events_print(): readable through the same FILE without a flush */
	fseek(f, *from, SEEK_SET);
	while (fgets(line, sizeof(line), f)) {
		const struct want *w = &want[i];
		struct tm tm = {0};
		unsigned int ms;
		char *rest;
		uint64_t at;

		assert_true(i < n);
		/* {"ts":"2026-11-25T12:00:00.123Z",... */
		assert_memory_equal(line, "{\"ts\":\"", 7);
		rest = strptime(line + 7, "%Y-%m-%dT%H:%M:%S", &tm);
		assert_non_null(rest);
		assert_int_equal(sscanf(rest, ".%3uZ\"", &ms), 1);
		at = (uint64_t)timegm(&tm) * 1000ull + ms;
		assert_in_range(at, lo_ms, hi_ms);
		if (w->inst)
			snprintf(exp, sizeof(exp),
				 ",\"kind\":\"health\",\"event\":\"instance\",\"pool\":\"%s\","
				 "\"instance\":\"%s\","
				 "\"old\":\"%s\",\"new\":\"%s\",\"reason\":\"%s\"}\n",
				 w->pool, w->inst, w->old, w->new, w->reason);
		else
			snprintf(exp, sizeof(exp),
				 ",\"kind\":\"health\",\"event\":\"pool\",\"pool\":\"%s\","
				 "\"instance\":null,\"old\":\"%s\","
				 "\"new\":\"%s\",\"reason\":\"%s\"}\n",
				 w->pool, w->old, w->new, w->reason);
		assert_string_equal(rest + 6, exp);
		i++;
	}
	assert_int_equal(i, n);
	*from = ftell(f);
}

static void test_model_changes_as_lines(void **state)
{
	FILE *out = tmpfile();
	struct cfg_events ec = {.output = CFG_EVENTS_STDOUT};
	char ewhy[128];
	struct cp_ev_out *eo = cp_ev_out_new(&ec, out, ewhy, sizeof(ewhy));
	struct cp_model_hooks hooks = {.event = on_event, .ctx = eo};
	struct cp_model *m = cp_model_new(&hooks);
	struct cfg c = {0};
	struct cfg_pool *web;
	char why[128];
	uint64_t t0, t1;
	long at = 0;
	(void)state;

	assert_non_null(out);
	assert_non_null(m);
	cpt_vip(&c, "web", "198.18.100.1", 80, "web");
	web = cpt_pool(&c, "web");
	cpt_backend(web, "198.18.1.11", 0, 1);
	cpt_backend(web, "198.18.1.12", 8080, 1);

	t0 = realtime_ms();
	assert_int_equal(cp_model_configure(m, &c), 0);
	t1 = realtime_ms();
	expect_lines(out, &at,
		     (const struct want[]){
			     {"web", "198.18.1.11:0", "absent", "healthy",
			      "discovered by static (no health checks)"},
			     {"web", "198.18.1.12:8080", "absent", "healthy",
			      "discovered by static (no health checks)"},
		     },
		     2, t0, t1);

	t0 = realtime_ms();
	assert_int_equal(cp_model_drain(m, "web", "198.18.1.11", true, why, sizeof(why)), 0);
	assert_int_equal(cp_model_drain(m, "web", "198.18.1.11", false, why, sizeof(why)), 0);
	t1 = realtime_ms();
	expect_lines(out, &at,
		     (const struct want[]){
			     {"web", "198.18.1.11:0", "healthy", "drained", "sluicectl drain"},
			     {"web", "198.18.1.11:0", "drained", "healthy", "sluicectl undrain"},
		     },
		     2, t0, t1);

	cpt_remove_backend(web, 1);
	t0 = realtime_ms();
	assert_int_equal(cp_model_configure(m, &c), 0);
	t1 = realtime_ms();
	expect_lines(out, &at,
		     (const struct want[]){
			     {"web", "198.18.1.12:8080", "healthy", "removed",
			      "no source lists it any more"},
		     },
		     1, t0, t1);

	cp_model_free(m);
	cpt_config_free(&c);
	cp_ev_out_free(eo);
	fclose(out);
}

/*
 * Health results through the model: instance lines carry the state
 * machine's reason; a pool whose healthy share falls under its
 * panic_threshold gets a "pool" line (no "instance" member), and another
 * when it recovers.
 */
static void test_health_and_panic_lines(void **state)
{
	FILE *out = tmpfile();
	struct cfg_events ec = {.output = CFG_EVENTS_STDOUT};
	char ewhy[128];
	struct cp_ev_out *eo = cp_ev_out_new(&ec, out, ewhy, sizeof(ewhy));
	struct cp_model_hooks hooks = {.event = on_event, .ctx = eo};
	struct cp_model *m = cp_model_new(&hooks);
	struct cp_model_inst *const *inst;
	struct cfg c = {0};
	struct cfg_pool *api;
	uint64_t t0, t1;
	long at = 0;
	(void)state;

	cpt_vip(&c, "api", "198.18.100.2", 80, "api");
	api = cpt_pool(&c, "api");
	cpt_health(api, CFG_HEALTH_CHECK_TCP);
	api->panic_threshold = 60;
	cpt_backend(api, "198.18.2.11", 0, 1);
	cpt_backend(api, "198.18.2.12", 0, 1);
	t0 = realtime_ms();
	assert_int_equal(cp_model_configure(m, &c), 0);
	assert_int_equal(cp_model_pool_instances(m, 0, &inst), 2);
	cp_model_health_result(m, inst[0], true, "tcp: connected");
	cp_model_health_result(m, inst[1], true, "tcp: connected");
	cp_model_health_result(m, inst[1], false, "tcp: connect refused");
	t1 = realtime_ms();
	expect_lines(
		out, &at,
		(const struct want[]){
			{"api", "198.18.2.11:0", "absent", "probing", "discovered by static"},
			{"api", "198.18.2.12:0", "absent", "probing", "discovered by static"},
			{"api", NULL, "normal", "panic",
			 "0 of 2 instances healthy, panic_threshold 60%: every instance serves"},
			{"api", "198.18.2.11:0", "probing", "healthy", "tcp: connected (1/1 ok)"},
			{"api", "198.18.2.12:0", "probing", "healthy", "tcp: connected (1/1 ok)"},
			{"api", NULL, "panic", "normal", "2 of 2 instances healthy"},
			{"api", "198.18.2.12:0", "healthy", "unhealthy",
			 "tcp: connect refused (1/1 failed)"},
			{"api", NULL, "normal", "panic",
			 "1 of 2 instances healthy, panic_threshold 60%: every instance serves"},
		},
		8, t0, t1);
	cp_model_free(m);
	cpt_config_free(&c);
	cp_ev_out_free(eo);
	fclose(out);
}

/* An event that does not fit a line: nothing written, one WARN naming it. */
static void test_unprintable_event_logged(void **state)
{
	char reason[4096];
	struct cp_model_event e = {
		.event = "instance",
		.pool = "web",
		.instance = "b1",
		.old_state = "healthy",
		.new_state = "unhealthy",
		.reason = reason,
	};
	FILE *out = tmpfile();
	struct cfg_events ec = {.output = CFG_EVENTS_STDOUT};
	char ewhy[128];
	struct cp_ev_out *eo = cp_ev_out_new(&ec, out, ewhy, sizeof(ewhy));
	struct cpt_log log;
	char *text;
	(void)state;

	memset(reason, 'x', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	cpt_log_begin(&log);
	cp_events_print(eo, &e);
	text = cpt_log_end(&log);
	assert_int_equal(ftell(out), 0);
	assert_int_equal(cpt_lines_with(text, " WARN  health: event instance web/b1 healthy -> "
					      "unhealthy not printed: No space left on device"),
			 1);
	assert_int_equal(cpt_lines_with(text, ""), 1);
	free(text);
	cp_ev_out_free(eo);
	fclose(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_changes_as_lines),
		cmocka_unit_test(test_health_and_panic_lines),
		cmocka_unit_test(test_unprintable_event_logged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
