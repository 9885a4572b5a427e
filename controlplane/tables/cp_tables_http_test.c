/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cp_tables, the HTTP part of a build: an http VIP's routes sorted into
 * its run with their pools and ids, its block; every pool's balance and
 * members (active, not draining, weight > 0, config order); the sticky ids
 * under the segment's key; route ids kept while a route stays, across a
 * refused build and a sluiced that adopts the segment. Each slot written
 * passes the dataplane's HTTP checks (sl_shm_check_http).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cp_tables.h"
#include "cp_test_util.h"
#include "sl_siphash.h"

static struct sl_shm_header *segment(uint32_t max_routes)
{
	struct sl_shm_geometry g = {.max_workers = 2,
				    .max_ports = 2,
				    .max_vips = 8,
				    .max_pools = 4,
				    .max_backends = 16,
				    .maglev_size = 13,
				    .max_nat_sources = 4,
				    .max_routes = max_routes};
	struct sl_shm_header *h = cpt_segment_of(&g);

	h->sticky.key[0] = 0x0706050403020100ull;
	h->sticky.key[1] = 0x0f0e0d0c0b0a0908ull;
	return h;
}

/* every address resolved but 198.18.1.99 */
static int nh_lookup(void *ctx, const struct sl_addr *addr, struct cp_nexthop *nh)
{
	(void)ctx;
	if (addr->a8[15] == 99)
		return -EHOSTUNREACH;
	memset(nh, 0, sizeof(*nh));
	nh->tx_port = 1;
	nh->mac[5] = addr->a8[15];
	return 0;
}

static int build(struct cp_tables *t, struct cfg *c, struct sl_shm_header *h, unsigned int slot,
		 uint64_t gen, char *why, size_t len)
{
	struct cp_tables_summary sum;

	cp_tables_set_nat_port(t, cpt_nat_port, NULL);
	return cp_tables_build(t, c, nh_lookup, NULL, h, slot, gen, 0, &sum, why, len);
}

static void build_ok(struct cp_tables *t, struct cfg *c, struct sl_shm_header *h, unsigned int slot,
		     uint64_t gen)
{
	char why[256] = "";
	int rc = build(t, c, h, slot, gen, why, sizeof(why));

	if (rc)
		fail_msg("build: %d %s", rc, why);
	sl_slot_hdr(h, slot)->generation = gen;
	rc = sl_shm_check_http(h, slot, why, sizeof(why));
	if (rc)
		fail_msg("check: %d %s", rc, why);
}

static void assert_route(const struct sl_route *r, const char *host, const char *path,
			 uint32_t pool, uint32_t id)
{
	struct sl_route_key k;
	const char *why;

	assert_int_equal(sl_route_key_make(host, path, &k, &why), 0);
	assert_memory_equal(&r->key, &k, sizeof(k));
	assert_int_equal(r->pool, pool);
	assert_int_equal(r->id, id);
}

static uint64_t want_sticky(const struct sl_shm_header *h, const char *pool, const char *name)
{
	char msg[64];
	size_t n = (size_t)snprintf(msg, sizeof(msg), "%s", pool) + 1;

	n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%s", name);
	return sl_siphash24(h->sticky.key, msg, (uint32_t)n);
}

/*
 * pools web (maglev: .11, .12), login (round robin: .21 weight 5, .22, .23
 * weight 0), profile (.99, unresolved); VIP api (http, default web, four
 * routes), t (tunnel on web), nop (http, no default, sticky, both headers).
 */
static void layout_config(struct cfg *c)
{
	struct cfg_pool *p;
	struct cfg_vip *v;

	p = cpt_pool(c, "web");
	cpt_backend(p, "198.18.1.11", 0, 1);
	cpt_backend(p, "198.18.1.12", 0, 1);
	p = cpt_pool(c, "login");
	p->balance = SL_BALANCE_RR;
	cpt_backend(p, "198.18.1.21", 0, 5);
	cpt_backend(p, "198.18.1.22", 0, 1);
	cpt_backend(p, "198.18.1.23", 0, 0);
	p = cpt_pool(c, "profile");
	cpt_backend(p, "198.18.1.99", 0, 1);
	v = cpt_http_vip(c, "api", "198.18.0.10", "web");
	cpt_route(v, NULL, "/login", "login");
	cpt_route(v, "admin.example", "/", "web");
	cpt_route(v, NULL, "/login/admin", "profile");
	cpt_route(v, "*.example", "/", "login");
	snprintf(v->http.sticky_cookie, sizeof(v->http.sticky_cookie), "SLUICE_INSTANCE");
	cpt_vip(c, "t", "198.18.0.11", 80, "web");
	v = cpt_http_vip(c, "nop", "198.18.0.12", "");
	v->http.x_forwarded_for = 1;
	v->http.x_request_id = 1;
	v->http.head_max = 1024;
	v->http.head_timeout_ms = 100;
}

