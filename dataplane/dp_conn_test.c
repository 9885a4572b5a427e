/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connection table of full NAT, time injected (one unit per second): both
 * keys find the connection with their direction, each state's timeout,
 * TCP state tracking, TIME_WAIT/CLOSE reuse, a full pool refusing, a full
 * index pair refusing after reclaiming the dead and moving an entry, and
 * the incremental sweep, every count exact.
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

#include "dp_conn.h"
#include "dp_event.h"
#include "dp_parse.h"
#include "sl_shm.h"

static const struct dp_conn_timeouts timeouts = {
	.syn = 5,
	.established = 300,
	.fin = 10,
	.time_wait = 20,
	.close = 2,
	.udp = 30,
};

/* Client 198.18.0.x:@cport -> VIP 198.18.100.1:80 */
static struct sl_flow_key orig_key(uint32_t client, uint16_t cport, uint8_t proto)
{
	struct sl_flow_key k;

	memset(&k, 0, sizeof(k));
	sl_addr_from_v4(&k.src, htonl(0xc6120000 | client));
	sl_addr_from_v4(&k.dst, htonl(0xc6126401));
	k.sport = htons(cport);
	k.dport = htons(80);
	k.proto = proto;
	k.af = SL_AF_INET;
	return k;
}

/* Backend 198.18.1.21:8080 -> NAT source 198.18.1.1:@sport */
static struct sl_flow_key reply_key(uint16_t sport, uint8_t proto)
{
	struct sl_flow_key k;

	memset(&k, 0, sizeof(k));
	sl_addr_from_v4(&k.src, htonl(0xc6120115));
	sl_addr_from_v4(&k.dst, htonl(0xc6120101));
	k.sport = htons(8080);
	k.dport = htons(sport);
	k.proto = proto;
	k.af = SL_AF_INET;
	return k;
}

static int open_conn(struct dp_conn_table *t, const struct sl_flow_key *o,
		     const struct sl_flow_key *r, uint64_t now, unsigned int state,
		     struct dp_conn **c)
{
	return dp_conn_open(t, o, sl_flow_hash(o, 0), r, sl_flow_hash(r, 0), now, state, 2, c);
}

static struct dp_conn *find(struct dp_conn_table *t, const struct sl_flow_key *k, uint64_t now,
			    unsigned int *dir)
{
	return dp_conn_lookup(t, k, sl_flow_hash(k, 0), now, dir);
}

static void test_create_args(void **state)
{
	(void)state;
	errno = 0;
	assert_null(dp_conn_create(0, &timeouts, 1));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(dp_conn_create(DP_CONN_MAX + 1, &timeouts, 1));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(dp_conn_create(64, &timeouts, 0));
	assert_int_equal(errno, EINVAL);
}

/* Both keys find one connection, each with its direction; counts follow. */
static void test_open_and_lookup(void **state)
{
	struct dp_conn_table *t = dp_conn_create(64, &timeouts, 1);
	struct sl_flow_key o = orig_key(10, 40000, IPPROTO_TCP), r = reply_key(1024, IPPROTO_TCP);
	struct sl_flow_key other = orig_key(10, 40001, IPPROTO_TCP);
	struct dp_conn *c = NULL;
	unsigned int dir = 9;

	(void)state;
	assert_non_null(t);
	assert_int_equal(t->bucket_mask + 1, 32); /* 256 ways for 128 keys */
	assert_int_equal(open_conn(t, &o, &r, 100, SL_NAT_SYN_SENT, &c), 0);
	assert_int_equal(dp_conn_id(t, c), 0);
	assert_ptr_equal(find(t, &o, 100, &dir), c);
	assert_int_equal(dir, DP_CONN_ORIG);
	assert_ptr_equal(find(t, &r, 100, &dir), c);
	assert_int_equal(dir, DP_CONN_REPLY);
	assert_null(find(t, &other, 100, &dir));
	assert_memory_equal(&c->key[DP_CONN_ORIG], &o, sizeof(o));
	assert_memory_equal(&c->key[DP_CONN_REPLY], &r, sizeof(r));
	assert_int_equal(c->state, SL_NAT_SYN_SENT);
	assert_int_equal(c->last_seen, 100);
	assert_int_equal(c->nat_src, 2);
	assert_int_equal(t->cnt.active, 1);
	assert_int_equal(t->cnt.opened, 1);
	assert_int_equal(t->cnt.by_state[SL_NAT_SYN_SENT], 1);
	assert_int_equal(t->src_in_use[2], 1);
	assert_int_equal(t->n_free, 63);

	dp_conn_free(t, c);
	assert_null(find(t, &o, 100, &dir));
	assert_null(find(t, &r, 100, &dir));
	assert_int_equal(t->cnt.active, 0);
	assert_int_equal(t->cnt.by_state[SL_NAT_SYN_SENT], 0);
	assert_int_equal(t->src_in_use[2], 0);
	assert_int_equal(t->n_free, 64);
	assert_int_equal(t->cnt.expired, 0);
	dp_conn_destroy(t);
}

