/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared-memory header and slot checks: each corruption is named exactly. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "sl_drop.h"
#include "sl_shm.h"
#include "tl_shm.h"

static const struct sl_shm_geometry geo = {
	.max_workers = 4,
	.max_ports = 2,
	.max_vips = 8,
	.max_pools = 4,
	.max_backends = 16,
	.maglev_size = 251,
	.max_nat_sources = 4,
	.max_routes = 3,
	.ev_ring_size = 16,
};

static struct sl_shm_header *make_segment(void)
{
	struct sl_shm_header *seg = tl_shm_segment(&geo);

	assert_non_null(seg);
	return seg;
}

/*
 * tl_shm_fill_slot() plus a NAT VIP (index 1, 198.18.100.2 tcp/80, pool 0) on
 * sources 0 and 1 (IPv4), and source 2 (IPv6) unused by it.
 */
static void fill_nat_slot(struct sl_shm_header *h, unsigned int slot)
{
	struct sl_table_hdr *t = sl_slot_hdr(h, slot);
	struct sl_vip *v = sl_slot_vips(h, slot) + 1;
	struct sl_nat_source *src = sl_slot_nat_sources(h, slot);

	tl_shm_fill_slot(h, slot, 1, 1);
	t->n_vips = 2;
	sl_addr_from_v4(&v->addr, htonl(0xc6126402));
	v->port = htons(80);
	v->proto = IPPROTO_TCP;
	v->af = SL_AF_INET;
	v->mode = SL_MODE_NAT;
	v->nat_src_first = 0;
	v->nat_src_count = 2;
	v->mss = 1400;
	t->n_nat_sources = 3;
	for (int i = 0; i < 2; i++) {
		sl_addr_from_v4(&src[i].addr, htonl(0xc6120101 + (uint32_t)i));
		src[i].af = SL_AF_INET;
		src[i].port_min = 1024;
		src[i].port_max = 65535;
		src[i].tx_port = 1;
	}
	src[2].af = SL_AF_INET6;
	src[2].addr.a8[0] = 0x20;
	src[2].addr.a8[1] = 0x01;
	src[2].addr.a8[3] = 0x02;
	src[2].addr.a8[15] = 1;
	src[2].port_min = 1;
	src[2].port_max = 1;
	sl_shm_seal_slot(h, slot);
}

static void expect_header(struct sl_shm_header *h, int err, const char *msg)
{
	char why[128] = "";

	assert_int_equal(sl_shm_check_header(h, h->total_bytes, why, sizeof(why)), err);
	assert_string_equal(why, msg);
}

static void expect_slot(struct sl_shm_header *h, int err, const char *msg)
{
	char why[128] = "";

	assert_int_equal(sl_shm_check_slot(h, 0, why, sizeof(why)), err);
	assert_string_equal(why, msg);
}

static void test_layout_regions_disjoint_and_aligned(void **state)
{
	struct sl_shm_header *h = make_segment();

	(void)state;
	assert_int_equal(sl_shm_check_header(h, h->total_bytes, NULL, 0), 0);
	assert_true(h->ack_offset >= sizeof(*h));
	assert_true(h->slot_offset[0] >= h->ack_offset + geo.max_workers * SL_CACHE_LINE);
	assert_int_equal(h->slot_offset[1], h->slot_offset[0] + h->slot_bytes);
	assert_true(h->worker_stats_offset >= h->slot_offset[1] + h->slot_bytes);
	assert_true(h->port_stats_offset >=
		    h->worker_stats_offset + geo.max_workers * h->worker_stats_bytes);
	assert_true(h->total_bytes >= h->port_stats_offset + geo.max_ports * 128);
	assert_int_equal(h->slot_offset[0] % 64, 0);
	assert_int_equal((uintptr_t)sl_slot_maglev(h, 1, 0) % 64, 0);
	/* last maglev entry of the last pool stays inside its slot */
	assert_true((uint8_t *)(sl_slot_maglev(h, 0, geo.max_pools - 1) + geo.maglev_size) <=
		    (uint8_t *)h + h->slot_offset[1]);
	free(h);
}

