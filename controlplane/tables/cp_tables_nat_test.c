/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cp_tables' full-NAT step: nat VIP records (mode, synproxy, mss, their
 * run of sources), the source array (one run per list and family, shared
 * by the VIPs of a list, ports and port range), indices kept across builds
 * and a restart, the fallback when runs cannot stay, and the refusals
 * (no port, no room). Balancing of a nat VIP's pool is the Maglev of any.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cp_tables.h"
#include "cp_test_util.h"

static int nh_all(void *ctx, const struct sl_addr *addr, struct cp_nexthop *nh)
{
	(void)ctx;
	memset(nh, 0, sizeof(*nh));
	nh->tx_port = 0;
	nh->mac[5] = addr->a8[15];
	return 0;
}

/* IPv4 sources on port 1, IPv6 ones on port 0; @ctx (if set) names one on no port */
static int nat_port(void *ctx, const struct sl_addr *addr, uint16_t *tx_port)
{
	struct sl_addr bad;
	uint8_t af;

	if (ctx) {
		cpt_addr(&bad, &af, ctx);
		if (memcmp(&bad, addr, sizeof(bad)) == 0)
			return -ENOENT;
	}
	*tx_port = sl_addr_is_v4(addr) ? 1 : 0;
	return 0;
}

static struct sl_shm_header *segment(uint32_t max_nat)
{
	struct sl_shm_geometry g = {2, 2, 8, 4, 16, 251, max_nat};

	return cpt_segment_of(&g);
}

static int build(struct cp_tables *t, struct cfg *c, struct sl_shm_header *h, unsigned int slot,
		 uint64_t gen, struct cp_tables_summary *sum, char *why)
{
	int rc = cp_tables_build(t, c, nh_all, NULL, h, slot, gen, 0, sum, why, 256);

	if (rc == 0)
		assert_int_equal(sl_shm_check_slot(h, slot, why, 256), 0);
	return rc;
}

static void build_ok(struct cp_tables *t, struct cfg *c, struct sl_shm_header *h, unsigned int slot,
		     uint64_t gen, struct cp_tables_summary *sum)
{
	char why[256] = "";

	if (build(t, c, h, slot, gen, sum, why))
		fail_msg("build: %s", why);
}

static void assert_source(const struct sl_shm_header *h, unsigned int slot, uint32_t i,
			  const char *addr, uint16_t port)
{
	const struct sl_nat_source *s = &sl_slot_nat_sources(h, slot)[i];
	struct sl_addr a;
	uint8_t af;

	cpt_addr(&a, &af, addr);
	if (memcmp(&s->addr, &a, sizeof(a)) != 0)
		fail_msg("nat source %u is not %s", i, addr);
	assert_int_equal(s->af, af);
	assert_int_equal(s->tx_port, port);
}

static struct cfg_vip *nat_vip(struct cfg *c, const char *name, const char *addr, const char *pool)
{
	struct cfg_vip *v = cpt_vip(c, name, addr, 80, pool);

	v->mode = SL_MODE_NAT;
	return v;
}

/*
 * The config of most tests: nat.sources .50 .51 (IPv4) and ::50 (IPv6),
 * VIPs web (IPv4) and web6 (IPv6) on them, api (IPv4) with its own .60,
 * a tunnel VIP; ports 2000..3000.
 */
static void base_config(struct cfg *c)
{
	struct cfg_pool *p;
	struct cfg_vip *v;

	c->nat.port_min = 2000;
	c->nat.port_max = 3000;
	cpt_nat_source(&c->nat.sources, "198.18.1.50");
	cpt_nat_source(&c->nat.sources, "2001:2:0:1::50");
	cpt_nat_source(&c->nat.sources, "198.18.1.51");
	v = nat_vip(c, "web", "198.18.100.1", "web");
	v->synproxy = 1;
	v->mss = 1400;
	nat_vip(c, "web6", "2001:2:0:100::1", "web6");
	v = nat_vip(c, "api", "198.18.100.4", "web");
	cpt_nat_source(&v->nat_sources, "198.18.1.60");
	cpt_vip(c, "tun", "198.18.100.2", 80, "web");
	p = cpt_pool(c, "web");
	cpt_backend(p, "198.18.1.11", 8080, 1);
	cpt_backend(p, "198.18.1.12", 8080, 1);
	cpt_backend(p, "198.18.1.13", 8080, 1);
	p = cpt_pool(c, "web6");
	cpt_backend(p, "2001:2:0:1::11", 0, 1);
}