/*
 * A connection opened with the client's key only (an HTTP connection
 * reading its first request), then bound to a backend, then to another:
 * each reply key finds it while it is its own, the old one no more, the
 * NAT sources' counts follow, and freeing it leaves nothing behind.
 */
static void test_set_reply(void **state)
{
	struct dp_conn_table *t = dp_conn_create(64, &timeouts, 1);
	struct sl_flow_key o = orig_key(10, 40000, IPPROTO_TCP), r1 = reply_key(1024, IPPROTO_TCP);
	struct sl_flow_key r2 = reply_key(1025, IPPROTO_TCP);
	struct dp_conn *c = NULL;
	unsigned int dir = 9;

	(void)state;
	assert_non_null(t);
	assert_int_equal(
		dp_conn_open(t, &o, sl_flow_hash(&o, 0), NULL, 0, 100, SL_NAT_ESTABLISHED, 2, &c),
		0);
	assert_ptr_equal(find(t, &o, 100, &dir), c);
	assert_int_equal(dir, DP_CONN_ORIG);
	assert_int_equal(c->flags, 0);
	assert_int_equal(c->nat_src, DP_CONN_NO_SRC);
	assert_int_equal(t->src_in_use[2], 0);
	assert_null(find(t, &r1, 100, &dir));

	assert_int_equal(dp_conn_set_reply(t, c, &r1, sl_flow_hash(&r1, 0), 2, 100), 0);
	assert_ptr_equal(find(t, &r1, 100, &dir), c);
	assert_int_equal(dir, DP_CONN_REPLY);
	assert_int_equal(c->flags, DP_CONN_F_REPLY);
	assert_int_equal(c->nat_src, 2);
	assert_int_equal(t->src_in_use[2], 1);

	/* bound again, through another source */
	assert_int_equal(dp_conn_set_reply(t, c, &r2, sl_flow_hash(&r2, 0), 3, 100), 0);
	assert_null(find(t, &r1, 100, &dir));
	assert_ptr_equal(find(t, &r2, 100, &dir), c);
	assert_int_equal(dir, DP_CONN_REPLY);
	assert_ptr_equal(find(t, &o, 100, &dir), c);
	assert_int_equal(t->src_in_use[2], 0);
	assert_int_equal(t->src_in_use[3], 1);
	assert_int_equal(t->cnt.active, 1);

	dp_conn_free(t, c);
	assert_null(find(t, &o, 100, &dir));
	assert_null(find(t, &r2, 100, &dir));
	assert_int_equal(t->src_in_use[3], 0);
	assert_int_equal(t->cnt.active, 0);
	/* no way left behind: every bucket's signatures are empty */
	for (uint32_t b = 0; b <= t->bucket_mask; b++)
		assert_int_equal(dp_flow_match(&t->buckets[b].sig, 0), (1u << DP_CONN_WAYS) - 1);
	dp_conn_destroy(t);
}

