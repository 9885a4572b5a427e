/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane in one process, for its tests and benchmarks: EAL on lcore
 * 0 without hugepages, PCI or shared configuration, an mbuf pool, and two
 * net_ring ports a worker transmits on and receives from (port 0 faces the
 * clients, port 1 the backends). The caller puts frames on a port's RX ring
 * and takes what the worker sent off its TX ring.
 */
#ifndef TL_RING_PORTS_H
#define TL_RING_PORTS_H

#include <stdint.h>

#include <rte_mempool.h>
#include <rte_ring.h>

#include "dataplane/dp_types.h"

struct tl_ring_ports {
	struct rte_mempool *pool;
	struct rte_ring *rx[2], *tx[2];
};

struct tl_ring_ports_conf {
	const char *name;	 /* argv[0] for EAL, and the start of each error line */
	const char *file_prefix; /* EAL's --file-prefix: one per process */
	unsigned int mem_mb;	 /* EAL's memory (-m) */
	unsigned int mbufs;	 /* in the pool */
	unsigned int mbuf_cache; /* the pool's per-lcore cache */
	unsigned int ring_size;	 /* each RX and TX ring, a power of 2 */
	uint16_t mtu, burst;
	uint8_t mac[2][6]; /* port 0's and port 1's */
};

/*
 * EAL, the pool and both ports, started; @w gets them as its ports 0 and 1,
 * its burst and pool. 0, or -1 with the reason on stderr.
 */
int tl_ring_ports_init(struct tl_ring_ports *rp, const struct tl_ring_ports_conf *c,
		       struct dp_worker *w);

/* Free what the worker sent on either port; how many packets that was. */
unsigned int tl_ring_ports_drain(struct tl_ring_ports *rp);

#endif /* TL_RING_PORTS_H */
