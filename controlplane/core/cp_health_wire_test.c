/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cp_health_wire with a real model, the real probe engine on a real loop
 * and servers on loopback: instances entering the model are probed as
 * their pool says (type, port choice, http path/host/status/body, udp
 * payload/response), results land in the model as its state machine's
 * states with the probe's reason, a pool without checks is not probed, an
 * instance leaving the model stops being probed, and a pool probing
 * through the tunnel keeps the rewrite sluice_probe needs.
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
#include "cp_health_wire.h"
#include "cp_probe_tc.h"
#include "cp_test_util.h"

struct fix {
	struct cp_loop *loop;
	struct cp_health *health;
	struct cp_model *model;
	struct cp_health_wire w;
	struct cfg c;
	int changes;
};

static void on_added(void *ctx, struct cp_model_inst *inst, const struct cfg_pool *pool)
{
	struct fix *f = ctx;

	cp_health_wire_add(&f->w, &f->c, inst, pool);
}

static void on_removed(void *ctx, struct cp_model_inst *inst)
{
	struct fix *f = ctx;

	cp_health_wire_remove(&f->w, inst);
}

static void on_changed(void *ctx)
{
	struct fix *f = ctx;

	f->changes++;
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct cp_model_hooks hooks = {
		.inst_added = on_added,
		.inst_removed = on_removed,
		.changed = on_changed,
		.ctx = f,
	};

	f->loop = cp_loop_new();
	f->health = cp_health_new(f->loop);
	f->model = cp_model_new(&hooks);
	if (!f->loop || !f->health || !f->model)
		return -1;
	cp_health_seed(f->health, 42);
	cp_health_wire_init(&f->w, f->health, f->model);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	cp_model_free(f->model);
	cp_health_free(f->health);
	cp_loop_free(f->loop);
	cpt_config_free(&f->c);
	free(f);
	return 0;
}

/* A VIP of pool index @pool (cpt_vip() leaves the index to the loader). */
static struct cfg_vip *vip(struct cfg *c, const char *name, uint16_t port, const char *pool,
			   uint32_t pool_index)
{
	char addr[32];
	struct cfg_vip *v;

	snprintf(addr, sizeof(addr), "198.18.100.%u", c->n_vips + 1);
	v = cpt_vip(c, name, addr, port, pool);
	v->pool_index = pool_index;
	return v;
}

static struct cp_model_inst *inst_of(const struct fix *f, uint32_t pool, uint32_t i)
{
	struct cp_model_inst *const *inst;

	if (cp_model_pool_instances(f->model, pool, &inst) <= i)
		return NULL;
	return inst[i];
}

/* Every instance of every pool with checks has left "probing". */
static bool all_decided(void *ctx)
{
	const struct fix *f = ctx;

	for (uint32_t p = 0; p < f->c.n_pools; p++) {
		struct cp_model_inst *const *inst;
		uint32_t n = cp_model_pool_instances(f->model, p, &inst);

		for (uint32_t i = 0; i < n; i++)
			if (inst[i]->probe && !strcmp(cp_model_inst_state(inst[i]), "probing"))
				return false;
	}
	return true;
}

static void assert_inst(const struct fix *f, uint32_t pool, uint32_t i, const char *state,
			const char *reason)
{
	const struct cp_model_inst *inst = inst_of(f, pool, i);

	assert_non_null(inst);
	assert_string_equal(cp_model_inst_state(inst), state);
	assert_string_equal(inst->reason, reason);
}

static void test_results_reach_the_model(void **state)
{
	struct fix *f = *state;
	struct cp_health_stats st;
	struct cfg_pool *web, *plain;
	uint16_t open_port, refused_port;
	int lfd = cpt_socket(SOCK_STREAM, &open_port), rfd = cpt_refusing(&refused_port);

	vip(&f->c, "web", 80, "web", 0);
	vip(&f->c, "plain", 80, "plain", 1);
	web = cpt_pool(&f->c, "web");
	cpt_health(web, CFG_HEALTH_CHECK_TCP);
	cpt_backend(web, "127.0.0.1", open_port, 1);
	cpt_backend(web, "127.0.0.1", refused_port, 1);
	plain = cpt_pool(&f->c, "plain");
	cpt_backend(plain, "127.0.0.1", refused_port, 1);
	assert_int_equal(cp_model_configure(f->model, &f->c), 0);

	cp_health_get_stats(f->health, &st);
	assert_int_equal(st.targets, 2);
	assert_null(inst_of(f, 1, 0)->probe);
	assert_true(cpt_run_until(f->loop, all_decided, f));
	assert_inst(f, 0, 0, "healthy", "tcp: connected (1/1 ok)");
	assert_inst(f, 0, 1, "unhealthy", "tcp: connect refused (1/1 failed)");
	assert_true(inst_of(f, 0, 0)->serving);
	assert_false(inst_of(f, 0, 1)->serving);
	/* no checks: serving from the start, never probed */
	assert_inst(f, 1, 0, "healthy", "discovered by static (no health checks)");
	assert_true(f->changes > 0);
	close(lfd);
	close(rfd);
}

