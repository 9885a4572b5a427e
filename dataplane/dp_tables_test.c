/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The table watcher on an in-memory segment laid out by sl_shm_layout():
 * a good slot is followed, a corrupt one refused with its reason in the
 * header, and a replaced table is freed only once every worker acked the
 * new one (dp_vip_index_free is wrapped to see exactly which index goes:
 * a table has two, its VIPs' and its NAT sources'). An http table's
 * routes, blocks and members are checked before they are followed: each
 * bad field is refused with its reason.
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
#include "sl_route.h"
#include "sl_shm.h"
#include "tl_shm.h"

static const struct sl_shm_geometry geo = {
	.max_workers = 2,
	.max_ports = 1,
	.max_vips = 8,
	.max_pools = 2,
	.max_backends = 8,
	.maglev_size = 13,
	.max_nat_sources = 2,
	.max_routes = 4,
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

	assert_non_null(f);
	f->h = tl_shm_segment(&geo);
	assert_non_null(f->h);
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

	tl_shm_fill_slot(f->h, 1, 1, 1);
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

	tl_shm_fill_slot(f->h, 0, 1, 1);
	publish(f->h, 1, 0);
	assert_int_equal(dp_tables_poll(f->t), 1);
	good = current(f);

	tl_shm_fill_slot(f->h, 1, 2, 2);
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
	tl_shm_fill_slot(f->h, 1, 3, 2);
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

	tl_shm_fill_slot(f->h, 0, 7, 1);
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

	tl_shm_fill_slot(f->h, 0, 1, 1);
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
	const struct dp_vip_index *idx1, *nat1;

	tl_shm_fill_slot(f->h, 0, 1, 1);
	publish(f->h, 1, 0);
	assert_int_equal(dp_tables_poll(f->t), 1);
	t1 = current(f);
	idx1 = t1->vip_index;
	nat1 = t1->nat_index;
	ack(f->h, 0, SL_GEN_WORD(1, 0));
	ack(f->h, 1, SL_GEN_WORD(1, 0));

	tl_shm_fill_slot(f->h, 1, 2, 2);
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
	assert_int_equal(n_freed, 2);
	assert_ptr_equal(freed[0], idx1);
	assert_ptr_equal(freed[1], nat1);
	assert_ptr_equal(current(f), t2);
}

static void test_retired_limit_holds_new_generations(void **state)
{
	struct fixture *f = *state;
	uint64_t gen;

	/* workers never ack: the watcher follows DP_TABLES_RETIRED_MAX + 1 tables, then waits */
	for (gen = 1; gen <= DP_TABLES_RETIRED_MAX + 1; gen++) {
		tl_shm_fill_slot(f->h, gen & 1, gen, 1);
		publish(f->h, gen, gen & 1);
		assert_int_equal(dp_tables_poll(f->t), 1);
	}
	assert_int_equal(dp_tables_retired(f->t), DP_TABLES_RETIRED_MAX);
	tl_shm_fill_slot(f->h, gen & 1, gen, 1);
	publish(f->h, gen, gen & 1);
	assert_int_equal(dp_tables_poll(f->t), 0);
	assert_int_equal(dp_tables_word(f->t), SL_GEN_WORD(gen - 1, (gen - 1) & 1));

	/* the workers catch up: everything retired goes, the waiting generation follows */
	ack(f->h, 0, SL_GEN_WORD(gen - 1, (gen - 1) & 1));
	ack(f->h, 1, SL_GEN_WORD(gen - 1, (gen - 1) & 1));
	assert_int_equal(dp_tables_poll(f->t), 1);
	assert_int_equal(n_freed, 2 * DP_TABLES_RETIRED_MAX);
	assert_int_equal(dp_tables_word(f->t), SL_GEN_WORD(gen, gen & 1));
	assert_int_equal(dp_tables_retired(f->t), 1);
}

/* The table's NAT sources, and their address index, as the workers see them. */
static void test_nat_sources_indexed(void **state)
{
	struct fixture *f = *state;
	struct sl_nat_source *src = sl_slot_nat_sources(f->h, 0);
	const struct dp_table *tbl;
	struct sl_addr a;

	tl_shm_fill_slot(f->h, 0, 1, 1);
	sl_slot_hdr(f->h, 0)->n_nat_sources = 2;
	for (uint32_t i = 0; i < 2; i++) {
		sl_addr_from_v4(&src[i].addr, htonl(0xc6120101 + i));
		src[i].af = SL_AF_INET;
		src[i].port_min = 1024;
		src[i].port_max = 65535;
	}
	sl_shm_seal_slot(f->h, 0);
	publish(f->h, 1, 0);
	assert_int_equal(dp_tables_poll(f->t), 1);
	tbl = current(f);
	assert_ptr_equal(tbl->nat_sources, src);
	assert_int_equal(tbl->n_nat_sources, 2);
	assert_int_equal(dp_nat_source_lookup(tbl->nat_index, &src[1].addr), 1);
	assert_int_equal(dp_nat_source_lookup(tbl->nat_index, &src[0].addr), 0);
	sl_addr_from_v4(&a, htonl(0xc6120103));
	assert_int_equal(dp_nat_source_lookup(tbl->nat_index, &a), -1);
	/* a VIP address is not a NAT source */
	assert_int_equal(dp_nat_source_lookup(tbl->nat_index, &sl_slot_vips(f->h, 0)->addr), -1);
}