static void test_layout_rejects_bad_geometry(void **state)
{
	struct sl_shm_geometry g = geo;
	struct sl_shm_header h;
	char why[128];

	(void)state;
	g.maglev_size = 65536;
	assert_int_equal(sl_shm_layout(&g, &h, why, sizeof(why)), -ERANGE);
	assert_string_equal(why, "maglev_size 65536 is not prime");
	g = geo;
	g.max_workers = 0;
	assert_int_equal(sl_shm_layout(&g, &h, why, sizeof(why)), -ERANGE);
	assert_string_equal(why, "max_workers 0 out of range [1, 128]");
	g = geo;
	g.max_nat_sources = 257;
	assert_int_equal(sl_shm_layout(&g, &h, why, sizeof(why)), -ERANGE);
	assert_string_equal(why, "max_nat_sources 257 out of range [0, 256]");
	g.max_nat_sources = 0; /* a segment without NAT sources is valid */
	assert_int_equal(sl_shm_layout(&g, &h, why, sizeof(why)), 0);
	g.max_routes = 65536;
	assert_int_equal(sl_shm_layout(&g, &h, why, sizeof(why)), -ERANGE);
	assert_string_equal(why, "max_routes 65536 out of range [0, 65535]");
	g.max_routes = 0; /* nor one without routes */
	assert_int_equal(sl_shm_layout(&g, &h, why, sizeof(why)), 0);
}

/* The NAT sources sit between the backends and the Maglev tables; the per-source counters last. */
static void test_layout_nat_regions(void **state)
{
	struct sl_shm_header *h = make_segment();
	struct sl_worker_stats *ws = sl_shm_worker_stats(h, 3);

	(void)state;
	assert_int_equal(h->max_nat_sources, 4);
	assert_int_equal(h->nat_source_size, sizeof(struct sl_nat_source));
	assert_ptr_equal(sl_slot_nat_sources(h, 0), (void *)(sl_slot_backends(h, 0) + 16));
	assert_true((uint8_t *)(sl_slot_nat_sources(h, 0) + 4) <=
		    (uint8_t *)sl_slot_maglev(h, 0, 0));
	assert_ptr_equal(sl_stats_nat_ports(h, ws), (void *)(sl_stats_backends(h, ws) + 16));
	assert_true((uint8_t *)(sl_stats_nat_ports(h, ws) + 4) <=
		    (uint8_t *)ws + h->worker_stats_bytes);
	assert_true((uint8_t *)ws + h->worker_stats_bytes <= (uint8_t *)sl_shm_port_stats(h, 0));
	free(h);
}

/*
 * ABI 4: after the NAT sources, the routes, each VIP's http block, the
 * sticky ids and the members, then the Maglev tables on the next line; the
 * http and route counters last in a worker's block, from a line.
 */
