/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cp_model: merging sources by (address, port), vanish, drain, health
 * transitions and panic, passive health (connect failures), each checked as the exact builder input
 * (the view's backends) and the exact events, in order; a restarted model seeded from the tables
 * the previous one published (cp_tables_build's own output).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>

#include "cp_model.h"
#include "cp_tables.h"
#include "cp_test_util.h"

#define MAX_EV 32

struct rec {
	char ev[MAX_EV][256]; /* "event pool instance old->new: reason" */
	uint32_t n_ev;
	uint32_t added, removed, changed;
	char refused[16][160]; /* "src pool address/name: why" */
	uint32_t n_refused, refused_total;
};

static void on_refused(void *ctx, enum cp_disc_source src, const char *pool,
		       const struct cp_model_refusal *v, uint32_t n, uint32_t n_total)
{
	struct rec *r = ctx;

	for (uint32_t i = 0; i < n && r->n_refused < 16; i++) {
		char a[INET6_ADDRSTRLEN];

		if (v[i].inst.af == SL_AF_INET)
			inet_ntop(AF_INET, &v[i].inst.addr.a32[3], a, sizeof(a));
		else
			inet_ntop(AF_INET6, v[i].inst.addr.a8, a, sizeof(a));
		snprintf(r->refused[r->n_refused++], sizeof(r->refused[0]), "%s %s %s/%s: %s",
			 cp_disc_source_name(src), pool, a, v[i].inst.name, v[i].why);
	}
	r->refused_total += n_total;
}

static void on_event(void *ctx, const struct cp_model_event *e)
{
	struct rec *r = ctx;

	assert_true(r->n_ev < MAX_EV);
	snprintf(r->ev[r->n_ev++], sizeof(r->ev[0]), "%s %s %s %s->%s: %s", e->event, e->pool,
		 e->instance ? e->instance : "-", e->old_state, e->new_state, e->reason);
}

static void on_added(void *ctx, struct cp_model_inst *inst, const struct cfg_pool *pool)
{
	(void)inst;
	(void)pool;
	((struct rec *)ctx)->added++;
}

static void on_removed(void *ctx, struct cp_model_inst *inst)
{
	(void)inst;
	((struct rec *)ctx)->removed++;
}

static void on_changed(void *ctx)
{
	((struct rec *)ctx)->changed++;
}

static struct cp_model *model(struct rec *r)
{
	struct cp_model_hooks h = {.event = on_event,
				   .inst_added = on_added,
				   .inst_removed = on_removed,
				   .changed = on_changed,
				   .refused = on_refused,
				   .ctx = r};
	struct cp_model *m;

	memset(r, 0, sizeof(*r));
	m = cp_model_new(&h);
	assert_non_null(m);
	return m;
}

static void expect_events(struct rec *r, const char *const *want)
{
	uint32_t n = 0;

	for (; want[n]; n++) {
		if (n >= r->n_ev)
			fail_msg("missing event %u: %s", n, want[n]);
		assert_string_equal(r->ev[n], want[n]);
	}
	if (r->n_ev != n)
		fail_msg("extra event: %s", r->ev[n]);
	r->n_ev = 0;
}

static void pool_health(struct cfg_pool *p, uint8_t type, uint32_t rise, uint32_t fall)
{
	p->health.type = type;
	p->health.rise = rise;
	p->health.fall = fall;
	p->health.interval_ms = 1000;
	p->health.timeout_ms = 500;
}

/* VIP web and its pool web in @c, with health @type, @rise and @fall */
static struct cfg_pool *web_pool(struct cfg *c, uint8_t type, uint32_t rise, uint32_t fall)
{
	struct cfg_pool *p;

	cpt_vip(c, "web", "198.18.100.1", 80, "web");
	p = cpt_pool(c, "web");
	pool_health(p, type, rise, fall);
	return p;
}

/* Pool web of @c with backends .11 and .12 (port 80) configured in @m; its instances in *@in. */
static struct cfg_pool *web_two(struct cfg *c, struct cp_model *m, uint8_t type, uint32_t rise,
				uint32_t fall, struct cp_model_inst *const **in)
{
	struct cfg_pool *p = web_pool(c, type, rise, fall);

	cpt_backend(p, "198.18.1.11", 80, 1);
	cpt_backend(p, "198.18.1.12", 80, 1);
	assert_int_equal(cp_model_configure(m, c), 0);
	assert_int_equal(cp_model_pool_instances(m, 0, in), 2);
	return p;
}

/* "name weight down" for each backend of pool @pi of the view, joined by "; " */
static void expect_view(const struct cp_model *m, uint32_t pi, const char *want)
{
	struct cfg v;
	char got[1024] = "";
	size_t o = 0;

	assert_int_equal(cp_model_view(m, &v), 0);
	for (uint32_t i = 0; i < v.pools[pi].n_backends; i++) {
		const struct cfg_backend *b = &v.pools[pi].backends[i];

		o += (size_t)snprintf(got + o, sizeof(got) - o, "%s%s w%u%s", i ? "; " : "",
				      b->name, b->weight, b->down ? " down" : "");
	}
	cp_model_view_free(&v);
	assert_string_equal(got, want);
}

static struct cp_disc_instance di(const char *addr, uint16_t port, uint32_t weight,
				  const char *name)
{
	struct cp_disc_instance d = {.port = port, .weight = weight};

	cpt_addr(&d.addr, &d.af, addr);
	snprintf(d.name, sizeof(d.name), "%s", name);
	return d;
}

static void test_source_names(void **state)
{
	(void)state;
	assert_string_equal(cp_disc_source_name(CP_DISC_STATIC), "static");
	assert_string_equal(cp_disc_source_name(CP_DISC_FILE), "file");
	assert_string_equal(cp_disc_source_name(CP_DISC_DNS), "dns");
	assert_string_equal(cp_disc_source_name(CP_DISC_ETCD), "etcd");
	assert_string_equal(cp_disc_source_name(CP_DISC_MAX), "?");
}

/* static + file + etcd merged by (address, port); static's weight wins; vanish */
static void test_merge_and_vanish(void **state)
{
	struct cfg c = {0};
	struct cfg_pool *p;
	struct rec r;
	struct cp_model *m = model(&r);
	struct cp_disc_instance f[2], e[1];
	(void)state;

	p = web_pool(&c, CFG_HEALTH_CHECK_NONE, 2, 3);
	p->disc.file = 1;
	p->disc.etcd = 1;
	cpt_backend(p, "198.18.1.11", 80, 5);
	assert_int_equal(cp_model_configure(m, &c), 0);
	expect_events(&r,
		      (const char *const[]){
			      "instance web 198.18.1.11:80 absent->healthy: discovered by static "
			      "(no health checks)",
			      NULL});
	assert_int_equal(r.changed, 1);
	expect_view(m, 0, "198.18.1.11:80 w5");

	f[0] = di("198.18.1.11", 80, 9, "other-name");
	f[1] = di("198.18.1.12", 0, 2, "");
	assert_int_equal(cp_model_update(m, CP_DISC_FILE, "web", f, 2), 0);
	expect_events(&r,
		      (const char *const[]){
			      "instance web 198.18.1.12 absent->healthy: discovered by file (no "
			      "health checks)",
			      NULL});
	expect_view(m, 0, "198.18.1.11:80 w5; 198.18.1.12 w2");
	e[0] = di("198.18.1.12", 0, 7, "b12");
	assert_int_equal(cp_model_update(m, CP_DISC_ETCD, "web", e, 1), 0);
	expect_events(&r, (const char *const[]){NULL});
	expect_view(m, 0, "198.18.1.11:80 w5; 198.18.1.12 w2"); /* file before etcd */
	{
		struct cp_model_inst *const *in;
		char buf[64];

		assert_int_equal(cp_model_pool_instances(m, 0, &in), 2);
		assert_string_equal(cp_model_sources_text(in[0]->sources, buf, sizeof(buf)),
				    "static,file");
		assert_string_equal(cp_model_sources_text(in[1]->sources, buf, sizeof(buf)),
				    "file,etcd");
	}
	/* file forgets .12: etcd still lists it, its weight now rules */
	assert_int_equal(cp_model_update(m, CP_DISC_FILE, "web", f, 1), 0);
	expect_events(&r, (const char *const[]){NULL});
	expect_view(m, 0, "198.18.1.11:80 w5; 198.18.1.12 w7");
	/* etcd forgets it too: removed */
	assert_int_equal(cp_model_update(m, CP_DISC_ETCD, "web", NULL, 0), 0);
	expect_events(&r,
		      (const char *const[]){
			      "instance web 198.18.1.12 healthy->removed: no source lists it any "
			      "more",
			      NULL});
	expect_view(m, 0, "198.18.1.11:80 w5");
	/* a source the pool does not use, and an unknown pool: kept, no effect */
	assert_int_equal(cp_model_update(m, CP_DISC_DNS, "web", e, 1), 0);
	assert_int_equal(cp_model_update(m, CP_DISC_FILE, "nope", e, 1), 0);
	expect_events(&r, (const char *const[]){NULL});
	expect_view(m, 0, "198.18.1.11:80 w5");
	/* a reload that opts in to dns applies the kept set */
	snprintf(p->disc.dns, sizeof(p->disc.dns), "_http._tcp.web.example");
	assert_int_equal(cp_model_configure(m, &c), 0);
	expect_events(&r, (const char *const[]){
				  "instance web b12 absent->healthy: discovered by dns (no health "
				  "checks)",
				  NULL});
	expect_view(m, 0, "198.18.1.11:80 w5; b12 w7");
	assert_int_equal(r.added, 3);
	assert_int_equal(r.removed, 1);
	cp_model_free(m);
	assert_int_equal(r.removed, 3);
	cpt_config_free(&c);
}

/* health: probing -> healthy after rise, unhealthy after fall (down), panic */
/* Every source is held to the config's rules; what breaks them is reported and left out. */
static void test_refused(void **state)
{
	struct cfg c = {0};
	struct cfg_pool *p;
	struct rec r;
	struct cp_model *m = model(&r);
	struct cp_disc_instance f[11], e[2];
	static const char *const want[] = {
		"file web 0.0.0.0/: not a unicast address",
		"file web 255.255.255.255/: not a unicast address",
		"file web 224.0.0.1/: not a unicast address",
		"file web 2001:2::1/: IPv6 instance in a pool that serves IPv4 VIPs",
		"file web ::ffff:198.18.1.20/: IPv4-mapped IPv6 address: write the IPv4 address",
		"file web 198.18.1.21/x\nweb  fake  healthy: name is not 1-31 of [A-Za-z0-9_.:[]-]",
		"file web 198.18.1.22/\x1b[2J: name is not 1-31 of [A-Za-z0-9_.:[]-]",
		"file web 198.18.1.23/be2: name already names 198.18.1.12 (from file)",
	};
	(void)state;

	cpt_vip(&c, "web", "198.18.100.1", 80, "web");
	p = cpt_pool(&c, "web");
	pool_health(p, CFG_HEALTH_CHECK_NONE, 2, 3);
	p->disc.file = 1;
	p->disc.etcd = 1;
	cpt_backend(p, "198.18.1.11", 80, 5);
	assert_int_equal(cp_model_configure(m, &c), 0);
	r.n_ev = 0;
	f[0] = di("198.18.1.12", 0, 1, "be2");
	f[1] = di("0.0.0.0", 0, 1, "");
	f[2] = di("255.255.255.255", 0, 1, "");
	f[3] = di("224.0.0.1", 0, 1, "");
	f[4] = di("2001:2::1", 0, 1, "");
	f[5] = di("::ffff:198.18.1.20", 0, 1, "");
	f[6] = di("198.18.1.21", 0, 1, "x\nweb  fake  healthy");
	f[7] = di("198.18.1.22", 0, 1, "\x1b[2J");
	f[8] = di("198.18.1.23", 0, 1, "be2");
	f[9] = di("198.18.1.24", 0, 1, "a b");
	f[10] = di("198.18.1.25", 0, 70000, "");
	assert_int_equal(cp_model_update(m, CP_DISC_FILE, "web", f, 11), 0);
	expect_view(m, 0, "198.18.1.11:80 w5; be2 w1");
	assert_int_equal(r.n_refused, CP_MODEL_REFUSED_MAX);
	for (uint32_t i = 0; i < CP_MODEL_REFUSED_MAX; i++)
		assert_string_equal(r.refused[i], want[i]);
	assert_int_equal(r.refused_total, 10);
	assert_int_equal(cp_model_pool_refused(m, 0), 10);
	/* across sources: the static list's name wins; the same address merges as before */
	r.n_refused = r.refused_total = 0;
	e[0] = di("198.18.1.30", 0, 1, "198.18.1.11:80");
	e[1] = di("198.18.1.12", 0, 4, "be2");
	assert_int_equal(cp_model_update(m, CP_DISC_ETCD, "web", e, 2), 0);
	assert_int_equal(r.refused_total, 1);
	assert_string_equal(r.refused[0], "etcd web 198.18.1.30/198.18.1.11:80: name already names "
					  "198.18.1.11:80 (from static)");
	expect_view(m, 0, "198.18.1.11:80 w5; be2 w1");
	/* a merge for another reason reports nothing again, but keeps counting */
	r.n_refused = r.refused_total = 0;
	assert_int_equal(cp_model_update(m, CP_DISC_ETCD, "web", e + 1, 1), 0);
	assert_int_equal(r.refused_total, 0);
	assert_int_equal(cp_model_pool_refused(m, 0), 10);
	cp_model_free(m);
	cpt_config_free(&c);
}

/* A nat VIP's pool holds one family (full NAT translates within it): the other is refused. */
static void test_nat_pool_family(void **state)
{
	struct cfg c = {0};
	struct cfg_pool *p;
	struct rec r;
	struct cp_model *m = model(&r);
	struct cp_disc_instance d[2];
	(void)state;

	cpt_vip(&c, "web6", "2001:2:0:100::1", 80, "web6")->mode = SL_MODE_NAT;
	p = cpt_pool(&c, "web6");
	pool_health(p, CFG_HEALTH_CHECK_NONE, 2, 3);
	p->disc.etcd = 1;
	assert_int_equal(cp_model_configure(m, &c), 0);
	d[0] = di("198.18.1.11", 80, 1, "v4");
	d[1] = di("2001:2:0:1::11", 80, 1, "v6");
	assert_int_equal(cp_model_update(m, CP_DISC_ETCD, "web6", d, 2), 0);
	assert_int_equal(r.refused_total, 1);
	assert_string_equal(r.refused[0], "etcd web6 198.18.1.11/v4: IPv4 instance in a pool that "
					  "serves IPv6 VIPs");
	expect_view(m, 0, "v6 w1");
	cp_model_free(m);
	cpt_config_free(&c);
}

static void test_health_and_panic(void **state)
{
	struct cfg c = {0};
	struct cp_model_inst *const *in;
	struct rec r;
	struct cp_model *m = model(&r);
	(void)state;

	web_two(&c, m, CFG_HEALTH_CHECK_HTTP, 2, 2, &in);
	/* nothing healthy yet: panic, everyone serves (fail open) */
	expect_events(&r,
		      (const char *const[]){
			      "instance web 198.18.1.11:80 absent->probing: discovered by static",
			      "instance web 198.18.1.12:80 absent->probing: discovered by static",
			      "pool web - normal->panic: 0 of 2 instances healthy, panic_threshold "
			      "0%: every instance serves",
			      NULL});
	expect_view(m, 0, "198.18.1.11:80 w1; 198.18.1.12:80 w1");
	cp_model_health_result(m, in[0], true, "http: status 200");
	expect_events(&r, (const char *const[]){NULL});
	cp_model_health_result(m, in[0], true, "http: status 200");
	expect_events(&r,
		      (const char *const[]){
			      "instance web 198.18.1.11:80 probing->healthy: http: status 200 (2/2 "
			      "ok)",
			      "pool web - panic->normal: 1 of 2 instances healthy", NULL});
	/* .12 still probing: not serving, marked down (flows move) */
	expect_view(m, 0, "198.18.1.11:80 w1; 198.18.1.12:80 w0 down");
	cp_model_health_result(m, in[1], true, "http: status 200");
	cp_model_health_result(m, in[1], true, "http: status 200");
	expect_events(&r,
		      (const char *const[]){
			      "instance web 198.18.1.12:80 probing->healthy: http: status 200 (2/2 "
			      "ok)",
			      NULL});
	expect_view(m, 0, "198.18.1.11:80 w1; 198.18.1.12:80 w1");
	cp_model_health_result(m, in[1], false, "http: status 503");
	cp_model_health_result(m, in[1], false, "tcp: connect refused");
	expect_events(
		&r, (const char *const[]){
			    "instance web 198.18.1.12:80 healthy->unhealthy: tcp: connect refused "
			    "(2/2 failed)",
			    NULL});
	expect_view(m, 0, "198.18.1.11:80 w1; 198.18.1.12:80 w0 down");
	/* the last one dies too: panic serves both again */
	cp_model_health_result(m, in[0], false, "tcp: timeout after 500 ms");
	cp_model_health_result(m, in[0], false, "tcp: timeout after 500 ms");
	expect_events(&r,
		      (const char *const[]){
			      "instance web 198.18.1.11:80 healthy->unhealthy: tcp: timeout after "
			      "500 ms (2/2 failed)",
			      "pool web - normal->panic: 0 of 2 instances healthy, panic_threshold "
			      "0%: every instance serves",
			      NULL});
	expect_view(m, 0, "198.18.1.11:80 w1; 198.18.1.12:80 w1");
	cp_model_free(m);
	cpt_config_free(&c);
}

/*
 * Passive health with probes: off at passive_fall 0; fewer failures than
 * passive_fall in a window change nothing; passive_fall of them mark the
 * instance down at once (from healthy and again while down: no event);
 * the probes' rise brings it back, counted from the verdict.
 */
static void test_passive_with_probes(void **state)
{
	struct cfg c = {0};
	struct cfg_pool *p;
	struct cp_model_inst *const *in;
	struct rec r;
	struct cp_model *m = model(&r);
	(void)state;

	p = web_two(&c, m, CFG_HEALTH_CHECK_TCP, 2, 3, &in);
	for (int i = 0; i < 4; i++)
		cp_model_health_result(m, in[i / 2], true, "tcp: connected");
	r.n_ev = 0;
	r.changed = 0;
	assert_int_equal(cp_model_passive(m, in[1], 1000, 1000), 0); /* passive_fall 0: off */
	p->health.passive_fall = 5;
	assert_int_equal(cp_model_passive(m, in[1], 4, 1000), 0);
	expect_events(&r, (const char *const[]){NULL});
	assert_int_equal(r.changed, 0);
	assert_int_equal(cp_model_passive(m, in[1], 5, 1000), 1);
	expect_events(&r,
		      (const char *const[]){
			      "instance web 198.18.1.12:80 healthy->unhealthy: passive: 5 connect "
			      "failures in 1000 ms (passive_fall 5)",
			      NULL});
	assert_int_equal(r.changed, 1);
	assert_string_equal(in[1]->reason,
			    "passive: 5 connect failures in 1000 ms (passive_fall 5)");
	expect_view(m, 0, "198.18.1.11:80 w1; 198.18.1.12:80 w0 down");
	/* one ok probe, then failures again: still down, and the ok is lost */
	cp_model_health_result(m, in[1], true, "tcp: connected");
	assert_int_equal(cp_model_passive(m, in[1], 7, 1000), 0);
	expect_events(&r, (const char *const[]){NULL});
	cp_model_health_result(m, in[1], true, "tcp: connected");
	expect_events(&r, (const char *const[]){NULL});
	cp_model_health_result(m, in[1], true, "tcp: connected");
	expect_events(&r,
		      (const char *const[]){
			      "instance web 198.18.1.12:80 unhealthy->healthy: tcp: connected (2/2 "
			      "ok)",
			      NULL});
	expect_view(m, 0, "198.18.1.11:80 w1; 198.18.1.12:80 w1");
	/* quiet windows do not bring anything up where probes decide */
	assert_int_equal(cp_model_passive(m, in[0], 5, 1000), 1);
	assert_int_equal(cp_model_passive(m, in[0], 0, 1000), 0);
	assert_int_equal(in[0]->fsm.state, CP_HEALTH_FSM_UNHEALTHY);
	cp_model_free(m);
	cpt_config_free(&c);
}

/*
 * Passive health without probes (type "none"): down at passive_fall
 * failures in a window; back after rise windows in a row without a new
 * failure (a window with some failures restarts the run); the pool's panic
 * rule applies as for probes.
 */
static void test_passive_without_probes(void **state)
{
	struct cfg c = {0};
	struct cfg_pool *p;
	struct cp_model_inst *const *in;
	struct rec r;
	struct cp_model *m = model(&r);
	(void)state;

	p = web_two(&c, m, CFG_HEALTH_CHECK_NONE, 3, 3, &in);
	p->health.passive_fall = 2;
	r.n_ev = 0;
	assert_int_equal(cp_model_passive(m, in[0], 0, 200), 0); /* healthy: quiet is nothing */
	assert_int_equal(cp_model_passive(m, in[0], 1, 200), 0);
	assert_int_equal(cp_model_passive(m, in[0], 2, 200), 1);
	expect_events(&r,
		      (const char *const[]){
			      "instance web 198.18.1.11:80 healthy->unhealthy: passive: 2 connect "
			      "failures in 200 ms (passive_fall 2)",
			      NULL});
	expect_view(m, 0, "198.18.1.11:80 w0 down; 198.18.1.12:80 w1");
	/* two quiet windows, one with a failure: the run restarts */
	assert_int_equal(cp_model_passive(m, in[0], 0, 200), 0);
	assert_int_equal(cp_model_passive(m, in[0], 0, 200), 0);
	assert_int_equal(cp_model_passive(m, in[0], 1, 200), 0);
	assert_int_equal(cp_model_passive(m, in[0], 0, 200), 0);
	assert_int_equal(cp_model_passive(m, in[0], 0, 200), 0);
	expect_events(&r, (const char *const[]){NULL});
	assert_int_equal(cp_model_passive(m, in[0], 0, 200), 1);
	expect_events(&r,
		      (const char *const[]){
			      "instance web 198.18.1.11:80 unhealthy->healthy: passive: no connect "
			      "failure in 200 ms (3/3 ok)",
			      NULL});
	expect_view(m, 0, "198.18.1.11:80 w1; 198.18.1.12:80 w1");
	/* both down: panic, both serve */
	assert_int_equal(cp_model_passive(m, in[0], 9, 200), 1);
	assert_int_equal(cp_model_passive(m, in[1], 2, 200), 1);
	expect_events(&r,
		      (const char *const[]){
			      "instance web 198.18.1.11:80 healthy->unhealthy: passive: 9 connect "
			      "failures in 200 ms (passive_fall 2)",
			      "instance web 198.18.1.12:80 healthy->unhealthy: passive: 2 connect "
			      "failures in 200 ms (passive_fall 2)",
			      "pool web - normal->panic: 0 of 2 instances healthy, panic_threshold "
			      "0%: every instance serves",
			      NULL});
	expect_view(m, 0, "198.18.1.11:80 w1; 198.18.1.12:80 w1");
	cp_model_free(m);
	cpt_config_free(&c);
}

/* drain: weight 0, not down (flows stay); undrain; names and errors */
static void test_drain(void **state)
{
	struct cfg c = {0};
	struct cfg_pool *p;
	struct rec r;
	struct cp_model *m = model(&r);
	char why[128];
	(void)state;

	p = web_pool(&c, CFG_HEALTH_CHECK_NONE, 2, 3);
	cpt_backend(p, "198.18.1.11", 80, 1);
	cpt_backend(p, "198.18.1.12", 0, 3);
	snprintf(p->backends[1].name, sizeof(p->backends[1].name), "b12");
	assert_int_equal(cp_model_configure(m, &c), 0);
	r.n_ev = 0;
	r.changed = 0;
	assert_int_equal(cp_model_drain(m, "web", "198.18.1.12", true, why, sizeof(why)), 0);
	expect_events(&r, (const char *const[]){
				  "instance web b12 healthy->drained: sluicectl drain", NULL});
	assert_int_equal(r.changed, 1);
	expect_view(m, 0, "198.18.1.11:80 w1; b12 w0");
	assert_int_equal(cp_model_drain(m, "web", "b12", true, why, sizeof(why)), 0);
	expect_events(&r, (const char *const[]){NULL});
	/* a drained instance that vanishes is reported from "drained" */
	assert_int_equal(cp_model_drain(m, "web", "198.18.1.11:80", true, why, sizeof(why)), 0);
	assert_int_equal(cp_model_drain(m, "web", "198.18.1.11:80", false, why, sizeof(why)), 0);
	expect_events(&r, (const char *const[]){
				  "instance web 198.18.1.11:80 healthy->drained: sluicectl drain",
				  "instance web 198.18.1.11:80 drained->healthy: sluicectl undrain",
				  NULL});
	assert_int_equal(cp_model_drain(m, "api", "b12", true, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "no pool \"api\"");
	assert_int_equal(cp_model_drain(m, "web", "b13", false, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "no instance \"b13\" in pool \"web\"");
	/* the drain survives a reload; a pool removed by a reload removes its instances */
	assert_int_equal(cp_model_configure(m, &c), 0);
	expect_view(m, 0, "198.18.1.11:80 w1; b12 w0");
	c.n_pools = 0;
	c.n_vips = 0;
	assert_int_equal(cp_model_configure(m, &c), 0);
	expect_events(&r,
		      (const char *const[]){
			      "instance web 198.18.1.11:80 healthy->removed: pool removed from the "
			      "config",
			      "instance web b12 drained->removed: pool removed from the config",
			      NULL});
	c.n_pools = 1;
	c.n_vips = 1;
	cp_model_free(m);
	cpt_config_free(&c);
}

/* every backend resolved except 198.18.1.14 */
static int nexthop_but_14(void *ctx, const struct sl_addr *addr, struct cp_nexthop *nh)
{
	struct sl_addr a14;
	uint8_t af;

	(void)ctx;
	cpt_addr(&a14, &af, "198.18.1.14");
	if (memcmp(addr, &a14, sizeof(a14)) == 0)
		return -EHOSTUNREACH;
	memset(nh, 0, sizeof(*nh));
	nh->mac[5] = 1;
	return 0;
}

/* Publish @m's view as generation @gen into slot 1 of @h, as sluiced does. */
static void publish_view(const struct cp_model *m, struct sl_shm_header *h, uint64_t gen)
{
	struct cp_tables *t = cp_tables_new(h->max_backends);
	struct cp_tables_summary sum;
	struct cfg v;
	char why[256];

	assert_non_null(t);
	assert_int_equal(cp_model_view(m, &v), 0);
	assert_int_equal(
		cp_tables_build(t, &v, nexthop_but_14, NULL, h, 1, gen, 1, &sum, why, sizeof(why)),
		0);
	h->published = SL_GEN_WORD(gen, 1);
	cp_model_view_free(&v);
	cp_tables_free(t);
}

static void feed(struct cp_model *m, struct cp_model_inst *inst, bool ok, int n)
{
	for (int i = 0; i < n; i++)
		cp_model_health_result(m, inst, ok, ok ? "http: status 200" : "http: status 503");
}

/*
 * A restart: healthy, unhealthy, drained and unresolved instances of the
 * published generation come back healthy, unhealthy, healthy (a drain is
 * not kept) and probing; the pool is never in panic; then exactly fall
 * failures take a seeded healthy one down and rise passes bring a seeded
 * unhealthy one up.
 */
static void test_adopt_published_states(void **state)
{
	struct sl_shm_header *h = cpt_segment(1, 64, 13);
	struct cp_model_inst *const *in;
	struct cfg c = {0};
	struct cfg_pool *p;
	struct rec r;
	struct cp_model *m = model(&r);
	char why[128];
	(void)state;

	p = web_pool(&c, CFG_HEALTH_CHECK_HTTP, 2, 3);
	cpt_backend(p, "198.18.1.11", 80, 1);
	cpt_backend(p, "198.18.1.12", 80, 1);
	cpt_backend(p, "198.18.1.13", 80, 2);
	cpt_backend(p, "198.18.1.14", 80, 1);
	assert_int_equal(cp_model_configure(m, &c), 0);
	assert_int_equal(cp_model_pool_instances(m, 0, &in), 4);
	feed(m, in[0], true, 2);
	feed(m, in[1], true, 2);
	feed(m, in[1], false, 3);
	feed(m, in[2], true, 2);
	feed(m, in[3], true, 2);
	assert_int_equal(cp_model_drain(m, "web", "198.18.1.13:80", true, why, sizeof(why)), 0);
	expect_view(m, 0,
		    "198.18.1.11:80 w1; 198.18.1.12:80 w0 down; 198.18.1.13:80 w0; "
		    "198.18.1.14:80 w1");
	publish_view(m, h, 7);
	cp_model_free(m);

	/* the next sluiced */
	m = model(&r);
	assert_int_equal(cp_model_adopt(m, h), 3); /* .14 has no next hop: no seed */
	assert_int_equal(cp_model_configure(m, &c), 0);
	expect_events(
		&r,
		(const char *const[]){
			"instance web 198.18.1.11:80 absent->healthy: discovered by static, "
			"serving in generation 7 taken over",
			"instance web 198.18.1.12:80 absent->unhealthy: discovered by static, "
			"down in generation 7 taken over",
			"instance web 198.18.1.13:80 absent->healthy: discovered by static, "
			"serving in generation 7 taken over",
			"instance web 198.18.1.14:80 absent->probing: discovered by static", NULL});
	assert_false(cp_model_pool_panic(m, 0));
	expect_view(m, 0,
		    "198.18.1.11:80 w1; 198.18.1.12:80 w0 down; 198.18.1.13:80 w2; "
		    "198.18.1.14:80 w0 down");
	assert_int_equal(cp_model_pool_instances(m, 0, &in), 4);
	assert_int_equal(in[0]->fsm.ok_run, 0);
	assert_int_equal(in[0]->fsm.fail_run, 0);
	feed(m, in[0], false, 2);
	expect_events(&r, (const char *const[]){NULL});
	feed(m, in[0], false, 1);
	expect_events(&r,
		      (const char *const[]){
			      "instance web 198.18.1.11:80 healthy->unhealthy: http: status 503 "
			      "(3/3 failed)",
			      NULL});
	feed(m, in[1], true, 1);
	expect_events(&r, (const char *const[]){NULL});
	feed(m, in[1], true, 1);
	expect_events(&r,
		      (const char *const[]){
			      "instance web 198.18.1.12:80 unhealthy->healthy: http: status 200 "
			      "(2/2 ok)",
			      NULL});
	cp_model_free(m);
	cpt_config_free(&c);
	free(h);
}

/*
 * A pool in panic when sluiced died (nothing healthy, everyone served):
 * every instance that served comes back healthy, the pool starts normal.
 * Seeds reach instances a provider reports later, until forgotten; a seed is
 * used once; generation 0 (nothing published) seeds nothing.
 */
static void test_adopt_panic_and_forget(void **state)
{
	struct sl_shm_header *h = cpt_segment(1, 64, 13);
	struct cp_disc_instance f[2];
	struct cfg c = {0};
	struct cfg_pool *p;
	struct rec r;
	struct cp_model *m = model(&r);
	(void)state;

	assert_int_equal(cp_model_adopt(m, h), 0);
	p = web_pool(&c, CFG_HEALTH_CHECK_TCP, 2, 2);
	p->disc.file = 1;
	cpt_backend(p, "198.18.1.11", 80, 1);
	cpt_backend(p, "198.18.1.12", 0, 1);
	assert_int_equal(cp_model_configure(m, &c), 0);
	assert_true(cp_model_pool_panic(m, 0));
	expect_view(m, 0, "198.18.1.11:80 w1; 198.18.1.12:0 w1");
	publish_view(m, h, 3);
	cp_model_free(m);

	m = model(&r);
	assert_int_equal(cp_model_adopt(m, h), 2);
	cpt_remove_backend(p, 1); /* .12 now comes from the file provider */
	assert_int_equal(cp_model_configure(m, &c), 0);
	expect_events(&r,
		      (const char *const[]){
			      "instance web 198.18.1.11:80 absent->healthy: discovered by static, "
			      "serving in generation 3 taken over",
			      NULL});
	assert_false(cp_model_pool_panic(m, 0));
	f[0] = di("198.18.1.12", 0, 1, "b12");
	assert_int_equal(cp_model_update(m, CP_DISC_FILE, "web", f, 1), 0);
	expect_events(&r,
		      (const char *const[]){
			      "instance web b12 absent->healthy: discovered by file, serving in "
			      "generation 3 taken over",
			      NULL});
	/* gone and back: its seed was used */
	assert_int_equal(cp_model_update(m, CP_DISC_FILE, "web", NULL, 0), 0);
	assert_int_equal(cp_model_update(m, CP_DISC_FILE, "web", f, 1), 0);
	expect_events(&r, (const char *const[]){
				  "instance web b12 healthy->removed: no source lists it any more",
				  "instance web b12 absent->probing: discovered by file", NULL});
	/* seeded afresh, then forgotten (sluiced's first publish): new again */
	assert_int_equal(cp_model_update(m, CP_DISC_FILE, "web", NULL, 0), 0);
	r.n_ev = 0;
	assert_int_equal(cp_model_adopt(m, h), 2);
	cp_model_forget_seeds(m);
	assert_int_equal(cp_model_update(m, CP_DISC_FILE, "web", f, 1), 0);
	expect_events(&r, (const char *const[]){
				  "instance web b12 absent->probing: discovered by file", NULL});
	cp_model_free(m);
	cpt_config_free(&c);
	free(h);
}

static void test_event_json(void **state)
{
	struct cp_model_event e = {.event = "instance",
				   .pool = "web",
				   .instance = "b\"1",
				   .old_state = "healthy",
				   .new_state = "unhealthy",
				   .reason = "http: status 503 (3/3 failed)"};
	char buf[512];

	(void)state;
	/* 2026-11-25T12:00:00.123Z */
	int n = cp_model_event_json(&e, 1795608000123456789ull, buf, sizeof(buf));

	assert_int_equal(n, (int)strlen(buf));
	assert_string_equal(buf, "{\"ts\":\"2026-11-25T12:00:00.123Z\",\"event\":\"instance\","
				 "\"pool\":\"web\",\"instance\":\"b\\\"1\",\"old\":\"healthy\","
				 "\"new\":\"unhealthy\",\"reason\":\"http: status 503 (3/3 "
				 "failed)\"}");
	e.event = "pool";
	e.instance = NULL;
	assert_true(cp_model_event_json(&e, 0, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "{\"ts\":\"1970-01-01T00:00:00.000Z\",\"event\":\"pool\","
				 "\"pool\":\"web\",\"old\":\"healthy\",\"new\":\"unhealthy\","
				 "\"reason\":\"http: status 503 (3/3 failed)\"}");
	assert_int_equal(cp_model_event_json(&e, 0, buf, 20), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source_names),
		cmocka_unit_test(test_merge_and_vanish),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_nat_pool_family),
		cmocka_unit_test(test_health_and_panic),
		cmocka_unit_test(test_passive_with_probes),
		cmocka_unit_test(test_passive_without_probes),
		cmocka_unit_test(test_drain),
		cmocka_unit_test(test_adopt_published_states),
		cmocka_unit_test(test_adopt_panic_and_forget),
		cmocka_unit_test(test_event_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
