/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cp_passive_wire on a daemon of the real parts and a real segment, the
 * test writing the connect failures as the dataplane's workers do (into
 * their statistics blocks, dp_workers set): counts summed over the workers
 * in use; fewer than passive_fall in a window change nothing; a count
 * that goes back (a restarted dataplane) is a new base, not failures;
 * passive_fall in one window mark the instance down (the event, the log
 * line, the published record), and it comes back after rise quiet windows
 * without probes, or through a probe's ok with them; a reload that turns
 * passive_fall off and on again is followed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cp_core_test.h"
#include "cp_passive_wire.h"
#include "cp_test_util.h"

static int setup(void **state)
{
	return cpt_fix_setup(state, "slpw");
}

static int teardown(void **state)
{
	return cpt_fix_teardown(state);
}

/* Pool web (VIP web) with backends .11 and .12 (port @port), passive_fall 3 every 20 ms. */
static struct cfg *web_cfg(const struct cpt_fix *f, uint8_t type, uint16_t port)
{
	struct cfg *c = cpt_daemon_cfg(f->s.instance, "", 0);
	struct cfg_pool *web;

	cpt_vip(c, "web", "198.18.100.1", 80, "web");
	web = cpt_pool(c, "web");
	cpt_health(web, type);
	web->health.rise = 2;
	web->health.passive_fall = 3;
	cpt_backend(web, "198.18.1.11", port, 1);
	cpt_backend(web, "198.18.1.12", port, 1);
	return c;
}

/* The slot index of the published backend at @addr. */
static uint32_t slot_of(const struct cpt_fix *f, const char *addr)
{
	const struct sl_shm_header *h = f->d.shm.hdr;
	const struct sl_backend *b = cpt_published(&f->d, addr);

	assert_non_null(b);
	return (uint32_t)(b - sl_slot_backends(h, SL_SLOT_OF(h->published)));
}

/* Worker @worker's connect failures of slot @slot, as its own counter. */
static uint64_t *failures(const struct cpt_fix *f, uint32_t worker, uint32_t slot)
{
	const struct sl_shm_header *h = f->d.shm.hdr;

	return &sl_stats_backends(h, sl_shm_worker_stats(h, worker))[slot].connect_failures;
}

struct base_is {
	struct cpt_fix *f;
	uint32_t slot;
	uint64_t base;
};

/* The wire has taken @base as the count of the slot (a window consumed it). */
static bool base_is(void *ctx)
{
	struct base_is *w = ctx;
	const struct cp_passive_wire *p = &w->f->d.passive;

	cpt_daemon_turn(&w->f->d);
	return w->slot < p->n_slots && p->slots[w->slot].uid && p->slots[w->slot].base == w->base;
}

static void until_base(struct cpt_fix *f, uint32_t slot, uint64_t base)
{
	struct base_is w = {f, slot, base};

	assert_true(cpt_run_until(f->d.loop, base_is, &w));
}

/* The event lines so far, each from its "event" member on, joined by '\n'. */
static const char *events(const struct cpt_fix *f)
{
	static char text[8192];
	char line[1024];
	size_t o = 0;

	text[0] = '\0';
	fflush(f->s.events);
	rewind(f->s.events);
	while (fgets(line, sizeof(line), f->s.events)) {
		const char *e = strstr(line, "\"event\"");

		if (e)
			o += (size_t)snprintf(text + o, sizeof(text) - o, "%s", e);
	}
	return text;
}

struct event_seen {
	struct cpt_fix *f;
	const char *what;
};

static bool event_seen(void *ctx)
{
	struct event_seen *w = ctx;

	cpt_daemon_turn(&w->f->d);
	return strstr(events(w->f), w->what) != NULL;
}

static void until_event(struct cpt_fix *f, const char *what)
{
	struct event_seen w = {f, what};

	assert_true(cpt_run_until(f->d.loop, event_seen, &w));
}

struct published_down {
	struct cpt_fix *f;
	const char *addr;
	bool down;
};

/* The published record of w->addr is down (weight 0, no flags) as w->down says. */
static bool published_down(void *ctx)
{
	struct published_down *w = ctx;
	const struct sl_backend *b;

	cpt_daemon_turn(&w->f->d);
	b = cpt_published(&w->f->d, w->addr);
	return b && (b->weight == 0) == w->down;
}

