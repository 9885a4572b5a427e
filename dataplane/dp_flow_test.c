/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table: insert and find, idle timeouts per class (time injected: one
 * unit per second), FIN/RST short timeout, SYN-only entries and their
 * promotion, the signature compare, two-choice placement (no eviction at
 * 75 % load), the cuckoo move, LRU eviction once both buckets of a flow and
 * the other buckets of their entries are full, embryonic entries going
 * first under a SYN flood, and the sweep reclaiming dead entries.
 */
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

#include "dp_event.h"
#include "dp_flow.h"
#include "dp_parse.h"
#include "sl_shm.h"

static const struct dp_flow_timeouts timeouts = {
	.tcp = 300,
	.tcp_fin = 10,
	.udp = 30,
	.tcp_syn = 5,
	.frag = 2,
};

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

static struct dp_flow_entry *add_cls(struct dp_flow_table *t, const struct sl_flow_key *k,
				     uint64_t now, uint32_t backend, unsigned int cls)
{
	struct dp_flow_entry *e = dp_flow_insert(t, k, sl_flow_hash(k, 0), now, cls);

	if (!e)
		return NULL;
	e->backend = backend;
	e->backend_uid = 1000 + backend;
	e->vip = 3;
	return e;
}

static struct dp_flow_entry *add(struct dp_flow_table *t, const struct sl_flow_key *k, uint64_t now,
				 uint32_t backend)
{
	struct dp_flow_entry *e =
		add_cls(t, k, now, backend, k->proto == IPPROTO_TCP ? DP_FLOW_TCP : DP_FLOW_UDP);

	assert_non_null(e);
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
	dp_flow_touch(t, e, 350, 0, 1);
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
	dp_flow_touch(t, e, 5000, 1, 1);
	assert_int_equal(e->cls, DP_FLOW_TCP_FIN);
	assert_non_null(find(t, &k, 15000));
	assert_null(find(t, &k, 15001));
	/* FIN flag means nothing to a UDP flow */
	e = add(t, &u, 0, 1);
	dp_flow_touch(t, e, 0, 1, 0);
	assert_int_equal(e->cls, DP_FLOW_UDP);
	assert_non_null(find(t, &u, 30000));
	dp_flow_free(t);
}

/* Keys whose two buckets are 0 and the same second bucket, in table @t. */
static int same_bucket_keys(struct sl_flow_key *out, int n, const struct dp_flow_table *t)
{
	int found = 0;
	uint32_t second = 0;

	for (uint32_t sport = 1; found < n && sport < 65536; sport++) {
		struct sl_flow_key k = key((uint16_t)sport, IPPROTO_TCP);
		uint32_t bk[2];

		dp_flow_buckets(t, sl_flow_hash(&k, 0), bk);
		if (bk[0] != 0)
			continue;
		if (found == 0)
			second = bk[1];
		if (bk[1] == second)
			out[found++] = k;
	}
	return found;
}

/* The word-parallel signature compare agrees with a plain loop, on every way. */
static void test_sig_match(void **state)
{
	static const uint16_t vals[] = {0, 1, 0x7fff, 0x8000, 0x8001, 0xffff, 0x00ff, 0xff00};
	struct dp_flow_bucket bk;

	(void)state;
	for (unsigned int round = 0; round < 64; round++) {
		memset(&bk, 0, sizeof(bk));
		for (unsigned int w = 0; w < DP_FLOW_WAYS; w++)
			dp_flow_set_sig(&bk, w, vals[(w * 3 + round * 5 + (round >> 3)) & 7]);
		for (unsigned int v = 0; v < 8; v++) {
			unsigned int want = 0;

			for (unsigned int w = 0; w < DP_FLOW_WAYS; w++)
				if (dp_flow_way_sig(&bk, w) == vals[v])
					want |= 1u << w;
			assert_int_equal(dp_flow_match(&bk, vals[v]), want);
		}
	}
	dp_flow_set_sig(&bk, 5, 0x1234);
	assert_int_equal(dp_flow_way_sig(&bk, 5), 0x1234);
	assert_int_equal(dp_flow_match(&bk, 0x1234), 1u << 5);
}

/* Every flow's second bucket differs from its first. */
static void test_two_buckets_differ(void **state)
{
	struct dp_flow_table *t = dp_flow_create(64, &timeouts, 1);

	(void)state;
	for (uint32_t h = 0; h < 100000; h++) {
		uint32_t bk[2], hash = h * 2654435761u;

		dp_flow_buckets(t, hash, bk);
		assert_int_equal(bk[0], hash & 7);
		assert_true(bk[1] != bk[0]);
		assert_true(bk[1] <= 7);
	}
	dp_flow_free(t);
}