static void test_layout(void **state)
{
	struct sl_shm_header *h = segment(8);
	struct cp_tables *t = cp_tables_new(16);
	const struct sl_route *r = sl_slot_routes(h, 1);
	const struct sl_http_vip *hv = sl_slot_http(h, 1);
	const struct sl_pool *pools = sl_slot_pools(h, 1);
	const struct sl_vip *vips = sl_slot_vips(h, 1);
	const uint32_t *m = sl_slot_members(h, 1);
	const uint64_t *ids = sl_slot_sticky_ids(h, 1);
	struct cfg c = {0};
	(void)state;

	layout_config(&c);
	build_ok(t, &c, h, 1, 1);
	assert_int_equal(sl_slot_hdr(h, 1)->n_routes, 4);
	/* exact host, wildcard host, then the longer path first */
	assert_route(&r[0], "admin.example", "/", 0, 0);
	assert_route(&r[1], "*.example", "/", 1, 1);
	assert_route(&r[2], NULL, "/login/admin", 2, 2);
	assert_route(&r[3], NULL, "/login", 1, 3);
	assert_int_equal(vips[0].mode, SL_MODE_HTTP);
	assert_int_equal(vips[0].pool, 0);
	assert_int_equal(vips[0].flags, SL_VIP_F_SYNPROXY);
	assert_int_equal(hv[0].route_first, 0);
	assert_int_equal(hv[0].route_count, 4);
	assert_int_equal(hv[0].head_max, 8192);
	assert_int_equal(hv[0].head_timeout_ms, 5000);
	assert_int_equal(hv[0].flags, SL_HTTP_F_STICKY);
	assert_string_equal(hv[0].cookie, "SLUICE_INSTANCE");
	/* not http: a zero block */
	assert_int_equal(vips[1].mode, SL_MODE_TUNNEL);
	assert_int_equal(hv[1].route_count | hv[1].flags | hv[1].head_max, 0);
	assert_int_equal(vips[2].pool, SL_POOL_NONE);
	assert_int_equal(hv[2].route_first, 4);
	assert_int_equal(hv[2].route_count, 0);
	assert_int_equal(hv[2].flags, SL_HTTP_F_XFF | SL_HTTP_F_XRID);
	assert_int_equal(hv[2].head_max, 1024);
	assert_int_equal(hv[2].head_timeout_ms, 100);
	assert_string_equal(hv[2].cookie, "");

	/* members: active, weight > 0, config order; slots 0-5 in config order */
	assert_int_equal(sl_slot_hdr(h, 1)->n_members, 4);
	assert_int_equal(pools[0].balance, SL_BALANCE_MAGLEV);
	assert_int_equal(pools[0].member_first, 0);
	assert_int_equal(pools[0].member_count, 2);
	assert_int_equal(pools[1].balance, SL_BALANCE_RR);
	assert_int_equal(pools[1].member_first, 2);
	assert_int_equal(pools[1].member_count, 2);
	assert_int_equal(pools[2].member_first, 4);
	assert_int_equal(pools[2].member_count, 0);
	assert_int_equal(m[0], 0);
	assert_int_equal(m[1], 1);
	assert_int_equal(m[2], 2);
	assert_int_equal(m[3], 3);

	/* sticky ids: pool and instance name under the segment's key */
	assert_int_equal(ids[0], want_sticky(h, "web", "198.18.1.11:0"));
	assert_int_equal(ids[2], want_sticky(h, "login", "198.18.1.21:0"));
	assert_int_equal(ids[5], want_sticky(h, "profile", "198.18.1.99:0"));
	assert_true(ids[0] != ids[1]);
	assert_int_equal(ids[6], 0);
	/* another segment, another key: other ids */
	h->sticky.key[0] ^= 1;
	build_ok(t, &c, h, 0, 2);
	assert_true(sl_slot_sticky_ids(h, 0)[0] != ids[0]);
	assert_int_equal(sl_slot_sticky_ids(h, 0)[0], want_sticky(h, "web", "198.18.1.11:0"));
	cp_tables_free(t);
	cpt_config_free(&c);
	free(h);
}

/* A down backend and a draining one leave the members; so does weight 0. */
static void test_members_follow_state(void **state)
{
	struct sl_shm_header *h = segment(8);
	struct cp_tables *t = cp_tables_new(16);
	struct cfg c = {0};
	const struct sl_pool *pools;
	const uint32_t *m;
	(void)state;

	layout_config(&c);
	c.controlplane.drain_timeout = 60;
	build_ok(t, &c, h, 1, 1);
	c.pools[1].backends[1].down = 1;    /* .22 */
	cpt_remove_backend(&c.pools[0], 0); /* .11 drains */
	c.pools[1].backends[2].weight = 3;  /* .23 */
	build_ok(t, &c, h, 0, 2);
	pools = sl_slot_pools(h, 0);
	m = sl_slot_members(h, 0);
	assert_true(sl_slot_backends(h, 0)[0].flags & SL_BACKEND_F_DRAINING);
	assert_int_equal(pools[0].member_first, 0);
	assert_int_equal(pools[0].member_count, 1);
	assert_int_equal(m[0], 1);
	assert_int_equal(pools[1].member_first, 1);
	assert_int_equal(pools[1].member_count, 2);
	assert_int_equal(m[1], 2);
	assert_int_equal(m[2], 4);
	assert_int_equal(sl_slot_hdr(h, 0)->n_members, 3);
	cp_tables_free(t);
	cpt_config_free(&c);
	free(h);
}