static void until_published(struct cpt_fix *f, const char *addr, bool down)
{
	struct published_down w = {f, addr, down};

	assert_true(cpt_run_until(f->d.loop, published_down, &w));
}

/* What sluiced reads: the workers in use, no more (max_workers bounds a wrong count). */
/*
 * Stopped without a start (sluiced's start failed before it): the loop's
 * other timers stay as they were.
 */
static void test_stop_without_start(void **state)
{
	struct cp_loop *l = cp_loop_new();
	struct cp_loop_timer other;
	struct cp_passive_wire w;
	struct cfg *none = NULL;

	(void)state;
	assert_non_null(l);
	cp_loop_timer_init(&other, NULL, NULL);
	assert_int_equal(cp_loop_timer_at(l, &other, cp_loop_now_ns() + 1000000000ull), 0);
	cp_passive_wire_init(&w, l, NULL, NULL, &none);
	cp_passive_wire_stop(&w);
	assert_int_equal(cp_loop_timers(l), 1);
	assert_true(cp_loop_timer_armed(&other));
	cp_loop_timer_cancel(l, &other);
	assert_int_equal(cp_loop_timers(l), 0);
	cp_loop_free(l);
}

static void test_failures_summed_over_workers(void **state)
{
	struct cpt_fix *f = *state;
	struct sl_shm_header *h;
	uint32_t s;

	assert_int_equal(cpt_daemon_start(&f->d, web_cfg(f, CFG_HEALTH_CHECK_NONE, 80), "test.conf",
					  f->s.events),
			 0);
	assert_true(cpt_daemon_until_gen(&f->d, 1));
	h = f->d.shm.hdr;
	s = slot_of(f, "198.18.1.12");
	*failures(f, 0, s) = 2;
	*failures(f, 1, s) = 3;
	assert_int_equal(cp_passive_wire_failures(h, s), 0); /* no dataplane: no worker */
	h->dp_workers = 1;
	assert_int_equal(cp_passive_wire_failures(h, s), 2);
	h->dp_workers = 2;
	assert_int_equal(cp_passive_wire_failures(h, s), 5);
	h->dp_workers = 7; /* more than the segment has blocks for */
	assert_int_equal(cp_passive_wire_failures(h, s), 5);
	assert_int_equal(cp_passive_wire_failures(h, slot_of(f, "198.18.1.11")), 0);
}

/* Without probes: down at 3 failures in a window, back after 2 quiet windows. */
static void test_down_and_back_without_probes(void **state)
{
	struct cpt_fix *f = *state;
	struct cpt_log log;
	char *text;
	uint32_t s;

	assert_int_equal(cpt_daemon_start(&f->d, web_cfg(f, CFG_HEALTH_CHECK_NONE, 80), "test.conf",
					  f->s.events),
			 0);
	assert_true(cpt_daemon_until_gen(&f->d, 1));
	f->d.shm.hdr->dp_workers = 2;
	s = slot_of(f, "198.18.1.11");
	until_base(f, s, 0);
	/* two in a window: below passive_fall */
	*failures(f, 0, s) += 1;
	*failures(f, 1, s) += 1;
	until_base(f, s, 2);
	/* the dataplane restarted: its counters start from zero again, which is no failure */
	*failures(f, 0, s) = 0;
	*failures(f, 1, s) = 0;
	until_base(f, s, 0);
	assert_null(strstr(events(f), "unhealthy"));

	cpt_log_begin(&log);
	*failures(f, 0, s) += 2;
	*failures(f, 1, s) += 1;
	until_event(f, "\"new\":\"unhealthy\"");
	text = cpt_log_end(&log);
	assert_int_equal(cpt_lines_with(text,
					" WARN  health: web/198.18.1.11:80: unhealthy: "
					"passive: 3 connect failures in 20 ms (passive_fall 3)"),
			 1);
	free(text);
	until_published(f, "198.18.1.11", true);
	assert_int_equal(cpt_published(&f->d, "198.18.1.11")->flags, 0);
	until_event(f, "\"old\":\"unhealthy\"");
	until_published(f, "198.18.1.11", false);
	assert_string_equal(
		events(f),
		"\"event\":\"instance\",\"pool\":\"web\",\"instance\":\"198.18.1.11:80\","
		"\"old\":\"absent\",\"new\":\"healthy\",\"reason\":\"discovered by static (no "
		"health checks)\"}\n"
		"\"event\":\"instance\",\"pool\":\"web\",\"instance\":\"198.18.1.12:80\","
		"\"old\":\"absent\",\"new\":\"healthy\",\"reason\":\"discovered by static (no "
		"health checks)\"}\n"
		"\"event\":\"instance\",\"pool\":\"web\",\"instance\":\"198.18.1.11:80\","
		"\"old\":\"healthy\",\"new\":\"unhealthy\",\"reason\":\"passive: 3 connect "
		"failures "
		"in 20 ms (passive_fall 3)\"}\n"
		"\"event\":\"instance\",\"pool\":\"web\",\"instance\":\"198.18.1.11:80\","
		"\"old\":\"unhealthy\",\"new\":\"healthy\",\"reason\":\"passive: no connect "
		"failure "
		"in 20 ms (2/2 ok)\"}\n");
	assert_int_equal(cpt_published(&f->d, "198.18.1.11")->weight, 1);
}