/* health.port first, then the instance's port, then the pool's first VIP's; none: not probed. */
static void test_port_choice(void **state)
{
	struct fix *f = *state;
	struct cp_health_stats st;
	struct cfg_pool *p;
	struct cpt_log log;
	char *text;
	uint16_t open_port, refused_port;
	int lfd = cpt_socket(SOCK_STREAM, &open_port), rfd = cpt_refusing(&refused_port);

	vip(&f->c, "a", 80, "a", 0);
	vip(&f->c, "b", 0, "b", 1);	     /* any port: not a port to probe */
	vip(&f->c, "b2", open_port, "b", 1); /* the first VIP with a port */
	vip(&f->c, "c", 0, "c", 2);
	p = cpt_pool(&f->c, "a");
	cpt_health(p, CFG_HEALTH_CHECK_TCP);
	p->health.port = open_port;
	cpt_backend(p, "127.0.0.1", refused_port, 1);
	p = cpt_pool(&f->c, "b");
	cpt_health(p, CFG_HEALTH_CHECK_TCP);
	cpt_backend(p, "127.0.0.1", 0, 1);
	p = cpt_pool(&f->c, "c");
	cpt_health(p, CFG_HEALTH_CHECK_TCP);
	cpt_backend(p, "127.0.0.1", 0, 1);
	cpt_log_begin(&log);
	assert_int_equal(cp_model_configure(f->model, &f->c), 0);
	text = cpt_log_end(&log);
	assert_int_equal(cpt_lines_with(text, " ERROR health: c/127.0.0.1:0: cannot probe port 0: "
					      "Invalid argument (no health.port, instance port or "
					      "VIP port)"),
			 1);
	free(text);
	cp_health_get_stats(f->health, &st);
	assert_int_equal(st.targets, 2);
	assert_null(inst_of(f, 2, 0)->probe);
	assert_true(cpt_run_until(f->loop, all_decided, f));
	assert_inst(f, 0, 0, "healthy", "tcp: connected (1/1 ok)");
	assert_inst(f, 1, 0, "healthy", "tcp: connected (1/1 ok)");
	assert_inst(f, 2, 0, "probing", "discovered by static");
	close(lfd);
	close(rfd);
}

static bool srv_asked(void *ctx)
{
	const struct cpt_srv *s = ctx;

	return s->n_req > 0;
}

/* The pool's http and udp settings are what the probes send and expect. */
static void test_http_and_udp_settings(void **state)
{
	struct fix *f = *state;
	struct cpt_srv ok, moved, early, udp;
	struct cfg_pool *p;

	cpt_srv_start(&ok, f->loop, 0, "HTTP/1.1 200 OK\r\n\r\nstatus: ready\n");
	cpt_srv_start(&moved, f->loop, 0, "HTTP/1.1 302 Found\r\nLocation: /x\r\n\r\n");
	cpt_srv_start(&early, f->loop, 0, "HTTP/1.1 199 Early\r\n\r\nready");
	cpt_srv_start(&udp, f->loop, 1, "pong!");
	vip(&f->c, "web", 80, "web", 0);
	vip(&f->c, "dns", 53, "dns", 1);
	p = cpt_pool(&f->c, "web");
	cpt_health(p, CFG_HEALTH_CHECK_HTTP);
	snprintf(p->health.path, sizeof(p->health.path), "/healthz");
	snprintf(p->health.host, sizeof(p->health.host), "web.example");
	snprintf(p->health.body, sizeof(p->health.body), "ready");
	p->health.expect_hi = 204;
	cpt_backend(p, "127.0.0.1", ok.port, 1);
	cpt_backend(p, "127.0.0.1", moved.port, 1);
	cpt_backend(p, "127.0.0.1", early.port, 1);
	p = cpt_pool(&f->c, "dns");
	cpt_health(p, CFG_HEALTH_CHECK_UDP);
	snprintf(p->health.payload, sizeof(p->health.payload), "ping");
	snprintf(p->health.response, sizeof(p->health.response), "pong");
	cpt_backend(p, "127.0.0.1", udp.port, 1);
	assert_int_equal(cp_model_configure(f->model, &f->c), 0);
	assert_true(cpt_run_until(f->loop, all_decided, f));
	assert_true(cpt_run_until(f->loop, srv_asked, &udp));
	assert_inst(f, 0, 0, "healthy", "http: status 200 (1/1 ok)");
	assert_inst(f, 0, 1, "unhealthy", "http: status 302 (1/1 failed)");
	assert_inst(f, 0, 2, "unhealthy", "http: status 199 (1/1 failed)");
	assert_inst(f, 1, 0, "healthy", "udp: reply (5 bytes) (1/1 ok)");
	assert_string_equal(ok.last_req, "GET /healthz HTTP/1.0\r\nHost: web.example\r\n"
					 "User-Agent: sluice-health\r\nAccept: */*\r\n"
					 "Connection: close\r\n\r\n");
	assert_string_equal(udp.last_req, "ping");
	cpt_srv_stop(&ok);
	cpt_srv_stop(&moved);
	cpt_srv_stop(&early);
	cpt_srv_stop(&udp);
}

