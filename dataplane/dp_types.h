/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Structures shared by the dataplane's modules: the table a worker follows
 * (built by the main lcore from a validated shm slot) and the per-worker
 * state. The fast path (dp_worker.c and what it calls) only reads dp_table.
 */
#ifndef DP_TYPES_H
#define DP_TYPES_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>

#include "sl_shm_types.h"

#define DP_MAX_PORTS SL_MAX_PORTS_LIMIT
#define DP_BURST_MAX 64

struct dp_vip_index;  /* dp_vip.h: (address, port, protocol) -> VIP index */
struct dp_flow_table; /* dp_flow.h: per-worker connection table */
struct rte_mempool;

/*
 * One published generation as the workers see it. Built by the main lcore
 * (dp_tables.c) after sl_shm_check_slot() passed; immutable once published
 * through dp_tables_current; freed only after every worker acked a newer one.
 */
struct dp_table {
	uint64_t word; /* SL_GEN_WORD(generation, slot) */
	const struct sl_table_hdr *hdr;
	const struct sl_vip *vips;
	const struct sl_pool *pools;
	const struct sl_backend *backends;
	const uint32_t *maglev; /* pool p: maglev + p * maglev_size */
	uint32_t maglev_size;
	uint32_t n_backends;
	struct dp_vip_index *vip_index;
};

/* What a worker needs to know about each port it transmits on. */
struct dp_port_ctx {
	uint16_t port_id;  /* DPDK port id */
	uint16_t tx_queue; /* this worker's TX queue on the port */
	uint16_t rx_queue; /* this worker's RX queue on the port */
	uint16_t mtu;	   /* L3 MTU of the port */
	struct rte_ether_addr mac;
};

/* Per-worker state, one cache-aligned struct per worker lcore. */
struct dp_worker {
	unsigned int index; /* worker number: ack cell and stats block */
	unsigned int lcore_id;
	const struct dp_table *table; /* NULL until the first table */
	struct dp_flow_table *flows;
	struct sl_shm_ack *ack;
	struct sl_worker_stats *stats;
	struct sl_counter *vip_stats;	  /* [max_vips] */
	struct sl_counter *backend_stats; /* [max_backends] */
	struct rte_mempool *mbuf_pool;	  /* for ICMP replies */
	uint16_t n_ports;
	uint16_t burst;
	struct dp_port_ctx ports[DP_MAX_PORTS];
	uint64_t tsc_hz;
} __rte_cache_aligned;

#endif /* DP_TYPES_H */
