/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection table of full NAT (see dp_conn.h): the pool and its free
 * list, placing and removing a connection's two keys in the index, TCP
 * state tracking and the incremental sweep.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "dp_conn.h"
#include "dp_event.h"
#include "dp_parse.h"

struct dp_conn_table *dp_conn_create(uint32_t capacity, const struct dp_conn_timeouts *to,
				     uint64_t hz)
{
	struct dp_conn_table *t = NULL;
	uint32_t n_buckets = 2;
	int err = EINVAL;

	if (capacity == 0 || capacity > DP_CONN_MAX || hz == 0)
		goto out;
	/* twice as many ways as keys (two per connection): inserts rarely meet a full pair */
	while (n_buckets * DP_CONN_WAYS < 4 * (uint64_t)capacity)
		n_buckets <<= 1;
	err = ENOMEM;
	t = calloc(1, sizeof(*t));
	if (!t)
		goto out;
	t->bucket_mask = n_buckets - 1;
	t->capacity = capacity;
	t->timeout[SL_NAT_SYN_SENT] = (uint64_t)to->syn * hz;
	t->timeout[SL_NAT_SYN_RECV] = (uint64_t)to->syn * hz;
	t->timeout[SL_NAT_SP_SYN_SENT] = (uint64_t)to->syn * hz;
	t->timeout[SL_NAT_ESTABLISHED] = (uint64_t)to->established * hz;
	t->timeout[SL_NAT_FIN_WAIT] = (uint64_t)to->fin * hz;
	t->timeout[SL_NAT_CLOSING] = (uint64_t)to->fin * hz;
	t->timeout[SL_NAT_TIME_WAIT] = (uint64_t)to->time_wait * hz;
	t->timeout[SL_NAT_CLOSE] = (uint64_t)to->close * hz;
	t->timeout[SL_NAT_UDP] = (uint64_t)to->udp * hz;
	/* an HTTP head's own timer answers 408 well before: this only bounds a lost one */
	t->timeout[SL_NAT_HTTP_HEAD] = (uint64_t)to->established * hz;
	t->timeout[SL_NAT_HTTP_BIND] = (uint64_t)to->syn * hz;
	t->timeout[SL_NAT_HTTP_ANSWERED] = (uint64_t)to->fin * hz;
	t->free_ids = malloc((size_t)capacity * sizeof(*t->free_ids));
	if (!t->free_ids)
		goto out;
	if (posix_memalign((void **)&t->buckets, 64, (size_t)n_buckets * sizeof(*t->buckets)))
		goto out;
	if (posix_memalign((void **)&t->conns, 64, (size_t)capacity * sizeof(*t->conns)))
		goto out;
	/* touch every page now: no page fault on the fast path */
	memset(t->buckets, 0, (size_t)n_buckets * sizeof(*t->buckets));
	memset(t->conns, 0, (size_t)capacity * sizeof(*t->conns));
	/* popped from the top: connection 0 first */
	for (uint32_t i = 0; i < capacity; i++)
		t->free_ids[i] = capacity - 1 - i;
	t->n_free = capacity;
	return t;
out:
	dp_conn_destroy(t);
	errno = err;
	return NULL;
}

void dp_conn_destroy(struct dp_conn_table *t)
{
	if (!t)
		return;
	free(t->acct);
	free(t->conns);
	free(t->buckets);
	free(t->free_ids);
	free(t);
}

static inline uint32_t key_hash(const struct dp_conn *c, unsigned int dir)
{
	return sl_flow_hash(&c->key[dir], 0);
}

/* Clear the way that holds @ref, one of the two buckets of @hash. */
static void index_remove(struct dp_conn_table *t, uint32_t hash, uint32_t ref)
{
	uint16_t sig = dp_flow_sig(hash);
	uint32_t b[2];

	dp_flow_buckets_of(t->bucket_mask, hash, b);
	for (unsigned int i = 0; i < 2; i++) {
		struct dp_conn_bucket *bk = &t->buckets[b[i]];

		for (unsigned int m = dp_flow_match(&bk->sig, sig); m; m &= m - 1) {
			unsigned int w = (unsigned int)__builtin_ctz(m);

			if (bk->ref[w] == ref) {
				dp_flow_set_sig(&bk->sig, w, 0);
				return;
			}
		}
	}
}

int dp_conn_records(struct dp_conn_table *t, struct dp_ev_sink *sink)
{
	t->acct = aligned_alloc(64, (size_t)t->capacity * sizeof(*t->acct));
	if (!t->acct)
		return -ENOMEM;
	memset(t->acct, 0, (size_t)t->capacity * sizeof(*t->acct));
	t->sink = sink;
	return 0;
}

