/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker connection table (see dp_flow.h): creation, insertion with LRU
 * eviction, and the incremental sweep that keeps dead entries from piling
 * up in buckets no packet visits any more.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "dp_flow.h"

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
	free(t->entries);
	free(t->buckets);
	free(t);
}

struct dp_flow_entry *dp_flow_insert(struct dp_flow_table *t, const struct sl_flow_key *k,
				     uint32_t hash, uint64_t now)
{
	uint32_t b = hash & t->bucket_mask;
	struct dp_flow_bucket *bk = &t->buckets[b];
	struct dp_flow_entry *base = &t->entries[b * DP_FLOW_WAYS];
	unsigned int way = DP_FLOW_WAYS, lru = 0;
	struct dp_flow_entry *e;

	for (unsigned int w = 0; w < DP_FLOW_WAYS; w++) {
		if (bk->sig[w] == 0) {
			way = w;
			t->cnt.active++;
			break;
		}
		if (!dp_flow_alive(t, &base[w], now)) {
			way = w;
			t->cnt.expired++;
			break;
		}
		if (base[w].last_seen < base[lru].last_seen)
			lru = w;
	}
	if (way == DP_FLOW_WAYS) {
		way = lru;
		t->cnt.evictions++;
	}
	bk->sig[way] = dp_flow_sig(hash);
	e = &base[way];
	e->key = *k;
	e->last_seen = now;
	e->cls = k->proto == IPPROTO_TCP ? DP_FLOW_TCP : DP_FLOW_UDP;
	return e;
}

void dp_flow_sweep(struct dp_flow_table *t, uint64_t now, uint32_t n_buckets)
{
	uint32_t b = t->sweep_next;

	for (uint32_t i = 0; i < n_buckets; i++, b = (b + 1) & t->bucket_mask) {
		struct dp_flow_bucket *bk = &t->buckets[b];

		for (unsigned int w = 0; w < DP_FLOW_WAYS; w++) {
			if (bk->sig[w] == 0 ||
			    dp_flow_alive(t, &t->entries[b * DP_FLOW_WAYS + w], now))
				continue;
			bk->sig[w] = 0;
			t->cnt.expired++;
			t->cnt.active--;
		}
	}
	t->sweep_next = b;
}