/* Runs: nat.sources IPv4 [0,2), its IPv6 [2], api's own [3]; VIP fields as configured. */
static void test_nat_vips_and_sources(void **state)
{
	struct sl_shm_header *h = segment(8);
	struct cp_tables *t = cp_tables_new(16);
	struct cfg c = {0};
	struct cp_tables_summary sum;
	const struct sl_vip *v;
	(void)state;

	base_config(&c);
	cp_tables_set_nat_port(t, nat_port, NULL);
	build_ok(t, &c, h, 0, 1, &sum);
	v = sl_slot_vips(h, 0);
	assert_int_equal(sl_slot_hdr(h, 0)->n_nat_sources, 4);
	assert_int_equal(sum.n_nat_sources, 4);
	assert_int_equal(sum.n_nat_moved, 0);
	assert_source(h, 0, 0, "198.18.1.50", 1);
	assert_source(h, 0, 1, "198.18.1.51", 1);
	assert_source(h, 0, 2, "2001:2:0:1::50", 0);
	assert_source(h, 0, 3, "198.18.1.60", 1);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(sl_slot_nat_sources(h, 0)[i].port_min, 2000);
		assert_int_equal(sl_slot_nat_sources(h, 0)[i].port_max, 3000);
	}
	assert_int_equal(v[0].mode, SL_MODE_NAT);
	assert_int_equal(v[0].flags, SL_VIP_F_SYNPROXY);
	assert_int_equal(v[0].mss, 1400);
	assert_int_equal(v[0].nat_src_first, 0);
	assert_int_equal(v[0].nat_src_count, 2);
	assert_int_equal(v[1].mode, SL_MODE_NAT);
	assert_int_equal(v[1].flags, 0);
	assert_int_equal(v[1].mss, 0);
	assert_int_equal(v[1].nat_src_first, 2);
	assert_int_equal(v[1].nat_src_count, 1);
	assert_int_equal(v[2].nat_src_first, 3);
	assert_int_equal(v[2].nat_src_count, 1);
	/* a tunnel VIP carries none of it */
	assert_int_equal(v[3].mode, SL_MODE_TUNNEL);
	assert_int_equal(v[3].nat_src_count, 0);
	assert_int_equal(v[3].mss, 0);
	/* the nat pool balances like any: three backends in its Maglev table */
	assert_int_equal(sl_slot_pools(h, 0)[0].n_active, 3);
	cp_tables_free(t);
	cpt_config_free(&c);
	free(h);
}

/* Two VIPs on nat.sources share its run; a second VIP on api's list does not exist (one list). */
static void test_vips_share_a_run(void **state)
{
	struct sl_shm_header *h = segment(8);
	struct cp_tables *t = cp_tables_new(16);
	struct cfg c = {0};
	struct cp_tables_summary sum;
	const struct sl_vip *v;
	struct cfg_vip *udp;
	(void)state;

	base_config(&c);
	udp = nat_vip(&c, "dns", "198.18.100.1", "web");
	udp->proto = IPPROTO_UDP;
	cp_tables_set_nat_port(t, nat_port, NULL);
	build_ok(t, &c, h, 0, 1, &sum);
	v = sl_slot_vips(h, 0);
	assert_int_equal(v[4].nat_src_first, v[0].nat_src_first);
	assert_int_equal(v[4].nat_src_count, 2);
	assert_int_equal(sl_slot_hdr(h, 0)->n_nat_sources, 4);
	cp_tables_free(t);
	cpt_config_free(&c);
	free(h);
}

/*
 * Indices stay: the same config keeps every index; .52 added to
 * nat.sources' IPv4 run extends it in place and moves the runs behind it
 * (::50, .60); .51 removed keeps .50 and ::50 where they were.
 */
