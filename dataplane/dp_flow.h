/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker connection table: remembers which backend each flow went to,
 * so established flows stay on their instance when the Maglev table changes.
 *
 * Buckets of DP_FLOW_WAYS entries; a bucket keeps a 16-bit signature per way
 * so a lookup touches two bucket lines and (almost always) one entry line.
 * Two choices: a flow may live in either of two buckets derived from its
 * hash; an insert takes the first while it has room (so a lookup rarely
 * reads the second bucket line), then the second.
 *
 * Entries idle past the timeout of their class are dead (a lookup ignores
 * them, an insert reuses them, a small sweep reclaims them). Two classes are
 * embryonic: a TCP flow that has sent only a SYN, and the placement of a
 * fragmented datagram. They live a few seconds, and when both buckets of a
 * new flow are full they go first: an insert reuses a dead entry, else
 * evicts the least recently used embryonic entry, else moves a live entry to
 * its other bucket (one cuckoo step), else, for an established flow only,
 * evicts the least recently used of the 2 x DP_FLOW_WAYS entries. A SYN
 * flood therefore never pushes an established connection out. Nothing is
 * allocated after dp_flow_create(). Time is whatever unit the caller's @now
 * uses (TSC cycles in the dataplane), with @hz units per second.
 */
#ifndef DP_FLOW_H
#define DP_FLOW_H

#include <stdint.h>
#include <string.h>
#if defined(__SSE2__) && !defined(DP_FLOW_PORTABLE)
#include <emmintrin.h>
#endif

#include <rte_branch_prediction.h>

#include "sl_event_types.h"
#include "sl_hash.h"

#define DP_FLOW_WAYS 8
/*
 * sl_flow_key.pad of the entry that remembers a fragmented datagram's
 * instance: the key is the datagram's addresses and protocol, its
 * identification in place of the ports. Flows have pad 0, so the two never
 * meet.
 */
#define DP_FLOW_KEY_FRAG 1
#define DP_FLOW_SWEEP_BUCKETS 4 /* buckets dp_flow_sweep() visits per call */

enum dp_flow_class {
	DP_FLOW_TCP = 0,     /* established TCP (or picked up mid-stream) */
	DP_FLOW_TCP_FIN = 1, /* TCP after FIN or RST: short timeout */
	DP_FLOW_UDP = 2,
	DP_FLOW_TCP_SYN = 3, /* embryonic: only a SYN seen; an ACK makes it DP_FLOW_TCP */
	DP_FLOW_FRAG = 4,    /* embryonic: a fragmented datagram's instance, for its fragments */
	DP_FLOW_N_CLASSES
};

static inline int dp_flow_embryonic(unsigned int cls)
{
	return cls >= DP_FLOW_TCP_SYN;
}

/* One entry, one cache line. */
struct dp_flow_entry {
	struct sl_flow_key key;
	uint64_t backend_uid; /* sl_backend.uid when the flow was placed */
	uint64_t last_seen;
	uint32_t backend; /* slot index into the table's backends */
	uint16_t vip;	  /* VIP index when placed (flow records) */
	uint8_t cls;	  /* enum dp_flow_class */
	uint8_t pad;
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct dp_flow_entry) == 64, "flow entry is one cache line");

/* 16-bit signatures, way w in lane w % 4 of word w / 4 (0: way empty). */
struct dp_flow_bucket {
	uint64_t sig[DP_FLOW_WAYS / 4];
};
_Static_assert(DP_FLOW_WAYS == 8, "the signature compare works on two 64-bit words");

struct dp_flow_counters {
	uint64_t evictions;	      /* live established entries pushed out of a full bucket */
	uint64_t expired;	      /* entries found idle past their timeout and reclaimed */
	uint64_t active;	      /* entries in use (live or not yet reclaimed) */
	uint64_t relocated;	      /* live entries moved to their other bucket to make room */
	uint64_t embryonic;	      /* entries of an embryonic class among the active ones */
	uint64_t embryonic_evictions; /* live embryonic entries pushed out for a new one */
	uint64_t untracked; /* embryonic inserts refused: both buckets full of established */
};

/*
 * What a flow record needs beyond the entry (which is one full line), by
 * entry index: kept only when the table writes records (dp_flow_records).
 */
struct dp_flow_acct {
	uint64_t start; /* the flow's first packet */
	uint64_t packets;
	uint64_t bytes;
	uint8_t rst; /* an RST was seen */
	uint8_t pad[7];
};
_Static_assert(sizeof(struct dp_flow_acct) == 32, "two accounts per cache line");

struct dp_ev_sink;

