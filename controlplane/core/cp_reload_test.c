/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cp_reload with config files and a daemon of the real parts on a real
 * segment: the first load logs what the file holds and warns of implicit
 * pools, or names FILE:LINE: KEY; a reload is handed to the model and
 * built at once (accepted: the old config goes); a file refused for its
 * syntax, its geometry or its instance leaves the running config, the
 * model and the tables as they were, with the exact reason; a reload
 * arriving while the last build waits for the dataplane replaces an
 * earlier one not built yet, and the config before both is what a failed
 * build would go back to.
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
#include "cp_reload.h"

static int setup(void **state)
{
	return cpt_fix_setup(state, "slrl");
}

static int teardown(void **state)
{
	return cpt_fix_teardown(state);
}

/* The config file: @instance, tables with @max_vips, pool web with @backends, more text. */
static void write_conf(const struct cpt_fix *f, const char *instance, unsigned int max_vips,
		       const char *backends, const char *more)
{
	FILE *o = fopen(f->s.conf, "w");

	assert_non_null(o);
	fprintf(o,
		"instance = \"%s\";\n"
		"tables = { max_workers = 2; max_vips = %u; max_pools = 4; max_backends = 16;\n"
		"           maglev_size = 251; };\n"
		"controlplane = { neigh_timeout_ms = 0; admin_socket = \"%s/admin.sock\"; };\n"
		"vips = ( { name = \"web\"; address = \"198.18.100.1\"; port = 80; pool = \"web\"; "
		"} "
		"%s);\n"
		"pools = ( { name = \"web\"; backends = ( %s ); } );\n",
		instance, max_vips, f->s.dir, more, backends);
	fclose(o);
}

/* The daemon from the file as it is now, its first generation published. */
static void start(struct cpt_fix *f)
{
	struct cfg *c = NULL;

	assert_int_equal(cp_reload_first(f->s.conf, &c), 0);
	assert_int_equal(cpt_daemon_start(&f->d, c, f->s.conf, f->s.events), 0);
	assert_true(cpt_daemon_until_gen(&f->d, 1));
}

static void test_first_load(void **state)
{
	struct cpt_fix *f = *state;
	struct cfg *c = NULL;
	struct cpt_log log;
	char *text, want[512];

	write_conf(f, f->s.instance, 8, "{ address = \"198.18.1.11\"; }",
		   ", { name = \"api\"; address = \"198.18.100.2\"; port = 80; pool = \"api\"; }");
	cpt_log_begin(&log);
	assert_int_equal(cp_reload_first(f->s.conf, &c), 0);
	text = cpt_log_end(&log);
	assert_non_null(c);
	assert_int_equal(c->n_pools, 2);
	snprintf(want, sizeof(want), " INFO  config: %s: instance %s, 2 VIPs, 2 pools, 0 ports",
		 f->s.conf, f->s.instance);
	assert_int_equal(cpt_lines_with(text, want), 1);
	snprintf(want, sizeof(want),
		 " WARN  config: %s:5: pool \"api\" is named by a VIP but not defined: discovery "
		 "(file, etcd) fills it",
		 f->s.conf);
	assert_int_equal(cpt_lines_with(text, want), 1);
	free(text);
	cfg_free(c);
	free(c);

	write_conf(f, "edge 1", 8, "", "");
	c = NULL;
	cpt_log_begin(&log);
	assert_int_equal(cp_reload_first(f->s.conf, &c), -EINVAL);
	text = cpt_log_end(&log);
	assert_null(c);
	snprintf(want, sizeof(want),
		 " ERROR config: %s:1: instance: \"edge 1\" is not 1-31 of [A-Za-z0-9_-]",
		 f->s.conf);
	assert_int_equal(cpt_lines_with(text, want), 1);
	free(text);
}

static void test_reload_built_at_once(void **state)
{
	struct cpt_fix *f = *state;
	struct cpt_log log;
	const struct cfg *before;
	char why[1024] = "", *text, want[512];
	uint64_t builds;

	write_conf(f, f->s.instance, 8, "{ address = \"198.18.1.11\"; }", "");
	start(f);
	before = f->d.cfg;
	builds = f->d.sched.n_builds;
	write_conf(f, f->s.instance, 8,
		   "{ address = \"198.18.1.11\"; }, { address = \"198.18.1.12\"; }", "");
	cpt_log_begin(&log);
	assert_int_equal(cp_reload(&f->d.sched, f->s.conf, why, sizeof(why)), 0);
	text = cpt_log_end(&log);
	assert_string_equal(why, "");
	/* built inside the call, though the last build was a moment ago */
	assert_int_equal(f->d.sched.n_builds, builds + 1);
	assert_int_equal(SL_GEN_OF(f->d.shm.hdr->published), 2);
	assert_non_null(cpt_published(&f->d, "198.18.1.12"));
	assert_ptr_not_equal(f->d.cfg, before);
	assert_null(f->d.sched.prev);
	assert_non_null(cp_model_find(f->d.model, "web", "198.18.1.12"));
	snprintf(want, sizeof(want), " INFO  config: reloading %s", f->s.conf);
	assert_int_equal(cpt_lines_with(text, want), 1);
	snprintf(want, sizeof(want), " INFO  config: reload of %s accepted", f->s.conf);
	assert_int_equal(cpt_lines_with(text, want), 1);
	free(text);
}

