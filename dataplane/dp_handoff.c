/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hand-off rings (see dp_handoff.h): multi-producer enqueue, so every
 * worker can pass a reply to its owner without a lock; single-consumer
 * dequeue, the owner's alone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_errno.h>
#include <rte_mbuf.h>

#include "dp_handoff.h"

struct dp_handoff *dp_handoff_create(const char *prefix, unsigned int n, int socket)
{
	struct dp_handoff *h = calloc(1, sizeof(*h) + n * sizeof(h->ring[0]));
	char name[RTE_RING_NAMESIZE];
	int err = ENOMEM;

	if (!h)
		goto out;
	h->n = n;
	for (unsigned int k = 0; k < n; k++) {
		snprintf(name, sizeof(name), "%s%u", prefix, k);
		h->ring[k] = rte_ring_create(name, DP_HANDOFF_RING_SIZE, socket, RING_F_SC_DEQ);
		if (!h->ring[k]) {
			err = rte_errno;
			goto out;
		}
	}
	return h;
out:
	dp_handoff_free(h);
	errno = err;
	return NULL;
}

void dp_handoff_free(struct dp_handoff *h)
{
	struct rte_mbuf *m;

	if (!h)
		return;
	for (unsigned int k = 0; k < h->n; k++) {
		if (!h->ring[k])
			continue;
		while (rte_ring_dequeue(h->ring[k], (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(h->ring[k]);
	}
	free(h);
}
