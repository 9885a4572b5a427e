/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where a worker's flow and request records go (common/sl_event_types.h):
 * its ring in the segment, and which kinds it writes. The flow table, the
 * connection table and the HTTP worker each hold a pointer to their
 * worker's sink; a NULL ring, or a kind switched off, writes nothing. A
 * record is a few stores into the ring: no syscall, no allocation, and a
 * full ring counts a drop (sl_evring.h).
 */
#ifndef DP_EVENT_H
#define DP_EVENT_H

#include <stdint.h>

#include "sl_evring.h"

struct dp_ev_sink {
	struct sl_ev_ring *ring; /* NULL: no records */
	uint32_t size;		 /* records the ring holds */
	uint16_t worker;
	uint8_t flows;	  /* write flow records */
	uint8_t requests; /* write request records */
};

/* A record to fill of kind @kind, or NULL (off, or the ring is full: counted). */
static inline union sl_event *dp_ev_reserve(struct dp_ev_sink *s, unsigned int kind)
{
	if (!s || !s->ring || !(kind == SL_EV_FLOW ? s->flows : s->requests))
		return NULL;
	return sl_evring_reserve(s->ring, s->size);
}

static inline void dp_ev_commit(struct dp_ev_sink *s)
{
	sl_evring_commit(s->ring);
}

#endif /* DP_EVENT_H */