/* A refused file: the exact reason; the config, the model and the tables stay. */
static void expect_refused(struct cpt_fix *f, int rc, const char *want_why)
{
	const struct cfg *before = f->d.cfg;
	uint64_t builds = f->d.sched.n_builds, pub = f->d.shm.hdr->published;
	struct cpt_log log;
	char why[1024], *text, line[1100];

	cpt_log_begin(&log);
	assert_int_equal(cp_reload(&f->d.sched, f->s.conf, why, sizeof(why)), rc);
	text = cpt_log_end(&log);
	assert_string_equal(why, want_why);
	snprintf(line, sizeof(line), " ERROR config: %s", want_why);
	assert_int_equal(cpt_lines_with(text, line), 1);
	free(text);
	assert_ptr_equal(f->d.cfg, before);
	assert_null(f->d.sched.prev);
	assert_int_equal(f->d.sched.n_builds, builds);
	assert_int_equal(f->d.shm.hdr->published, pub);
	assert_non_null(cp_model_find(f->d.model, "web", "198.18.1.11"));
	assert_null(cp_model_find(f->d.model, "web", "198.18.1.13"));
}

static void test_refused_reloads_change_nothing(void **state)
{
	struct cpt_fix *f = *state;
	char want[512];

	write_conf(f, f->s.instance, 8, "{ address = \"198.18.1.11\"; }", "");
	start(f);

	write_conf(f, f->s.instance, 8, "{ address = ; }", "");
	snprintf(want, sizeof(want), "reload refused: %s:6: syntax error", f->s.conf);
	expect_refused(f, -EINVAL, want);

	write_conf(f, f->s.instance, 4, "{ address = \"198.18.1.13\"; }", "");
	snprintf(want, sizeof(want),
		 "reload refused: %s: tables.* or the port count changed the shared-memory "
		 "geometry; restart sluiced (and sluice-dp) to apply",
		 f->s.conf);
	expect_refused(f, -EINVAL, want);

	write_conf(f, "other", 8, "{ address = \"198.18.1.13\"; }", "");
	snprintf(want, sizeof(want),
		 "reload refused: %s: instance changed from \"%s\" to \"other\"; restart sluiced "
		 "to apply",
		 f->s.conf, f->s.instance);
	expect_refused(f, -EINVAL, want);

	/* and the next good file is taken */
	write_conf(f, f->s.instance, 8, "{ address = \"198.18.1.13\"; }", "");
	assert_int_equal(cp_reload(&f->d.sched, f->s.conf, want, sizeof(want)), 0);
	assert_non_null(cp_model_find(f->d.model, "web", "198.18.1.13"));
	assert_null(cp_model_find(f->d.model, "web", "198.18.1.11"));
}

/*
 * While a publication waits for the dataplane, reloads are not built yet:
 * a second replaces the first, and the config to go back to stays the one
 * before both. Once acked, the last one is built and accepted.
 */
static void test_reload_while_waiting(void **state)
{
	struct cpt_fix *f = *state;
	struct sl_shm_header *h;
	struct cfg *running;
	char why[512];

	write_conf(f, f->s.instance, 8, "{ address = \"198.18.1.11\"; }", "");
	start(f);
	h = f->d.shm.hdr;
	h->dp_workers = 1;
	h->dp_pid = (uint64_t)getpid();
	write_conf(f, f->s.instance, 8, "{ address = \"198.18.1.12\"; }", "");
	assert_int_equal(cp_reload(&f->d.sched, f->s.conf, why, sizeof(why)), 0);
	/* built and published, accepted; its acks awaited */
	assert_int_equal(SL_GEN_OF(h->published), 2);
	assert_null(f->d.sched.prev);
	assert_int_not_equal(f->d.sched.pub.word, 0);
	running = f->d.cfg;

	write_conf(f, f->s.instance, 8, "{ address = \"198.18.1.13\"; }", "");
	assert_int_equal(cp_reload(&f->d.sched, f->s.conf, why, sizeof(why)), 0);
	assert_ptr_equal(f->d.sched.prev, running);
	write_conf(f, f->s.instance, 8, "{ address = \"198.18.1.14\"; }", "");
	assert_int_equal(cp_reload(&f->d.sched, f->s.conf, why, sizeof(why)), 0);
	assert_ptr_equal(f->d.sched.prev, running);
	assert_int_equal(SL_GEN_OF(h->published), 2);
	assert_non_null(cp_model_find(f->d.model, "web", "198.18.1.14"));
	assert_null(cp_model_find(f->d.model, "web", "198.18.1.13"));

	__atomic_store_n(&sl_shm_ack(h, 0)->word, h->published, __ATOMIC_RELEASE);
	h->dp_pid = 0; /* gone: the next publication is settled at once */
	assert_true(cpt_daemon_until_gen(&f->d, 3));
	assert_null(f->d.sched.prev);
	assert_non_null(cpt_published(&f->d, "198.18.1.14"));
	assert_null(cpt_published(&f->d, "198.18.1.13"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_built_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_reloads_change_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reload_while_waiting, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
