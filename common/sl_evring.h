/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The two ends of a worker's event ring (sl_event_types.h): the worker
 * reserves a record, fills it and commits it; sluiced peeks and pops. A
 * full ring refuses the reservation and counts a drop: the worker never
 * waits, never allocates. @size is the header's ev_ring_size.
 */
#ifndef SL_EVRING_H
#define SL_EVRING_H

#include <stddef.h>
#include <stdint.h>

#include "sl_event_types.h"

static inline union sl_event *sl_evring_at(struct sl_ev_ring *r, uint32_t size, uint64_t i)
{
	return (union sl_event *)(r + 1) + (i & (size - 1));
}

/*
 * The record to fill next, or NULL (counted in r->drops) when the ring is
 * full. Only the ring's worker calls it; the tail is read again only when
 * the last look said the ring was full.
 */
static inline union sl_event *sl_evring_reserve(struct sl_ev_ring *r, uint32_t size)
{
	uint64_t head = r->head;

	if (head - r->tail_cached >= size) {
		r->tail_cached = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
		if (head - r->tail_cached >= size) {
			r->drops++;
			return NULL;
		}
	}
	return sl_evring_at(r, size, head);
}

/* Publish the record sl_evring_reserve() gave. */
static inline void sl_evring_commit(struct sl_ev_ring *r)
{
	__atomic_store_n(&r->head, r->head + 1, __ATOMIC_RELEASE);
}

/* The oldest record not yet read, or NULL. Only sluiced calls it. */
static inline const union sl_event *sl_evring_peek(struct sl_ev_ring *r, uint32_t size)
{
	uint64_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);

	if (r->tail == head)
		return NULL;
	return sl_evring_at(r, size, r->tail);
}

/* The record sl_evring_peek() gave is read: the worker may write it again. */
static inline void sl_evring_pop(struct sl_ev_ring *r)
{
	__atomic_store_n(&r->tail, r->tail + 1, __ATOMIC_RELEASE);
}

#endif /* SL_EVRING_H */