struct dp_flow_timeouts {
	uint32_t tcp;	  /* s */
	uint32_t tcp_fin; /* s */
	uint32_t udp;	  /* s */
	uint32_t tcp_syn; /* s */
	uint32_t frag;	  /* s */
};

struct dp_flow_table {
	uint32_t bucket_mask;
	uint32_t sweep_next;		     /* next bucket the sweep visits */
	uint64_t timeout[DP_FLOW_N_CLASSES]; /* in time units */
	struct dp_flow_counters cnt;
	struct dp_flow_bucket *buckets;
	struct dp_flow_entry *entries; /* bucket b, way w: entries[b * WAYS + w] */
	struct dp_flow_acct *acct;     /* NULL: no flow records */
	struct dp_ev_sink *sink;
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

/*
 * Write a flow record into @sink for every flow that leaves the table from
 * now on (FIN or RST and then idle, idle, evicted, or replaced by a new
 * flow on its tuple). 0 or -ENOMEM.
 */
int dp_flow_records(struct dp_flow_table *t, struct dp_ev_sink *sink);

/* @e's flow ends for @reason (enum sl_ev_end; FIN/RST from what it saw): its record. */
void dp_flow_end(struct dp_flow_table *t, const struct dp_flow_entry *e, unsigned int reason);

/* A packet of @len bytes of @e's flow (counted for its record). */
static inline void dp_flow_count(struct dp_flow_table *t, const struct dp_flow_entry *e,
				 uint32_t len)
{
	if (t->acct) {
		struct dp_flow_acct *a = &t->acct[e - t->entries];

		a->packets++;
		a->bytes += len;
	}
}

/* @e holds a new flow from @now, whose first packet has @len bytes. */
static inline void dp_flow_begin(struct dp_flow_table *t, const struct dp_flow_entry *e,
				 uint64_t now, uint32_t len)
{
	if (t->acct) {
		struct dp_flow_acct *a = &t->acct[e - t->entries];

		a->start = now;
		a->packets = 1;
		a->bytes = len;
		a->rst = 0;
	}
}

static inline uint16_t dp_flow_sig(uint32_t hash)
{
	uint16_t s = (uint16_t)(hash >> 16);

	return s ? s : 1;
}

/*
 * The two buckets of a flow (of any two-choice table of @mask + 1
 * buckets): the low bits of the hash, and that bucket XOR an odd offset
 * from the multiplied hash, so the two always differ (tables of two
 * buckets and more) and flows sharing a first bucket spread over many
 * second ones.
 */
static inline void dp_flow_buckets_of(uint32_t mask, uint32_t hash, uint32_t b[2])
{
	b[0] = hash & mask;
	b[1] = (b[0] ^ ((uint32_t)(((uint64_t)hash * 0x9e3779b97f4a7c15ull) >> 32) | 1)) & mask;
}

static inline void dp_flow_buckets(const struct dp_flow_table *t, uint32_t hash, uint32_t b[2])
{
	dp_flow_buckets_of(t->bucket_mask, hash, b);
}

static inline uint16_t dp_flow_way_sig(const struct dp_flow_bucket *bk, unsigned int w)
{
	return (uint16_t)(bk->sig[w >> 2] >> ((w & 3) * 16));
}

static inline void dp_flow_set_sig(struct dp_flow_bucket *bk, unsigned int w, uint16_t sig)
{
	unsigned int sh = (w & 3) * 16;

	bk->sig[w >> 2] = (bk->sig[w >> 2] & ~(0xffffull << sh)) | (uint64_t)sig << sh;
}

/* Ways of @bk whose signature is @sig: bit w set (8 bits). */
static inline unsigned int dp_flow_match(const struct dp_flow_bucket *bk, uint16_t sig)
{
#if defined(__SSE2__) && !defined(DP_FLOW_PORTABLE)
	/* way w is the 16-bit element w of the 128-bit bucket on little-endian x86 */
	__m128i eq = _mm_cmpeq_epi16(_mm_loadu_si128((const __m128i *)bk->sig),
				     _mm_set1_epi16((short)sig));

	return (unsigned int)_mm_movemask_epi8(_mm_packs_epi16(eq, _mm_setzero_si128()));
#else
	const uint64_t low = 0x7fff7fff7fff7fffull, rep = sig * 0x0001000100010001ull;
	unsigned int m = 0;

	for (unsigned int i = 0; i < 2; i++) {
		uint64_t x = bk->sig[i] ^ rep;
		/* bit 16 * l + 15 set for each zero lane l (exact: no borrow between lanes) */
		uint64_t z = ~(((x & low) + low) | x | low);

		/* gather the lane bits 15, 31, 47, 63 into bits 48..51 */
		m |= (unsigned int)(((z >> 15) * 0x0001000200040008ull) >> 48 & 0xf) << (4 * i);
	}
	return m;
#endif
}

static inline int dp_flow_alive(const struct dp_flow_table *t, const struct dp_flow_entry *e,
				uint64_t now)
{
	return now - e->last_seen <= t->timeout[e->cls];
}

/* Account for @e leaving the table (its way's signature is cleared or reused). */
static inline void dp_flow_forget(struct dp_flow_table *t, const struct dp_flow_entry *e)
{
	t->cnt.active--;
	t->cnt.embryonic -= (uint64_t)dp_flow_embryonic(e->cls);
}

static inline int dp_flow_key_eq(const struct sl_flow_key *a, const struct sl_flow_key *b)
{
	const sl_key_word *x = (const sl_key_word *)a, *y = (const sl_key_word *)b;

	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4])) == 0;
}