static void release(struct dp_conn_table *t, struct dp_conn *c);

/* Why @c ends, from its state; @expired: it was idle past its state's timeout. */
static unsigned int end_reason(const struct dp_conn *c, int expired)
{
	switch (c->state) {
	case SL_NAT_CLOSE:
		return SL_EV_END_RST;
	case SL_NAT_FIN_WAIT:
	case SL_NAT_CLOSING:
	case SL_NAT_TIME_WAIT:
	case SL_NAT_HTTP_ANSWERED:
		return SL_EV_END_FIN;
	default:
		return expired ? SL_EV_END_TIMEOUT : SL_EV_END_EVICTED;
	}
}

/* The records of @c, which ends now. */
static void conn_records(struct dp_conn_table *t, const struct dp_conn *c, int expired)
{
	const struct dp_conn_acct *a = &t->acct[dp_conn_id(t, c)];
	uint8_t mode = c->flags & DP_CONN_F_HTTP ? SL_MODE_HTTP : SL_MODE_NAT;
	union sl_event *ev = dp_ev_reserve(t->sink, SL_EV_FLOW);

	if (ev) {
		memset(&ev->flow, 0, sizeof(ev->flow));
		ev->flow.kind = SL_EV_FLOW;
		ev->flow.mode = mode;
		ev->flow.end = (uint8_t)end_reason(c, expired);
		ev->flow.seen = SL_EV_SEEN_BOTH;
		ev->flow.backend = c->backend;
		ev->flow.backend_uid = c->backend_uid;
		ev->flow.key = c->key[DP_CONN_ORIG];
		ev->flow.vip = c->vip;
		ev->flow.worker = t->sink->worker;
		ev->flow.start_tsc = a->start;
		ev->flow.last_tsc = c->last_seen;
		for (unsigned int d = 0; d < 2; d++) {
			ev->flow.packets[d] = a->packets[d];
			ev->flow.bytes[d] = a->bytes[d];
		}
		dp_ev_commit(t->sink);
	}
	if (mode != SL_MODE_NAT || !(ev = dp_ev_reserve(t->sink, SL_EV_REQUEST)))
		return;
	memset(&ev->req, 0, offsetof(struct sl_ev_request, method));
	ev->req.kind = SL_EV_REQUEST;
	ev->req.mode = mode;
	ev->req.flags = SL_EV_F_CONN;
	ev->req.backend = c->backend;
	ev->req.backend_uid = c->backend_uid;
	ev->req.key = c->key[DP_CONN_ORIG];
	ev->req.vip = c->vip;
	ev->req.worker = t->sink->worker;
	ev->req.route = SL_EV_NO_ROUTE;
	ev->req.start_tsc = a->start;
	ev->req.connect_tsc = a->connect;
	ev->req.first_byte_tsc = a->first_byte;
	ev->req.end_tsc = c->last_seen;
	ev->req.req_bytes = a->payload[DP_CONN_ORIG];
	ev->req.resp_bytes = a->payload[DP_CONN_REPLY];
	dp_ev_commit(t->sink);
}

void dp_conn_end(struct dp_conn_table *t, struct dp_conn *c, int expired)
{
	if (t->acct && c->state != SL_NAT_FREE)
		conn_records(t, c, expired);
	release(t, c);
}

void dp_conn_free(struct dp_conn_table *t, struct dp_conn *c)
{
	dp_conn_end(t, c, 0);
}

static void release(struct dp_conn_table *t, struct dp_conn *c)
{
	uint32_t id = dp_conn_id(t, c);

	if (unlikely(c->sp.n_held)) {
		for (unsigned int i = 0; i < c->sp.n_held; i++)
			rte_pktmbuf_free(c->sp.held[i]);
		t->cnt.sp_abandoned += c->sp.n_held;
		c->sp.n_held = 0;
	}
	if (unlikely(c->sp.http)) {
		if (t->release)
			t->release(t->release_arg, c);
		c->sp.http = 0;
	}
	index_remove(t, key_hash(c, DP_CONN_ORIG), id << 1 | DP_CONN_ORIG);
	if (c->flags & DP_CONN_F_REPLY)
		index_remove(t, key_hash(c, DP_CONN_REPLY), id << 1 | DP_CONN_REPLY);
	t->cnt.by_state[c->state]--;
	t->cnt.active--;
	if ((c->flags & DP_CONN_F_REPLY) && c->nat_src < SL_MAX_NAT_SOURCES_LIMIT &&
	    t->src_in_use[c->nat_src])
		t->src_in_use[c->nat_src]--;
	c->state = SL_NAT_FREE;
	t->free_ids[t->n_free++] = id;
}

