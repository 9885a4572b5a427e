/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table: insert and find, idle timeouts per class (time injected: one
 * unit per second), FIN/RST short timeout, LRU eviction in a full bucket,
 * and the sweep reclaiming dead entries.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "dp_flow.h"
#include "sl_shm.h"

static const struct dp_flow_timeouts timeouts = { .tcp = 300, .tcp_fin = 10, .udp = 30 };

static struct sl_flow_key key(uint16_t sport, uint8_t proto)
{
	struct sl_flow_key k;

	memset(&k, 0, sizeof(k));
	sl_addr_from_v4(&k.src, htonl(0xc6120001));
	sl_addr_from_v4(&k.dst, htonl(0xc6126401));
	k.sport = htons(sport);
	k.dport = htons(80);
	k.proto = proto;
	k.af = SL_AF_INET;
	return k;
}

static struct dp_flow_entry *add(struct dp_flow_table *t, const struct sl_flow_key *k,
				 uint64_t now, uint32_t backend)
{
	struct dp_flow_entry *e = dp_flow_insert(t, k, sl_flow_hash(k, 0), now);

	e->backend = backend;
	e->backend_uid = 1000 + backend;
	e->vip = 3;
	return e;
}

static struct dp_flow_entry *find(struct dp_flow_table *t, const struct sl_flow_key *k,
				  uint64_t now)
{
	return dp_flow_lookup(t, k, sl_flow_hash(k, 0), now);
}

static void test_create_args(void **state)
{
	(void)state;
	errno = 0;
	assert_null(dp_flow_create(1000, &timeouts, 1));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(dp_flow_create(4, &timeouts, 1));
	assert_int_equal(errno, EINVAL);
}

static void test_insert_lookup(void **state)
{
	struct dp_flow_table *t = dp_flow_create(1024, &timeouts, 1);
	struct sl_flow_key a = key(1000, IPPROTO_TCP), b = key(1001, IPPROTO_TCP);
	struct dp_flow_entry *e;

	(void)state;
	assert_non_null(t);
	assert_int_equal(dp_flow_capacity(t), 1024);
	assert_null(find(t, &a, 0));
	add(t, &a, 0, 7);
	add(t, &b, 0, 9);
	e = find(t, &a, 1);
	assert_non_null(e);
	assert_int_equal(e->backend, 7);
	assert_int_equal(e->backend_uid, 1007);
	assert_int_equal(e->vip, 3);
	assert_int_equal(e->cls, DP_FLOW_TCP);
	assert_memory_equal(&e->key, &a, sizeof(a));
	e = find(t, &b, 1);
	assert_non_null(e);
	assert_int_equal(e->backend, 9);
	assert_int_equal(t->cnt.active, 2);
	assert_int_equal(t->cnt.evictions, 0);
	assert_int_equal(t->cnt.expired, 0);
	dp_flow_free(t);
}

static void test_timeouts(void **state)
{
	struct dp_flow_table *t = dp_flow_create(1024, &timeouts, 1);
	struct sl_flow_key tcp = key(2000, IPPROTO_TCP), udp = key(2000, IPPROTO_UDP);
	struct dp_flow_entry *e;

	(void)state;
	add(t, &tcp, 100, 1);
	add(t, &udp, 100, 2);
	assert_int_equal(find(t, &udp, 100)->cls, DP_FLOW_UDP);
	/* UDP lives exactly 30 s of idleness */
	assert_non_null(find(t, &udp, 130));
	assert_null(find(t, &udp, 131));
	assert_int_equal(t->cnt.expired, 1);
	assert_int_equal(t->cnt.active, 1);
	/* traffic keeps TCP alive past its timeout */
	e = find(t, &tcp, 350);
	assert_non_null(e);
	dp_flow_touch(e, 350, 0);
	assert_non_null(find(t, &tcp, 650));
	assert_null(find(t, &tcp, 651));
	assert_int_equal(t->cnt.expired, 2);
	assert_int_equal(t->cnt.active, 0);
	dp_flow_free(t);
}

static void test_fin_short_timeout(void **state)
{
	struct dp_flow_table *t = dp_flow_create(1024, &timeouts, 1000);
	struct sl_flow_key k = key(3000, IPPROTO_TCP), u = key(3000, IPPROTO_UDP);
	struct dp_flow_entry *e;

	(void)state;
	add(t, &k, 0, 1);
	e = find(t, &k, 5000);
	dp_flow_touch(e, 5000, 1);
	assert_int_equal(e->cls, DP_FLOW_TCP_FIN);
	assert_non_null(find(t, &k, 15000));
	assert_null(find(t, &k, 15001));
	/* FIN flag means nothing to a UDP flow */
	e = add(t, &u, 0, 1);
	dp_flow_touch(e, 0, 1);
	assert_int_equal(e->cls, DP_FLOW_UDP);
	assert_non_null(find(t, &u, 30000));
	dp_flow_free(t);
}

