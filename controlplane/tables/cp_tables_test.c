/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cp_tables: stable slots and uids, slot reuse order, resolution, weights,
 * IPv6, and the drain of backends that leave the config; per step of a
 * build: VIP records and pools, what the segment cannot hold (and that a
 * refused build changes nothing), the seal, the summary and dropped pools.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "cp_tables.h"
#include "cp_test_util.h"

/* next hops: every address resolved unless listed in unresolved[]; mac[4] = mac4 */
struct nh_ctx {
	const char *unresolved[8];
	uint8_t mac4;
};

static int nh_lookup(void *ctx, const struct sl_addr *addr, struct cp_nexthop *nh)
{
	struct nh_ctx *c = ctx;

	for (int i = 0; i < 8 && c->unresolved[i]; i++) {
		struct sl_addr a;
		uint8_t af;

		cpt_addr(&a, &af, c->unresolved[i]);
		if (memcmp(&a, addr, sizeof(a)) == 0)
			return -EHOSTUNREACH;
	}
	memset(nh, 0, sizeof(*nh));
	nh->tx_port = 1;
	memcpy(nh->mac, "\x02\x00\x00\x00\x00", 5);
	nh->mac[4] = c->mac4;
	nh->mac[5] = addr->a8[15];
	cpt_addr(&nh->src, &(uint8_t){0}, "198.18.1.1");
	return 0;
}

/* slot index of the backend with address @addr, or -1 */
static int slot_of(const struct sl_shm_header *h, unsigned int slot, const char *addr)
{
	const struct sl_backend *b = sl_slot_backends(h, slot);
	struct sl_addr a;
	uint8_t af;

	cpt_addr(&a, &af, addr);
	for (uint32_t i = 0; i < sl_slot_hdr(h, slot)->n_backends; i++)
		if (b[i].uid && memcmp(&b[i].addr, &a, sizeof(a)) == 0)
			return (int)i;
	return -1;
}

static uint32_t maglev_count(const struct sl_shm_header *h, unsigned int slot, uint32_t pool,
			     uint32_t id)
{
	const uint32_t *m = sl_slot_maglev(h, slot, pool);
	uint32_t n = 0;

	for (uint32_t i = 0; i < h->maglev_size; i++)
		n += m[i] == id;
	return n;
}

/* build at CLOCK_MONOTONIC @now_ns, which must succeed and seal a valid slot */
static void build_at(struct cp_tables *t, struct cfg *c, struct nh_ctx *nh, struct sl_shm_header *h,
		     unsigned int slot, uint64_t gen, uint64_t now_ns,
		     struct cp_tables_summary *sum)
{
	char why[256] = "";
	int rc = cp_tables_build(t, c, nh_lookup, nh, h, slot, gen, now_ns, sum, why, sizeof(why));

	if (rc)
		fail_msg("build: %d %s", rc, why);
	assert_int_equal(sl_shm_check_slot(h, slot, why, sizeof(why)), 0);
}

static void build_ok(struct cp_tables *t, struct cfg *c, struct nh_ctx *nh, struct sl_shm_header *h,
		     unsigned int slot, uint64_t gen, struct cp_tables_summary *sum)
{
	build_at(t, c, nh, h, slot, gen, 0, sum);
}

static void test_stable_slots_and_uids(void **state)
{
	struct sl_shm_header *h = cpt_segment(2, 16, 251);
	struct cp_tables *t = cp_tables_new(16);
	struct cfg c = {0};
	struct nh_ctx nh = {{NULL}};
	struct cp_tables_summary sum;
	struct cfg_pool *web;
	const struct sl_backend *b;
	(void)state;

	cpt_vip(&c, "web", "198.18.100.1", 80, "web");
	web = cpt_pool(&c, "web");
	cpt_backend(web, "198.18.1.11", 0, 1);
	cpt_backend(web, "198.18.1.12", 0, 1);
	cpt_backend(web, "198.18.1.13", 0, 1);
	build_ok(t, &c, &nh, h, 0, 1, &sum);
	assert_int_equal(sum.n_new, 3);
	assert_int_equal(sum.n_active, 3);
	b = sl_slot_backends(h, 0);
	assert_int_equal(slot_of(h, 0, "198.18.1.11"), 0);
	assert_int_equal(slot_of(h, 0, "198.18.1.12"), 1);
	assert_int_equal(slot_of(h, 0, "198.18.1.13"), 2);
	assert_int_equal(b[0].uid, 1);
	assert_int_equal(b[1].uid, 2);
	assert_int_equal(b[2].uid, 3);
	assert_int_equal(sl_slot_hdr(h, 0)->generation, 1);
	assert_int_equal(sl_slot_hdr(h, 0)->n_backends, 3);
	assert_int_equal(b[1].tx_port, 1);
	assert_int_equal(b[1].dst_mac[5], 12);
	assert_int_equal(b[1].flags, SL_BACKEND_F_ACTIVE | SL_BACKEND_F_RESOLVED);

	/* remove .12, add .14 (front of the list): survivors keep slot and uid,
	 * the newcomer takes never-used slot 3, slot 1 stays empty */
	cpt_remove_backend(web, 1);
	cpt_backend(web, "198.18.1.14", 0, 1);
	struct cfg_backend nb = web->backends[2];

	memmove(&web->backends[1], &web->backends[0], 2 * sizeof(web->backends[0]));
	web->backends[0] = nb;
	build_ok(t, &c, &nh, h, 1, 2, &sum);
	assert_int_equal(sum.n_new, 1);
	assert_int_equal(sum.n_removed, 1);
	b = sl_slot_backends(h, 1);
	assert_int_equal(slot_of(h, 1, "198.18.1.11"), 0);
	assert_int_equal(slot_of(h, 1, "198.18.1.12"), -1);
	assert_int_equal(slot_of(h, 1, "198.18.1.13"), 2);
	assert_int_equal(slot_of(h, 1, "198.18.1.14"), 3);
	assert_int_equal(b[0].uid, 1);
	assert_int_equal(b[2].uid, 3);
	assert_int_equal(b[3].uid, 4);
	assert_int_equal(b[1].uid, 0);
	assert_int_equal(b[1].flags, 0);
	assert_int_equal(sl_slot_hdr(h, 1)->n_backends, 4);
	assert_int_equal(maglev_count(h, 1, 0, 1), 0);

	/* rebuilding the same config changes nothing */
	build_ok(t, &c, &nh, h, 0, 3, &sum);
	assert_int_equal(sum.n_new, 0);
	assert_int_equal(sum.n_removed, 0);
	assert_memory_equal(sl_slot_backends(h, 0), sl_slot_backends(h, 1),
			    4 * sizeof(struct sl_backend));
	assert_memory_equal(sl_slot_maglev(h, 0, 0), sl_slot_maglev(h, 1, 0), 251 * 4);

	cp_tables_free(t);
	cpt_config_free(&c);
	free(h);
}