/*
 * Two choices: random flows at 75 % of the capacity all fit with no
 * eviction, and every one is found with its backend.
 */
#define RELOCATED_AT_75 497 /* for sl_flow_hash as of this test; any change re-pins it */
static void test_load_75(void **state)
{
	const uint32_t cap = 1u << 16, n = cap / 4 * 3;
	struct dp_flow_table *t = dp_flow_create(cap, &timeouts, 1);
	uint64_t x = 0x2545f4914f6cdd1dull;
	struct sl_flow_key k;

	(void)state;
	memset(&k, 0, sizeof(k));
	for (uint32_t i = 0; i < n; i++) {
		/* xorshift64: random sources and ports, one VIP */
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		sl_addr_from_v4(&k.src, htonl(0xc6120000 | (uint32_t)(x & 0xffff)));
		sl_addr_from_v4(&k.dst, htonl(0xc6126401));
		k.sport = (uint16_t)(x >> 16), k.dport = htons(80);
		k.proto = IPPROTO_TCP, k.af = SL_AF_INET;
		k.pad = (uint16_t)i; /* distinct keys even if source and port repeat */
		add(t, &k, 1, i);
	}
	assert_int_equal(t->cnt.active, n);
	assert_int_equal(t->cnt.evictions, 0);
	assert_int_equal(t->cnt.expired, 0);
	/* first-fit overflows both buckets of some flows at 75 %: moved, not evicted */
	assert_int_equal(t->cnt.relocated, RELOCATED_AT_75);
	x = 0x2545f4914f6cdd1dull;
	for (uint32_t i = 0; i < n; i++) {
		struct dp_flow_entry *e;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		sl_addr_from_v4(&k.src, htonl(0xc6120000 | (uint32_t)(x & 0xffff)));
		k.sport = (uint16_t)(x >> 16);
		k.pad = (uint16_t)i;
		e = find(t, &k, 2);
		assert_non_null(e);
		assert_int_equal(e->backend, i);
	}
	dp_flow_free(t);
}

static void test_lru_eviction(void **state)
{
	struct dp_flow_table *t = dp_flow_create(64, &timeouts, 1); /* 8 buckets */
	struct sl_flow_key k[2 * DP_FLOW_WAYS + 1];
	const int full = 2 * DP_FLOW_WAYS;

	(void)state;
	assert_int_equal(same_bucket_keys(k, full + 1, t), full + 1);
	/* both buckets fill before anything is evicted */
	for (int i = 0; i < full; i++)
		add(t, &k[i], 10 + i, i);
	assert_int_equal(t->cnt.evictions, 0);
	assert_int_equal(t->cnt.active, full);
	assert_int_equal(t->buckets[0].sig[0] && t->buckets[0].sig[1], 1);
	/* flow 0 is refreshed, so flow 1 is now the least recently used */
	dp_flow_touch(t, find(t, &k[0], 50), 50, 0, 1);
	add(t, &k[full], 60, 99);
	assert_int_equal(t->cnt.evictions, 1);
	assert_int_equal(t->cnt.active, full);
	assert_null(find(t, &k[1], 61));
	for (int i = 0; i <= full; i++) {
		struct dp_flow_entry *e = find(t, &k[i], 61);

		if (i == 1)
			continue;
		assert_non_null(e);
		assert_int_equal(e->backend, i == full ? 99 : i);
	}
	dp_flow_free(t);
}

/* A sink over a ring of 16 records on the heap. */
static struct dp_ev_sink *sink_make(void)
{
	struct dp_ev_sink *s = calloc(1, sizeof(*s));
	size_t bytes = sizeof(struct sl_ev_ring) + 16 * sizeof(union sl_event);

	assert_non_null(s);
	s->ring = aligned_alloc(64, bytes);
	assert_non_null(s->ring);
	memset(s->ring, 0, bytes);
	s->size = 16;
	s->worker = 2;
	s->flows = 1;
	return s;
}

static const struct sl_ev_flow *next_record(struct dp_ev_sink *s)
{
	const union sl_event *e = sl_evring_peek(s->ring, s->size);

	if (!e)
		return NULL;
	sl_evring_pop(s->ring);
	return &e->flow;
}

