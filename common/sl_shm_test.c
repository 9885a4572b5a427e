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

static const struct sl_shm_geometry geo = {
	.max_workers = 4,
	.max_ports = 2,
	.max_vips = 8,
	.max_pools = 4,
	.max_backends = 16,
	.maglev_size = 251,
};

static struct sl_shm_header *make_segment(void)
{
	struct sl_shm_header h;
	struct sl_shm_header *seg;

	assert_int_equal(sl_shm_layout(&geo, &h, NULL, 0), 0);
	seg = aligned_alloc(4096, h.total_bytes);
	assert_non_null(seg);
	memset(seg, 0, h.total_bytes);
	memcpy(seg, &h, sizeof(h));
	return seg;
}

/* A slot with one VIP on pool 0, two active backends, a filled Maglev table. */
static void fill_slot(struct sl_shm_header *h, unsigned int slot)
{
	struct sl_table_hdr *t = sl_slot_hdr(h, slot);
	struct sl_vip *v = sl_slot_vips(h, slot);
	struct sl_backend *b = sl_slot_backends(h, slot);
	uint32_t *m = sl_slot_maglev(h, slot, 0);

	memset(t, 0, h->slot_bytes);
	t->generation = 1;
	t->n_vips = 1;
	t->n_pools = 1;
	t->n_backends = 2;
	t->maglev_size = h->maglev_size;
	sl_addr_from_v4(&v->addr, htonl(0xc6126401));
	v->port = htons(80);
	v->proto = IPPROTO_TCP;
	v->af = SL_AF_INET;
	v->mode = SL_MODE_TUNNEL;
	for (int i = 0; i < 2; i++) {
		b[i].flags = SL_BACKEND_F_ACTIVE | SL_BACKEND_F_RESOLVED;
		b[i].af = SL_AF_INET;
		b[i].uid = 100 + i;
	}
	for (uint32_t e = 0; e < h->maglev_size; e++)
		m[e] = e % 2;
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
	expect_header(h, -EPROTO, "ABI version 3, expected 2");
	h->abi_version = SL_SHM_ABI_VERSION;

	h->backend_size = 90;
	expect_header(h, -EPROTO, "sl_backend size 90, expected 96");
	h->backend_size = sizeof(struct sl_backend);

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
	fill_slot(h, 0);
	assert_int_equal(sl_shm_check_slot(h, 0, NULL, 0), 0);
	free(h);
}

static void test_slot_refusals(void **state)
{
	struct sl_shm_header *h = make_segment();

	(void)state;
	fill_slot(h, 0);
	sl_slot_maglev(h, 0, 0)[7] ^= 1; /* unsealed change */
	expect_slot(h, -EBADMSG, "slot 0 checksum mismatch");

	fill_slot(h, 0);
	sl_slot_maglev(h, 0, 0)[7] = 5;
	sl_shm_seal_slot(h, 0);
	expect_slot(h, -ERANGE, "pool 0 maglev entry 7: backend 5 not active in it");

	fill_slot(h, 0);
	sl_slot_vips(h, 0)->pool = 3;
	sl_shm_seal_slot(h, 0);
	expect_slot(h, -ERANGE, "vip 0: pool 3 >= n_pools 1");

	fill_slot(h, 0);
	sl_slot_vips(h, 0)->mode = 9;
	sl_shm_seal_slot(h, 0);
	expect_slot(h, -ERANGE, "vip 0: mode 9");

	fill_slot(h, 0);
	sl_slot_backends(h, 0)[1].tx_port = 2;
	sl_shm_seal_slot(h, 0);
	expect_slot(h, -ERANGE, "backend 1: port 2 >= max_ports 2");

	fill_slot(h, 0);
	sl_slot_hdr(h, 0)->n_backends = 17;
	expect_slot(h, -ERANGE, "n_backends 17 > max_backends 16");
	free(h);
}

static void test_drop_names(void **state)
{
	(void)state;
	assert_string_equal(sl_drop_name(SL_DROP_NOT_VIP), "not_vip");
	assert_string_equal(sl_drop_name(SL_DROP_ETH_TRUNCATED), "eth_truncated");
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
		cmocka_unit_test(test_drop_names),
		cmocka_unit_test(test_gen_word),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