static void test_never_used_slots_first(void **state)
{
	struct sl_shm_header *h = cpt_segment(2, 4, 13);
	struct cp_tables *t = cp_tables_new(4);
	struct cfg c = {0};
	struct nh_ctx nh = {{NULL}};
	struct cp_tables_summary sum;
	struct cfg_pool *p;
	char why[256];
	(void)state;

	cpt_vip(&c, "v", "198.18.100.1", 80, "p");
	p = cpt_pool(&c, "p");
	cpt_backend(p, "198.18.1.1", 0, 1);
	cpt_backend(p, "198.18.1.2", 0, 1);
	build_ok(t, &c, &nh, h, 0, 1, &sum);
	/* .1 leaves: .3 takes never-used 2, .4 never-used 3 */
	cpt_remove_backend(p, 0);
	cpt_backend(p, "198.18.1.3", 0, 1);
	build_ok(t, &c, &nh, h, 1, 2, &sum);
	assert_int_equal(slot_of(h, 1, "198.18.1.3"), 2);
	/* .2 leaves (slot 1, freed now) and .4, .5 arrive: 3 is never used,
	 * then slot 0 (freed earlier) before slot 1 (freed in this build) */
	cpt_remove_backend(p, 0);
	cpt_backend(p, "198.18.1.4", 0, 1);
	cpt_backend(p, "198.18.1.5", 0, 1);
	build_ok(t, &c, &nh, h, 0, 3, &sum);
	assert_int_equal(slot_of(h, 0, "198.18.1.3"), 2);
	assert_int_equal(slot_of(h, 0, "198.18.1.4"), 3);
	assert_int_equal(slot_of(h, 0, "198.18.1.5"), 0);
	assert_int_equal(sl_slot_backends(h, 0)[0].uid, 5);
	assert_int_equal(sl_slot_backends(h, 0)[1].uid, 0);
	/* a fifth backend takes the slot freed last; a sixth does not fit: it is
	 * left out (counted, named) and the other four are published as before */
	cpt_backend(p, "198.18.1.6", 0, 1);
	build_ok(t, &c, &nh, h, 1, 4, &sum);
	assert_int_equal(slot_of(h, 1, "198.18.1.6"), 1);
	assert_int_equal(sl_slot_backends(h, 1)[1].uid, 6);
	cpt_backend(p, "198.18.1.7", 0, 1);
	build_ok(t, &c, &nh, h, 0, 5, &sum);
	assert_int_equal(sum.n_capped, 1);
	assert_string_equal(sum.capped_pool, "p");
	assert_int_equal(sum.n_backends, 4);
	assert_int_equal(sum.n_new, 0);
	assert_int_equal(sl_slot_hdr(h, 0)->n_backends, 4);
	assert_int_equal(slot_of(h, 0, "198.18.1.7"), -1);
	assert_int_equal(slot_of(h, 0, "198.18.1.6"), 1);
	assert_int_equal(sl_slot_backends(h, 0)[1].uid, 6);
	assert_true(cp_tables_capped(t, "p", &p->backends[4].addr, 0));
	assert_false(cp_tables_capped(t, "p", &p->backends[3].addr, 0));
	/* a slot frees up: the one left out comes in, with the next uid */
	cpt_remove_backend(p, 0);
	build_ok(t, &c, &nh, h, 1, 6, &sum);
	assert_int_equal(sum.n_capped, 0);
	assert_int_equal(slot_of(h, 1, "198.18.1.7"), 2);
	assert_int_equal(sl_slot_backends(h, 1)[2].uid, 7);
	assert_false(cp_tables_capped(t, "p", &p->backends[3].addr, 0));
	(void)why;

	cp_tables_free(t);
	cpt_config_free(&c);
	free(h);
}