/* Each state lives exactly its timeout idle; past it, a lookup by either key frees it. */
static void test_timeouts_by_state(void **state)
{
	static const struct {
		unsigned int state;
		uint64_t timeout;
	} cases[] = {
		{SL_NAT_SYN_SENT, 5},  {SL_NAT_SYN_RECV, 5}, {SL_NAT_ESTABLISHED, 300},
		{SL_NAT_FIN_WAIT, 10}, {SL_NAT_CLOSING, 10}, {SL_NAT_TIME_WAIT, 20},
		{SL_NAT_CLOSE, 2},     {SL_NAT_UDP, 30},     {SL_NAT_SP_SYN_SENT, 5},
	};
	struct dp_conn_table *t = dp_conn_create(64, &timeouts, 1);
	unsigned int dir;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sl_flow_key o = orig_key(10, (uint16_t)(40000 + i), IPPROTO_TCP);
		struct sl_flow_key r = reply_key((uint16_t)(2000 + i), IPPROTO_TCP);
		struct dp_conn *c;

		assert_int_equal(open_conn(t, &o, &r, 1000, cases[i].state, &c), 0);
		assert_ptr_equal(find(t, &o, 1000 + cases[i].timeout, &dir), c);
		assert_ptr_equal(find(t, &r, 1000 + cases[i].timeout, &dir), c);
		assert_int_equal(t->cnt.by_state[cases[i].state], 1);
		/* one unit later it is gone, found dead through its reply key */
		assert_null(find(t, &r, 1000 + cases[i].timeout + 1, &dir));
		assert_int_equal(t->cnt.expired, i + 1);
		assert_null(find(t, &o, 1000 + cases[i].timeout + 1, &dir));
		assert_int_equal(t->cnt.expired, i + 1);
		assert_int_equal(t->cnt.by_state[cases[i].state], 0);
		assert_int_equal(t->cnt.active, 0);
	}
	dp_conn_destroy(t);
}

