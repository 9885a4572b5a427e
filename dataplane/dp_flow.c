/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker connection table (see dp_flow.h): creation, two-choice insertion
 * (when both buckets are full: a dead entry, an embryonic one, one cuckoo
 * move, then LRU eviction), and the incremental sweep that keeps dead
 * entries from piling up in buckets no packet visits any more.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "dp_event.h"
#include "dp_flow.h"
#include "dp_parse.h"

struct dp_flow_table *dp_flow_create(uint32_t capacity, const struct dp_flow_timeouts *to,
				     uint64_t hz)
{
	struct dp_flow_table *t = NULL;
	uint32_t n_buckets;
	int err = EINVAL;

	if (capacity < DP_FLOW_WAYS || (capacity & (capacity - 1)) || hz == 0)
		goto out;
	n_buckets = capacity / DP_FLOW_WAYS;
	err = ENOMEM;
	t = calloc(1, sizeof(*t));
	if (!t)
		goto out;
	t->bucket_mask = n_buckets - 1;
	t->timeout[DP_FLOW_TCP] = (uint64_t)to->tcp * hz;
	t->timeout[DP_FLOW_TCP_FIN] = (uint64_t)to->tcp_fin * hz;
	t->timeout[DP_FLOW_UDP] = (uint64_t)to->udp * hz;
	t->timeout[DP_FLOW_TCP_SYN] = (uint64_t)to->tcp_syn * hz;
	t->timeout[DP_FLOW_FRAG] = (uint64_t)to->frag * hz;
	if (posix_memalign((void **)&t->buckets, 64, (size_t)n_buckets * sizeof(*t->buckets)))
		goto out;
	if (posix_memalign((void **)&t->entries, 64, (size_t)capacity * sizeof(*t->entries)))
		goto out;
	/* touch every page now: no page fault on the fast path */
	memset(t->buckets, 0, (size_t)n_buckets * sizeof(*t->buckets));
	memset(t->entries, 0, (size_t)capacity * sizeof(*t->entries));
	return t;
out:
	dp_flow_free(t);
	errno = err;
	return NULL;
}

void dp_flow_free(struct dp_flow_table *t)
{
	if (!t)
		return;
	free(t->acct);
	free(t->entries);
	free(t->buckets);
	free(t);
}

int dp_flow_records(struct dp_flow_table *t, struct dp_ev_sink *sink)
{
	size_t n = dp_flow_capacity(t);

	t->acct = aligned_alloc(64, n * sizeof(*t->acct));
	if (!t->acct)
		return -ENOMEM;
	memset(t->acct, 0, n * sizeof(*t->acct));
	t->sink = sink;
	return 0;
}

void dp_flow_end(struct dp_flow_table *t, const struct dp_flow_entry *e, unsigned int reason)
{
	const struct dp_flow_acct *a = &t->acct[e - t->entries];
	union sl_event *ev;

	if (e->key.pad == DP_FLOW_KEY_FRAG)
		return; /* a datagram's placement, not a flow */
	ev = dp_ev_reserve(t->sink, SL_EV_FLOW);
	if (!ev)
		return;
	if (e->cls == DP_FLOW_TCP_FIN) /* it finished before it went */
		reason = a->rst ? SL_EV_END_RST : SL_EV_END_FIN;
	memset(&ev->flow, 0, sizeof(ev->flow));
	ev->flow.kind = SL_EV_FLOW;
	ev->flow.end = (uint8_t)reason;
	ev->flow.seen = SL_EV_SEEN_CLIENT;
	ev->flow.backend = e->backend;
	ev->flow.backend_uid = e->backend_uid;
	ev->flow.key = e->key;
	ev->flow.vip = e->vip;
	ev->flow.worker = t->sink->worker;
	ev->flow.start_tsc = a->start;
	ev->flow.last_tsc = e->last_seen;
	ev->flow.packets[SL_EV_DIR_CLIENT] = a->packets;
	ev->flow.bytes[SL_EV_DIR_CLIENT] = a->bytes;
	dp_ev_commit(t->sink);
}

void dp_flow_transition(struct dp_flow_table *t, struct dp_flow_entry *e, int fin_or_rst, int acked)
{
	if (t->acct && (fin_or_rst & DP_TCP_RST))
		t->acct[e - t->entries].rst = 1;
	if (fin_or_rst) {
		if (e->cls == DP_FLOW_TCP || e->cls == DP_FLOW_TCP_SYN)
			dp_flow_set_class(t, e, DP_FLOW_TCP_FIN);
	} else if (acked && e->cls == DP_FLOW_TCP_SYN) {
		dp_flow_set_class(t, e, DP_FLOW_TCP);
	}
}

/* Empty ways of @bk: bit w set (8 bits). */
static inline unsigned int empty_ways(const struct dp_flow_bucket *bk)
{
	return dp_flow_match(bk, 0);
}

/* The least recently used way of both buckets, among embryonic entries if @embryonic. */
static int lru_way(const struct dp_flow_table *t, const uint32_t b[2], int embryonic,
		   unsigned int *bi, unsigned int *way)
{
	const struct dp_flow_entry *best = NULL;

	for (unsigned int i = 0; i < 2; i++)
		for (unsigned int w = 0; w < DP_FLOW_WAYS; w++) {
			const struct dp_flow_entry *c = &t->entries[b[i] * DP_FLOW_WAYS + w];

			if (embryonic && !dp_flow_embryonic(c->cls))
				continue;
			if (!best || c->last_seen < best->last_seen) {
				best = c;
				*bi = i;
				*way = w;
			}
		}
	return best != NULL;
}