/*
 * tl_shm_fill_slot() plus an http VIP (index 1, 198.18.100.9:80) on NAT source 0
 * with two routes into pool 0 ("/login" id 3, then "/" id 0), a sticky
 * cookie, and pool 0 in round robin over both backends.
 */
static void fill_http_slot(struct sl_shm_header *h, unsigned int slot, uint64_t gen)
{
	struct sl_table_hdr *t = sl_slot_hdr(h, slot);
	struct sl_vip *v = sl_slot_vips(h, slot) + 1;
	struct sl_pool *p = sl_slot_pools(h, slot);
	struct sl_backend *b = sl_slot_backends(h, slot);
	struct sl_nat_source *src = sl_slot_nat_sources(h, slot);
	struct sl_route *r = sl_slot_routes(h, slot);
	struct sl_http_vip *hv = sl_slot_http(h, slot) + 1;
	uint32_t *m = sl_slot_members(h, slot);
	const char *why;

	tl_shm_fill_slot(h, slot, gen, 1);
	t->n_vips = 2;
	t->n_nat_sources = 1;
	t->n_routes = 2;
	t->n_members = 2;
	sl_addr_from_v4(&src[0].addr, htonl(0xc6120101));
	src[0].af = SL_AF_INET;
	src[0].port_min = 1024;
	src[0].port_max = 65535;
	sl_addr_from_v4(&v->addr, htonl(0xc6126409));
	v->port = htons(80);
	v->proto = IPPROTO_TCP;
	v->af = SL_AF_INET;
	v->mode = SL_MODE_HTTP;
	v->flags = SL_VIP_F_SYNPROXY;
	v->nat_src_count = 1;
	assert_int_equal(sl_route_key_make(NULL, "/login", &r[0].key, &why), 0);
	r[0].id = 3;
	assert_int_equal(sl_route_key_make(NULL, "/", &r[1].key, &why), 0);
	hv->route_count = 2;
	hv->head_max = 8192;
	hv->head_timeout_ms = 5000;
	hv->flags = SL_HTTP_F_STICKY;
	memcpy(hv->cookie, "SLUICE_INSTANCE", 16);
	p[0].balance = SL_BALANCE_RR;
	p[0].member_count = 2;
	m[0] = 0;
	m[1] = 1;
	for (int i = 0; i < 2; i++)
		b[i].weight = 1;
	sl_shm_seal_slot(h, slot);
}

static void test_http_slot_followed(void **state)
{
	struct fixture *f = *state;
	const struct dp_table *tbl;
	struct sl_flow_key k = {0};

	fill_http_slot(f->h, 0, 1);
	publish(f->h, 1, 0);
	assert_int_equal(dp_tables_poll(f->t), 1);
	tbl = current(f);
	assert_ptr_equal(tbl->routes, sl_slot_routes(f->h, 0));
	assert_ptr_equal(tbl->http, sl_slot_http(f->h, 0));
	assert_ptr_equal(tbl->members, sl_slot_members(f->h, 0));
	assert_ptr_equal(tbl->sticky_ids, sl_slot_sticky_ids(f->h, 0));
	assert_int_equal(tbl->n_members, 2);
	assert_int_equal(tbl->http[1].route_count, 2);
	assert_int_equal(tbl->routes[0].id, 3);
	/* an http VIP's packets take full NAT's path (the HTTP worker), never an L4 one */
	k.dst = sl_slot_vips(f->h, 0)[1].addr;
	k.dport = htons(80);
	k.proto = IPPROTO_TCP;
	assert_int_equal(dp_vip_lookup(tbl->vip_index, &k), DP_VIP_NAT(1));
	k.dst = sl_slot_vips(f->h, 0)[0].addr;
	assert_int_equal(dp_vip_lookup(tbl->vip_index, &k), 0);
}

/* One bad field of an http table, and the reason it is refused for. */
struct http_bad {
	void (*spoil)(struct sl_shm_header *h, unsigned int slot);
	const char *why;
};