static void expect_record(struct dp_ev_sink *s, uint16_t sport, unsigned int end, uint64_t start,
			  uint64_t last, uint64_t packets, uint64_t bytes, uint32_t backend)
{
	const struct sl_ev_flow *f = next_record(s);

	assert_non_null(f);
	assert_int_equal(f->kind, SL_EV_FLOW);
	assert_int_equal(ntohs(f->key.sport), sport);
	assert_int_equal(f->end, end);
	assert_int_equal(f->seen, SL_EV_SEEN_CLIENT);
	assert_int_equal(f->start_tsc, start);
	assert_int_equal(f->last_tsc, last);
	assert_int_equal(f->packets[SL_EV_DIR_CLIENT], packets);
	assert_int_equal(f->bytes[SL_EV_DIR_CLIENT], bytes);
	assert_int_equal(f->packets[SL_EV_DIR_BACKEND], 0);
	assert_int_equal(f->backend, backend);
	assert_int_equal(f->backend_uid, 1000 + backend);
	assert_int_equal(f->vip, 3);
	assert_int_equal(f->worker, 2);
}

/* Each way a flow leaves the table writes its record once: FIN, RST, idle, evicted. */
static void test_records(void **state)
{
	struct dp_flow_table *t = dp_flow_create(64, &timeouts, 1);
	struct dp_ev_sink *s = sink_make();
	struct sl_flow_key a = key(1001, IPPROTO_TCP), b = key(1002, IPPROTO_TCP),
			   c = key(1003, IPPROTO_UDP), fr = key(1004, IPPROTO_UDP);
	struct sl_flow_key k[2 * DP_FLOW_WAYS + 1];
	struct dp_flow_entry *e;

	(void)state;
	assert_int_equal(dp_flow_records(t, s), 0);
	e = add(t, &a, 10, 1);
	dp_flow_begin(t, e, 10, 100);
	for (uint64_t now = 11; now <= 12; now++) {
		e = find(t, &a, now);
		dp_flow_touch(t, e, now, 0, 1);
		dp_flow_count(t, e, 50);
	}
	e = find(t, &a, 20);
	dp_flow_touch(t, e, 20, DP_TCP_FIN, 1);
	dp_flow_count(t, e, 60);
	e = add(t, &b, 10, 2);
	dp_flow_begin(t, e, 10, 70);
	e = find(t, &b, 15);
	dp_flow_touch(t, e, 15, DP_TCP_RST, 0);
	dp_flow_count(t, e, 40);
	e = add(t, &c, 10, 3);
	dp_flow_begin(t, e, 10, 500);
	fr.pad = DP_FLOW_KEY_FRAG; /* a datagram's placement: never a record */
	e = add_cls(t, &fr, 10, 4, DP_FLOW_FRAG);
	dp_flow_begin(t, e, 10, 1400);
	assert_null(next_record(s));

	/* the sweep finds a and b done (FIN, RST) and the placement gone */
	dp_flow_sweep(t, 35, t->bucket_mask + 1);
	expect_record(s, 1001, SL_EV_END_FIN, 10, 20, 4, 260, 1);
	expect_record(s, 1002, SL_EV_END_RST, 10, 15, 2, 110, 2);
	assert_null(next_record(s));
	/* a lookup finds c idle past the UDP timeout */
	assert_null(find(t, &c, 41));
	expect_record(s, 1003, SL_EV_END_TIMEOUT, 10, 10, 1, 500, 3);
	assert_null(next_record(s));
	dp_flow_free(t);

	/* both buckets full of established flows: the least recently used is evicted */
	t = dp_flow_create(64, &timeouts, 1);
	assert_int_equal(dp_flow_records(t, s), 0);
	assert_int_equal(same_bucket_keys(k, 2 * DP_FLOW_WAYS + 1, t), 2 * DP_FLOW_WAYS + 1);
	for (int i = 0; i < 2 * DP_FLOW_WAYS; i++)
		dp_flow_begin(t, add(t, &k[i], 10 + (uint64_t)i, (uint32_t)i), 10 + (uint64_t)i,
			      64);
	assert_null(next_record(s));
	add(t, &k[2 * DP_FLOW_WAYS], 60, 99);
	expect_record(s, ntohs(k[0].sport), SL_EV_END_EVICTED, 10, 10, 1, 64, 0);
	assert_null(next_record(s));
	assert_int_equal(s->ring->drops, 0);
	dp_flow_free(t);
	free(s->ring);
	free(s);
}

