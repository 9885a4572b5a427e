/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hand-off rings of full NAT: one per worker, any worker may enqueue
 * (a reply whose NAT source port that worker owns), only its owner
 * dequeues, between its RX polls (dp_worker_poll_handoff). Created by the
 * main lcore before the workers start, freed after they stopped.
 */
#ifndef DP_HANDOFF_H
#define DP_HANDOFF_H

#include <rte_ring.h>

#define DP_HANDOFF_RING_SIZE 4096 /* mbufs per worker's ring (a power of two) */

struct dp_handoff {
	unsigned int n;
	struct rte_ring *ring[]; /* [n]: worker k's ring */
};

/*
 * Rings for @n workers on NUMA @socket, named "@prefix<k>" (unique per
 * process). NULL with errno (rte_errno's ENOMEM, EEXIST, EINVAL).
 */
struct dp_handoff *dp_handoff_create(const char *prefix, unsigned int n, int socket);

/* Free the rings and what they still hold. @h may be NULL. */
void dp_handoff_free(struct dp_handoff *h);

#endif /* DP_HANDOFF_H */