/* A whole connection's life: handshake, both FINs, the last ACK; and RSTs. */
static void test_tcp_tracking(void **state)
{
	struct dp_conn_table *t = dp_conn_create(64, &timeouts, 1);
	struct sl_flow_key o = orig_key(10, 40000, IPPROTO_TCP), r = reply_key(1024, IPPROTO_TCP);
	struct dp_conn *c;

	(void)state;
	assert_int_equal(open_conn(t, &o, &r, 0, SL_NAT_SYN_SENT, &c), 0);
	dp_conn_track(t, c, DP_CONN_ORIG, DP_TCP_SYN); /* the client's SYN again */
	assert_int_equal(c->state, SL_NAT_SYN_SENT);
	dp_conn_track(t, c, DP_CONN_ORIG, DP_TCP_ACK); /* no SYN-ACK seen yet: stays */
	assert_int_equal(c->state, SL_NAT_SYN_SENT);
	dp_conn_track(t, c, DP_CONN_REPLY, DP_TCP_SYN | DP_TCP_ACK);
	assert_int_equal(c->state, SL_NAT_SYN_RECV);
	dp_conn_track(t, c, DP_CONN_REPLY, DP_TCP_ACK); /* the backend's own ACK: not the third */
	assert_int_equal(c->state, SL_NAT_SYN_RECV);
	dp_conn_track(t, c, DP_CONN_ORIG, DP_TCP_ACK);
	assert_int_equal(c->state, SL_NAT_ESTABLISHED);
	dp_conn_track(t, c, DP_CONN_REPLY, DP_TCP_ACK);
	assert_int_equal(c->state, SL_NAT_ESTABLISHED);
	dp_conn_track(t, c, DP_CONN_ORIG, DP_TCP_FIN | DP_TCP_ACK);
	assert_int_equal(c->state, SL_NAT_FIN_WAIT);
	dp_conn_track(t, c, DP_CONN_ORIG, DP_TCP_FIN | DP_TCP_ACK); /* retransmitted */
	assert_int_equal(c->state, SL_NAT_FIN_WAIT);
	dp_conn_track(t, c, DP_CONN_REPLY, DP_TCP_FIN | DP_TCP_ACK);
	assert_int_equal(c->state, SL_NAT_CLOSING);
	dp_conn_track(t, c, DP_CONN_REPLY, DP_TCP_ACK); /* not from the first closer */
	assert_int_equal(c->state, SL_NAT_CLOSING);
	dp_conn_track(t, c, DP_CONN_ORIG, DP_TCP_ACK);
	assert_int_equal(c->state, SL_NAT_TIME_WAIT);
	assert_int_equal(t->cnt.by_state[SL_NAT_TIME_WAIT], 1);
	assert_int_equal(t->cnt.by_state[SL_NAT_ESTABLISHED], 0);
	dp_conn_track(t, c, DP_CONN_REPLY, DP_TCP_RST);
	assert_int_equal(c->state, SL_NAT_CLOSE);
	dp_conn_free(t, c);

	/* the backend closes first: the client's FIN, then the backend's last ACK */
	assert_int_equal(open_conn(t, &o, &r, 0, SL_NAT_ESTABLISHED, &c), 0);
	dp_conn_track(t, c, DP_CONN_REPLY, DP_TCP_FIN | DP_TCP_ACK);
	assert_int_equal(c->state, SL_NAT_FIN_WAIT);
	dp_conn_track(t, c, DP_CONN_ORIG, DP_TCP_FIN | DP_TCP_ACK);
	assert_int_equal(c->state, SL_NAT_CLOSING);
	dp_conn_track(t, c, DP_CONN_ORIG, DP_TCP_ACK);
	assert_int_equal(c->state, SL_NAT_CLOSING);
	dp_conn_track(t, c, DP_CONN_REPLY, DP_TCP_ACK);
	assert_int_equal(c->state, SL_NAT_TIME_WAIT);
	dp_conn_free(t, c);

	/* an RST during the handshake, and the client's ACK carrying its FIN */
	assert_int_equal(open_conn(t, &o, &r, 0, SL_NAT_SYN_SENT, &c), 0);
	dp_conn_track(t, c, DP_CONN_REPLY, DP_TCP_RST | DP_TCP_ACK);
	assert_int_equal(c->state, SL_NAT_CLOSE);
	dp_conn_free(t, c);
	assert_int_equal(open_conn(t, &o, &r, 0, SL_NAT_SYN_RECV, &c), 0);
	dp_conn_track(t, c, DP_CONN_ORIG, DP_TCP_ACK | DP_TCP_FIN);
	assert_int_equal(c->state, SL_NAT_FIN_WAIT);
	assert_int_equal(c->flags, DP_CONN_F_REPLY | DP_CONN_F_FIN_ORIG);
	dp_conn_free(t, c);
	assert_int_equal(t->cnt.active, 0);
	for (unsigned int s = 0; s < SL_NAT_STATES; s++)
		assert_int_equal(t->cnt.by_state[s], 0);
	dp_conn_destroy(t);
}

/* A connection in TIME_WAIT or CLOSE is reusable: freed for the new one, counted. */
static void test_reuse(void **state)
{
	struct dp_conn_table *t = dp_conn_create(64, &timeouts, 1);
	struct sl_flow_key o = orig_key(10, 40000, IPPROTO_TCP), r = reply_key(1024, IPPROTO_TCP);
	struct sl_flow_key r2 = reply_key(1025, IPPROTO_TCP);
	struct dp_conn *c, *c2;
	unsigned int dir;

	(void)state;
	assert_int_equal(open_conn(t, &o, &r, 0, SL_NAT_ESTABLISHED, &c), 0);
	assert_false(dp_conn_reusable(c));
	dp_conn_set_state(t, c, SL_NAT_FIN_WAIT);
	assert_false(dp_conn_reusable(c));
	dp_conn_set_state(t, c, SL_NAT_TIME_WAIT);
	assert_true(dp_conn_reusable(c));
	dp_conn_reuse(t, c);
	assert_int_equal(t->cnt.reused, 1);
	assert_null(find(t, &r, 1, &dir)); /* the old reply key is gone */
	assert_int_equal(open_conn(t, &o, &r2, 1, SL_NAT_SYN_SENT, &c2), 0);
	assert_ptr_equal(find(t, &o, 1, &dir), c2);
	dp_conn_set_state(t, c2, SL_NAT_CLOSE);
	assert_true(dp_conn_reusable(c2));
	assert_int_equal(t->cnt.active, 1);
	assert_int_equal(t->cnt.expired, 0);
	dp_conn_destroy(t);
}