/* Both buckets full: a live entry whose other bucket has room moves there. */
static void test_cuckoo_move(void **state)
{
	struct dp_flow_table *t = dp_flow_create(256, &timeouts, 1); /* 32 buckets */
	struct sl_flow_key k[2 * DP_FLOW_WAYS + 1], a;
	const int full = 2 * DP_FLOW_WAYS;
	uint32_t pair[2], bk[2];
	int found = 0;

	(void)state;
	assert_int_equal(same_bucket_keys(k, full + 1, t), full + 1);
	dp_flow_buckets(t, sl_flow_hash(&k[0], 0), pair);
	/* a: first bucket 0 as well, second bucket elsewhere */
	for (uint32_t sport = 1; !found && sport < 65536; sport++) {
		a = key((uint16_t)sport, IPPROTO_TCP);
		dp_flow_buckets(t, sl_flow_hash(&a, 0), bk);
		found = bk[0] == 0 && bk[1] != pair[1];
	}
	assert_true(found);
	add(t, &a, 0, 500); /* both empty: the first bucket, 0 */
	for (int i = 0; i < full - 1; i++)
		add(t, &k[i], 0, i); /* fills bucket 0 (a and 7) and pair[1] (8) */
	assert_int_equal(dp_flow_match(&t->buckets[0], 0), 0);
	assert_int_equal(dp_flow_match(&t->buckets[pair[1]], 0), 0);
	add(t, &k[full - 1], 1, 99);
	assert_int_equal(t->cnt.relocated, 1);
	assert_int_equal(t->cnt.evictions, 0);
	assert_int_equal(t->cnt.active, full + 1);
	/* a now lives in its other bucket, k[full - 1] took its way */
	assert_int_equal(find(t, &a, 2)->backend, 500);
	assert_ptr_equal(find(t, &a, 2), &t->entries[bk[1] * DP_FLOW_WAYS]);
	for (int i = 0; i < full; i++)
		assert_int_equal(find(t, &k[i], 2)->backend, i == full - 1 ? 99 : i);
	dp_flow_free(t);
}

