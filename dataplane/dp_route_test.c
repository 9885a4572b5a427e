/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp_route on tables built in memory: smooth weighted round robin's exact
 * sequences (5, 1, 1 and equal weights), its state across table switches
 * (kept when a pool's members stay, restarted when they change), routes
 * and the default pool, sticky ids as cookies carry them, and the instance
 * a request gets with and without a valid id.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dp_route.h"
#include "sl_route.h"

#define N_BE 8

/* A table of two pools ("a": slots 0-2 round robin, "b": slots 3-4 maglev), VIP 0 http. */
struct fix {
	struct sl_table_hdr hdr;
	struct sl_vip vips[2];
	struct sl_pool pools[2];
	struct sl_backend be[N_BE];
	uint32_t members[N_BE];
	uint64_t sticky[N_BE];
	struct sl_route routes[4];
	struct sl_http_vip http[2];
	uint32_t maglev[2 * 13];
	struct dp_table t;
};

static void fix_init(struct fix *f, const uint16_t wa[3])
{
	memset(f, 0, sizeof(*f));
	f->hdr.n_pools = 2;
	f->hdr.n_vips = 2;
	f->hdr.n_backends = 5;
	snprintf(f->pools[0].name, SL_NAME_LEN, "a");
	snprintf(f->pools[1].name, SL_NAME_LEN, "b");
	f->pools[0].balance = SL_BALANCE_RR;
	f->pools[0].member_count = 3;
	f->pools[1].member_first = 3;
	f->pools[1].member_count = 2;
	for (uint32_t i = 0; i < 5; i++) {
		f->members[i] = i;
		f->be[i].weight = i < 3 ? wa[i] : 1;
		f->be[i].pool = i < 3 ? 0 : 1;
		f->be[i].flags = SL_BACKEND_F_ACTIVE | SL_BACKEND_F_RESOLVED;
		f->sticky[i] = 0x1000 + i;
	}
	f->sticky[5] = 0x1005; /* slot 5: no member of any pool */
	for (uint32_t e = 0; e < 26; e++)
		f->maglev[e] = e < 13 ? e % 3 : 3 + e % 2;
	f->vips[0].mode = SL_MODE_HTTP;
	f->vips[0].pool = 1;
	f->vips[1].mode = SL_MODE_HTTP;
	f->vips[1].pool = SL_POOL_NONE;
	f->t = (struct dp_table){.hdr = &f->hdr,
				 .vips = f->vips,
				 .pools = f->pools,
				 .backends = f->be,
				 .maglev = f->maglev,
				 .maglev_size = 13,
				 .n_backends = 5,
				 .routes = f->routes,
				 .http = f->http,
				 .members = f->members,
				 .sticky_ids = f->sticky,
				 .n_members = 5};
}

/* @n picks of pool @pool as letters, slot 0 = 'a' */
static void picks(struct dp_rr *rr, const struct dp_table *t, uint32_t pool, int n, char *out)
{
	for (int i = 0; i < n; i++) {
		uint32_t be = dp_rr_pick(rr, t, pool);

		out[i] = be == SL_BACKEND_NONE ? '-' : (char)('a' + be);
	}
	out[n] = '\0';
}

static void test_rr_weights(void **state)
{
	static const uint16_t w[3] = {5, 1, 1};
	struct dp_rr rr;
	struct fix f;
	char got[32];

	(void)state;
	fix_init(&f, w);
	assert_int_equal(dp_rr_init(&rr, N_BE), 0);
	picks(&rr, &f.t, 0, 14, got);
	assert_string_equal(got, "aabacaaaabacaa");
	/* a pool in maglev is walked the same when asked; a pool without members gives none */
	f.pools[1].member_count = 0;
	assert_int_equal(dp_rr_pick(&rr, &f.t, 1), SL_BACKEND_NONE);
	dp_rr_free(&rr);
}

/* Equal weights: every round gives each member once, so any two differ by at most one. */
static void test_rr_equal(void **state)
{
	static const uint16_t w[3] = {1, 1, 1};
	uint32_t count[3] = {0};
	struct dp_rr rr;
	struct fix f;
	char got[32];

	(void)state;
	fix_init(&f, w);
	assert_int_equal(dp_rr_init(&rr, N_BE), 0);
	picks(&rr, &f.t, 0, 9, got);
	assert_string_equal(got, "abcabcabc");
	for (int i = 0; i < 100; i++) {
		uint32_t lo = UINT32_MAX, hi = 0;

		count[dp_rr_pick(&rr, &f.t, 0)]++;
		for (int k = 0; k < 3; k++) {
			lo = count[k] < lo ? count[k] : lo;
			hi = count[k] > hi ? count[k] : hi;
		}
		assert_true(hi - lo <= 1);
	}
	dp_rr_free(&rr);
}

/* A switch keeps the rotation of a pool whose members stay, restarts one whose members change. */
static void test_rr_switch(void **state)
{
	static const uint16_t w[3] = {5, 1, 1};
	struct fix f, g;
	struct dp_rr rr;
	char got[32];

	(void)state;
	fix_init(&f, w);
	fix_init(&g, w);
	assert_int_equal(dp_rr_init(&rr, N_BE), 0);
	picks(&rr, &f.t, 0, 3, got);
	assert_string_equal(got, "aab");
	dp_rr_switch(&rr, &f.t, &g.t); /* same members */
	picks(&rr, &g.t, 0, 4, got);
	assert_string_equal(got, "acaa");
	picks(&rr, &g.t, 0, 3, got);
	assert_string_equal(got, "aab");
	g.be[2].weight = 2; /* a weight changed: afresh */
	dp_rr_switch(&rr, &f.t, &g.t);
	picks(&rr, &g.t, 0, 8, got);
	assert_string_equal(got, "acaabaca");
	picks(&rr, &g.t, 0, 2, got);
	assert_string_equal(got, "ac");
	fix_init(&f, w);
	f.be[2].weight = 2;
	snprintf(f.pools[0].name, SL_NAME_LEN, "c"); /* another pool at that index: afresh */
	dp_rr_switch(&rr, &g.t, &f.t);
	picks(&rr, &f.t, 0, 4, got);
	assert_string_equal(got, "acaa");
	/* the first table: every pool at zero */
	dp_rr_switch(&rr, NULL, &f.t);
	picks(&rr, &f.t, 0, 4, got);
	assert_string_equal(got, "acaa");
	dp_rr_free(&rr);
}

static void set_route(struct sl_route *r, const char *host, const char *path, uint32_t pool)
{
	const char *why;

	assert_int_equal(sl_route_key_make(host, path, &r->key, &why), 0);
	r->pool = pool;
}

static void test_routes(void **state)
{
	static const uint16_t w[3] = {1, 1, 1};
	struct fix f;

	(void)state;
	fix_init(&f, w);
	/* VIP 0's run, sorted: admin.example/, *.example/api, /login/admin, /login */
	set_route(&f.routes[0], "admin.example", "/", 1);
	set_route(&f.routes[1], "*.example", "/api", 0);
	set_route(&f.routes[2], NULL, "/login/admin", 1);
	set_route(&f.routes[3], NULL, "/login", 0);
	f.http[0].route_count = 4;
	assert_int_equal(dp_route_find(&f.t, 0, "", 0, "/login", 6), 3);
	assert_int_equal(dp_route_find(&f.t, 0, "", 0, "/login/x", 8), 3);
	assert_int_equal(dp_route_find(&f.t, 0, "", 0, "/loginx", 7), -1);
	assert_int_equal(dp_route_find(&f.t, 0, "", 0, "/login/admin/a", 14), 2);
	assert_int_equal(dp_route_find(&f.t, 0, "admin.example", 13, "/login", 6), 0);
	assert_int_equal(dp_route_find(&f.t, 0, "x.example", 9, "/api/v1", 7), 1);
	assert_int_equal(dp_route_find(&f.t, 0, "x.example", 9, "/login", 6), 3);
	assert_int_equal(dp_route_pool(&f.t, 0, 3), 0);
	assert_int_equal(dp_route_pool(&f.t, 0, 2), 1);
	/* nothing matches: the default pool, or none (404) */
	assert_int_equal(dp_route_find(&f.t, 0, "", 0, "/", 1), -1);
	assert_int_equal(dp_route_pool(&f.t, 0, -1), 1);
	assert_int_equal(dp_route_find(&f.t, 1, "", 0, "/login", 6), -1);
	assert_int_equal(dp_route_pool(&f.t, 1, -1), SL_POOL_NONE);
	/* VIP 1's run is its own: routes 1..2 */
	f.http[1].route_first = 1;
	f.http[1].route_count = 2;
	assert_int_equal(dp_route_find(&f.t, 1, "", 0, "/login", 6), -1);
	assert_int_equal(dp_route_find(&f.t, 1, "", 0, "/login/admin", 12), 2);
}

static void test_sticky_ids(void **state)
{
	static const uint16_t w[3] = {1, 1, 1};
	char text[DP_STICKY_HEX];
	uint64_t id = 0;
	struct fix f;

	(void)state;
	fix_init(&f, w);
	dp_sticky_format(0x00c0ffee0000beefull, text);
	assert_memory_equal(text, "00c0ffee0000beef", DP_STICKY_HEX);
	assert_int_equal(dp_sticky_parse("00c0ffee0000beef", 16, &id), 0);
	assert_int_equal(id, 0x00c0ffee0000beefull);
	assert_int_equal(dp_sticky_parse("00C0FFEE0000BEEF", 16, &id), -EINVAL);
	assert_int_equal(dp_sticky_parse("00c0ffee0000bee", 15, &id), -EINVAL);
	assert_int_equal(dp_sticky_parse("00c0ffee0000beef0", 17, &id), -EINVAL);
	assert_int_equal(dp_sticky_parse("00c0ffee0000beeg", 16, &id), -EINVAL);
	assert_int_equal(id, 0x00c0ffee0000beefull);
	assert_int_equal(dp_sticky_backend(&f.t, 0, 0x1001), 1);
	assert_int_equal(dp_sticky_backend(&f.t, 1, 0x1001), SL_BACKEND_NONE); /* other pool */
	assert_int_equal(dp_sticky_backend(&f.t, 0, 0x1005), SL_BACKEND_NONE); /* no member */
	assert_int_equal(dp_sticky_backend(&f.t, 1, 0x1004), 4);
}

/* A request's instance: its cookie's while it serves in the pool, else the pool's balance. */
static void test_instance(void **state)
{
	static const uint16_t w[3] = {5, 1, 1};
	uint64_t id = 0x1002;
	struct dp_rr rr;
	struct fix f;
	int hit = -1;

	(void)state;
	fix_init(&f, w);
	assert_int_equal(dp_rr_init(&rr, N_BE), 0);
	assert_int_equal(dp_route_instance(&rr, &f.t, 0, &id, 7, &hit), 2);
	assert_int_equal(hit, 1);
	/* a hit leaves the rotation where it was */
	assert_int_equal(dp_route_instance(&rr, &f.t, 0, NULL, 7, &hit), 0);
	assert_int_equal(hit, 0);
	assert_int_equal(dp_route_instance(&rr, &f.t, 0, NULL, 7, &hit), 0);
	assert_int_equal(dp_route_instance(&rr, &f.t, 0, NULL, 7, &hit), 1);
	/* the instance left the pool's members (down, drained): balanced again */
	f.pools[0].member_count = 2;
	assert_int_equal(dp_route_instance(&rr, &f.t, 0, &id, 7, &hit), 0);
	assert_int_equal(hit, 0);
	/* maglev: the entry of the hash */
	assert_int_equal(dp_route_instance(&rr, &f.t, 1, NULL, 13 + 4, &hit), 3 + (13 + 4) % 2);
	assert_int_equal(dp_route_balance(&rr, &f.t, 1, 13 + 4), f.maglev[13 + 4]);
	f.maglev[13 + 5] = SL_BACKEND_NONE;
	assert_int_equal(dp_route_balance(&rr, &f.t, 1, 5), SL_BACKEND_NONE);
	dp_rr_free(&rr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rr_weights), cmocka_unit_test(test_rr_equal),
		cmocka_unit_test(test_rr_switch),  cmocka_unit_test(test_routes),
		cmocka_unit_test(test_sticky_ids), cmocka_unit_test(test_instance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