static inline void place(struct dp_conn_bucket *bk, unsigned int w, uint32_t hash, uint32_t ref)
{
	dp_flow_set_sig(&bk->sig, w, dp_flow_sig(hash));
	bk->ref[w] = ref;
}

/* Free a dead connection with a key in bucket @bk (not @self); 1 if one was freed. */
static int reclaim_dead(struct dp_conn_table *t, struct dp_conn_bucket *bk, uint64_t now,
			const struct dp_conn *self)
{
	for (unsigned int w = 0; w < DP_CONN_WAYS; w++) {
		struct dp_conn *c = &t->conns[bk->ref[w] >> 1];

		if (c != self && !dp_conn_alive(t, c, now)) {
			dp_conn_expire(t, c);
			return 1;
		}
	}
	return 0;
}

/* Move one entry of bucket @from to its other bucket if that has room; 1 if done. */
static int relocate(struct dp_conn_table *t, uint32_t from)
{
	struct dp_conn_bucket *bk = &t->buckets[from];

	for (unsigned int w = 0; w < DP_CONN_WAYS; w++) {
		uint32_t ref = bk->ref[w];
		uint32_t h = key_hash(&t->conns[ref >> 1], ref & 1), cb[2], alt;
		unsigned int free_ways;

		dp_flow_buckets_of(t->bucket_mask, h, cb);
		alt = cb[0] == from ? cb[1] : cb[0];
		free_ways = dp_flow_match(&t->buckets[alt].sig, 0);
		if (!free_ways)
			continue;
		place(&t->buckets[alt], (unsigned int)__builtin_ctz(free_ways), h, ref);
		dp_flow_set_sig(&bk->sig, w, 0);
		t->cnt.relocated++;
		return 1;
	}
	return 0;
}

/* Put @ref (key hash @hash) into the index: 0, or -ENOBUFS when no room can be made. */
static int index_insert(struct dp_conn_table *t, uint32_t hash, uint32_t ref, uint64_t now,
			const struct dp_conn *self)
{
	uint32_t b[2];

	dp_flow_buckets_of(t->bucket_mask, hash, b);
	for (int attempt = 0; attempt < 2; attempt++) {
		for (unsigned int i = 0; i < 2; i++) {
			unsigned int m = dp_flow_match(&t->buckets[b[i]].sig, 0);

			if (m) {
				place(&t->buckets[b[i]], (unsigned int)__builtin_ctz(m), hash, ref);
				return 0;
			}
		}
		/* both full of entries: make room once, then look again */
		if (attempt == 0 && !reclaim_dead(t, &t->buckets[b[0]], now, self) &&
		    !reclaim_dead(t, &t->buckets[b[1]], now, self) && !relocate(t, b[0]) &&
		    !relocate(t, b[1]))
			break;
	}
	t->cnt.index_full++;
	return -ENOBUFS;
}

int dp_conn_open(struct dp_conn_table *t, const struct sl_flow_key *orig, uint32_t orig_hash,
		 const struct sl_flow_key *reply, uint32_t reply_hash, uint64_t now,
		 unsigned int state, uint16_t nat_src, struct dp_conn **out)
{
	struct dp_conn *c;
	uint32_t id;
	int rc;

	if (t->n_free == 0) {
		t->cnt.full++;
		return -ENOSPC;
	}
	id = t->free_ids[t->n_free - 1];
	c = &t->conns[id];
	memset(c, 0, sizeof(*c));
	c->key[DP_CONN_ORIG] = *orig;
	if (reply)
		c->key[DP_CONN_REPLY] = *reply;
	c->last_seen = now;
	if (t->acct) {
		memset(&t->acct[id], 0, sizeof(t->acct[id]));
		t->acct[id].start = now;
	}
	rc = index_insert(t, orig_hash, id << 1 | DP_CONN_ORIG, now, c);
	if (rc)
		return rc;
	if (reply) {
		rc = index_insert(t, reply_hash, id << 1 | DP_CONN_REPLY, now, c);
		if (rc) {
			index_remove(t, orig_hash, id << 1 | DP_CONN_ORIG);
			return rc;
		}
		c->flags = DP_CONN_F_REPLY;
	} else {
		nat_src = DP_CONN_NO_SRC;
	}
	/* reclaiming dead connections above pushed ids: take this one out by value */
	for (uint32_t i = t->n_free; i-- > 0;)
		if (t->free_ids[i] == id) {
			t->free_ids[i] = t->free_ids[--t->n_free];
			break;
		}
	c->state = (uint8_t)state;
	c->nat_src = nat_src;
	t->cnt.by_state[state]++;
	t->cnt.active++;
	t->cnt.opened++;
	if (nat_src < SL_MAX_NAT_SOURCES_LIMIT)
		t->src_in_use[nat_src]++;
	*out = c;
	return 0;
}