/* With probes: down at 3 failures, back through the probes' rise, not quiet windows. */
static void test_down_and_back_through_probes(void **state)
{
	struct cpt_fix *f = *state;
	struct cpt_srv srv;
	struct cfg *c;
	uint32_t s;

	c = cpt_daemon_cfg(f->s.instance, "", 0);
	cpt_vip(c, "web", "198.18.100.1", 80, "web");
	cpt_health(cpt_pool(c, "web"), CFG_HEALTH_CHECK_TCP);
	c->pools[0].health.rise = 2;
	c->pools[0].health.passive_fall = 3;
	assert_int_equal(cpt_daemon_start(&f->d, c, "test.conf", f->s.events), 0);
	cpt_srv_start(&srv, f->d.loop, 0, "");
	cpt_backend(&c->pools[0], "127.0.0.1", srv.port, 1);
	assert_int_equal(cp_model_configure(f->d.model, c), 0);
	until_event(f, "\"new\":\"healthy\",\"reason\":\"tcp: connected (2/2 ok)\"");
	until_published(f, "127.0.0.1", false);
	f->d.shm.hdr->dp_workers = 2;
	s = slot_of(f, "127.0.0.1");
	until_base(f, s, 0);
	*failures(f, 1, s) += 3;
	until_event(f, "\"old\":\"healthy\",\"new\":\"unhealthy\",\"reason\":\"passive: 3 connect "
		       "failures in 20 ms (passive_fall 3)\"");
	until_event(f, "\"old\":\"unhealthy\",\"new\":\"healthy\",\"reason\":\"tcp: connected (2/2 "
		       "ok)\"");
	cpt_srv_stop(&srv);
}

/* The running config changed in place (a reload): passive_fall 0 stops the checks, 3 again restarts
 * them. */
static void test_reload_changes_passive(void **state)
{
	struct cpt_fix *f = *state;
	uint32_t s;

	assert_int_equal(cpt_daemon_start(&f->d, web_cfg(f, CFG_HEALTH_CHECK_NONE, 80), "test.conf",
					  f->s.events),
			 0);
	assert_true(cpt_daemon_until_gen(&f->d, 1));
	f->d.shm.hdr->dp_workers = 2;
	s = slot_of(f, "198.18.1.12");
	until_base(f, s, 0);
	f->d.cfg->pools[0].health.passive_fall = 0;
	assert_int_equal(cp_model_configure(f->d.model, f->d.cfg), 0);
	*failures(f, 0, s) += 50;
	cpt_run_for(f->d.loop, 100); /* five windows of the old interval */
	assert_null(strstr(events(f), "unhealthy"));
	f->d.cfg->pools[0].health.passive_fall = 3;
	assert_int_equal(cp_model_configure(f->d.model, f->d.cfg), 0);
	until_base(f, s, 50);
	*failures(f, 1, s) += 3;
	until_event(f, "\"instance\":\"198.18.1.12:80\",\"old\":\"healthy\",\"new\":\"unhealthy\","
		       "\"reason\":\"passive: 3 connect failures in 20 ms (passive_fall 3)\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stop_without_start),
		cmocka_unit_test_setup_teardown(test_failures_summed_over_workers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_down_and_back_without_probes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_down_and_back_through_probes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_changes_passive, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