static void test_layout_http_regions(void **state)
{
	struct sl_shm_header *h = make_segment();
	struct sl_worker_stats *ws = sl_shm_worker_stats(h, 3);
	uint8_t *slot = (uint8_t *)sl_slot_hdr(h, 1);

	(void)state;
	assert_int_equal(sizeof(struct sl_shm_header), 512);
	assert_int_equal(offsetof(struct sl_shm_header, published), 192);
	assert_int_equal(offsetof(struct sl_shm_header, sticky), 448);
	assert_int_equal(h->max_routes, 3);
	assert_int_equal(h->route_size, 256);
	assert_int_equal(h->http_vip_size, 64);
	/* 64 + 8 VIPs * 112 + 4 pools * 64 + 16 backends * 96 + 4 sources * 32 */
	assert_int_equal((uint8_t *)sl_slot_routes(h, 1) - slot, 2880);
	assert_int_equal((uint8_t *)sl_slot_http(h, 1) - slot, 2880 + 3 * 256);
	assert_int_equal((uint8_t *)sl_slot_sticky_ids(h, 1) - slot, 3648 + 8 * 64);
	assert_int_equal((uint8_t *)sl_slot_members(h, 1) - slot, 4160 + 16 * 8);
	assert_int_equal((uint8_t *)sl_slot_maglev(h, 1, 0) - slot, 4288 + 16 * 4);
	assert_int_equal(h->slot_bytes, 4352 + 4 * 251 * 4 + 16); /* to the next line */
	assert_int_equal(sl_stats_http_offset(h) % 64, 0);
	assert_true((uint8_t *)sl_stats_http(h, ws) >= (uint8_t *)(sl_stats_nat_ports(h, ws) + 4));
	assert_true((uint8_t *)sl_stats_http(h, ws) <
		    (uint8_t *)(sl_stats_nat_ports(h, ws) + 4) + 64);
	assert_ptr_equal(sl_stats_routes(h, ws), (void *)(sl_stats_http(h, ws) + 8));
	assert_int_equal((uint8_t *)(sl_stats_routes(h, ws) + 3) - (uint8_t *)ws,
			 h->worker_stats_bytes);
	free(h);
}

/* ABI 6: one event ring per worker after the port statistics, records of 512 bytes. */
static void test_layout_event_rings(void **state)
{
	struct sl_shm_header *h = make_segment();
	struct sl_shm_geometry g = geo;
	char why[128];

	(void)state;
	assert_int_equal(h->event_size, 512);
	assert_int_equal(h->ev_ring_size, 16);
	assert_int_equal(h->ev_ring_bytes, 128 + 16 * 512);
	assert_ptr_equal(sl_shm_ev_ring(h, 0), (void *)(sl_shm_port_stats(h, 2)));
	assert_int_equal((uint8_t *)sl_shm_ev_ring(h, 3) - (uint8_t *)sl_shm_ev_ring(h, 0),
			 3 * h->ev_ring_bytes);
	assert_true((uint8_t *)sl_shm_ev_ring(h, 4) <= (uint8_t *)h + h->total_bytes);
	assert_ptr_equal(sl_ev_records(sl_shm_ev_ring(h, 1)),
			 (void *)((uint8_t *)sl_shm_ev_ring(h, 1) + 128));
	h->event_size = 256;
	expect_header(h, -EPROTO, "sl_event size 256, expected 512");
	free(h);

	g.ev_ring_size = 24;
	assert_int_equal(sl_shm_layout(&g, &(struct sl_shm_header){0}, why, sizeof(why)), -ERANGE);
	assert_string_equal(why, "ev_ring_size 24 is not 0 or a power of two of at least 16");
	g.ev_ring_size = 8;
	assert_int_equal(sl_shm_layout(&g, &(struct sl_shm_header){0}, why, sizeof(why)), -ERANGE);
	assert_string_equal(why, "ev_ring_size 8 is not 0 or a power of two of at least 16");
	g.ev_ring_size = 131072;
	assert_int_equal(sl_shm_layout(&g, &(struct sl_shm_header){0}, why, sizeof(why)), -ERANGE);
	assert_string_equal(why, "ev_ring_size 131072 out of range [0, 65536]");
	g.ev_ring_size = 0; /* no rings at all */
	assert_int_equal(sl_shm_layout(&g, &(struct sl_shm_header){0}, why, sizeof(why)), 0);
}