/* Move a live entry of @b to its other bucket if that has room; its way is freed. */
static int cuckoo_move(struct dp_flow_table *t, const uint32_t b[2], unsigned int *bi,
		       unsigned int *way)
{
	for (unsigned int i = 0; i < 2; i++) {
		for (unsigned int w = 0; w < DP_FLOW_WAYS; w++) {
			struct dp_flow_entry *c = &t->entries[b[i] * DP_FLOW_WAYS + w];
			uint32_t h = sl_flow_hash(&c->key, 0), cb[2], alt;
			unsigned int free_ways;

			dp_flow_buckets(t, h, cb);
			alt = cb[0] == b[i] ? cb[1] : cb[0];
			free_ways = empty_ways(&t->buckets[alt]);
			if (!free_ways)
				continue;
			free_ways = (unsigned int)__builtin_ctz(free_ways);
			t->entries[alt * DP_FLOW_WAYS + free_ways] = *c;
			if (t->acct)
				t->acct[alt * DP_FLOW_WAYS + free_ways] = t->acct[c - t->entries];
			dp_flow_set_sig(&t->buckets[alt], free_ways, dp_flow_sig(h));
			t->cnt.relocated++;
			t->cnt.active++;
			t->cnt.embryonic += (uint64_t)dp_flow_embryonic(c->cls);
			dp_flow_forget(t, c); /* its old way is taken by the new entry */
			*bi = i;
			*way = w;
			return 1;
		}
	}
	return 0;
}

struct dp_flow_entry *dp_flow_insert(struct dp_flow_table *t, const struct sl_flow_key *k,
				     uint32_t hash, uint64_t now, unsigned int cls)
{
	unsigned int m[2], i, way;
	struct dp_flow_entry *e;
	uint32_t b[2];

	dp_flow_buckets(t, hash, b);
	m[0] = empty_ways(&t->buckets[b[0]]);
	m[1] = empty_ways(&t->buckets[b[1]]);
	if (m[0] | m[1]) {
		/* the first bucket while it has room: lookups rarely read the second */
		i = m[0] == 0;
		way = (unsigned int)__builtin_ctz(m[i]);
		goto place;
	}
	for (i = 0; i < 2; i++)
		for (way = 0; way < DP_FLOW_WAYS; way++) {
			const struct dp_flow_entry *c = &t->entries[b[i] * DP_FLOW_WAYS + way];

			if (!dp_flow_alive(t, c, now)) {
				t->cnt.expired++;
				if (t->acct)
					dp_flow_end(t, c, SL_EV_END_TIMEOUT);
				dp_flow_forget(t, c);
				goto place;
			}
		}
	if (lru_way(t, b, 1, &i, &way)) {
		t->cnt.embryonic_evictions++;
		if (t->acct)
			dp_flow_end(t, &t->entries[b[i] * DP_FLOW_WAYS + way], SL_EV_END_EVICTED);
		dp_flow_forget(t, &t->entries[b[i] * DP_FLOW_WAYS + way]);
		goto place;
	}
	if (cuckoo_move(t, b, &i, &way))
		goto place;
	if (dp_flow_embryonic(cls)) {
		t->cnt.untracked++;
		return NULL;
	}
	lru_way(t, b, 0, &i, &way);
	t->cnt.evictions++;
	if (t->acct)
		dp_flow_end(t, &t->entries[b[i] * DP_FLOW_WAYS + way], SL_EV_END_EVICTED);
	dp_flow_forget(t, &t->entries[b[i] * DP_FLOW_WAYS + way]);
place:
	dp_flow_set_sig(&t->buckets[b[i]], way, dp_flow_sig(hash));
	e = &t->entries[b[i] * DP_FLOW_WAYS + way];
	e->key = *k;
	e->last_seen = now;
	e->cls = (uint8_t)cls;
	t->cnt.active++;
	t->cnt.embryonic += (uint64_t)dp_flow_embryonic(cls);
	return e;
}

void dp_flow_sweep(struct dp_flow_table *t, uint64_t now, uint32_t n_buckets)
{
	uint32_t b = t->sweep_next;

	for (uint32_t i = 0; i < n_buckets; i++, b = (b + 1) & t->bucket_mask) {
		struct dp_flow_bucket *bk = &t->buckets[b];

		for (unsigned int w = 0; w < DP_FLOW_WAYS; w++) {
			if (dp_flow_way_sig(bk, w) == 0 ||
			    dp_flow_alive(t, &t->entries[b * DP_FLOW_WAYS + w], now))
				continue;
			dp_flow_set_sig(bk, w, 0);
			t->cnt.expired++;
			if (t->acct)
				dp_flow_end(t, &t->entries[b * DP_FLOW_WAYS + w],
					    SL_EV_END_TIMEOUT);
			dp_flow_forget(t, &t->entries[b * DP_FLOW_WAYS + w]);
		}
	}
	t->sweep_next = b;
}
