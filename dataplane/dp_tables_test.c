/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The table watcher on an in-memory segment laid out by sl_shm_layout():
 * a good slot is followed, a corrupt one refused with its reason in the
 * header, and a replaced table is freed only once every worker acked the
 * new one (dp_vip_index_free is wrapped to see exactly which index goes).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "dp_tables.h"
#include "dp_vip.h"
#include "sl_shm.h"

static const struct sl_shm_geometry geo = {
	.max_workers = 2,
	.max_ports = 1,
	.max_vips = 8,
	.max_pools = 2,
	.max_backends = 8,
	.maglev_size = 13,
};

/* dp_vip_index_free() calls seen, in order */
static const struct dp_vip_index *freed[16];
static unsigned int n_freed;

void __real_dp_vip_index_free(struct dp_vip_index *idx);
void __wrap_dp_vip_index_free(struct dp_vip_index *idx);
void __wrap_dp_vip_index_free(struct dp_vip_index *idx)
{
	if (n_freed < sizeof(freed) / sizeof(freed[0]))
		freed[n_freed] = idx;
	n_freed++;
	__real_dp_vip_index_free(idx);
}

struct fixture {
	struct sl_shm_header *h;
	struct dp_tables *t;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sl_shm_header hdr;

	assert_non_null(f);
	assert_int_equal(sl_shm_layout(&geo, &hdr, NULL, 0), 0);
	f->h = aligned_alloc(4096, hdr.total_bytes);
	assert_non_null(f->h);
	memset(f->h, 0, hdr.total_bytes);
	memcpy(f->h, &hdr, sizeof(hdr));
	f->t = dp_tables_create(f->h, 2);
	assert_non_null(f->t);
	n_freed = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	dp_tables_free(f->t);
	free(f->h);
	free(f);
	return 0;
}

