/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cp_publish_sched on a daemon of the real parts: a real segment (this
 * test plays the dataplane's worker where acks matter) and real next hops
 * from the kernel, in a network namespace of this process (veth slps0 with
 * 198.18.220.1/24 and permanent neighbours, so backends resolve at once,
 * 198.18.220.99 never). The first build waits for the next hops (up to
 * neigh_timeout_ms); changes are coalesced by the build gap; nothing is
 * built while a publication waits for acks or into a slot a worker still
 * uses; an unacked publication times out naming the worker, and its admin
 * client is told; a next hop that changes is republished; drains are
 * logged as they start, end and are cancelled; a reload whose tables
 * cannot be built is reverted and the running config rebuilt; a build that
 * fails otherwise is logged and not retried; capped backends are logged;
 * a truncated segment stops every build. Needs root (suite kernel; skipped without).
 */
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cp_core_test.h"
#include "cp_publish_sched.h"
#include "cp_test_util.h"
#include "tl_netns.h"
#include "tl_suite.h"

#define IFACE "slps0"

static int sh(const char *cmd)
{
	int rc = system(cmd);

	if (rc != 0)
		fprintf(stderr, "failed (%d): %s\n", rc, cmd);
	return rc;
}

static int group_setup(void **state)
{
	(void)state;
	if (tl_netns_enter(IFACE, "slps1", "198.18.220.1/24"))
		return -1;
	return sh("for i in 11 12 13 14; do ip neigh add 198.18.220.$i lladdr 02:00:00:00:00:$i"
		  " dev " IFACE " nud permanent || exit 1; done");
}

static int setup(void **state)
{
	return cpt_fix_setup(state, "slps");
}

static int teardown(void **state)
{
	return cpt_fix_teardown(state);
}

/* Pool web with backends 198.18.220.<@last[i]>, on the test's port. */
static struct cfg *web_cfg(const struct cpt_fix *f, const int *last, int n)
{
	struct cfg *c = cpt_daemon_cfg(f->s.instance, IFACE, 2000);
	struct cfg_pool *web;
	char addr[16];

	snprintf(c->controlplane.admin_socket, sizeof(c->controlplane.admin_socket), "%s",
		 f->s.sock);
	c->controlplane.drain_timeout = 60;
	cpt_vip(c, "web", "198.18.100.1", 80, "web");
	web = cpt_pool(c, "web");
	for (int i = 0; i < n; i++) {
		snprintf(addr, sizeof(addr), "198.18.220.%u", (uint8_t)last[i]);
		cpt_backend(web, addr, 0, 1);
	}
	return c;
}

/* As cp_reload() does once a file is read and checked: the model follows @next, built now. */
static void reload(struct cpt_fix *f, struct cfg *next)
{
	struct cfg *old = f->d.cfg;

	next->controlplane = old->controlplane;
	f->d.cfg = next;
	assert_int_equal(cp_model_configure(f->d.model, next), 0);
	cp_publish_sched_reloaded(&f->d.sched, old);
}

static uint64_t gen(const struct cpt_fix *f)
{
	return SL_GEN_OF(__atomic_load_n(&f->d.shm.hdr->published, __ATOMIC_ACQUIRE));
}

/*
 * This test as the dataplane's one worker: attached, following the
 * published generation (@following), or nothing yet.
 */
static void dataplane_attach(struct cpt_fix *f, bool following)
{
	struct sl_shm_header *h = f->d.shm.hdr;

	__atomic_store_n(&sl_shm_ack(h, 0)->word, following ? h->published : 0, __ATOMIC_RELEASE);
	h->dp_workers = 1;
	__atomic_store_n(&h->dp_pid, (uint64_t)getpid(), __ATOMIC_RELEASE);
}

static void dataplane_ack(struct cpt_fix *f)
{
	struct sl_shm_header *h = f->d.shm.hdr;

	__atomic_store_n(&sl_shm_ack(h, 0)->word, h->published, __ATOMIC_RELEASE);
}

struct gen_at {
	struct cpt_fix *f;
	uint64_t gen;
};

/* Generation w->gen is published (acked or not). */
static bool gen_published(void *ctx)
{
	struct gen_at *w = ctx;

	cpt_daemon_turn(&w->f->d);
	return gen(w->f) >= w->gen;
}

static void until_gen(struct cpt_fix *f, uint64_t g)
{
	struct gen_at w = {f, g};

	assert_true(cpt_run_until(f->d.loop, gen_published, &w));
	assert_int_equal(gen(f), g);
}

static void turn_for(struct cpt_fix *f, uint32_t ms)
{
	uint64_t end = cp_loop_now_ns() + ms * 1000000ull;

	while (cp_loop_now_ns() < end)
		cpt_daemon_turn(&f->d);
}

static void test_first_build_waits_for_next_hops(void **state)
{
	struct cpt_fix *f = *state;
	const int resolved[] = {11, 12}, one_not[] = {11, 12, 99};
	struct cpt_log log;
	char *text;

	/* every next hop known: published inside the start */
	assert_int_equal(cpt_daemon_start(&f->d, web_cfg(f, resolved, 2), "test.conf", f->s.events),
			 0);
	assert_int_equal(gen(f), 1);
	assert_false(f->d.sched.starting);
	assert_int_equal(cpt_published(&f->d, "198.18.220.11")->flags,
			 SL_BACKEND_F_ACTIVE | SL_BACKEND_F_RESOLVED);
	assert_memory_equal(cpt_published(&f->d, "198.18.220.12")->dst_mac,
			    "\x02\x00\x00\x00\x00\x12", 6);
	assert_int_equal(cpt_published(&f->d, "198.18.220.12")->tx_port, 0);
	cpt_daemon_stop(&f->d);

	/* one never answers: nothing until neigh_timeout_ms, then without it */
	cpt_log_begin(&log);
	assert_int_equal(cpt_daemon_start(&f->d, web_cfg(f, one_not, 3), "test.conf", f->s.events),
			 0);
	f->d.cfg->controlplane.neigh_timeout_ms = 300;
	assert_int_equal(gen(f), 0);
	assert_true(f->d.sched.starting);
	assert_int_equal(f->d.sched.tick_ms, CP_PUBLISH_SCHED_BUSY_MS);
	until_gen(f, 1);
	text = cpt_log_end(&log);
	assert_true(cp_loop_now_ns() - f->d.sched.start_ns >= 300 * 1000000ull);
	assert_int_equal(cpt_lines_with(text, " WARN  neigh: 1 backends still unresolved after 300 "
					      "ms: publishing without them"),
			 1);
	assert_int_equal(cpt_lines_with(text,
					" INFO  publish: published generation 1 (slot 0): 1 "
					"VIPs, 1 pools, 3 backends (2 active, 1 unresolved, 0 "
					"down, 3 new, 0 removed), 0 draining; Maglev tables: 1 "
					"computed, 0 unchanged"),
			 1);
	assert_int_equal(
		cpt_lines_with(text, " INFO  publish: generation 1: no dataplane attached"), 1);
	free(text);
	assert_int_equal(cpt_published(&f->d, "198.18.220.99")->flags, 0);
}

/* A burst of changes within the build gap: one build, at the end of the gap. */
static void test_changes_coalesced(void **state)
{
	struct cpt_fix *f = *state;
	const int b[] = {11, 12};
	char why[128];
	uint64_t builds, last;

	assert_int_equal(cpt_daemon_start(&f->d, web_cfg(f, b, 2), "test.conf", f->s.events), 0);
	assert_int_equal(cp_model_drain(f->d.model, "web", "198.18.220.11:0", true, why, 128), 0);
	until_gen(f, 2);
	builds = f->d.sched.n_builds;
	last = f->d.sched.last_build_ns;
	assert_int_equal(cp_model_drain(f->d.model, "web", "198.18.220.12:0", true, why, 128), 0);
	assert_int_equal(cp_model_drain(f->d.model, "web", "198.18.220.11:0", false, why, 128), 0);
	assert_int_equal(cp_model_drain(f->d.model, "web", "198.18.220.12:0", false, why, 128), 0);
	assert_int_equal(cp_model_drain(f->d.model, "web", "198.18.220.12:0", true, why, 128), 0);
	cp_loop_run_once(f->d.loop, 0);
	/* the coalesce timer now waits for the end of the gap */
	assert_true(cp_loop_timer_armed(&f->d.sched.coalesce));
	assert_int_equal(f->d.sched.coalesce.deadline_ns,
			 last + CP_PUBLISH_SCHED_GAP_MS * 1000000ull);
	assert_int_equal(f->d.sched.n_builds, builds);
	until_gen(f, 3);
	assert_int_equal(f->d.sched.n_builds, builds + 1);
	assert_true(f->d.sched.last_build_ns >= last + CP_PUBLISH_SCHED_GAP_MS * 1000000ull);
	assert_int_equal(cpt_published(&f->d, "198.18.220.11")->weight, 1);
	assert_int_equal(cpt_published(&f->d, "198.18.220.12")->weight, 0);
	turn_for(f, 2 * CP_PUBLISH_SCHED_GAP_MS);
	assert_int_equal(f->d.sched.n_builds, builds + 1);
}

/* Nothing is built while a publication waits for the worker; its ack lets the next one go. */
static void test_waits_for_acks(void **state)
{
	struct cpt_fix *f = *state;
	const int b[] = {11, 12};
	char why[128];
	uint64_t builds;

	assert_int_equal(cpt_daemon_start(&f->d, web_cfg(f, b, 2), "test.conf", f->s.events), 0);
	/* a worker that acked nothing yet: no slot is in use, only the wait holds builds back */
	dataplane_attach(f, false);
	assert_int_equal(cp_model_drain(f->d.model, "web", "198.18.220.11:0", true, why, 128), 0);
	until_gen(f, 2);
	assert_int_not_equal(f->d.sched.pub.word, 0);
	assert_int_equal(f->d.sched.tick_ms, CP_PUBLISH_SCHED_BUSY_MS);
	builds = f->d.sched.n_builds;
	assert_int_equal(cp_model_drain(f->d.model, "web", "198.18.220.12:0", true, why, 128), 0);
	turn_for(f, 3 * CP_PUBLISH_SCHED_GAP_MS);
	assert_int_equal(f->d.sched.n_builds, builds);
	assert_int_equal(gen(f), 2);
	dataplane_ack(f);
	until_gen(f, 3);
	assert_int_equal(cpt_published(&f->d, "198.18.220.12")->weight, 0);
	dataplane_ack(f);
	turn_for(f, 20);
	assert_int_equal(f->d.sched.pub.word, 0);
	assert_int_equal(f->d.sched.tick_ms, CP_PUBLISH_SCHED_IDLE_MS);
}

/* A worker that does not ack: timed out, named, and the admin client told. */
static void test_ack_timeout(void **state)
{
	struct cpt_fix *f = *state;
	const int b[] = {11, 12};
	struct cpt_log log;
	char reply[512], *text;
	int fd;

	assert_int_equal(cpt_daemon_start(&f->d, web_cfg(f, b, 2), "test.conf", f->s.events), 0);
	f->d.cfg->controlplane.publish_timeout_ms = 100;
	f->d.sched.pub.timeout_ms = 100;
	dataplane_attach(f, true);
	cpt_log_begin(&log);
	fd = cpt_admin_send(f->s.sock, "drain web 198.18.220.11:0\n");
	assert_true(cpt_admin_reply(&f->d, fd, reply, sizeof(reply)));
	text = cpt_log_end(&log);
	assert_string_equal(reply, "{\"ok\":false,\"error\":\"generation 2: worker 0 did not ack "
				   "within 100 ms (acks generation 1)\"}\n");
	assert_int_equal(cpt_lines_with(text, " WARN  publish: generation 2: worker 0 did not ack "
					      "within 100 ms (acks generation 1)"),
			 1);
	free(text);
}

/* A worker still on the slot to write: waiting (said once), then built when it moves on. */
static void test_slot_in_use(void **state)
{
	struct cpt_fix *f = *state;
	const int b[] = {11, 12};
	struct cpt_log log;
	char why[128], *text;
	uint64_t builds;

	assert_int_equal(cpt_daemon_start(&f->d, web_cfg(f, b, 2), "test.conf", f->s.events), 0);
	f->d.sched.pub.timeout_ms = 50;
	dataplane_attach(f, true); /* on generation 1, slot 0 */
	assert_int_equal(cp_model_drain(f->d.model, "web", "198.18.220.11:0", true, why, 128), 0);
	until_gen(f, 2); /* slot 1: never acked, times out */
	cpt_log_begin(&log);
	turn_for(f, 100);
	builds = f->d.sched.n_builds;
	assert_int_equal(cp_model_drain(f->d.model, "web", "198.18.220.12:0", true, why, 128), 0);
	turn_for(f, 2 * CP_PUBLISH_SCHED_GAP_MS);
	text = cpt_log_end(&log);
	assert_int_equal(f->d.sched.n_builds, builds);
	assert_true(f->d.sched.busy_logged);
	assert_int_equal(f->d.sched.tick_ms, CP_PUBLISH_SCHED_BUSY_MS);
	assert_int_equal(cpt_lines_with(text,
					" INFO  publish: waiting: a worker still uses the slot "
					"to write"),
			 1);
	free(text);
	dataplane_ack(f); /* the worker follows generation 2 (slot 1): slot 0 is free */
	until_gen(f, 3);
	assert_false(f->d.sched.busy_logged);
}

/* The kernel moves a next hop: the tables follow without any other change. */
static void test_next_hop_change_republished(void **state)
{
	struct cpt_fix *f = *state;
	const int b[] = {13};

	assert_int_equal(cpt_daemon_start(&f->d, web_cfg(f, b, 1), "test.conf", f->s.events), 0);
	assert_memory_equal(cpt_published(&f->d, "198.18.220.13")->dst_mac,
			    "\x02\x00\x00\x00\x00\x13", 6);
	assert_int_equal(sh("ip neigh replace 198.18.220.13 lladdr 02:00:00:00:00:99 dev " IFACE
			    " nud permanent"),
			 0);
	until_gen(f, 2);
	assert_memory_equal(cpt_published(&f->d, "198.18.220.13")->dst_mac,
			    "\x02\x00\x00\x00\x00\x99", 6);
	assert_int_equal(sh("ip neigh replace 198.18.220.13 lladdr 02:00:00:00:00:13 dev " IFACE
			    " nud permanent"),
			 0);
	until_gen(f, 3);
}

static void test_drains_logged(void **state)
{
	struct cpt_fix *f = *state;
	const int two[] = {11, 12}, one[] = {11};
	struct cpt_log log;
	char *text;

	assert_int_equal(cpt_daemon_start(&f->d, web_cfg(f, two, 2), "test.conf", f->s.events), 0);
	f->d.cfg->controlplane.drain_timeout = 1;
	cpt_log_begin(&log);
	reload(f, web_cfg(f, one, 1));
	reload(f, web_cfg(f, two, 2)); /* a reload is built at once, gap or not */
	until_gen(f, 3);
	text = cpt_log_end(&log);
	assert_int_equal(cpt_lines_with(text, " INFO  config: reload of test.conf accepted"), 2);
	assert_int_equal(cpt_lines_with(text,
					" INFO  tables: backend 198.18.220.12:0 (pool web) "
					"removed: draining, established flows stay up to 1 s"),
			 1);
	assert_int_equal(cpt_lines_with(text, " INFO  tables: backend 198.18.220.12:0 is back: no "
					      "longer draining"),
			 1);
	free(text);
	assert_int_equal(cpt_published(&f->d, "198.18.220.12")->flags,
			 SL_BACKEND_F_ACTIVE | SL_BACKEND_F_RESOLVED);

	cpt_log_begin(&log);
	reload(f, web_cfg(f, one, 1));
	until_gen(f, 4);
	assert_int_equal(cpt_published(&f->d, "198.18.220.12")->flags,
			 SL_BACKEND_F_ACTIVE | SL_BACKEND_F_RESOLVED | SL_BACKEND_F_DRAINING);
	/* the drain deadline passes: built again without it */
	until_gen(f, 5);
	text = cpt_log_end(&log);
	assert_null(cpt_published(&f->d, "198.18.220.12"));
	assert_int_equal(cpt_lines_with(text, " INFO  tables: backend 198.18.220.12:0 finished "
					      "draining, removed"),
			 1);
	free(text);
}

/* A reload whose tables cannot be built: the model goes back to the running config. */
static void test_unbuildable_reload_reverted(void **state)
{
	struct cpt_fix *f = *state;
	const int two[] = {11, 12}, three[] = {11, 12, 13};
	struct cfg *running, *bad;
	struct cpt_log log;
	char name[16], *text;

	assert_int_equal(cpt_daemon_start(&f->d, web_cfg(f, two, 2), "test.conf", f->s.events), 0);
	running = f->d.cfg;
	bad = web_cfg(f, three, 3);
	bad->vips = realloc(bad->vips, 16 * sizeof(*bad->vips));
	for (int i = 1; i < 9; i++) {
		snprintf(name, sizeof(name), "v%d", i);
		cpt_vip(bad, name, "198.18.100.9", (uint16_t)(1000 + i), "web");
	}
	cpt_log_begin(&log);
	reload(f, bad);
	text = cpt_log_end(&log);
	assert_int_equal(cpt_lines_with(text, " ERROR config: reload refused: test.conf: 9 VIPs "
					      "configured, the segment holds 8"),
			 1);
	assert_int_equal(cpt_lines_with(text, "accepted"), 0);
	free(text);
	assert_ptr_equal(f->d.cfg, running);
	assert_null(f->d.sched.prev);
	assert_null(cp_model_find(f->d.model, "web", "198.18.220.13:0"));
	assert_int_equal(gen(f), 1);
	/* the running config is built again (its instances were configured anew) */
	until_gen(f, 2);
	assert_int_equal(sl_slot_hdr(f->d.shm.hdr, 1)->n_vips, 1);
	assert_null(cpt_published(&f->d, "198.18.220.13"));
}

/* A build that fails without a reload to go back to: logged, not retried. */
static void test_failed_build_not_retried(void **state)
{
	struct cpt_fix *f = *state;
	const int b[] = {11};
	struct cfg *c = web_cfg(f, b, 1);
	struct cpt_log log;
	char name[16], *text;

	c->vips = realloc(c->vips, 16 * sizeof(*c->vips));
	for (int i = 1; i < 9; i++) {
		snprintf(name, sizeof(name), "v%d", i);
		cpt_vip(c, name, "198.18.100.9", (uint16_t)(1000 + i), "web");
	}
	cpt_log_begin(&log);
	assert_int_equal(cpt_daemon_start(&f->d, c, "test.conf", f->s.events), 0);
	turn_for(f, 3 * CP_PUBLISH_SCHED_GAP_MS);
	text = cpt_log_end(&log);
	assert_int_equal(cpt_lines_with(text, " ERROR tables: generation 1 not built: 9 VIPs "
					      "configured, the segment holds 8"),
			 1);
	free(text);
	assert_int_equal(f->d.sched.n_builds, 1);
	assert_false(f->d.sched.dirty);
	assert_int_equal(gen(f), 0);
}

/* Backends past tables.max_backends: said when their number changes. */
static void test_capped_logged(void **state)
{
	struct cpt_fix *f = *state;
	const int three[] = {11, 12, 13}, two[] = {11, 12};
	struct cfg *c = web_cfg(f, three, 3), *next = web_cfg(f, two, 2);
	struct cpt_log log;
	char *text;

	c->tables.max_backends = 2;
	next->tables.max_backends = 2;
	cpt_log_begin(&log);
	assert_int_equal(cpt_daemon_start(&f->d, c, "test.conf", f->s.events), 0);
	assert_int_equal(gen(f), 1);
	reload(f, next);
	until_gen(f, 2);
	text = cpt_log_end(&log);
	assert_int_equal(cpt_lines_with(text, " WARN  tables: tables.max_backends (2) reached: 1 "
					      "backends not published (the first in pool web); the "
					      "others are"),
			 1);
	assert_int_equal(cpt_lines_with(text, " INFO  tables: every backend is published again "
					      "(tables.max_backends 2)"),
			 1);
	free(text);
	assert_int_equal(f->d.sched.n_capped, 0);
}

/* A segment truncated under the daemon: said once, nothing more is built or touched. */
static void test_segment_lost(void **state)
{
	struct cpt_fix *f = *state;
	const int b[] = {11, 12};
	struct cpt_log log;
	char path[128], *text, want[256];
	uint64_t builds;
	char why[128];
	int fd;

	assert_int_equal(cpt_daemon_start(&f->d, web_cfg(f, b, 2), "test.conf", f->s.events), 0);
	snprintf(path, sizeof(path), "/dev/shm/sluice-%s", f->s.instance);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 4096), 0);
	close(fd);
	builds = f->d.sched.n_builds;
	cpt_log_begin(&log);
	assert_int_equal(cp_model_drain(f->d.model, "web", "198.18.220.11:0", true, why, 128), 0);
	for (int i = 0; i < 50; i++)
		cpt_daemon_turn(&f->d);
	text = cpt_log_end(&log);
	assert_true(f->d.sched.shm_lost);
	assert_int_equal(f->d.sched.n_builds, builds);
	snprintf(want, sizeof(want),
		 " ERROR shm: /dev/shm/sluice-%s shrank to 4096 bytes under us (the segment is "
		 "%zu): "
		 "someone truncated it; not touching it again; exiting",
		 f->s.instance, f->d.shm.size);
	assert_int_equal(cpt_lines_with(text, want), 1);
	assert_int_equal(cpt_lines_with(text, "shrank"), 1);
	free(text);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_build_waits_for_next_hops, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_changes_coalesced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_waits_for_acks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slot_in_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_hop_change_republished, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drains_logged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unbuildable_reload_reverted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_build_not_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capped_logged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_segment_lost, setup, teardown),
	};

	const struct tl_group groups[] = {
		{"cp_publish_sched", "kernel", TL_TESTS(tests), group_setup, NULL, TL_NEED_NETNS},
	};

	return tl_suite_run(argc, argv, groups, 1);
}