/* Keys that land in bucket 0 of a table with @mask. */
static int same_bucket_keys(struct sl_flow_key *out, int n, uint32_t mask)
{
	int found = 0;

	for (uint32_t sport = 1; found < n && sport < 65536; sport++) {
		struct sl_flow_key k = key((uint16_t)sport, IPPROTO_TCP);

		if ((sl_flow_hash(&k, 0) & mask) == 0)
			out[found++] = k;
	}
	return found;
}

static void test_lru_eviction(void **state)
{
	struct dp_flow_table *t = dp_flow_create(64, &timeouts, 1); /* 8 buckets */
	struct sl_flow_key k[DP_FLOW_WAYS + 1];

	(void)state;
	assert_int_equal(same_bucket_keys(k, DP_FLOW_WAYS + 1, t->bucket_mask), DP_FLOW_WAYS + 1);
	for (int i = 0; i < DP_FLOW_WAYS; i++)
		add(t, &k[i], 10 + i, i);
	/* flow 0 is refreshed, so flow 1 is now the least recently used */
	dp_flow_touch(find(t, &k[0], 50), 50, 0);
	add(t, &k[DP_FLOW_WAYS], 60, 99);
	assert_int_equal(t->cnt.evictions, 1);
	assert_int_equal(t->cnt.active, DP_FLOW_WAYS);
	assert_null(find(t, &k[1], 61));
	for (int i = 0; i <= DP_FLOW_WAYS; i++) {
		struct dp_flow_entry *e = find(t, &k[i], 61);

		if (i == 1)
			continue;
		assert_non_null(e);
		assert_int_equal(e->backend, i == DP_FLOW_WAYS ? 99 : i);
	}
	dp_flow_free(t);
}

/* A dead entry is reused before a live one is evicted. */
static void test_dead_reused_first(void **state)
{
	struct dp_flow_table *t = dp_flow_create(64, &timeouts, 1);
	struct sl_flow_key k[DP_FLOW_WAYS + 1];

	(void)state;
	same_bucket_keys(k, DP_FLOW_WAYS + 1, t->bucket_mask);
	for (int i = 0; i < DP_FLOW_WAYS; i++)
		add(t, &k[i], 0, i);
	for (int i = 0; i < DP_FLOW_WAYS; i++)
		if (i != 5)
			dp_flow_touch(find(t, &k[i], 200), 200, 0);
	add(t, &k[DP_FLOW_WAYS], 400, 42); /* flow 5 idle 400 s > 300 s */
	assert_int_equal(t->cnt.evictions, 0);
	assert_int_equal(t->cnt.expired, 1);
	assert_int_equal(t->cnt.active, DP_FLOW_WAYS);
	assert_null(find(t, &k[5], 400));
	for (int i = 0; i < DP_FLOW_WAYS; i++)
		if (i != 5)
			assert_non_null(find(t, &k[i], 400));
	dp_flow_free(t);
}

static void test_sweep(void **state)
{
	struct dp_flow_table *t = dp_flow_create(256, &timeouts, 1); /* 32 buckets */
	struct sl_flow_key k;

	(void)state;
	for (int i = 0; i < 100; i++) {
		k = key(10000 + i, i < 60 ? IPPROTO_UDP : IPPROTO_TCP);
		add(t, &k, 0, i);
	}
	assert_int_equal(t->cnt.active, 100);
	/* at 31 s the 60 UDP flows are dead, the 40 TCP ones alive */
	dp_flow_sweep(t, 31, 16);
	assert_int_equal(t->sweep_next, 16);
	dp_flow_sweep(t, 31, 16);
	assert_int_equal(t->sweep_next, 0);
	assert_int_equal(t->cnt.expired, 60);
	assert_int_equal(t->cnt.active, 40);
	for (int i = 0; i < 100; i++) {
		k = key(10000 + i, i < 60 ? IPPROTO_UDP : IPPROTO_TCP);
		if (i < 60)
			assert_null(find(t, &k, 31));
		else
			assert_non_null(find(t, &k, 31));
	}
	/* a second pass finds nothing more to reclaim */
	dp_flow_sweep(t, 31, 32);
	assert_int_equal(t->cnt.expired, 60);
	dp_flow_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_args),
		cmocka_unit_test(test_insert_lookup),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_fin_short_timeout),
		cmocka_unit_test(test_lru_eviction),
		cmocka_unit_test(test_dead_reused_first),
		cmocka_unit_test(test_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