/* An instance leaving the model (here: its pool leaves the config) is no longer probed. */
static void test_removed_not_probed(void **state)
{
	struct fix *f = *state;
	struct cp_health_stats st;
	struct cpt_srv srv;
	struct cfg_pool *p;
	int asked;

	cpt_srv_start(&srv, f->loop, 0, "HTTP/1.0 200 OK\r\n\r\n");
	vip(&f->c, "web", 80, "web", 0);
	p = cpt_pool(&f->c, "web");
	cpt_health(p, CFG_HEALTH_CHECK_HTTP);
	cpt_backend(p, "127.0.0.1", srv.port, 1);
	assert_int_equal(cp_model_configure(f->model, &f->c), 0);
	assert_true(cpt_run_until(f->loop, all_decided, f));
	assert_inst(f, 0, 0, "healthy", "http: status 200 (1/1 ok)");

	cpt_remove_backend(p, 0);
	assert_int_equal(cp_model_configure(f->model, &f->c), 0);
	cp_health_get_stats(f->health, &st);
	assert_int_equal(st.targets, 0);
	asked = srv.n_req;
	cpt_run_for(f->loop, 100); /* five intervals */
	assert_int_equal(srv.n_req, asked);
	cpt_srv_stop(&srv);
}

/*
 * Through the tunnel: the probes carry SL_PROBE_MARK and their socket's
 * rewrite is the tunnel VIP's (GUE port, VIP port); without a tunnel VIP
 * of the family, direct (logged). A removed instance's rewrite is gone.
 */
static void test_tunnel_rewrites(void **state)
{
	struct fix *f = *state;
	struct cp_health_sock s = {0};
	struct sl_probe_value want;
	const struct sl_probe_value *got;
	const struct cp_model_inst *in;
	struct cfg_vip *v;
	struct cfg_pool *p;
	struct cpt_log log;
	char *text;
	uint16_t open_port;
	int lfd = cpt_socket(SOCK_STREAM, &open_port);

	v = vip(&f->c, "tun", 443, "tun", 0);
	v->encap = CFG_ENCAP_GUE;
	v->gue_port = 6081;
	v = vip(&f->c, "dsr", 80, "dsr", 1);
	v->mode = SL_MODE_DSR;
	p = cpt_pool(&f->c, "tun");
	cpt_health(p, CFG_HEALTH_CHECK_TCP);
	p->health.via_tunnel = 1;
	cpt_backend(p, "127.0.0.2", 8080, 1);
	p = cpt_pool(&f->c, "dsr");
	cpt_health(p, CFG_HEALTH_CHECK_TCP);
	p->health.via_tunnel = 1;
	cpt_backend(p, "127.0.0.1", open_port, 1);
	cpt_log_begin(&log);
	assert_int_equal(cp_model_configure(f->model, &f->c), 0);
	text = cpt_log_end(&log);
	assert_int_equal(cpt_lines_with(text, " WARN  health: dsr/127.0.0.1:"), 1);
	assert_int_equal(cpt_lines_with(text, ": health.via_tunnel but no tunnel VIP of this "
					      "family: probing the instance directly"),
			 1);
	free(text);
	assert_true(f->w.tunnel_wanted);

	in = inst_of(f, 0, 0);
	assert_int_equal(cp_probe_tc_tunnel_value(&want, &in->addr, 8080, &f->c.vips[0].addr, 443,
						  htons(6081)),
			 0);
	s.remote = in->addr;
	s.remote_port = 8080;
	s.mark = SL_PROBE_MARK;
	got = cp_health_wire_tunnel_value(&f->w, &s);
	assert_non_null(got);
	assert_memory_equal(got, &want, sizeof(want));
	assert_int_equal(got->flags & SL_PROBE_F_TUNNEL, SL_PROBE_F_TUNNEL);
	s.mark = 0; /* not a tunnel probe's socket */
	assert_null(cp_health_wire_tunnel_value(&f->w, &s));
	s.mark = SL_PROBE_MARK;
	s.remote_port = 8081;
	assert_null(cp_health_wire_tunnel_value(&f->w, &s));
	/* the direct one probes and gets no rewrite */
	in = inst_of(f, 1, 0);
	s.remote = in->addr;
	s.remote_port = open_port;
	assert_null(cp_health_wire_tunnel_value(&f->w, &s));
	assert_true(cpt_run_until(f->loop, all_decided, f));
	assert_inst(f, 1, 0, "healthy", "tcp: connected (1/1 ok)");

	cpt_remove_backend(&f->c.pools[0], 0);
	assert_int_equal(cp_model_configure(f->model, &f->c), 0);
	cpt_addr(&s.remote, &s.af, "127.0.0.2");
	s.remote_port = 8080;
	assert_null(cp_health_wire_tunnel_value(&f->w, &s));
	close(lfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_results_reach_the_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_choice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_and_udp_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removed_not_probed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tunnel_rewrites, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