/* A dead entry is reused before a live one is evicted. */
static void test_dead_reused_first(void **state)
{
	struct dp_flow_table *t = dp_flow_create(64, &timeouts, 1);
	struct sl_flow_key k[2 * DP_FLOW_WAYS + 1];
	const int full = 2 * DP_FLOW_WAYS;

	(void)state;
	assert_int_equal(same_bucket_keys(k, full + 1, t), full + 1);
	for (int i = 0; i < full; i++)
		add(t, &k[i], 0, i);
	for (int i = 0; i < full; i++)
		if (i != 11)
			dp_flow_touch(t, find(t, &k[i], 200), 200, 0, 1);
	add(t, &k[full], 400, 42); /* flow 11 idle 400 s > 300 s */
	assert_int_equal(t->cnt.evictions, 0);
	assert_int_equal(t->cnt.expired, 1);
	assert_int_equal(t->cnt.active, full);
	assert_null(find(t, &k[11], 400));
	assert_int_equal(find(t, &k[full], 400)->backend, 42);
	for (int i = 0; i < full; i++)
		if (i != 11)
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

/* A SYN-only entry lives tcp_syn seconds; an ACK makes it established, a FIN closing. */
static void test_syn_class(void **state)
{
	struct dp_flow_table *t = dp_flow_create(1024, &timeouts, 1);
	struct sl_flow_key a = key(4000, IPPROTO_TCP), b = key(4001, IPPROTO_TCP),
			   c = key(4002, IPPROTO_TCP);
	struct dp_flow_entry *e;

	(void)state;
	add_cls(t, &a, 100, 1, DP_FLOW_TCP_SYN);
	add_cls(t, &b, 100, 2, DP_FLOW_TCP_SYN);
	add_cls(t, &c, 100, 3, DP_FLOW_TCP_SYN);
	assert_int_equal(t->cnt.embryonic, 3);
	/* a retransmitted SYN (no ACK) keeps it embryonic, and alive */
	dp_flow_touch(t, find(t, &a, 104), 104, 0, 0);
	assert_int_equal(find(t, &a, 104)->cls, DP_FLOW_TCP_SYN);
	/* the handshake's ACK: established, with the long timeout */
	dp_flow_touch(t, find(t, &a, 105), 105, 0, 1);
	assert_int_equal(find(t, &a, 105)->cls, DP_FLOW_TCP);
	assert_int_equal(t->cnt.embryonic, 2);
	/* an RST on a SYN-only flow: the closing class */
	e = find(t, &c, 101);
	dp_flow_touch(t, e, 101, 1, 1);
	assert_int_equal(e->cls, DP_FLOW_TCP_FIN);
	assert_int_equal(t->cnt.embryonic, 1);
	/* b, never answered, dies 5 s after its SYN */
	assert_non_null(find(t, &b, 105));
	assert_null(find(t, &b, 106));
	assert_int_equal(t->cnt.embryonic, 0);
	assert_int_equal(t->cnt.active, 2);
	assert_non_null(find(t, &a, 400));
	dp_flow_free(t);
}

/*
 * A SYN flood into full buckets: each new SYN-only entry takes the least
 * recently used embryonic one, the established flow is never touched. With
 * both buckets established, a SYN is not remembered (untracked) and an
 * established flow takes the LRU as before.
 */
static void test_flood_spares_established(void **state)
{
	struct dp_flow_table *t = dp_flow_create(64, &timeouts, 1); /* 8 buckets */
	struct sl_flow_key k[2 * DP_FLOW_WAYS + 101];
	const int full = 2 * DP_FLOW_WAYS;

	(void)state;
	assert_int_equal(same_bucket_keys(k, full + 100, t), full + 100);
	add(t, &k[0], 0, 0); /* established, idle from now on */
	for (int i = 1; i < full; i++)
		add_cls(t, &k[i], 1, i, DP_FLOW_TCP_SYN);
	for (int i = full; i < full + 100; i++)
		assert_non_null(add_cls(t, &k[i], 2 + (uint64_t)i / 40, i, DP_FLOW_TCP_SYN));
	assert_int_equal(t->cnt.embryonic_evictions, 100);
	assert_int_equal(t->cnt.evictions, 0);
	assert_int_equal(t->cnt.embryonic, full - 1);
	assert_int_equal(t->cnt.active, full);
	assert_int_equal(find(t, &k[0], 4)->backend, 0);
	/* the newest SYNs are the ones kept */
	assert_non_null(find(t, &k[full + 99], 4));
	assert_null(find(t, &k[1], 4));
	dp_flow_free(t);

	t = dp_flow_create(64, &timeouts, 1);
	for (int i = 0; i < full; i++)
		add(t, &k[i], 10 + i, i);
	assert_null(add_cls(t, &k[full], 40, 99, DP_FLOW_TCP_SYN));
	assert_null(add_cls(t, &k[full], 40, 99, DP_FLOW_FRAG));
	assert_int_equal(t->cnt.untracked, 2);
	assert_int_equal(t->cnt.evictions, 0);
	for (int i = 0; i < full; i++)
		assert_int_equal(find(t, &k[i], 41)->backend, i);
	add(t, &k[full], 42, 99);
	assert_int_equal(t->cnt.evictions, 1);
	assert_null(find(t, &k[0], 43));
	assert_int_equal(t->cnt.embryonic, 0);
	dp_flow_free(t);
}

/* Fragment entries: their own short timeout, reclaimed by the sweep with the count. */
static void test_frag_class(void **state)
{
	struct dp_flow_table *t = dp_flow_create(256, &timeouts, 1);
	struct sl_flow_key k;

	(void)state;
	for (int i = 0; i < 20; i++) {
		k = key(20000 + i, IPPROTO_UDP);
		k.pad = 1;
		add_cls(t, &k, 0, i, DP_FLOW_FRAG);
	}
	assert_int_equal(t->cnt.embryonic, 20);
	k = key(20003, IPPROTO_UDP);
	k.pad = 1;
	assert_int_equal(find(t, &k, 2)->backend, 3);
	dp_flow_sweep(t, 3, 32);
	assert_int_equal(t->cnt.expired, 20);
	assert_int_equal(t->cnt.embryonic, 0);
	assert_int_equal(t->cnt.active, 0);
	dp_flow_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_args),
		cmocka_unit_test(test_insert_lookup),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_fin_short_timeout),
		cmocka_unit_test(test_syn_class),
		cmocka_unit_test(test_flood_spares_established),
		cmocka_unit_test(test_frag_class),
		cmocka_unit_test(test_sig_match),
		cmocka_unit_test(test_two_buckets_differ),
		cmocka_unit_test(test_load_75),
		cmocka_unit_test(test_lru_eviction),
		cmocka_unit_test(test_cuckoo_move),
		cmocka_unit_test(test_dead_reused_first),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