static void test_unresolved_and_weights(void **state)
{
	struct sl_shm_header *h = cpt_segment(2, 16, 1009);
	struct cp_tables *t = cp_tables_new(16);
	struct cfg c = {0};
	struct nh_ctx nh = {{"198.18.1.12", NULL}};
	struct cp_tables_summary sum;
	struct cfg_pool *p;
	const struct sl_backend *b;
	char why[256];
	(void)state;

	cpt_vip(&c, "v", "198.18.100.1", 80, "p");
	p = cpt_pool(&c, "p");
	cpt_backend(p, "198.18.1.11", 0, 1);
	cpt_backend(p, "198.18.1.12", 0, 1);
	cpt_backend(p, "198.18.1.13", 0, 3);
	cpt_backend(p, "198.18.1.14", 0, 0);
	build_ok(t, &c, &nh, h, 0, 1, &sum);
	b = sl_slot_backends(h, 0);
	assert_int_equal(sum.n_active, 3);
	assert_int_equal(sum.n_unresolved, 1);
	assert_int_equal(b[1].flags, 0);
	assert_int_equal(b[1].uid, 2);
	assert_int_equal(maglev_count(h, 0, 0, 1), 0);
	/* weight 0: present (active) but no new flows */
	assert_int_equal(b[3].flags, SL_BACKEND_F_ACTIVE | SL_BACKEND_F_RESOLVED);
	assert_int_equal(maglev_count(h, 0, 0, 3), 0);
	assert_int_equal(sl_slot_pools(h, 0)[0].n_active, 2);
	/* 1:3 over 1009 entries */
	uint32_t n0 = maglev_count(h, 0, 0, 0), n2 = maglev_count(h, 0, 0, 2);

	assert_int_equal(n0 + n2, 1009);
	assert_in_range(n2 * 100 / 1009, 72, 78);

	/* .12 resolves: same slot and uid, now in the table */
	nh.unresolved[0] = NULL;
	build_ok(t, &c, &nh, h, 1, 2, &sum);
	assert_int_equal(sl_slot_backends(h, 1)[1].uid, 2);
	assert_true(maglev_count(h, 1, 0, 1) > 0);

	p->backends[0].weight = 70000;
	assert_int_equal(cp_tables_build(t, &c, nh_lookup, &nh, h, 0, 3, 0, &sum, why, sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, "pool p: backend 198.18.1.11:0: weight 70000 > 65535");
	p->backends[0].weight = 1;
	cpt_backend(p, "198.18.1.13", 0, 1);
	assert_int_equal(cp_tables_build(t, &c, nh_lookup, &nh, h, 0, 3, 0, &sum, why, sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, "pool p: backend 198.18.1.13:0 listed twice");

	cp_tables_free(t);
	cpt_config_free(&c);
	free(h);
}

static void test_ipv6_gue_and_implicit_pool(void **state)
{
	struct sl_shm_header *h = cpt_segment(2, 16, 251);
	struct cp_tables *t = cp_tables_new(16);
	struct cfg c = {0};
	struct nh_ctx nh = {{NULL}};
	struct cp_tables_summary sum;
	struct cfg_vip *v;
	struct cfg_pool *p;
	const struct sl_vip *vips;
	const struct sl_backend *b;
	struct sl_addr a;
	uint8_t af;
	(void)state;

	v = cpt_vip(&c, "web6", "2001:2:0:100::1", 80, "web6");
	v->encap = CFG_ENCAP_GUE;
	v->gue_port = 6080;
	v->hash_3tuple = 1;
	cpt_vip(&c, "orphan", "198.18.100.2", 0, "nowhere");
	p = cpt_pool(&c, "web6");
	cpt_backend(p, "2001:2:0:1::11", 8080, 1);
	cpt_backend(p, "2001:2:0:1::12", 8080, 1);
	build_ok(t, &c, &nh, h, 0, 1, &sum);
	vips = sl_slot_vips(h, 0);
	assert_int_equal(sl_slot_hdr(h, 0)->n_pools, 2);
	assert_string_equal(sl_slot_pools(h, 0)[1].name, "nowhere");
	assert_int_equal(sl_slot_pools(h, 0)[1].n_active, 0);
	assert_int_equal(maglev_count(h, 0, 1, SL_BACKEND_NONE), 251);
	assert_int_equal(vips[0].af, SL_AF_INET6);
	assert_int_equal(vips[0].flags, SL_VIP_F_GUE | SL_VIP_F_HASH_3TUPLE);
	assert_int_equal(vips[0].gue_port, htons(6080));
	assert_int_equal(vips[0].port, htons(80));
	assert_int_equal(vips[0].pool, 0);
	assert_int_equal(vips[1].pool, 1);
	assert_int_equal(vips[1].port, 0);
	b = sl_slot_backends(h, 0);
	cpt_addr(&a, &af, "2001:2:0:1::12");
	assert_memory_equal(&b[1].addr, &a, 16);
	assert_int_equal(b[1].af, SL_AF_INET6);
	assert_int_equal(b[1].port, htons(8080));
	assert_int_equal(maglev_count(h, 0, 0, 0) + maglev_count(h, 0, 0, 1), 251);
	cp_tables_free(t);
	cpt_config_free(&c);
	free(h);
}

/* a new sluiced continues the assignment of the published slot */
static void test_adopt(void **state)
{
	struct sl_shm_header *h = cpt_segment(2, 16, 251);
	struct cp_tables *t = cp_tables_new(16), *t2;
	struct cfg c = {0};
	struct nh_ctx nh = {{NULL}};
	struct cp_tables_summary sum;
	struct cfg_pool *p;
	(void)state;

	cpt_vip(&c, "v", "198.18.100.1", 80, "p");
	p = cpt_pool(&c, "p");
	cpt_backend(p, "198.18.1.1", 0, 1);
	cpt_backend(p, "198.18.1.2", 0, 1);
	cpt_backend(p, "198.18.1.3", 0, 1);
	build_ok(t, &c, &nh, h, 0, 1, &sum);
	cpt_remove_backend(p, 0);
	build_ok(t, &c, &nh, h, 1, 2, &sum);
	h->published = SL_GEN_WORD(2, 1);

	t2 = cp_tables_new(16);
	assert_int_equal(cp_tables_adopt(t2, h), 0);
	cpt_backend(p, "198.18.1.4", 0, 1);
	build_ok(t2, &c, &nh, h, 0, 3, &sum);
	assert_int_equal(sum.n_new, 1);
	assert_int_equal(slot_of(h, 0, "198.18.1.2"), 1);
	assert_int_equal(slot_of(h, 0, "198.18.1.3"), 2);
	assert_int_equal(slot_of(h, 0, "198.18.1.4"), 3);
	assert_int_equal(sl_slot_backends(h, 0)[1].uid, 2);
	assert_int_equal(sl_slot_backends(h, 0)[3].uid, 4);
	cp_tables_free(t2);
	cp_tables_free(t);
	cpt_config_free(&c);
	free(h);
}

#define S(x) ((uint64_t)(x)*1000000000ull) /* seconds of CLOCK_MONOTONIC in ns */
#define F_LIVE (SL_BACKEND_F_ACTIVE | SL_BACKEND_F_RESOLVED)
#define F_DRAINING (SL_BACKEND_F_ACTIVE | SL_BACKEND_F_RESOLVED | SL_BACKEND_F_DRAINING)

/* pool p = .11 .12 .13 behind VIP v, drain_timeout 60 s, built at 1000 s into slot 0 */
static struct cfg_pool *drain_setup(struct cp_tables *t, struct cfg *c, struct nh_ctx *nh,
				    struct sl_shm_header *h)
{
	struct cp_tables_summary sum;
	struct cfg_pool *p;

	c->controlplane.drain_timeout = 60;
	cpt_vip(c, "v", "198.18.100.1", 80, "p");
	p = cpt_pool(c, "p");
	cpt_backend(p, "198.18.1.11", 0, 1);
	cpt_backend(p, "198.18.1.12", 0, 1);
	cpt_backend(p, "198.18.1.13", 0, 1);
	build_at(t, c, nh, h, 0, 1, S(1000), &sum);
	assert_int_equal(sum.n_draining, 0);
	assert_int_equal(cp_tables_next_expiry(t), 0);
	return p;
}

/*
 * A removed backend keeps slot, uid and (refreshed, else last known) next hop
 * with no Maglev entry until its deadline; newcomers avoid its slot, and a
 * freed one is reused only after the never-used slots.
 */
static void test_drain_removed_backend(void **state)
{
	struct sl_shm_header *h = cpt_segment(2, 8, 251);
	struct cp_tables *t = cp_tables_new(8);
	struct cfg c = {0};
	struct nh_ctx nh = {{NULL}, 0};
	struct cp_tables_summary sum;
	struct cfg_pool *p;
	const struct sl_backend *b;
	(void)state;

	p = drain_setup(t, &c, &nh, h);
	cpt_remove_backend(p, 1); /* .12 */
	cpt_backend(p, "198.18.1.14", 0, 1);
	build_at(t, &c, &nh, h, 1, 2, S(1001), &sum);
	b = sl_slot_backends(h, 1);
	assert_int_equal(sum.n_backends, 3);
	assert_int_equal(sum.n_active, 3);
	assert_int_equal(sum.n_new, 1);
	assert_int_equal(sum.n_removed, 0);
	assert_int_equal(sum.n_draining, 1);
	assert_int_equal(sl_slot_hdr(h, 1)->n_backends, 4);
	assert_int_equal(slot_of(h, 1, "198.18.1.12"), 1);
	assert_int_equal(slot_of(h, 1, "198.18.1.14"), 3); /* never-used, not the drained one */
	assert_int_equal(b[1].uid, 2);
	assert_int_equal(b[1].flags, F_DRAINING);
	assert_int_equal(b[1].weight, 0);
	assert_int_equal(b[1].pool, 0);
	assert_int_equal(b[1].af, SL_AF_INET);
	assert_string_equal(b[1].name, "198.18.1.12:0");
	assert_int_equal(b[1].tx_port, 1);
	assert_int_equal(b[1].dst_mac[5], 12);
	assert_int_equal(b[3].uid, 4);
	assert_int_equal(b[3].flags, F_LIVE);
	assert_int_equal(maglev_count(h, 1, 0, 1), 0);
	assert_int_equal(maglev_count(h, 1, 0, 0) + maglev_count(h, 1, 0, 2) +
				 maglev_count(h, 1, 0, 3),
			 251);
	assert_int_equal(sl_slot_pools(h, 1)[0].n_active, 3);
	assert_true(cp_tables_next_expiry(t) == S(1061));

	/* later builds keep the deadline; the next hop is refreshed while known... */
	nh.mac4 = 7;
	build_at(t, &c, &nh, h, 0, 3, S(1030), &sum);
	b = sl_slot_backends(h, 0);
	assert_int_equal(sum.n_draining, 1);
	assert_int_equal(b[1].uid, 2);
	assert_int_equal(b[1].flags, F_DRAINING);
	assert_int_equal(b[1].dst_mac[4], 7);
	assert_int_equal(maglev_count(h, 0, 0, 1), 0);
	assert_true(cp_tables_next_expiry(t) == S(1061));
	/* ...and kept when the kernel forgets it */
	nh.mac4 = 9;
	nh.unresolved[0] = "198.18.1.12";
	build_at(t, &c, &nh, h, 1, 4, S(1060), &sum);
	b = sl_slot_backends(h, 1);
	assert_int_equal(b[1].flags, F_DRAINING);
	assert_int_equal(b[1].dst_mac[4], 7);
	assert_int_equal(b[1].dst_mac[5], 12);
	assert_int_equal(b[0].dst_mac[4], 9);

	/* deadline reached: freed like a plain removal */
	build_at(t, &c, &nh, h, 0, 5, S(1061), &sum);
	b = sl_slot_backends(h, 0);
	assert_int_equal(sum.n_draining, 0);
	assert_int_equal(sum.n_removed, 1);
	assert_int_equal(b[1].uid, 0);
	assert_int_equal(b[1].flags, 0);
	assert_int_equal(slot_of(h, 0, "198.18.1.12"), -1);
	assert_int_equal(sl_slot_hdr(h, 0)->n_backends, 4);
	assert_int_equal(cp_tables_next_expiry(t), 0);
	/* a newcomer takes never-used slot 4 before freed slot 1 */
	cpt_backend(p, "198.18.1.15", 0, 1);
	build_at(t, &c, &nh, h, 1, 6, S(1062), &sum);
	assert_int_equal(slot_of(h, 1, "198.18.1.15"), 4);
	assert_int_equal(sl_slot_backends(h, 1)[4].uid, 5);
	assert_int_equal(sl_slot_backends(h, 1)[1].flags, 0);

	cp_tables_free(t);
	cpt_config_free(&c);
	free(h);
}

/* back in the config while draining: same slot and uid, in the Maglev table again */
static void test_drain_readded(void **state)
{
	struct sl_shm_header *h = cpt_segment(2, 8, 251);
	struct cp_tables *t = cp_tables_new(8);
	struct cfg c = {0};
	struct nh_ctx nh = {{NULL}, 0};
	struct cp_tables_summary sum;
	struct cfg_pool *p;
	const struct sl_backend *b;
	(void)state;

	p = drain_setup(t, &c, &nh, h);
	cpt_remove_backend(p, 1);
	build_at(t, &c, &nh, h, 1, 2, S(1001), &sum);
	assert_int_equal(sl_slot_backends(h, 1)[1].flags, F_DRAINING);
	cpt_backend(p, "198.18.1.12", 0, 2);
	build_at(t, &c, &nh, h, 0, 3, S(1010), &sum);
	b = sl_slot_backends(h, 0);
	assert_int_equal(sum.n_new, 0);
	assert_int_equal(sum.n_removed, 0);
	assert_int_equal(sum.n_draining, 0);
	assert_int_equal(b[1].uid, 2);
	assert_int_equal(b[1].flags, F_LIVE);
	assert_int_equal(b[1].weight, 2);
	assert_true(maglev_count(h, 0, 0, 1) > maglev_count(h, 0, 0, 0));
	assert_int_equal(sl_slot_pools(h, 0)[0].n_active, 3);
	assert_int_equal(cp_tables_next_expiry(t), 0);
	/* removed again later: a new drain with a new deadline */
	cpt_remove_backend(p, 2);
	build_at(t, &c, &nh, h, 1, 4, S(2000), &sum);
	assert_int_equal(sl_slot_backends(h, 1)[1].flags, F_DRAINING);
	assert_true(cp_tables_next_expiry(t) == S(2060));

	cp_tables_free(t);
	cpt_config_free(&c);
	free(h);
}

/*
 * Freed at once: the pool is gone (no VIP reaches it), drain_timeout is 0
 * (also by a reload during a drain), or it never had a next hop. A reload
 * lowering drain_timeout shortens a running drain; a pool's new index is used.
 */
static void test_drain_freed_at_once(void **state)
{
	struct sl_shm_header *h = cpt_segment(2, 8, 251);
	struct cp_tables *t = cp_tables_new(8);
	struct cfg c = {0};
	struct nh_ctx nh = {{"198.18.2.2", NULL}, 0};
	struct cp_tables_summary sum;
	struct cfg_pool *a, *bp;
	const struct sl_backend *b;
	(void)state;

	c.controlplane.drain_timeout = 60;
	cpt_vip(&c, "va", "198.18.100.1", 80, "a");
	cpt_vip(&c, "vb", "198.18.100.2", 80, "b");
	a = cpt_pool(&c, "a");
	bp = cpt_pool(&c, "b");
	cpt_backend(a, "198.18.1.1", 0, 1);
	cpt_backend(bp, "198.18.2.1", 0, 1);
	cpt_backend(bp, "198.18.2.2", 0, 1); /* unresolved */
	cpt_backend(bp, "198.18.2.3", 0, 1);
	build_at(t, &c, &nh, h, 0, 1, S(100), &sum);
	assert_int_equal(sl_slot_backends(h, 0)[2].flags, 0);

	/* pool a and its VIP leave; b loses .2.1 (drains, pool 1 -> 0) and .2.2 (freed) */
	free(a->backends);
	c.pools[0] = c.pools[1];
	c.n_pools = 1;
	c.vips[0] = c.vips[1];
	c.n_vips = 1;
	bp = &c.pools[0];
	cpt_remove_backend(bp, 0);
	cpt_remove_backend(bp, 0);
	build_at(t, &c, &nh, h, 1, 2, S(101), &sum);
	b = sl_slot_backends(h, 1);
	assert_int_equal(sum.n_removed, 2);
	assert_int_equal(sum.n_draining, 1);
	assert_int_equal(b[0].uid, 0);
	assert_int_equal(b[0].flags, 0);
	assert_int_equal(b[1].uid, 2);
	assert_int_equal(b[1].flags, F_DRAINING);
	assert_int_equal(b[1].pool, 0);
	assert_int_equal(b[2].uid, 0);
	assert_int_equal(b[2].flags, 0);
	assert_int_equal(b[3].flags, F_LIVE);
	assert_int_equal(maglev_count(h, 1, 0, 3), 251);
	assert_true(cp_tables_next_expiry(t) == S(161));

	/* a reload to drain_timeout 10 s: the deadline moves in, never out */
	c.controlplane.drain_timeout = 10;
	build_at(t, &c, &nh, h, 0, 3, S(102), &sum);
	assert_int_equal(sl_slot_backends(h, 0)[1].flags, F_DRAINING);
	assert_true(cp_tables_next_expiry(t) == S(112));
	c.controlplane.drain_timeout = 3600;
	build_at(t, &c, &nh, h, 1, 4, S(103), &sum);
	assert_true(cp_tables_next_expiry(t) == S(112));
	/* drain_timeout 0: freed at the next build */
	c.controlplane.drain_timeout = 0;
	build_at(t, &c, &nh, h, 0, 5, S(104), &sum);
	assert_int_equal(sum.n_removed, 1);
	assert_int_equal(sum.n_draining, 0);
	assert_int_equal(sl_slot_backends(h, 0)[1].uid, 0);
	assert_int_equal(sl_slot_backends(h, 0)[1].flags, 0);
	assert_int_equal(cp_tables_next_expiry(t), 0);
	/* and a removal under drain_timeout 0 frees at once */
	cpt_remove_backend(bp, 0);
	build_at(t, &c, &nh, h, 1, 6, S(105), &sum);
	assert_int_equal(sum.n_removed, 1);
	assert_int_equal(sum.n_draining, 0);
	assert_int_equal(sl_slot_backends(h, 1)[3].flags, 0);
	assert_int_equal(sl_slot_backends(h, 1)[3].uid, 0);

	cp_tables_free(t);
	cpt_config_free(&c);
	free(h);
}

/* a restarted sluiced keeps the draining backends draining, with a fresh deadline */
static void test_adopt_draining(void **state)
{
	struct sl_shm_header *h = cpt_segment(2, 8, 251);
	struct cp_tables *t = cp_tables_new(8), *t2;
	struct cfg c = {0};
	struct nh_ctx nh = {{NULL}, 0};
	struct cp_tables_summary sum;
	struct cfg_pool *p;
	const struct sl_backend *b;
	(void)state;

	p = drain_setup(t, &c, &nh, h);
	cpt_remove_backend(p, 0); /* .11 */
	build_at(t, &c, &nh, h, 1, 2, S(1001), &sum);
	h->published = SL_GEN_WORD(2, 1);
	assert_true(cp_tables_next_expiry(t) == S(1061));

	t2 = cp_tables_new(8);
	assert_int_equal(cp_tables_adopt(t2, h), 0);
	assert_int_equal(cp_tables_next_expiry(t2), 0);
	/* built after the old deadline: still draining, for drain_timeout from now */
	nh.unresolved[0] = "198.18.1.11";
	cpt_backend(p, "198.18.1.14", 0, 1);
	build_at(t2, &c, &nh, h, 0, 3, S(1100), &sum);
	b = sl_slot_backends(h, 0);
	assert_int_equal(sum.n_draining, 1);
	assert_int_equal(sum.n_new, 1);
	assert_int_equal(b[0].uid, 1);
	assert_int_equal(b[0].flags, F_DRAINING);
	assert_int_equal(b[0].weight, 0);
	assert_int_equal(b[0].dst_mac[5], 11); /* the next hop the old sluiced wrote */
	assert_int_equal(maglev_count(h, 0, 0, 0), 0);
	assert_int_equal(slot_of(h, 0, "198.18.1.14"), 3);
	assert_true(cp_tables_next_expiry(t2) == S(1160));
	build_at(t2, &c, &nh, h, 1, 4, S(1160), &sum);
	assert_int_equal(sum.n_removed, 1);
	assert_int_equal(sl_slot_backends(h, 1)[0].flags, 0);
	assert_int_equal(sl_slot_backends(h, 1)[0].uid, 0);

	cp_tables_free(t2);
	cp_tables_free(t);
	cpt_config_free(&c);
	free(h);
}

/*
 * A backend marked down (health) keeps slot and uid, is published not
 * active, weight 0, with its next hop (its L4 flows move, its NAT
 * connections go on), takes no Maglev entry; up again: same slot, same
 * uid. Down and then removed: freed at once, not drained.
 */
static void test_down_backend(void **state)
{
	struct sl_shm_header *h = cpt_segment(2, 16, 251);
	struct cp_tables *t = cp_tables_new(16);
	struct cfg c = {0};
	struct nh_ctx nh = {{NULL}};
	struct cp_tables_summary sum;
	struct cfg_pool *p;
	const struct sl_backend *b;
	(void)state;

	c.controlplane.drain_timeout = 60;
	cpt_vip(&c, "web", "198.18.100.1", 80, "web");
	p = cpt_pool(&c, "web");
	cpt_backend(p, "198.18.1.11", 0, 1);
	cpt_backend(p, "198.18.1.12", 0, 1);
	build_ok(t, &c, &nh, h, 0, 1, &sum);
	p->backends[1].down = 1;
	build_ok(t, &c, &nh, h, 1, 2, &sum);
	b = sl_slot_backends(h, 1);
	assert_int_equal(sum.n_down, 1);
	assert_int_equal(sum.n_active, 1);
	assert_int_equal(sum.n_draining, 0);
	assert_int_equal(b[1].uid, 2);
	assert_int_equal(b[1].flags, SL_BACKEND_F_RESOLVED);
	assert_int_equal(b[1].weight, 0);
	assert_int_equal(b[1].tx_port, sl_slot_backends(h, 0)[1].tx_port);
	assert_memory_equal(b[1].dst_mac, sl_slot_backends(h, 0)[1].dst_mac, 6);
	assert_int_equal(maglev_count(h, 1, 0, 1), 0);
	assert_int_equal(maglev_count(h, 1, 0, 0), 251);
	assert_int_equal(sl_slot_pools(h, 1)[0].n_active, 1);
	p->backends[1].down = 0;
	build_ok(t, &c, &nh, h, 0, 3, &sum);
	b = sl_slot_backends(h, 0);
	assert_int_equal(sum.n_down, 0);
	assert_int_equal(b[1].uid, 2);
	assert_int_equal(b[1].flags, SL_BACKEND_F_ACTIVE | SL_BACKEND_F_RESOLVED);
	assert_true(maglev_count(h, 0, 0, 1) > 0);
	/* down, then gone from the config: freed at once */
	p->backends[1].down = 1;
	build_ok(t, &c, &nh, h, 1, 4, &sum);
	p->n_backends = 1;
	build_ok(t, &c, &nh, h, 0, 5, &sum);
	assert_int_equal(sum.n_draining, 0);
	assert_int_equal(sum.n_removed, 1);
	assert_int_equal(slot_of(h, 0, "198.18.1.12"), -1);

	cp_tables_free(t);
	p->n_backends = 2;
	cpt_config_free(&c);
	free(h);
}

/*
 * Only the pools whose Maglev input changed are computed; the others are
 * copied from the slot the last build wrote, and are identical to a fresh
 * computation. A build into the slot it last wrote computes everything.
 */
static void test_rebuild_only_affected_pools(void **state)
{
	struct sl_shm_header *h = cpt_segment(2, 16, 251);
	struct cp_tables *t = cp_tables_new(16);
	struct cp_tables *fresh = cp_tables_new(16);
	struct sl_shm_header *h2 = cpt_segment(2, 16, 251);
	struct cfg c = {0};
	struct nh_ctx nh = {{NULL}};
	struct cp_tables_summary sum;
	struct cfg_pool *web, *api;
	(void)state;

	cpt_vip(&c, "web", "198.18.100.1", 80, "web");
	cpt_vip(&c, "api", "198.18.100.2", 80, "api");
	web = cpt_pool(&c, "web");
	cpt_backend(web, "198.18.1.11", 0, 1);
	cpt_backend(web, "198.18.1.12", 0, 1);
	api = cpt_pool(&c, "api");
	cpt_backend(api, "198.18.1.21", 0, 1);
	cpt_backend(api, "198.18.1.22", 0, 2);

	build_ok(t, &c, &nh, h, 0, 1, &sum);
	assert_int_equal(sum.n_maglev_built, 2);
	assert_int_equal(sum.n_maglev_copied, 0);

	/* nothing changed: both copied */
	build_ok(t, &c, &nh, h, 1, 2, &sum);
	assert_int_equal(sum.n_maglev_built, 0);
	assert_int_equal(sum.n_maglev_copied, 2);
	assert_memory_equal(sl_slot_maglev(h, 0, 0), sl_slot_maglev(h, 1, 0), 251 * 4);
	assert_memory_equal(sl_slot_maglev(h, 0, 1), sl_slot_maglev(h, 1, 1), 251 * 4);

	/* a weight in api changes: api computed, web copied */
	api->backends[1].weight = 3;
	build_ok(t, &c, &nh, h, 0, 3, &sum);
	assert_int_equal(sum.n_maglev_built, 1);
	assert_int_equal(sum.n_maglev_copied, 1);
	build_ok(fresh, &c, &nh, h2, 0, 1, &sum);
	assert_memory_equal(sl_slot_maglev(h, 0, 0), sl_slot_maglev(h2, 0, 0), 251 * 4);
	assert_memory_equal(sl_slot_maglev(h, 0, 1), sl_slot_maglev(h2, 0, 1), 251 * 4);

	/* next hop lost in web: computed (its active set changed), api copied */
	nh.unresolved[0] = "198.18.1.12";
	build_ok(t, &c, &nh, h, 1, 4, &sum);
	assert_int_equal(sum.n_maglev_built, 1);
	assert_int_equal(sum.n_maglev_copied, 1);
	assert_int_equal(maglev_count(h, 1, 0, (uint32_t)slot_of(h, 1, "198.18.1.12")), 0);

	/* the same slot again (the last publish did not happen): no copy source */
	build_ok(t, &c, &nh, h, 1, 5, &sum);
	assert_int_equal(sum.n_maglev_built, 2);
	assert_int_equal(sum.n_maglev_copied, 0);

	cpt_config_free(&c);
	cp_tables_free(fresh);
	cp_tables_free(t);
	free(h2);
	free(h);
}

/*
 * The VIPs-and-pools step refuses what the segment cannot hold, naming it,
 * and a build refused at any step leaves the assignment as it was: the
 * next good build finds every backend in its slot with its uid.
 */
static void test_refused_build_changes_nothing(void **state)
{
	struct sl_shm_header *h = cpt_segment(2, 16, 251);
	struct cp_tables *t = cp_tables_new(16);
	struct cfg c = {0};
	struct nh_ctx nh = {{NULL}};
	struct cp_tables_summary sum;
	struct cfg_pool *p;
	char why[256], name[16];
	(void)state;

	cpt_vip(&c, "v0", "198.18.100.1", 80, "p");
	p = cpt_pool(&c, "p");
	cpt_backend(p, "198.18.1.11", 0, 1);
	cpt_backend(p, "198.18.1.12", 0, 1);
	build_ok(t, &c, &nh, h, 0, 1, &sum);
	assert_int_equal(sum.n_new, 2);

	/* 9 VIPs, the segment holds 8 (cpt_vip() makes room for 8) */
	c.vips = realloc(c.vips, 16 * sizeof(*c.vips));
	for (int i = 1; i < 9; i++) {
		snprintf(name, sizeof(name), "v%d", i);
		cpt_vip(&c, name, "198.18.100.2", (uint16_t)(80 + i), "p");
	}
	cpt_backend(p, "198.18.1.13", 0, 1);
	assert_int_equal(cp_tables_build(t, &c, nh_lookup, &nh, h, 1, 2, 0, &sum, why, sizeof(why)),
			 -ENOSPC);
	assert_string_equal(why, "9 VIPs configured, the segment holds 8");
	c.n_vips = 1;

	/* 5 pools, the segment holds 4 */
	for (int i = 1; i < 5; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		cpt_pool(&c, name);
	}
	assert_int_equal(cp_tables_build(t, &c, nh_lookup, &nh, h, 1, 2, 0, &sum, why, sizeof(why)),
			 -ENOSPC);
	assert_string_equal(why, "5 pools configured, the segment holds 4");

	/* 4 pools and a VIP naming a fifth: no room for it */
	c.n_pools = 4;
	cpt_vip(&c, "lost", "198.18.100.9", 80, "nowhere");
	assert_int_equal(cp_tables_build(t, &c, nh_lookup, &nh, h, 1, 2, 0, &sum, why, sizeof(why)),
			 -ENOSPC);
	assert_string_equal(why, "vip lost: no room for pool nowhere (tables.max_pools 4)");

	/* .13 took no slot in any refused build; .11 and .12 kept theirs */
	c.n_vips = 1;
	c.n_pools = 1;
	build_ok(t, &c, &nh, h, 1, 2, &sum);
	assert_int_equal(sum.n_new, 1);
	assert_int_equal(sum.n_removed, 0);
	assert_int_equal(slot_of(h, 1, "198.18.1.11"), 0);
	assert_int_equal(slot_of(h, 1, "198.18.1.12"), 1);
	assert_int_equal(slot_of(h, 1, "198.18.1.13"), 2);
	assert_int_equal(sl_slot_backends(h, 1)[2].uid, 3);

	c.n_pools = 5;
	cp_tables_free(t);
	cpt_config_free(&c);
	free(h);
}

/* Every field of a VIP record, per mode and encapsulation. */
static void test_vip_records(void **state)
{
	struct sl_shm_header *h = cpt_segment(2, 16, 251);
	struct cp_tables *t = cp_tables_new(16);
	struct cfg c = {0};
	struct nh_ctx nh = {{NULL}};
	struct cp_tables_summary sum;
	const struct sl_vip *vips;
	struct cfg_vip *v;
	struct sl_addr a;
	uint8_t af;
	(void)state;

	v = cpt_vip(&c, "tun", "198.18.100.1", 443, "b");
	v->encap = CFG_ENCAP_GUE;
	v->gue_port = 6081;
	cpt_addr(&v->tunnel_source, &af, "198.18.200.0");
	v->tunnel_source_plen = 24;
	v = cpt_vip(&c, "dsr", "198.18.100.2", 53, "a");
	v->proto = IPPROTO_UDP;
	v->mode = SL_MODE_DSR;
	v->encap = CFG_ENCAP_GUE; /* not tunnel mode: no GUE */
	v->gue_port = 6080;
	cpt_pool(&c, "a");
	build_ok(t, &c, &nh, h, 0, 1, &sum);
	vips = sl_slot_vips(h, 0);
	/* the configured pool first, then the implicit one in order of use */
	assert_string_equal(sl_slot_pools(h, 0)[0].name, "a");
	assert_string_equal(sl_slot_pools(h, 0)[1].name, "b");
	assert_string_equal(vips[0].name, "tun");
	assert_int_equal(vips[0].pool, 1);
	assert_int_equal(vips[0].proto, IPPROTO_TCP);
	assert_int_equal(vips[0].mode, SL_MODE_TUNNEL);
	assert_int_equal(vips[0].flags, SL_VIP_F_GUE);
	assert_int_equal(vips[0].gue_port, htons(6081));
	assert_int_equal(vips[0].port, htons(443));
	assert_memory_equal(&vips[0].tunnel_src, &v[-1].tunnel_source, sizeof(struct sl_addr));
	assert_int_equal(vips[0].tunnel_src_plen, 24);
	cpt_addr(&a, &af, "198.18.100.2");
	assert_memory_equal(&vips[1].addr, &a, sizeof(a));
	assert_int_equal(vips[1].af, SL_AF_INET);
	assert_string_equal(vips[1].name, "dsr");
	assert_int_equal(vips[1].pool, 0);
	assert_int_equal(vips[1].proto, IPPROTO_UDP);
	assert_int_equal(vips[1].mode, SL_MODE_DSR);
	assert_int_equal(vips[1].flags, 0);
	assert_int_equal(vips[1].gue_port, 0);
	assert_int_equal(vips[1].tunnel_src_plen, 0);
	cp_tables_free(t);
	cpt_config_free(&c);
	free(h);
}

/*
 * The seal step: the slot's header says what was written (generation,
 * counts, Maglev size, the wall-clock build time) and the summary counts
 * it; a pool the slot no longer has leaves a zeroed table behind.
 */
static void test_seal_summary_and_dropped_pools(void **state)
{
	struct sl_shm_header *h = cpt_segment(2, 16, 251);
	struct cp_tables *t = cp_tables_new(16);
	struct cfg c = {0};
	struct nh_ctx nh = {{"198.18.1.22", NULL}};
	struct cp_tables_summary sum;
	const struct sl_table_hdr *th = sl_slot_hdr(h, 0);
	struct timespec before, after;
	struct cfg_pool *p;
	uint32_t zero[251] = {0};
	(void)state;

	cpt_vip(&c, "a", "198.18.100.1", 80, "a");
	cpt_vip(&c, "b", "198.18.100.2", 80, "b");
	cpt_vip(&c, "c", "198.18.100.3", 80, "c");
	p = cpt_pool(&c, "a");
	cpt_backend(p, "198.18.1.11", 0, 1);
	p = cpt_pool(&c, "b");
	cpt_backend(p, "198.18.1.21", 0, 1);
	cpt_backend(p, "198.18.1.22", 0, 1);
	cpt_pool(&c, "c");
	clock_gettime(CLOCK_REALTIME, &before);
	build_ok(t, &c, &nh, h, 0, 7, &sum);
	clock_gettime(CLOCK_REALTIME, &after);
	assert_int_equal(th->generation, 7);
	assert_int_equal(th->n_vips, 3);
	assert_int_equal(th->n_pools, 3);
	assert_int_equal(th->n_backends, 3);
	assert_int_equal(th->maglev_size, 251);
	assert_in_range(th->built_ns, (uint64_t)before.tv_sec * 1000000000ull + before.tv_nsec,
			(uint64_t)after.tv_sec * 1000000000ull + after.tv_nsec);
	assert_int_equal(sum.n_vips, 3);
	assert_int_equal(sum.n_pools, 3);
	assert_int_equal(sum.n_backends, 3);
	assert_int_equal(sum.n_active, 2);
	assert_int_equal(sum.n_unresolved, 1);
	assert_int_equal(sum.n_new, 3);
	assert_int_equal(sum.n_maglev_built, 3);
	assert_int_equal(sl_slot_pools(h, 0)[1].n_active, 1);
	assert_int_equal(maglev_count(h, 0, 2, SL_BACKEND_NONE), 251);

	/* slot 1 in between, then slot 0 again with one pool: b's and c's tables zeroed */
	build_ok(t, &c, &nh, h, 1, 8, &sum);
	c.n_vips = 1;
	c.n_pools = 1;
	build_ok(t, &c, &nh, h, 0, 9, &sum);
	assert_int_equal(th->generation, 9);
	assert_int_equal(th->n_pools, 1);
	assert_int_equal(th->n_backends, 1);
	assert_int_equal(sum.n_removed, 2);
	assert_int_equal(sum.n_maglev_copied, 1);
	assert_memory_equal(sl_slot_maglev(h, 0, 1), zero, sizeof(zero));
	assert_memory_equal(sl_slot_maglev(h, 0, 2), zero, sizeof(zero));
	assert_int_equal(maglev_count(h, 0, 0, 0), 251);
	c.n_vips = 3;
	c.n_pools = 3;
	cp_tables_free(t);
	cpt_config_free(&c);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_down_backend),
		cmocka_unit_test(test_stable_slots_and_uids),
		cmocka_unit_test(test_never_used_slots_first),
		cmocka_unit_test(test_unresolved_and_weights),
		cmocka_unit_test(test_ipv6_gue_and_implicit_pool),
		cmocka_unit_test(test_adopt),
		cmocka_unit_test(test_drain_removed_backend),
		cmocka_unit_test(test_drain_readded),
		cmocka_unit_test(test_drain_freed_at_once),
		cmocka_unit_test(test_adopt_draining),
		cmocka_unit_test(test_rebuild_only_affected_pools),
		cmocka_unit_test(test_refused_build_changes_nothing),
		cmocka_unit_test(test_vip_records),
		cmocka_unit_test(test_seal_summary_and_dropped_pools),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