/* Slot @slot: one TCP VIP 198.18.100.@last:80 on pool 0, two backends, sealed. */
static void fill_slot(struct sl_shm_header *h, unsigned int slot, uint64_t gen, uint8_t last)
{
	struct sl_table_hdr *t = sl_slot_hdr(h, slot);
	struct sl_vip *v = sl_slot_vips(h, slot);
	struct sl_backend *b = sl_slot_backends(h, slot);
	uint32_t *m = sl_slot_maglev(h, slot, 0);

	memset(t, 0, h->slot_bytes);
	t->generation = gen;
	t->n_vips = 1;
	t->n_pools = 1;
	t->n_backends = 2;
	t->maglev_size = h->maglev_size;
	sl_addr_from_v4(&v->addr, htonl(0xc6126400 | last));
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

static void publish(struct sl_shm_header *h, uint64_t gen, unsigned int slot)
{
	__atomic_store_n(&h->published, SL_GEN_WORD(gen, slot), __ATOMIC_RELEASE);
}

static void ack(struct sl_shm_header *h, unsigned int worker, uint64_t word)
{
	__atomic_store_n(&sl_shm_ack(h, worker)->word, word, __ATOMIC_RELEASE);
}

static const struct dp_table *current(struct fixture *f)
{
	return atomic_load(dp_tables_published(f->t));
}

static void test_nothing_published(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(dp_tables_poll(f->t), 0);
	assert_null(current(f));
	assert_int_equal(dp_tables_word(f->t), 0);
}

static void test_good_slot_followed(void **state)
{
	struct fixture *f = *state;
	const struct dp_table *tbl;
	struct sl_addr vip;

	fill_slot(f->h, 1, 1, 1);
	publish(f->h, 1, 1);
	assert_int_equal(dp_tables_poll(f->t), 1);
	tbl = current(f);
	assert_non_null(tbl);
	assert_int_equal(tbl->word, SL_GEN_WORD(1, 1));
	assert_ptr_equal(tbl->hdr, sl_slot_hdr(f->h, 1));
	assert_ptr_equal(tbl->vips, sl_slot_vips(f->h, 1));
	assert_ptr_equal(tbl->pools, sl_slot_pools(f->h, 1));
	assert_ptr_equal(tbl->backends, sl_slot_backends(f->h, 1));
	assert_ptr_equal(tbl->maglev, sl_slot_maglev(f->h, 1, 0));
	assert_int_equal(tbl->maglev_size, 13);
	assert_int_equal(tbl->n_backends, 2);
	sl_addr_from_v4(&vip, htonl(0xc6126401));
	assert_int_equal(dp_vip_probe(tbl->vip_index, &vip, htons(80), IPPROTO_TCP), 0);
	assert_int_equal(dp_vip_probe(tbl->vip_index, &vip, htons(81), IPPROTO_TCP), -1);
	assert_int_equal(f->h->dp_rejected, 0);

	/* the same word again changes nothing */
	assert_int_equal(dp_tables_poll(f->t), 0);
	assert_ptr_equal(current(f), tbl);
	assert_int_equal(dp_tables_retired(f->t), 0);
}

static void test_corrupt_slot_refused(void **state)
{
	struct fixture *f = *state;
	const struct dp_table *good;

	fill_slot(f->h, 0, 1, 1);
	publish(f->h, 1, 0);
	assert_int_equal(dp_tables_poll(f->t), 1);
	good = current(f);

	fill_slot(f->h, 1, 2, 2);
	sl_slot_maglev(f->h, 1, 0)[3] ^= 1; /* after sealing: checksum no longer matches */
	publish(f->h, 2, 1);
	assert_int_equal(dp_tables_poll(f->t), -EBADMSG);
	assert_ptr_equal(current(f), good);
	assert_int_equal(dp_tables_word(f->t), SL_GEN_WORD(1, 0));
	assert_int_equal(f->h->dp_rejected, 1);
	assert_int_equal(f->h->dp_last_reject_word, SL_GEN_WORD(2, 1));
	assert_string_equal(f->h->dp_reject_reason, "slot 1 checksum mismatch");

	/* refused once, not counted again on every poll */
	assert_int_equal(dp_tables_poll(f->t), 0);
	assert_int_equal(f->h->dp_rejected, 1);
	assert_int_equal(dp_tables_retired(f->t), 0);
	assert_int_equal(n_freed, 0);

	/* a bad index in the next generation: named by sl_shm_check_slot() */
	fill_slot(f->h, 1, 3, 2);
	sl_slot_vips(f->h, 1)->pool = 1;
	sl_shm_seal_slot(f->h, 1);
	publish(f->h, 3, 1);
	assert_int_equal(dp_tables_poll(f->t), -ERANGE);
	assert_int_equal(f->h->dp_rejected, 2);
	assert_int_equal(f->h->dp_last_reject_word, SL_GEN_WORD(3, 1));
	assert_string_equal(f->h->dp_reject_reason, "vip 0: pool 1 >= n_pools 1");
	assert_ptr_equal(current(f), good);
}

static void test_generation_mismatch_refused(void **state)
{
	struct fixture *f = *state;

	fill_slot(f->h, 0, 7, 1);
	publish(f->h, 4, 0);
	assert_int_equal(dp_tables_poll(f->t), -EBADMSG);
	assert_null(current(f));
	assert_int_equal(f->h->dp_rejected, 1);
	assert_string_equal(f->h->dp_reject_reason, "slot 0 holds generation 7, published names 4");
}

static void test_duplicate_vip_refused(void **state)
{
	struct fixture *f = *state;
	struct sl_table_hdr *t;
	struct sl_vip *v;

	fill_slot(f->h, 0, 1, 1);
	t = sl_slot_hdr(f->h, 0);
	v = sl_slot_vips(f->h, 0);
	v[1] = v[0];
	t->n_vips = 2;
	sl_shm_seal_slot(f->h, 0);
	publish(f->h, 1, 0);
	assert_int_equal(dp_tables_poll(f->t), -EEXIST);
	assert_null(current(f));
	assert_string_equal(f->h->dp_reject_reason, "VIP index: File exists");
}

static void test_old_table_freed_after_all_acks(void **state)
{
	struct fixture *f = *state;
	const struct dp_table *t1, *t2;
	const struct dp_vip_index *idx1;

	fill_slot(f->h, 0, 1, 1);
	publish(f->h, 1, 0);
	assert_int_equal(dp_tables_poll(f->t), 1);
	t1 = current(f);
	idx1 = t1->vip_index;
	ack(f->h, 0, SL_GEN_WORD(1, 0));
	ack(f->h, 1, SL_GEN_WORD(1, 0));

	fill_slot(f->h, 1, 2, 2);
	publish(f->h, 2, 1);
	assert_int_equal(dp_tables_poll(f->t), 1);
	t2 = current(f);
	assert_ptr_not_equal(t2, t1);
	assert_int_equal(t2->word, SL_GEN_WORD(2, 1));
	assert_int_equal(dp_tables_retired(f->t), 1);

	/* no worker acked yet, then only one: the old table stays */
	assert_int_equal(dp_tables_poll(f->t), 0);
	assert_int_equal(n_freed, 0);
	ack(f->h, 1, SL_GEN_WORD(2, 1));
	assert_int_equal(dp_tables_poll(f->t), 0);
	assert_int_equal(n_freed, 0);
	assert_int_equal(dp_tables_retired(f->t), 1);

	/* both: freed, exactly the old one */
	ack(f->h, 0, SL_GEN_WORD(2, 1));
	assert_int_equal(dp_tables_poll(f->t), 0);
	assert_int_equal(dp_tables_retired(f->t), 0);
	assert_int_equal(n_freed, 1);
	assert_ptr_equal(freed[0], idx1);
	assert_ptr_equal(current(f), t2);
}

static void test_retired_limit_holds_new_generations(void **state)
{
	struct fixture *f = *state;
	uint64_t gen;

	/* workers never ack: the watcher follows DP_TABLES_RETIRED_MAX + 1 tables, then waits */
	for (gen = 1; gen <= DP_TABLES_RETIRED_MAX + 1; gen++) {
		fill_slot(f->h, gen & 1, gen, 1);
		publish(f->h, gen, gen & 1);
		assert_int_equal(dp_tables_poll(f->t), 1);
	}
	assert_int_equal(dp_tables_retired(f->t), DP_TABLES_RETIRED_MAX);
	fill_slot(f->h, gen & 1, gen, 1);
	publish(f->h, gen, gen & 1);
	assert_int_equal(dp_tables_poll(f->t), 0);
	assert_int_equal(dp_tables_word(f->t), SL_GEN_WORD(gen - 1, (gen - 1) & 1));

	/* the workers catch up: everything retired goes, the waiting generation follows */
	ack(f->h, 0, SL_GEN_WORD(gen - 1, (gen - 1) & 1));
	ack(f->h, 1, SL_GEN_WORD(gen - 1, (gen - 1) & 1));
	assert_int_equal(dp_tables_poll(f->t), 1);
	assert_int_equal(n_freed, DP_TABLES_RETIRED_MAX);
	assert_int_equal(dp_tables_word(f->t), SL_GEN_WORD(gen, gen & 1));
	assert_int_equal(dp_tables_retired(f->t), 1);
}

static void test_create_checks_workers(void **state)
{
	struct fixture *f = *state;

	errno = 0;
	assert_null(dp_tables_create(f->h, 3));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(dp_tables_create(f->h, 0));
	assert_int_equal(errno, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nothing_published, setup, teardown),
		cmocka_unit_test_setup_teardown(test_good_slot_followed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_slot_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_generation_mismatch_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_vip_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_table_freed_after_all_acks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_retired_limit_holds_new_generations, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_create_checks_workers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