/* A full pool refuses the new connection and keeps every live one. */
static void test_full_pool(void **state)
{
	struct dp_conn_table *t = dp_conn_create(1024, &timeouts, 1);
	struct dp_conn *c, *first = NULL;
	unsigned int dir;

	(void)state;
	for (uint32_t i = 0; i < 1024; i++) {
		struct sl_flow_key o = orig_key(1 + i / 1000, (uint16_t)(10000 + i), IPPROTO_UDP);
		struct sl_flow_key r = reply_key((uint16_t)(1024 + i), IPPROTO_UDP);

		assert_int_equal(open_conn(t, &o, &r, 0, SL_NAT_UDP, &c), 0);
		if (!first)
			first = c;
	}
	{
		struct sl_flow_key o = orig_key(9, 9, IPPROTO_UDP), r = reply_key(9, IPPROTO_UDP);

		assert_int_equal(open_conn(t, &o, &r, 10, SL_NAT_UDP, &c), -ENOSPC);
		assert_int_equal(t->cnt.full, 1);
		assert_null(find(t, &o, 10, &dir));
		assert_null(find(t, &r, 10, &dir));
		/* every one of them is still there */
		for (uint32_t i = 0; i < 1024; i++) {
			struct sl_flow_key ok =
				orig_key(1 + i / 1000, (uint16_t)(10000 + i), IPPROTO_UDP);

			assert_non_null(find(t, &ok, 10, &dir));
		}
		assert_int_equal(t->cnt.active, 1024);
		dp_conn_free(t, first);
		assert_int_equal(open_conn(t, &o, &r, 10, SL_NAT_UDP, &c), 0);
		assert_ptr_equal(c, first);
	}
	assert_int_equal(t->cnt.active, 1024);
	assert_int_equal(t->cnt.opened, 1025);
	assert_int_equal(t->src_in_use[2], 1024);
	dp_conn_destroy(t);
}

/* Client keys whose two buckets are @b0 and @b1 (found by trying ports). */
static uint16_t colliding_port(const struct dp_conn_table *t, uint32_t b0, uint32_t b1,
			       uint32_t from)
{
	for (uint32_t p = from; p < 65536; p++) {
		struct sl_flow_key k = orig_key(10, (uint16_t)p, IPPROTO_TCP);
		uint32_t b[2];

		dp_flow_buckets_of(t->bucket_mask, sl_flow_hash(&k, 0), b);
		if (b[0] == b0 && b[1] == b1)
			return (uint16_t)p;
	}
	fail_msg("no port left with buckets %u and %u", b0, b1);
	return 0;
}

/*
 * Sixteen client keys sharing both buckets fill them; the seventeenth is
 * refused (-ENOBUFS) and nothing else is disturbed; once one of the sixteen
 * is dead, the next insert reclaims it. A key whose pair is full but whose
 * entries can move elsewhere gets in by one move.
 */