static void test_header_refusals(void **state)
{
	struct sl_shm_header *h = make_segment();
	char why[128];

	(void)state;
	h->magic = 0x12345678;
	expect_header(h, -EBADMSG, "bad magic 0x12345678, expected 0x45434c53");
	h->magic = SL_SHM_MAGIC;

	h->abi_version = SL_SHM_ABI_VERSION + 1;
	expect_header(h, -EPROTO, "ABI version 7, expected 6");
	h->abi_version = SL_SHM_ABI_VERSION;

	h->backend_size = 90;
	expect_header(h, -EPROTO, "sl_backend size 90, expected 96");
	h->backend_size = sizeof(struct sl_backend);

	h->nat_source_size = 16;
	expect_header(h, -EPROTO, "sl_nat_source size 16, expected 32");
	h->nat_source_size = sizeof(struct sl_nat_source);

	h->route_size = 196;
	expect_header(h, -EPROTO, "sl_route size 196, expected 256");
	h->route_size = sizeof(struct sl_route);

	h->max_vips = 9; /* geometry changed without its checksum */
	assert_int_equal(sl_shm_check_header(h, h->total_bytes, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "geometry checksum"));
	h->max_vips = geo.max_vips;

	assert_int_equal(sl_shm_check_header(h, h->total_bytes - 4096, why, sizeof(why)), -EFBIG);
	assert_non_null(strstr(why, "mapped"));
	assert_int_equal(sl_shm_check_header(h, h->total_bytes, NULL, 0), 0);
	free(h);
}

static void test_slot_accepts_good_table(void **state)
{
	struct sl_shm_header *h = make_segment();

	(void)state;
	tl_shm_fill_slot(h, 0, 1, 1);
	assert_int_equal(sl_shm_check_slot(h, 0, NULL, 0), 0);
	free(h);
}

static void test_slot_refusals(void **state)
{
	struct sl_shm_header *h = make_segment();

	(void)state;
	tl_shm_fill_slot(h, 0, 1, 1);
	sl_slot_maglev(h, 0, 0)[7] ^= 1; /* unsealed change */
	expect_slot(h, -EBADMSG, "slot 0 checksum mismatch");

	tl_shm_fill_slot(h, 0, 1, 1);
	sl_slot_maglev(h, 0, 0)[7] = 5;
	sl_shm_seal_slot(h, 0);
	expect_slot(h, -ERANGE, "pool 0 maglev entry 7: backend 5 not active in it");

	tl_shm_fill_slot(h, 0, 1, 1);
	sl_slot_vips(h, 0)->pool = 3;
	sl_shm_seal_slot(h, 0);
	expect_slot(h, -ERANGE, "vip 0: pool 3 >= n_pools 1");

	tl_shm_fill_slot(h, 0, 1, 1);
	sl_slot_vips(h, 0)->mode = 9;
	sl_shm_seal_slot(h, 0);
	expect_slot(h, -ERANGE, "vip 0: mode 9");

	tl_shm_fill_slot(h, 0, 1, 1);
	sl_slot_backends(h, 0)[1].tx_port = 2;
	sl_shm_seal_slot(h, 0);
	expect_slot(h, -ERANGE, "backend 1: port 2 >= max_ports 2");

	tl_shm_fill_slot(h, 0, 1, 1);
	sl_slot_hdr(h, 0)->n_backends = 17;
	expect_slot(h, -ERANGE, "n_backends 17 > max_backends 16");
	free(h);
}

static void test_slot_accepts_nat_table(void **state)
{
	struct sl_shm_header *h = make_segment();

	(void)state;
	fill_nat_slot(h, 0);
	assert_int_equal(sl_shm_check_slot(h, 0, NULL, 0), 0);
	sl_slot_vips(h, 0)[1].flags = SL_VIP_F_SYNPROXY;
	sl_slot_vips(h, 0)[1].mss = 0;
	sl_shm_seal_slot(h, 0);
	assert_int_equal(sl_shm_check_slot(h, 0, NULL, 0), 0);
	free(h);
}

/*
 * Spoil NAT field number @i of the slot fill_nat_slot() made; returns the
 * reason the check must give, NULL past the last case.
 */
