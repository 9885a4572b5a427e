/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cp_admin_cmds on a daemon of the real parts (model, tables, scheduler,
 * a real segment with no dataplane attached) and its real admin socket:
 * drain and undrain answered with the generation that carries them (not
 * an earlier one still waiting for the dataplane's acks), and that
 * generation's tables show it; errors for unknown pools and
 * instances; health pages exactly, cut at CP_ADMIN_CMDS_HEALTH_PAGE and
 * continued from the cursor; an instance the tables left out refused a
 * drain; reload from the config file, and refused with the reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "cp_admin_cmds.h"
#include "cp_core_test.h"
#include "cp_test_util.h"

/* The daemon on @cfg, its first generation published. */
static void start(struct cpt_fix *f, struct cfg *cfg)
{
	snprintf(cfg->controlplane.admin_socket, sizeof(cfg->controlplane.admin_socket), "%s",
		 f->s.sock);
	snprintf(cfg->file, sizeof(cfg->file), "%s", f->s.conf);
	assert_int_equal(cpt_daemon_start(&f->d, cfg, f->s.conf, f->s.events), 0);
	assert_true(cpt_daemon_until_gen(&f->d, 1));
}

static int setup(void **state)
{
	return cpt_fix_setup(state, "slac");
}

static int teardown(void **state)
{
	return cpt_fix_teardown(state);
}

/* One request over the socket, its whole reply. */
static const char *ask(struct cpt_fix *f, const char *line)
{
	static char reply[65536];

	assert_true(cpt_admin_reply(&f->d, cpt_admin_send(f->s.sock, line), reply, sizeof(reply)));
	return reply;
}

static struct cfg *web_cfg(const struct cpt_fix *f)
{
	struct cfg *c = cpt_daemon_cfg(f->s.instance, "", 0);
	struct cfg_pool *web;

	cpt_vip(c, "web", "198.18.100.1", 80, "web");
	web = cpt_pool(c, "web");
	cpt_backend(web, "198.18.1.11", 0, 1);
	cpt_backend(web, "198.18.1.12", 0, 2);
	return c;
}

static void test_drain_answered_by_its_generation(void **state)
{
	struct cpt_fix *f = *state;

	start(f, web_cfg(f));
	assert_int_equal(cpt_published(&f->d, "198.18.1.11")->weight, 1);
	assert_string_equal(ask(f, "drain web 198.18.1.11:0\n"),
			    "{\"ok\":true,\"generation\":2}\n");
	/* the reply came once generation 2 was published and settled: it has the drain */
	assert_int_equal(SL_GEN_OF(f->d.shm.hdr->published), 2);
	assert_int_equal(cpt_published(&f->d, "198.18.1.11")->weight, 0);
	assert_int_equal(cpt_published(&f->d, "198.18.1.12")->weight, 2);
	assert_true(cp_model_find(f->d.model, "web", "198.18.1.11:0")->drained);

	assert_string_equal(ask(f, "undrain web 198.18.1.11:0\n"),
			    "{\"ok\":true,\"generation\":3}\n");
	assert_int_equal(cpt_published(&f->d, "198.18.1.11")->weight, 1);

	assert_string_equal(ask(f, "drain web 198.18.9.9\n"),
			    "{\"ok\":false,\"error\":\"no instance \\\"198.18.9.9\\\" in pool "
			    "\\\"web\\\"\"}\n");
	assert_string_equal(ask(f, "drain api 198.18.1.11\n"),
			    "{\"ok\":false,\"error\":\"no pool \\\"api\\\"\"}\n");
	/* nothing to carry: no build */
	assert_int_equal(SL_GEN_OF(f->d.shm.hdr->published), 3);
}

struct gen_at {
	struct cp_daemon *d;
	uint64_t gen;
};

static bool published_gen(void *ctx)
{
	struct gen_at *w = ctx;

	cpt_daemon_turn(w->d);
	return SL_GEN_OF(w->d->shm.hdr->published) == w->gen;
}

/* "health" says whether the dataplane follows every change, at generation @gen. */
static bool health_settled(struct cpt_fix *f, uint64_t gen)
{
	struct cp_admin_ops ops;
	uint64_t ticket;
	json_t *page;
	bool settled;
	char *r;

	cp_admin_cmds_ops(&f->d.admin_cmds, &ops);
	r = cp_admin_handle(&ops, "health", &ticket);
	page = json_loads(r, 0, NULL);
	free(r);
	assert_non_null(page);
	assert_int_equal(json_integer_value(json_object_get(page, "generation")), gen);
	settled = json_is_true(json_object_get(page, "settled"));
	json_decref(page);
	return settled;
}

/*
 * A drain arriving while an earlier publication waits for the dataplane is
 * not answered by it: it waits for the build that carries it.
 */
static void test_drain_waits_for_its_own_build(void **state)
{
	struct cpt_fix *f = *state;
	struct sl_shm_header *h;
	struct gen_at w = {&f->d, 2};
	char reply[256];
	int a, b;

	start(f, web_cfg(f));
	h = f->d.shm.hdr;
	/* a dataplane of one worker attaches: this test acks for it */
	h->dp_workers = 1;
	h->dp_pid = (uint64_t)getpid();
	a = cpt_admin_send(f->s.sock, "drain web 198.18.1.12:0\n");
	assert_true(cpt_run_until(f->d.loop, published_gen, &w));
	/* generation 2 waits for its ack: health says the dataplane does not follow yet */
	assert_false(health_settled(f, 2));
	b = cpt_admin_send(f->s.sock, "drain web 198.18.1.11:0\n");
	cpt_run_for(f->d.loop, 50);
	__atomic_store_n(&sl_shm_ack(h, 0)->word, h->published, __ATOMIC_RELEASE);
	assert_true(cpt_admin_reply(&f->d, a, reply, sizeof(reply)));
	assert_string_equal(reply, "{\"ok\":true,\"generation\":2}\n");
	/* acked, but the second drain is not built yet */
	assert_false(health_settled(f, 2));
	w.gen = 3;
	assert_true(cpt_run_until(f->d.loop, published_gen, &w));
	assert_int_equal(cpt_published(&f->d, "198.18.1.11")->weight, 0);
	__atomic_store_n(&sl_shm_ack(h, 0)->word, h->published, __ATOMIC_RELEASE);
	assert_true(cpt_admin_reply(&f->d, b, reply, sizeof(reply)));
	assert_string_equal(reply, "{\"ok\":true,\"generation\":3}\n");
	assert_true(health_settled(f, 3));
	h->dp_pid = 0;
}

static void test_health_page(void **state)
{
	struct cpt_fix *f = *state;
	struct cfg *c = web_cfg(f);
	struct cp_admin_ops ops;
	uint64_t ticket;
	char *r;

	c->pools[0].panic_threshold = 50;
	start(f, c);
	cp_admin_cmds_ops(&f->d.admin_cmds, &ops);
	r = cp_admin_handle(&ops, "health", &ticket);
	assert_string_equal(
		r, "{\"ok\":true,\"pools\":[{\"pool\":\"web\",\"health\":\"none\",\"panic\":false,"
		   "\"panic_threshold\":50,\"refused\":0,\"instances\":["
		   "{\"name\":\"198.18.1.11:0\",\"address\":\"198.18.1.11\",\"port\":0,"
		   "\"weight\":1,\"state\":\"healthy\",\"drained\":false,\"serving\":true,"
		   "\"published\":true,\"sources\":\"static\","
		   "\"reason\":\"discovered by static (no health checks)\"},"
		   "{\"name\":\"198.18.1.12:0\",\"address\":\"198.18.1.12\",\"port\":0,"
		   "\"weight\":2,\"state\":\"healthy\",\"drained\":false,\"serving\":true,"
		   "\"published\":true,\"sources\":\"static\","
		   "\"reason\":\"discovered by static (no health checks)\"}]}],"
		   "\"generation\":1,\"settled\":true}");
	free(r);
	r = cp_admin_handle(&ops, "health 0.x", &ticket);
	assert_string_equal(r, "{\"ok\":false,\"error\":\"bad cursor \\\"0.x\\\" (expected "
			       "POOL.INSTANCE)\"}");
	free(r);
}

/* Pages of CP_ADMIN_CMDS_HEALTH_PAGE instances; instances past tables.max_backends unpublished. */
static void test_health_pages_and_capped(void **state)
{
	struct cpt_fix *f = *state;
	struct cfg *c = web_cfg(f);
	struct cp_admin_ops ops;
	struct cfg_pool *big;
	json_t *page, *pools;
	uint64_t ticket;
	char addr[32], *r;
	struct cpt_log log;

	c->vips[0].pool_index = 0;
	cpt_vip(c, "big", "198.18.100.2", 80, "big");
	big = cpt_pool(c, "big");
	free(big->backends);
	big->backends = calloc(600, sizeof(*big->backends));
	for (int i = 0; i < 600; i++) {
		snprintf(addr, sizeof(addr), "198.18.%d.%d", 10 + i / 200, 1 + i % 200);
		big->backends[i] = (struct cfg_backend){.port = 0, .weight = 1};
		cpt_addr(&big->backends[i].addr, &big->backends[i].af, addr);
		snprintf(big->backends[i].name, sizeof(big->backends[i].name), "b%d", i);
		big->n_backends++;
	}
	cpt_log_begin(&log);
	start(f, c);
	r = cpt_log_end(&log);
	/* 16 slots: web's 2 and big's first 14 */
	assert_int_equal(cpt_lines_with(r, " WARN  tables: tables.max_backends (16) reached: 586 "
					   "backends not published (the first in pool big); the "
					   "others are"),
			 1);
	free(r);

	cp_admin_cmds_ops(&f->d.admin_cmds, &ops);
	r = cp_admin_handle(&ops, "health", &ticket);
	page = json_loads(r, 0, NULL);
	free(r);
	pools = json_object_get(page, "pools");
	assert_int_equal(json_array_size(pools), 2);
	assert_int_equal(json_array_size(json_object_get(json_array_get(pools, 0), "instances")),
			 2);
	assert_int_equal(json_array_size(json_object_get(json_array_get(pools, 1), "instances")),
			 CP_ADMIN_CMDS_HEALTH_PAGE - 2);
	assert_string_equal(json_string_value(json_object_get(page, "next")), "1.510");
	assert_true(json_is_true(json_object_get(
		json_array_get(json_object_get(json_array_get(pools, 1), "instances"), 13),
		"published")));
	assert_true(json_is_false(json_object_get(
		json_array_get(json_object_get(json_array_get(pools, 1), "instances"), 14),
		"published")));
	json_decref(page);

	r = cp_admin_handle(&ops, "health 1.510", &ticket);
	page = json_loads(r, 0, NULL);
	free(r);
	pools = json_object_get(page, "pools");
	assert_int_equal(json_array_size(pools), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(pools, 0), "pool")),
			    "big");
	assert_int_equal(json_array_size(json_object_get(json_array_get(pools, 0), "instances")),
			 90);
	assert_string_equal(
		json_string_value(json_object_get(
			json_array_get(json_object_get(json_array_get(pools, 0), "instances"), 0),
			"name")),
		"b510");
	assert_null(json_object_get(page, "next"));
	json_decref(page);

	/* a drain of an instance the tables left out: kept, refused with the reason */
	assert_string_equal(
		ask(f, "drain big b14\n"),
		"{\"ok\":false,\"error\":\"instance b14 of pool big is not in the tables "
		"(tables.max_backends 16 reached): drain kept, it applies once the "
		"instance is published\"}\n");
	assert_true(cp_model_find(f->d.model, "big", "b14")->drained);
	/* the model changed all the same: built, with nothing to show for b14 */
	assert_true(cpt_daemon_until_gen(&f->d, 2));
	assert_string_equal(ask(f, "drain big b13\n"), "{\"ok\":true,\"generation\":3}\n");
}