static void test_index_full_pair(void **state)
{
	struct dp_conn_table *t = dp_conn_create(64, &timeouts, 1);
	struct sl_flow_key k0 = orig_key(10, 1, IPPROTO_TCP), o, r;
	uint16_t ports[17];
	uint32_t b[2], from = 2;
	struct dp_conn *c, *conns[16];
	unsigned int dir;

	(void)state;
	dp_flow_buckets_of(t->bucket_mask, sl_flow_hash(&k0, 0), b);
	for (int i = 0; i < 17; i++) {
		ports[i] = colliding_port(t, b[0], b[1], from);
		from = ports[i] + 1u;
	}
	for (int i = 0; i < 16; i++) {
		o = orig_key(10, ports[i], IPPROTO_TCP);
		r = reply_key((uint16_t)(1024 + i), IPPROTO_TCP);
		/* the reply keys land elsewhere (or get room by a move): only the pair fills */
		assert_int_equal(open_conn(t, &o, &r, 0, i < 8 ? SL_NAT_ESTABLISHED : SL_NAT_CLOSE,
					   &conns[i]),
				 0);
	}
	o = orig_key(10, ports[16], IPPROTO_TCP);
	r = reply_key(2000, IPPROTO_TCP);
	assert_int_equal(open_conn(t, &o, &r, 1, SL_NAT_SYN_SENT, &c), -ENOBUFS);
	assert_int_equal(t->cnt.index_full, 1);
	assert_null(find(t, &r, 1, &dir));
	assert_int_equal(t->cnt.active, 16);
	assert_int_equal(t->n_free, 48);
	/* at 3 the CLOSE ones (2 s) are dead: the insert reclaims one and gets in */
	assert_int_equal(open_conn(t, &o, &r, 3, SL_NAT_SYN_SENT, &c), 0);
	assert_int_equal(t->cnt.expired, 1);
	assert_int_equal(t->cnt.active, 16);
	assert_ptr_equal(find(t, &o, 3, &dir), c);
	assert_ptr_equal(find(t, &r, 3, &dir), c);
	assert_int_equal(t->n_free, 48);
	for (int i = 0; i < 8; i++) {
		o = orig_key(10, ports[i], IPPROTO_TCP);
		assert_ptr_equal(find(t, &o, 3, &dir), conns[i]);
	}
	dp_conn_destroy(t);
}

/* A key whose two buckets are full gets in when an entry there can move to its other bucket. */
static void test_index_relocates(void **state)
{
	struct dp_conn_table *t = dp_conn_create(64, &timeouts, 1);
	struct sl_flow_key k, r;
	uint32_t b[2], x, y = 0, z, from = 1;
	struct dp_conn *c;
	unsigned int dir;
	uint16_t p;

	(void)state;
	k = orig_key(10, 1, IPPROTO_TCP);
	dp_flow_buckets_of(t->bucket_mask, sl_flow_hash(&k, 0), b);
	x = b[0];
	z = b[1];
	/* a pair (y, x) with y != z, found from any key whose second bucket is x */
	for (uint32_t q = 2; q < 65536 && !y; q++) {
		k = orig_key(10, (uint16_t)q, IPPROTO_TCP);
		dp_flow_buckets_of(t->bucket_mask, sl_flow_hash(&k, 0), b);
		if (b[1] == x && b[0] != z)
			y = b[0];
	}
	assert_true(y != 0);
	/* eight keys (x, z) fill x, eight keys (y, x) fill y; their replies use source 1 */
	for (int i = 0; i < 16; i++) {
		p = colliding_port(t, i < 8 ? x : y, i < 8 ? z : x, from);
		from = p + 1u;
		k = orig_key(10, p, IPPROTO_TCP);
		r = reply_key((uint16_t)(5000 + i), IPPROTO_TCP);
		assert_int_equal(open_conn(t, &k, &r, 0, SL_NAT_ESTABLISHED, &c), 0);
	}
	assert_int_equal(dp_flow_match(&t->buckets[x].sig, 0), 0);
	assert_int_equal(dp_flow_match(&t->buckets[y].sig, 0), 0);
	p = colliding_port(t, x, y, 1);
	k = orig_key(10, p, IPPROTO_TCP);
	r = reply_key(6000, IPPROTO_TCP);
	assert_int_equal(open_conn(t, &k, &r, 1, SL_NAT_SYN_SENT, &c), 0);
	assert_true(t->cnt.relocated >= 1);
	assert_int_equal(t->cnt.index_full, 0);
	assert_ptr_equal(find(t, &k, 1, &dir), c);
	assert_int_equal(t->cnt.active, 17);
	dp_conn_destroy(t);
}