int dp_conn_set_reply(struct dp_conn_table *t, struct dp_conn *c, const struct sl_flow_key *reply,
		      uint32_t reply_hash, uint16_t nat_src, uint64_t now)
{
	uint32_t ref = dp_conn_id(t, c) << 1 | DP_CONN_REPLY, old_hash = 0;
	int had = c->flags & DP_CONN_F_REPLY;

	/*
	 * The old way out first: both carry the same ref, so only the old key's
	 * hash tells them apart. If the new key finds no room, the old one goes
	 * back into the way it left, which the new key could not use.
	 */
	if (had) {
		old_hash = key_hash(c, DP_CONN_REPLY);
		index_remove(t, old_hash, ref);
	}
	if (index_insert(t, reply_hash, ref, now, c)) {
		if (had)
			index_insert(t, old_hash, ref, now, c);
		return -ENOBUFS;
	}
	if (had && c->nat_src < SL_MAX_NAT_SOURCES_LIMIT && t->src_in_use[c->nat_src])
		t->src_in_use[c->nat_src]--;
	c->key[DP_CONN_REPLY] = *reply;
	c->nat_src = nat_src;
	c->flags |= DP_CONN_F_REPLY;
	if (nat_src < SL_MAX_NAT_SOURCES_LIMIT)
		t->src_in_use[nat_src]++;
	return 0;
}

/* A FIN from @dir: the first moves to FIN_WAIT, the other side's to CLOSING. */
static void track_fin(struct dp_conn_table *t, struct dp_conn *c, unsigned int dir)
{
	uint8_t mine = dir == DP_CONN_ORIG ? DP_CONN_F_FIN_ORIG : DP_CONN_F_FIN_REPLY;

	switch (c->state) {
	case SL_NAT_SYN_SENT:
	case SL_NAT_SYN_RECV:
	case SL_NAT_ESTABLISHED:
		c->flags |= mine | (dir == DP_CONN_REPLY ? DP_CONN_F_FIN1_REPLY : 0);
		dp_conn_set_state(t, c, SL_NAT_FIN_WAIT);
		break;
	case SL_NAT_FIN_WAIT:
		if (!(c->flags & mine)) {
			c->flags |= mine;
			dp_conn_set_state(t, c, SL_NAT_CLOSING);
		}
		break;
	default:
		break;
	}
}

void dp_conn_track(struct dp_conn_table *t, struct dp_conn *c, unsigned int dir,
		   unsigned int tcp_flags)
{
	unsigned int first_closer;

	if (tcp_flags & DP_TCP_RST) {
		if (c->state != SL_NAT_CLOSE)
			dp_conn_set_state(t, c, SL_NAT_CLOSE);
		return;
	}
	switch (c->state) {
	case SL_NAT_SYN_SENT:
		if (dir == DP_CONN_REPLY &&
		    (tcp_flags & (DP_TCP_SYN | DP_TCP_ACK)) == (DP_TCP_SYN | DP_TCP_ACK))
			dp_conn_set_state(t, c, SL_NAT_SYN_RECV);
		break;
	case SL_NAT_SYN_RECV:
		if (dir == DP_CONN_ORIG && (tcp_flags & (DP_TCP_SYN | DP_TCP_ACK)) == DP_TCP_ACK)
			dp_conn_set_state(t, c, SL_NAT_ESTABLISHED);
		break;
	case SL_NAT_CLOSING:
		/* the ACK of the second FIN comes from the side that closed first */
		first_closer = c->flags & DP_CONN_F_FIN1_REPLY ? DP_CONN_REPLY : DP_CONN_ORIG;
		if (dir == first_closer && (tcp_flags & (DP_TCP_ACK | DP_TCP_FIN)) == DP_TCP_ACK)
			dp_conn_set_state(t, c, SL_NAT_TIME_WAIT);
		return;
	default:
		break;
	}
	if (tcp_flags & DP_TCP_FIN)
		track_fin(t, c, dir);
}

uint32_t dp_conn_sweep(struct dp_conn_table *t, uint64_t now, uint32_t n)
{
	uint32_t i = t->sweep_next, freed = 0;

	if (n > t->capacity)
		n = t->capacity;
	for (uint32_t k = 0; k < n; k++) {
		struct dp_conn *c = &t->conns[i];

		if (c->state != SL_NAT_FREE && !dp_conn_alive(t, c, now)) {
			dp_conn_expire(t, c);
			freed++;
		}
		if (++i == t->capacity)
			i = 0;
	}
	t->sweep_next = i;
	return freed;
}