static void test_indices_kept(void **state)
{
	struct sl_shm_header *h = segment(8);
	struct cp_tables *t = cp_tables_new(16);
	struct cfg c = {0};
	struct cp_tables_summary sum;
	const struct sl_vip *v;
	(void)state;

	base_config(&c);
	cp_tables_set_nat_port(t, nat_port, NULL);
	build_ok(t, &c, h, 0, 1, &sum);
	/* the list in another order: indices do not follow it */
	c.nat.sources.a[0] = c.nat.sources.a[2];
	cpt_addr(&c.nat.sources.a[2].addr, &c.nat.sources.a[2].af, "198.18.1.50");
	build_ok(t, &c, h, 1, 2, &sum);
	assert_int_equal(sum.n_nat_moved, 0);
	assert_source(h, 1, 0, "198.18.1.50", 1);
	assert_source(h, 1, 1, "198.18.1.51", 1);

	cpt_nat_source(&c.nat.sources, "198.18.1.52");
	build_ok(t, &c, h, 0, 3, &sum);
	v = sl_slot_vips(h, 0);
	assert_int_equal(sum.n_nat_sources, 5);
	assert_int_equal(sum.n_nat_moved, 2);
	assert_source(h, 0, 0, "198.18.1.50", 1);
	assert_source(h, 0, 1, "198.18.1.51", 1);
	assert_source(h, 0, 2, "198.18.1.52", 1);
	assert_source(h, 0, 3, "2001:2:0:1::50", 0);
	assert_source(h, 0, 4, "198.18.1.60", 1);
	assert_int_equal(v[0].nat_src_count, 3);
	assert_int_equal(v[1].nat_src_first, 3);
	assert_int_equal(v[2].nat_src_first, 4);

	/* .51 (list entry 0 now) leaves */
	c.nat.sources.a[0] = c.nat.sources.a[--c.nat.sources.n];
	build_ok(t, &c, h, 1, 4, &sum);
	v = sl_slot_vips(h, 1);
	assert_int_equal(sum.n_nat_sources, 4);
	assert_source(h, 1, 0, "198.18.1.50", 1);
	assert_source(h, 1, 1, "198.18.1.52", 1);
	assert_source(h, 1, 2, "198.18.1.60", 1);
	assert_source(h, 1, 3, "2001:2:0:1::50", 0);
	assert_int_equal(sum.n_nat_moved, 2); /* .52 and .60 */
	assert_int_equal(v[0].nat_src_first, 0);
	assert_int_equal(v[0].nat_src_count, 2);
	assert_int_equal(v[1].nat_src_first, 3);
	assert_int_equal(v[2].nat_src_first, 2);
	cp_tables_free(t);
	cpt_config_free(&c);
	free(h);
}

/* A restarted sluiced takes the published slot's indices over. */
static void test_adopt_keeps_indices(void **state)
{
	struct sl_shm_header *h = segment(8);
	struct cp_tables *t = cp_tables_new(16), *t2;
	struct cfg c = {0};
	struct cp_tables_summary sum;
	(void)state;

	base_config(&c);
	cpt_nat_source(&c.nat.sources, "198.18.1.52");
	cp_tables_set_nat_port(t, nat_port, NULL);
	build_ok(t, &c, h, 0, 1, &sum);
	assert_source(h, 0, 2, "198.18.1.52", 1);
	h->published = SL_GEN_WORD(1, 0);
	cp_tables_free(t);

	/* .50 leaves while the new sluiced starts: the others stay put */
	t2 = cp_tables_new(16);
	assert_int_equal(cp_tables_adopt(t2, h), 0);
	cp_tables_set_nat_port(t2, nat_port, NULL);
	memmove(&c.nat.sources.a[0], &c.nat.sources.a[1], 3 * sizeof(c.nat.sources.a[0]));
	c.nat.sources.n--;
	build_ok(t2, &c, h, 1, 2, &sum);
	assert_int_equal(sum.n_nat_moved, 1);
	assert_source(h, 1, 1, "198.18.1.51", 1);
	assert_source(h, 1, 2, "198.18.1.52", 1);
	assert_source(h, 1, 3, "2001:2:0:1::50", 0);
	assert_source(h, 1, 0, "198.18.1.60", 1);
	cp_tables_free(t2);
	cpt_config_free(&c);
	free(h);
}

/*
 * Runs that cannot stay: two one-address runs around a hole, then a run
 * of two needing that room. Everything is laid out afresh in config
 * order, the moves counted, and the array has no hole.
 */