/* The sweep frees what is dead, a few entries per call, round robin. */
static void test_sweep(void **state)
{
	struct dp_conn_table *t = dp_conn_create(64, &timeouts, 1);
	struct dp_conn *c;

	(void)state;
	for (uint32_t i = 0; i < 40; i++) {
		struct sl_flow_key o = orig_key(10, (uint16_t)(20000 + i), IPPROTO_UDP);
		struct sl_flow_key r = reply_key((uint16_t)(3000 + i), IPPROTO_UDP);

		assert_int_equal(open_conn(t, &o, &r, i < 10 ? 0 : 20, SL_NAT_UDP, &c), 0);
	}
	/* at 31 the first ten (ids 0-9) are dead, the rest alive until 50 */
	assert_int_equal(dp_conn_sweep(t, 31, 8), 8);
	assert_int_equal(t->sweep_next, 8);
	assert_int_equal(dp_conn_sweep(t, 31, 8), 2);
	assert_int_equal(dp_conn_sweep(t, 31, 48), 0);
	assert_int_equal(t->sweep_next, 0);
	assert_int_equal(t->cnt.expired, 10);
	assert_int_equal(t->cnt.active, 30);
	assert_int_equal(t->cnt.by_state[SL_NAT_UDP], 30);
	assert_int_equal(t->src_in_use[2], 30);
	assert_int_equal(dp_conn_sweep(t, 51, 1000), 30); /* n beyond the pool: one round */
	assert_int_equal(t->cnt.active, 0);
	assert_int_equal(t->n_free, 64);
	dp_conn_destroy(t);
}

/* A sink over a ring of 16 records on the heap, both kinds on. */
static struct dp_ev_sink *sink_make(void)
{
	struct dp_ev_sink *s = calloc(1, sizeof(*s));
	size_t bytes = sizeof(struct sl_ev_ring) + 16 * sizeof(union sl_event);

	assert_non_null(s);
	s->ring = aligned_alloc(64, bytes);
	assert_non_null(s->ring);
	memset(s->ring, 0, bytes);
	s->size = 16;
	s->worker = 1;
	s->flows = 1;
	s->requests = 1;
	return s;
}

static const union sl_event *next_event(struct dp_ev_sink *s)
{
	const union sl_event *e = sl_evring_peek(s->ring, s->size);

	if (e)
		sl_evring_pop(s->ring);
	return e;
}

/*
 * A nat connection's records when it is freed: a flow record of both
 * directions and a request record of the whole connection, with its
 * connect (the backend's SYN-ACK) and first byte; the end from its state.
 */