static void write_conf(const struct cpt_fix *f, const char *instance, const char *backends)
{
	FILE *o = fopen(f->s.conf, "w");

	assert_non_null(o);
	fprintf(o,
		"instance = \"%s\";\n"
		"tables = { max_workers = 2; max_vips = 8; max_pools = 4; max_backends = 16;\n"
		"           maglev_size = 251; };\n"
		"controlplane = { neigh_timeout_ms = 0; admin_socket = \"%s\"; };\n"
		"vips = ( { name = \"web\"; address = \"198.18.100.1\"; port = 80; pool = \"web\"; "
		"} "
		");\n"
		"pools = ( { name = \"web\"; backends = ( %s ); } );\n",
		instance, f->s.sock, backends);
	fclose(o);
}

/* "reload" reads the config file: the model follows it; a file it refuses is named. */
static void test_reload(void **state)
{
	struct cpt_fix *f = *state;
	char want[512];

	start(f, web_cfg(f));
	write_conf(f, f->s.instance, "{ address = \"198.18.1.13\"; }");
	assert_string_equal(ask(f, "reload\n"), "{\"ok\":true}\n");
	assert_non_null(cp_model_find(f->d.model, "web", "198.18.1.13"));
	assert_null(cp_model_find(f->d.model, "web", "198.18.1.11:0"));
	assert_true(cpt_daemon_until_gen(&f->d, 2));
	assert_non_null(cpt_published(&f->d, "198.18.1.13"));

	write_conf(f, "other", "{ address = \"198.18.1.14\"; }");
	snprintf(want, sizeof(want),
		 "{\"ok\":false,\"error\":\"reload refused: %s: instance changed from \\\"%s\\\" "
		 "to \\\"other\\\"; restart sluiced to apply\"}\n",
		 f->s.conf, f->s.instance);
	assert_string_equal(ask(f, "reload\n"), want);
	assert_null(cp_model_find(f->d.model, "web", "198.18.1.14"));
	assert_non_null(cp_model_find(f->d.model, "web", "198.18.1.13"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_drain_answered_by_its_generation, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_drain_waits_for_its_own_build, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_health_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_health_pages_and_capped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