static const char *spoil_nat(struct sl_shm_header *h, unsigned int i)
{
	struct sl_vip *v0 = sl_slot_vips(h, 0), *v = v0 + 1;
	struct sl_nat_source *src = sl_slot_nat_sources(h, 0);

	switch (i) {
	case 0:
		sl_slot_hdr(h, 0)->n_nat_sources = 5;
		return "n_nat_sources 5 > max_nat_sources 4";
	case 1:
		src[1].af = 5;
		return "nat source 1: address family 5";
	case 2:
		src[0].af = SL_AF_INET6;
		return "nat source 0: address not of family 6";
	case 3:
		src[2].af = SL_AF_INET;
		return "nat source 2: address not of family 4";
	case 4:
		src[1].port_min = 0;
		return "nat source 1: ports 0-65535";
	case 5:
		src[1].port_min = 2000;
		src[1].port_max = 1999;
		return "nat source 1: ports 2000-1999";
	case 6:
		src[0].tx_port = 2;
		return "nat source 0: port 2 >= max_ports 2";
	case 7:
		src[1].addr = src[0].addr;
		return "nat source 1: same address as nat source 0";
	case 8:
		v->nat_src_count = 0;
		return "vip 1: nat mode without a source";
	case 9:
		v->nat_src_first = 1;
		v->nat_src_count = 3;
		return "vip 1: nat sources 1..3 beyond n_nat_sources 3";
	case 10:
		v->nat_src_count = 3;
		return "vip 1: nat source 2 is not of the VIP's family";
	case 11:
		v->mss = 535;
		return "vip 1: mss 535 out of range [536, 65495]";
	case 12:
		v->mss = 65496;
		return "vip 1: mss 65496 out of range [536, 65495]";
	case 13:
		v->proto = IPPROTO_UDP;
		v->flags = SL_VIP_F_SYNPROXY;
		return "vip 1: synproxy on a UDP VIP";
	case 14:
		v0->nat_src_count = 1;
		return "vip 0: nat sources, mss or synproxy outside nat mode";
	case 15:
		v0->mss = 1400;
		return "vip 0: nat sources, mss or synproxy outside nat mode";
	case 16:
		v0->flags = SL_VIP_F_SYNPROXY;
		return "vip 0: nat sources, mss or synproxy outside nat mode";
	default:
		return NULL;
	}
}

/* Each NAT field out of place, sealed so only the field is wrong, named exactly. */
static void test_slot_nat_refusals(void **state)
{
	struct sl_shm_header *h = make_segment();
	const char *why;

	(void)state;
	for (unsigned int i = 0;; i++) {
		fill_nat_slot(h, 0);
		why = spoil_nat(h, i);
		if (!why)
			break;
		sl_shm_seal_slot(h, 0);
		expect_slot(h, -ERANGE, why);
	}
	free(h);
}

static void test_drop_names(void **state)
{
	(void)state;
	assert_string_equal(sl_drop_name(SL_DROP_NOT_VIP), "not_vip");
	assert_string_equal(sl_drop_name(SL_DROP_ETH_TRUNCATED), "eth_truncated");
	assert_string_equal(sl_drop_name(SL_DROP_NAT_NO_CONN), "nat_no_conn");
	assert_string_equal(sl_drop_name(SL_DROP_SYNPROXY_BAD_COOKIE), "synproxy_bad_cookie");
	assert_string_equal(sl_drop_name(SL_DROP_MAX), "unknown");
}

static void test_gen_word(void **state)
{
	(void)state;
	assert_int_equal(SL_GEN_OF(SL_GEN_WORD(41, 1)), 41);
	assert_int_equal(SL_SLOT_OF(SL_GEN_WORD(41, 1)), 1);
	assert_int_equal(SL_SLOT_OF(SL_GEN_WORD(42, 0)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_regions_disjoint_and_aligned),
		cmocka_unit_test(test_layout_rejects_bad_geometry),
		cmocka_unit_test(test_header_refusals),
		cmocka_unit_test(test_slot_accepts_good_table),
		cmocka_unit_test(test_slot_refusals),
		cmocka_unit_test(test_layout_nat_regions),
		cmocka_unit_test(test_layout_http_regions),
		cmocka_unit_test(test_layout_event_rings),
		cmocka_unit_test(test_slot_accepts_nat_table),
		cmocka_unit_test(test_slot_nat_refusals),
		cmocka_unit_test(test_drop_names),
		cmocka_unit_test(test_gen_word),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