static void test_records(void **state)
{
	struct dp_conn_table *t = dp_conn_create(64, &timeouts, 1);
	struct dp_ev_sink *s = sink_make();
	struct sl_flow_key o = orig_key(2, 40000, IPPROTO_TCP), r = reply_key(1024, IPPROTO_TCP);
	const union sl_event *e;
	struct dp_conn *c;

	(void)state;
	assert_non_null(t);
	assert_int_equal(dp_conn_records(t, s), 0);
	assert_int_equal(open_conn(t, &o, &r, 10, SL_NAT_SYN_SENT, &c), 0);
	c->backend = 5;
	c->backend_uid = 77;
	c->vip = 2;
	dp_conn_count(t, c, DP_CONN_ORIG, 74, 0, 0, 10);   /* SYN */
	dp_conn_count(t, c, DP_CONN_REPLY, 74, 0, 1, 11);  /* SYN-ACK */
	dp_conn_count(t, c, DP_CONN_ORIG, 66, 0, 0, 12);   /* ACK */
	dp_conn_count(t, c, DP_CONN_ORIG, 140, 74, 0, 12); /* the request */
	dp_conn_count(t, c, DP_CONN_REPLY, 66, 0, 0, 13);  /* its ACK */
	dp_conn_count(t, c, DP_CONN_REPLY, 300, 234, 0, 14);
	dp_conn_track(t, c, DP_CONN_ORIG, DP_TCP_RST);
	c->last_seen = 15;
	assert_null(next_event(s));
	dp_conn_free(t, c);
	e = next_event(s);
	assert_non_null(e);
	assert_int_equal(e->kind, SL_EV_FLOW);
	assert_int_equal(e->flow.mode, SL_MODE_NAT);
	assert_int_equal(e->flow.end, SL_EV_END_RST);
	assert_int_equal(e->flow.seen, SL_EV_SEEN_BOTH);
	assert_int_equal(e->flow.backend, 5);
	assert_int_equal(e->flow.backend_uid, 77);
	assert_int_equal(e->flow.vip, 2);
	assert_int_equal(e->flow.worker, 1);
	assert_int_equal(e->flow.start_tsc, 10);
	assert_int_equal(e->flow.last_tsc, 15);
	assert_int_equal(e->flow.packets[SL_EV_DIR_CLIENT], 3);
	assert_int_equal(e->flow.packets[SL_EV_DIR_BACKEND], 3);
	assert_int_equal(e->flow.bytes[SL_EV_DIR_CLIENT], 280);
	assert_int_equal(e->flow.bytes[SL_EV_DIR_BACKEND], 440);
	assert_memory_equal(&e->flow.key, &o, sizeof(o));
	e = next_event(s);
	assert_non_null(e);
	assert_int_equal(e->kind, SL_EV_REQUEST);
	assert_int_equal(e->req.flags, SL_EV_F_CONN);
	assert_int_equal(e->req.route, SL_EV_NO_ROUTE);
	assert_int_equal(e->req.start_tsc, 10);
	assert_int_equal(e->req.connect_tsc, 11);
	assert_int_equal(e->req.first_byte_tsc, 14);
	assert_int_equal(e->req.end_tsc, 15);
	assert_int_equal(e->req.req_bytes, 74);
	assert_int_equal(e->req.resp_bytes, 234);
	assert_null(next_event(s));

	/* one that expires unanswered: idle, its own counts from zero */
	assert_int_equal(open_conn(t, &o, &r, 100, SL_NAT_SYN_SENT, &c), 0);
	dp_conn_count(t, c, DP_CONN_ORIG, 74, 0, 0, 100);
	assert_null(find(t, &o, 100 + 6, &(unsigned int){0}));
	e = next_event(s);
	assert_non_null(e);
	assert_int_equal(e->flow.end, SL_EV_END_TIMEOUT);
	assert_int_equal(e->flow.packets[SL_EV_DIR_CLIENT], 1);
	assert_int_equal(e->flow.packets[SL_EV_DIR_BACKEND], 0);
	e = next_event(s);
	assert_non_null(e);
	assert_int_equal(e->req.connect_tsc, 0);
	assert_int_equal(e->req.first_byte_tsc, 0);
	assert_null(next_event(s));
	/* request records off: the flow record alone */
	s->requests = 0;
	assert_int_equal(open_conn(t, &o, &r, 200, SL_NAT_SYN_SENT, &c), 0);
	dp_conn_free(t, c);
	e = next_event(s);
	assert_non_null(e);
	assert_int_equal(e->kind, SL_EV_FLOW);
	assert_int_equal(e->flow.end, SL_EV_END_EVICTED);
	assert_null(next_event(s));
	dp_conn_destroy(t);
	free(s->ring);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_args),	cmocka_unit_test(test_open_and_lookup),
		cmocka_unit_test(test_set_reply),	cmocka_unit_test(test_timeouts_by_state),
		cmocka_unit_test(test_tcp_tracking),	cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_full_pool),	cmocka_unit_test(test_index_full_pair),
		cmocka_unit_test(test_index_relocates), cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