/*
 * Ids: a route that stays keeps its id (its counters), a new one takes the
 * lowest free id, a refused build changes nothing, and the same key on
 * another VIP is another route.
 */
static void test_route_ids_stable(void **state)
{
	struct sl_shm_header *h = segment(5);
	struct cp_tables *t = cp_tables_new(16);
	const struct sl_route *r;
	struct cfg c = {0};
	struct cfg_vip *v, *w;
	char why[256];
	(void)state;

	cpt_pool(&c, "web");
	v = cpt_http_vip(&c, "api", "198.18.0.10", "web");
	cpt_route(v, NULL, "/a", "web");
	cpt_route(v, NULL, "/b", "web");
	cpt_route(v, NULL, "/c", "web");
	w = cpt_http_vip(&c, "api2", "198.18.0.11", "web");
	build_ok(t, &c, h, 1, 1);
	r = sl_slot_routes(h, 1);
	assert_route(&r[0], NULL, "/a", 0, 0);
	assert_route(&r[1], NULL, "/b", 0, 1);
	assert_route(&r[2], NULL, "/c", 0, 2);

	/* /b leaves, /d comes, and api2 has a route of the same key as one of api's */
	v->http.n_routes = 0;
	cpt_route(v, NULL, "/c", "web");
	cpt_route(v, NULL, "/d", "web");
	cpt_route(v, NULL, "/a", "web");
	cpt_route(w, NULL, "/a", "web");
	build_ok(t, &c, h, 0, 2);
	r = sl_slot_routes(h, 0);
	assert_int_equal(sl_slot_hdr(h, 0)->n_routes, 4);
	assert_route(&r[0], NULL, "/a", 0, 0);
	assert_route(&r[1], NULL, "/c", 0, 2);
	assert_route(&r[2], NULL, "/d", 0, 1);
	assert_route(&r[3], NULL, "/a", 0, 3); /* api2's */
	assert_int_equal(sl_slot_http(h, 0)[1].route_first, 3);

	/* more routes than the segment holds: refused, the ids stay */
	cpt_route(w, NULL, "/x", "web");
	cpt_route(w, NULL, "/y", "web");
	assert_int_equal(build(t, &c, h, 1, 3, why, sizeof(why)), -ENOSPC);
	assert_string_equal(why, "6 routes configured, the segment holds 5");
	w->http.n_routes = 1;
	v->http.n_routes = 2; /* /c, /d */
	build_ok(t, &c, h, 1, 3);
	r = sl_slot_routes(h, 1);
	assert_route(&r[0], NULL, "/c", 0, 2);
	assert_route(&r[1], NULL, "/d", 0, 1);
	assert_route(&r[2], NULL, "/a", 0, 3);
	cp_tables_free(t);
	cpt_config_free(&c);
	free(h);
}

/* A sluiced that adopts the segment keeps the published routes' ids. */
static void test_adopt_keeps_route_ids(void **state)
{
	struct sl_shm_header *h = segment(8);
	struct cp_tables *t = cp_tables_new(16);
	const struct sl_route *r;
	struct cfg c = {0};
	struct cfg_vip *v;
	(void)state;

	cpt_pool(&c, "web");
	v = cpt_http_vip(&c, "api", "198.18.0.10", "web");
	cpt_route(v, NULL, "/a", "web");
	cpt_route(v, NULL, "/b", "web");
	build_ok(t, &c, h, 1, 1);
	v->http.n_routes = 1; /* /a */
	build_ok(t, &c, h, 0, 2);
	h->published = SL_GEN_WORD(2, 0);
	cp_tables_free(t);

	t = cp_tables_new(16);
	assert_int_equal(cp_tables_adopt(t, h), 0);
	cpt_route(v, NULL, "/b", "web");
	cpt_route(v, NULL, "/aa", "web");
	build_ok(t, &c, h, 1, 3);
	r = sl_slot_routes(h, 1);
	assert_route(&r[0], NULL, "/aa", 0, 1);
	assert_route(&r[1], NULL, "/a", 0, 0);
	assert_route(&r[2], NULL, "/b", 0, 2);
	cp_tables_free(t);
	cpt_config_free(&c);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_members_follow_state),
		cmocka_unit_test(test_route_ids_stable),
		cmocka_unit_test(test_adopt_keeps_route_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
