/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sequence corrections for bytes the appliance inserts into a spliced
 * stream (a Set-Cookie header in a response head, X-Forwarded-For in a
 * request head). One per direction, in the sender's sequence numbers: the
 * bytes before @pos move by @before, those from @pos on by @after (the
 * bytes inserted so far). The receiver's acknowledgements and SACK blocks
 * map back: a number inside inserted bytes is the sender's @pos, since the
 * sender never sent those.
 *
 * One change point, as Linux's nf_conntrack_seqadj keeps: a new insertion
 * is taken only once the receiver has acknowledged everything before the
 * current point (dp_seqadj_insert says no otherwise), so no segment before
 * an older point can come again and be moved by the wrong amount.
 */
#ifndef DP_SEQADJ_H
#define DP_SEQADJ_H

#include <errno.h>
#include <stdint.h>

struct dp_seqadj {
	uint32_t pos;	 /* sender's sequence number of the first byte after the insertion */
	uint32_t before; /* the move of the bytes before pos */
	uint32_t after;	 /* the move of the bytes from pos on: before + the insertion's length */
};

/* a < b in sequence space (RFC 9293's modulo 2^32 comparison) */
static inline int dp_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/* The sender's sequence number @seq in the receiver's numbers. */
static inline uint32_t dp_seqadj_seq(const struct dp_seqadj *a, uint32_t seq)
{
	return seq + (dp_seq_lt(seq, a->pos) ? a->before : a->after);
}

/* The receiver's acknowledgement (or SACK edge) @ack in the sender's numbers. */
static inline uint32_t dp_seqadj_ack(const struct dp_seqadj *a, uint32_t ack)
{
	if (!dp_seq_lt(a->pos + a->before, ack))
		return ack - a->before;
	if (dp_seq_lt(ack, a->pos + a->after))
		return a->pos; /* inside the inserted bytes */
	return ack - a->after;
}

/*
 * Insert @len bytes before the sender's byte @pos, the receiver having
 * acknowledged up to @acked (its own numbers). Returns 0, or -EBUSY when a
 * point exists that is not acknowledged yet or lies at or after @pos
 * (nothing changes: the caller sends the segment without the insertion).
 */
static inline int dp_seqadj_insert(struct dp_seqadj *a, uint32_t pos, uint32_t len, uint32_t acked)
{
	if (a->after != a->before &&
	    (dp_seq_lt(acked, a->pos + a->after) || !dp_seq_lt(a->pos, pos)))
		return -EBUSY;
	a->before = a->after;
	a->pos = pos;
	a->after += len;
	return 0;
}

#endif /* DP_SEQADJ_H */