/*
 * The live entry for @k (@hash = sl_flow_hash(k, 0)), or NULL. The caller
 * refreshes it with dp_flow_touch(). A matching entry found dead is
 * reclaimed (counted as expired).
 */
static inline struct dp_flow_entry *
dp_flow_lookup(struct dp_flow_table *t, const struct sl_flow_key *k, uint32_t hash, uint64_t now)
{
	uint16_t sig = dp_flow_sig(hash);
	uint32_t b[2];

	dp_flow_buckets(t, hash, b);
	/*
	 * Inserts fill the first bucket before the second, so nearly every
	 * flow is found there: the second bucket line is read only on a miss
	 * or for the few flows that overflowed (no extra cache miss per packet).
	 */
	for (unsigned int i = 0; i < 2; i++) {
		struct dp_flow_bucket *bk = &t->buckets[b[i]];

		for (unsigned int m = dp_flow_match(bk, sig); m; m &= m - 1) {
			unsigned int w = (unsigned int)__builtin_ctz(m);
			struct dp_flow_entry *e = &t->entries[b[i] * DP_FLOW_WAYS + w];

			if (!dp_flow_key_eq(&e->key, k))
				continue;
			if (dp_flow_alive(t, e, now))
				return e;
			dp_flow_set_sig(bk, w, 0);
			t->cnt.expired++;
			if (t->acct)
				dp_flow_end(t, e, SL_EV_END_TIMEOUT);
			dp_flow_forget(t, e);
			return NULL;
		}
	}
	return NULL;
}

/* Change @e's class, keeping the embryonic count. */
static inline void dp_flow_set_class(struct dp_flow_table *t, struct dp_flow_entry *e,
				     unsigned int cls)
{
	t->cnt.embryonic += (uint64_t)dp_flow_embryonic(cls) - (uint64_t)dp_flow_embryonic(e->cls);
	e->cls = (uint8_t)cls;
}

/* The class change a FIN/RST or an ACK makes (dp_flow_touch's rare case). */
void dp_flow_transition(struct dp_flow_table *t, struct dp_flow_entry *e, int fin_or_rst,
			int acked);

/*
 * Note a packet of the flow at @now. For TCP, @fin_or_rst moves the flow to
 * the short timeout, and @acked (the packet carries an ACK) makes a SYN-only
 * flow established.
 */
static inline void dp_flow_touch(struct dp_flow_table *t, struct dp_flow_entry *e, uint64_t now,
				 int fin_or_rst, int acked)
{
	e->last_seen = now;
	if (unlikely(fin_or_rst | (e->cls == DP_FLOW_TCP_SYN)))
		dp_flow_transition(t, e, fin_or_rst, acked);
}

/*
 * Make an entry of class @cls for @k (not present): an empty way of its
 * first bucket, else of its second, else a dead entry of either, else the
 * least recently used embryonic entry of both (counted), else the way of a
 * live entry that moves to its own other bucket (one cuckoo step: entry
 * pointers held across an insert may move). If none of these, an embryonic
 * @cls is refused (NULL, counted as untracked) and any other takes the least
 * recently used entry of both (counted as an eviction). The caller fills
 * backend, backend_uid and vip.
 */
struct dp_flow_entry *dp_flow_insert(struct dp_flow_table *t, const struct sl_flow_key *k,
				     uint32_t hash, uint64_t now, unsigned int cls);

/* Reclaim dead entries in the next @n_buckets buckets (round robin). */
void dp_flow_sweep(struct dp_flow_table *t, uint64_t now, uint32_t n_buckets);

/* Entries the table holds in total. */
static inline uint32_t dp_flow_capacity(const struct dp_flow_table *t)
{
	return (t->bucket_mask + 1) * DP_FLOW_WAYS;
}

#endif /* DP_FLOW_H */
