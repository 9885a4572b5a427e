/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Latency histograms with exact counts: log-linear buckets over
 * microseconds (HdrHistogram's shape, 8 sub-buckets per power of two, so a
 * bucket is at most 12.5 % wide), one per (kind, VIP, route, instance) and
 * per measure (total duration, time to first byte). sluiced's event drain
 * adds every flow and request record; the metrics exporter walks them with
 * cp_hist_each(). Buckets and their edges:
 *   index 0..7:           [i, i + 1) us
 *   index 8 + 8 * (e - 3) + s, e >= 3, s 0..7:
 *                         [(8 + s) << (e - 3), (9 + s) << (e - 3)) us
 * The last bucket also takes everything above its lower edge.
 */
#ifndef CP_HIST_H
#define CP_HIST_H

#include <stddef.h>
#include <stdint.h>

#include "sl_route.h"
#include "sl_shm_types.h"

#define CP_HIST_SUB 8					/* sub-buckets per power of two */
#define CP_HIST_MAX_EXP 35				/* 2^35 us: about 9.5 hours */
#define CP_HIST_BUCKETS (8 + 8 * (CP_HIST_MAX_EXP - 2)) /* 272 */

/* The bucket of @us. */
static inline unsigned int cp_hist_index(uint64_t us)
{
	unsigned int e, i;

	if (us < CP_HIST_SUB)
		return (unsigned int)us;
	e = 63u - (unsigned int)__builtin_clzll(us);
	i = CP_HIST_SUB + CP_HIST_SUB * (e - 3) + (unsigned int)((us >> (e - 3)) - CP_HIST_SUB);
	return i < CP_HIST_BUCKETS ? i : CP_HIST_BUCKETS - 1;
}

/* The smallest value of bucket @i (us); the bucket ends where bucket i + 1 starts. */
static inline uint64_t cp_hist_lower(unsigned int i)
{
	unsigned int e, s;

	if (i < CP_HIST_SUB)
		return i;
	e = (i - CP_HIST_SUB) / CP_HIST_SUB + 3;
	s = (i - CP_HIST_SUB) % CP_HIST_SUB;
	return (uint64_t)(CP_HIST_SUB + s) << (e - 3);
}

struct cp_hist {
	uint64_t count;
	uint64_t sum_us;
	uint64_t bucket[CP_HIST_BUCKETS];
};

static inline void cp_hist_add(struct cp_hist *h, uint64_t us)
{
	h->count++;
	h->sum_us += us;
	h->bucket[cp_hist_index(us)]++;
}

/* What a histogram is of. Names are the table's (NUL-terminated, bounded). */
struct cp_hist_key {
	uint8_t kind; /* enum sl_ev_kind: flows or requests */
	char vip[SL_NAME_LEN];
	char route[SL_ROUTE_HOST_MAX + SL_ROUTE_PATH_MAX + 2]; /* host and path, "default", "" */
	char instance[SL_NAME_LEN];			       /* "" when the appliance answered */
};

struct cp_hist_entry {
	struct cp_hist_key key;
	struct cp_hist duration; /* the whole flow or request */
	struct cp_hist ttfb;	 /* requests: to the first response byte (when there was one) */
};

struct cp_hist_set;

struct cp_hist_set *cp_hist_set_new(void);
void cp_hist_set_free(struct cp_hist_set *s);

/* The entry of @k, made (zeroed) when new; NULL on no memory. */
struct cp_hist_entry *cp_hist_get(struct cp_hist_set *s, const struct cp_hist_key *k);

/* Every entry, in the order they were made; stops at @fn's first non-zero return. */
int cp_hist_each(const struct cp_hist_set *s, int (*fn)(void *arg, const struct cp_hist_entry *e),
		 void *arg);

/* Entries in @s. */
size_t cp_hist_count(const struct cp_hist_set *s);

#endif /* CP_HIST_H */