static void test_fallback_lays_out_afresh(void **state)
{
	struct sl_shm_header *h = segment(8);
	struct cp_tables *t = cp_tables_new(16);
	struct cfg c = {0};
	struct cp_tables_summary sum;
	struct cfg_vip *a, *b;
	(void)state;

	c.nat.port_min = 1024;
	c.nat.port_max = 65535;
	cpt_nat_source(&c.nat.sources, "198.18.1.50");
	a = nat_vip(&c, "a", "198.18.100.1", "p");
	b = nat_vip(&c, "b", "198.18.100.2", "p");
	cpt_nat_source(&a->nat_sources, "198.18.1.60");
	cpt_nat_source(&a->nat_sources, "198.18.1.61");
	cpt_nat_source(&b->nat_sources, "198.18.1.70");
	cp_tables_set_nat_port(t, nat_port, NULL);
	build_ok(t, &c, h, 0, 1, &sum);
	assert_source(h, 0, 0, "198.18.1.50", 1);
	assert_source(h, 0, 1, "198.18.1.60", 1);
	assert_source(h, 0, 3, "198.18.1.70", 1);
	/* a's list shrinks to .61, b's grows to .70 .71 .72: no free block of 3 at [1..4] */
	a->nat_sources.a[0] = a->nat_sources.a[1];
	a->nat_sources.n = 1;
	cpt_nat_source(&b->nat_sources, "198.18.1.71");
	cpt_nat_source(&b->nat_sources, "198.18.1.72");
	build_ok(t, &c, h, 1, 2, &sum);
	assert_int_equal(sum.n_nat_sources, 5);
	assert_source(h, 1, 0, "198.18.1.50", 1);
	assert_source(h, 1, 1, "198.18.1.61", 1);
	assert_source(h, 1, 2, "198.18.1.70", 1);
	assert_source(h, 1, 3, "198.18.1.71", 1);
	assert_source(h, 1, 4, "198.18.1.72", 1);
	assert_int_equal(sum.n_nat_moved, 2); /* .61 (was 2) and .70 (was 3) */
	assert_int_equal(sl_slot_vips(h, 1)[1].nat_src_first, 2);
	assert_int_equal(sl_slot_vips(h, 1)[1].nat_src_count, 3);
	cp_tables_free(t);
	cpt_config_free(&c);
	free(h);
}

/* A source on no port, no resolver, no room: refused, naming it, and nothing changes. */
static void test_refusals(void **state)
{
	struct sl_shm_header *h = segment(8), *small = segment(3);
	struct cp_tables *t = cp_tables_new(16);
	struct cfg c = {0};
	struct cp_tables_summary sum;
	char why[256];
	(void)state;

	base_config(&c);
	assert_int_equal(build(t, &c, h, 0, 1, &sum, why), -EINVAL);
	assert_string_equal(why, "nat source 198.18.1.50: on no dataplane port's subnet");
	cp_tables_set_nat_port(t, nat_port, "2001:2:0:1::50");
	assert_int_equal(build(t, &c, h, 0, 1, &sum, why), -EINVAL);
	assert_string_equal(why, "nat source 2001:2:0:1::50: on no dataplane port's subnet");
	cp_tables_set_nat_port(t, nat_port, NULL);
	assert_int_equal(build(t, &c, small, 0, 1, &sum, why), -ENOSPC);
	assert_string_equal(why, "4 NAT source addresses or more, the segment holds 3");
	/* what was refused kept nothing: the first build that works has the config's layout */
	c.nat.sources.a[0] = c.nat.sources.a[2];
	c.nat.sources.n = 2;
	build_ok(t, &c, h, 0, 1, &sum);
	assert_int_equal(sum.n_nat_moved, 0);
	assert_source(h, 0, 0, "198.18.1.51", 1);
	cp_tables_free(t);
	cpt_config_free(&c);
	free(small);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nat_vips_and_sources),
		cmocka_unit_test(test_vips_share_a_run),
		cmocka_unit_test(test_indices_kept),
		cmocka_unit_test(test_adopt_keeps_indices),
		cmocka_unit_test(test_fallback_lays_out_afresh),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
