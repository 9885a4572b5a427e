/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker connection table: remembers which backend each flow went to,
 * so established flows stay on their instance when the Maglev table changes.
 *
 * Buckets of DP_FLOW_WAYS entries; a bucket keeps a 16-bit signature per way
 * so a lookup touches the bucket line and at most one entry line. Entries
 * idle past their timeout are dead (a lookup ignores them, an insert reuses
 * them, a small sweep reclaims them); a full bucket evicts its least
 * recently used entry. Nothing is allocated after dp_flow_create(). Time is
 * whatever unit the caller's @now uses (TSC cycles in the dataplane),
 * with @hz units per second.
 */
#ifndef DP_FLOW_H
#define DP_FLOW_H

#include <stdint.h>
#include <string.h>

#include "sl_hash.h"

#define DP_FLOW_WAYS 8
#define DP_FLOW_SWEEP_BUCKETS 4 /* buckets dp_flow_sweep() visits per call */

enum dp_flow_class {
	DP_FLOW_TCP = 0,     /* established or opening TCP */
	DP_FLOW_TCP_FIN = 1, /* TCP after FIN or RST: short timeout */
	DP_FLOW_UDP = 2,
	DP_FLOW_N_CLASSES
};

/* One entry, one cache line. */
struct dp_flow_entry {
	struct sl_flow_key key;
	uint64_t backend_uid; /* sl_backend.uid when the flow was placed */
	uint64_t last_seen;
	uint32_t backend; /* slot index into the table's backends */
	uint16_t vip;     /* VIP index when placed (flow records) */
	uint8_t cls;      /* enum dp_flow_class */
	uint8_t pad;
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct dp_flow_entry) == 64, "flow entry is one cache line");

struct dp_flow_bucket {
	uint16_t sig[DP_FLOW_WAYS]; /* 0: way empty */
};

struct dp_flow_counters {
	uint64_t evictions; /* live entries pushed out of a full bucket */
	uint64_t expired;   /* entries found idle past their timeout and reclaimed */
	uint64_t active;    /* entries in use (live or not yet reclaimed) */
};

struct dp_flow_timeouts {
	uint32_t tcp;     /* s */
	uint32_t tcp_fin; /* s */
	uint32_t udp;     /* s */
};

struct dp_flow_table {
	uint32_t bucket_mask;
	uint32_t sweep_next; /* next bucket the sweep visits */
	uint64_t timeout[DP_FLOW_N_CLASSES]; /* in time units */
	struct dp_flow_counters cnt;
	struct dp_flow_bucket *buckets;
	struct dp_flow_entry *entries; /* bucket b, way w: entries[b * WAYS + w] */
};

/*
 * Create a table of @capacity entries (a power of two, at least
 * DP_FLOW_WAYS). @hz converts the timeouts (seconds) to time units. Memory
 * is touched here so the fast path takes no page faults. Returns NULL with
 * errno EINVAL or ENOMEM.
 */
struct dp_flow_table *dp_flow_create(uint32_t capacity, const struct dp_flow_timeouts *to,
				     uint64_t hz);

void dp_flow_free(struct dp_flow_table *t);

static inline uint16_t dp_flow_sig(uint32_t hash)
{
	uint16_t s = (uint16_t)(hash >> 16);

	return s ? s : 1;
}

static inline int dp_flow_alive(const struct dp_flow_table *t, const struct dp_flow_entry *e,
				uint64_t now)
{
	return now - e->last_seen <= t->timeout[e->cls];
}

static inline int dp_flow_key_eq(const struct sl_flow_key *a, const struct sl_flow_key *b)
{
	const uint64_t *x = (const uint64_t *)a, *y = (const uint64_t *)b;

	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4])) ==
	       0;
}

/*
 * The live entry for @k (@hash = sl_flow_hash(k, 0)), or NULL. The caller
 * refreshes it with dp_flow_touch(). A matching entry found dead is
 * reclaimed (counted as expired).
 */
static inline struct dp_flow_entry *dp_flow_lookup(struct dp_flow_table *t,
						   const struct sl_flow_key *k, uint32_t hash,
						   uint64_t now)
{
	uint32_t b = hash & t->bucket_mask;
	struct dp_flow_bucket *bk = &t->buckets[b];
	uint16_t sig = dp_flow_sig(hash);

	for (unsigned int w = 0; w < DP_FLOW_WAYS; w++) {
		struct dp_flow_entry *e;

		if (bk->sig[w] != sig)
			continue;
		e = &t->entries[b * DP_FLOW_WAYS + w];
		if (!dp_flow_key_eq(&e->key, k))
			continue;
		if (dp_flow_alive(t, e, now))
			return e;
		bk->sig[w] = 0;
		t->cnt.expired++;
		t->cnt.active--;
		return NULL;
	}
	return NULL;
}

/* Note a packet of the flow at @now; FIN or RST moves TCP to the short timeout. */
static inline void dp_flow_touch(struct dp_flow_entry *e, uint64_t now, int fin_or_rst)
{
	e->last_seen = now;
	if (fin_or_rst && e->cls == DP_FLOW_TCP)
		e->cls = DP_FLOW_TCP_FIN;
}

/*
 * Make an entry for @k (not present): an empty way, else a dead one, else
 * the least recently used live one (counted as an eviction). Always
 * succeeds; the caller fills backend, backend_uid and vip.
 */
struct dp_flow_entry *dp_flow_insert(struct dp_flow_table *t, const struct sl_flow_key *k,
				     uint32_t hash, uint64_t now);

/* Reclaim dead entries in the next @n_buckets buckets (round robin). */
void dp_flow_sweep(struct dp_flow_table *t, uint64_t now, uint32_t n_buckets);

/* Entries the table holds in total. */
static inline uint32_t dp_flow_capacity(const struct dp_flow_table *t)
{
	return (t->bucket_mask + 1) * DP_FLOW_WAYS;
}

#endif /* DP_FLOW_H */