static void spoil_route_pool(struct sl_shm_header *h, unsigned int s)
{
	sl_slot_routes(h, s)[1].pool = 2;
}
static void spoil_route_id(struct sl_shm_header *h, unsigned int s)
{
	sl_slot_routes(h, s)[0].id = 4;
}
static void spoil_route_order(struct sl_shm_header *h, unsigned int s)
{
	struct sl_route *r = sl_slot_routes(h, s), tmp = r[0];

	r[0] = r[1];
	r[1] = tmp;
}
static void spoil_route_path(struct sl_shm_header *h, unsigned int s)
{
	sl_slot_routes(h, s)[0].key.path_len = 0;
}
static void spoil_route_host(struct sl_shm_header *h, unsigned int s)
{
	sl_slot_routes(h, s)[0].key.host_len = 65;
	sl_slot_routes(h, s)[0].key.host_kind = SL_ROUTE_HOST_EXACT;
}
static void spoil_run(struct sl_shm_header *h, unsigned int s)
{
	sl_slot_http(h, s)[1].route_count = 3;
}
static void spoil_n_routes(struct sl_shm_header *h, unsigned int s)
{
	sl_slot_hdr(h, s)->n_routes = 5;
}
static void spoil_member(struct sl_shm_header *h, unsigned int s)
{
	sl_slot_members(h, s)[1] = 5;
}
static void spoil_member_draining(struct sl_shm_header *h, unsigned int s)
{
	sl_slot_backends(h, s)[0].flags |= SL_BACKEND_F_DRAINING;
}
static void spoil_member_weight(struct sl_shm_header *h, unsigned int s)
{
	sl_slot_backends(h, s)[1].weight = 0;
}
static void spoil_members(struct sl_shm_header *h, unsigned int s)
{
	sl_slot_pools(h, s)[0].member_count = 3;
}
static void spoil_balance(struct sl_shm_header *h, unsigned int s)
{
	sl_slot_pools(h, s)[0].balance = 2;
}
static void spoil_cookie(struct sl_shm_header *h, unsigned int s)
{
	memset(sl_slot_http(h, s)[1].cookie, 'a', SL_NAME_LEN);
}
static void spoil_head_max(struct sl_shm_header *h, unsigned int s)
{
	sl_slot_http(h, s)[1].head_max = 100;
}
static void spoil_head_timeout(struct sl_shm_header *h, unsigned int s)
{
	sl_slot_http(h, s)[1].head_timeout_ms = 60001;
}
static void spoil_flags(struct sl_shm_header *h, unsigned int s)
{
	sl_slot_http(h, s)[1].flags |= 1u << 7;
}
static void spoil_outside(struct sl_shm_header *h, unsigned int s)
{
	sl_slot_http(h, s)[0].route_count = 1;
}
static void spoil_synproxy(struct sl_shm_header *h, unsigned int s)
{
	sl_slot_vips(h, s)[1].flags = 0;
}
static void spoil_no_source(struct sl_shm_header *h, unsigned int s)
{
	sl_slot_vips(h, s)[1].nat_src_count = 0;
}
static void spoil_vip_pool(struct sl_shm_header *h, unsigned int s)
{
	sl_slot_vips(h, s)[1].pool = 1;
}

static const struct http_bad http_bads[] = {
	{spoil_route_pool, "route 1: pool 2 >= n_pools 1"},
	{spoil_route_id, "route 0: id 4 >= max_routes 4"},
	{spoil_route_order, "vip 1: route 0 does not sort before route 1"},
	{spoil_route_path, "route 0: path of 0 bytes"},
	{spoil_route_host, "route 0: host kind 1, length 65"},
	{spoil_run, "vip 1: routes 0..2 beyond n_routes 2"},
	{spoil_n_routes, "n_routes 5 > max_routes 4"},
	{spoil_member, "pool 0 member 1: backend 5 not active in it"},
	{spoil_member_draining, "pool 0 member 0: backend 0 not active in it"},
	{spoil_member_weight, "pool 0 member 1: backend 1 not active in it"},
	{spoil_members, "pool 0: members 0..2 beyond n_members 2"},
	{spoil_balance, "pool 0: balance 2"},
	{spoil_cookie, "vip 1: cookie name empty or without a NUL"},
	{spoil_head_max, "vip 1: head_max 100 out of range [1024, 65536]"},
	{spoil_head_timeout, "vip 1: head_timeout_ms 60001 out of range [100, 60000]"},
	{spoil_flags, "vip 1: http flags 0x84"},
	{spoil_outside, "vip 0: http fields outside http mode"},
	{spoil_synproxy, "vip 1: http mode without TCP and synproxy"},
	{spoil_no_source, "vip 1: nat mode without a source"},
	{spoil_vip_pool, "vip 1: pool 1 >= n_pools 1"},
};

/* Each bad field refused with its reason; the good table stays the workers'. */
static void test_http_slot_refusals(void **state)
{
	struct fixture *f = *state;
	uint64_t gen = 1;

	fill_http_slot(f->h, 0, gen);
	publish(f->h, gen, 0);
	assert_int_equal(dp_tables_poll(f->t), 1);
	for (size_t i = 0; i < sizeof(http_bads) / sizeof(http_bads[0]); i++) {
		gen++;
		fill_http_slot(f->h, 1, gen);
		http_bads[i].spoil(f->h, 1);
		sl_shm_seal_slot(f->h, 1);
		publish(f->h, gen, 1);
		assert_int_equal(dp_tables_poll(f->t), -ERANGE);
		assert_string_equal(f->h->dp_reject_reason, http_bads[i].why);
		assert_int_equal(dp_tables_word(f->t), SL_GEN_WORD(1, 0));
	}
	assert_int_equal(f->h->dp_rejected, sizeof(http_bads) / sizeof(http_bads[0]));
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
		cmocka_unit_test_setup_teardown(test_nat_sources_indexed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_slot_followed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_slot_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_checks_workers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
