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

#include "dp_event.h"
#include "sl_shm_types.h"

#define DP_MAX_PORTS SL_MAX_PORTS_LIMIT
#define DP_BURST_MAX 64

struct dp_vip_index;   /* dp_vip.h: (address, port, protocol) -> VIP index */
struct dp_flow_table;  /* dp_flow.h: per-worker flow table */
struct dp_conn_table;  /* dp_conn.h: per-worker full-NAT connection table */
struct dp_sp_timers;   /* dp_worker_sp.h: the SYN proxy's retransmission timers */
struct dp_http_worker; /* dp_worker_http.h: HTTP VIPs' contexts and timers */
struct rte_mempool;
struct rte_ring;

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
	const struct sl_nat_source *nat_sources;
	uint32_t n_nat_sources;
	struct dp_vip_index *nat_index; /* NAT source address -> index into nat_sources */
	const struct sl_route *routes;	/* each http VIP's run, sorted */
	const struct sl_http_vip *http; /* by VIP index */
	const uint32_t *members;	/* each pool's run of round-robin members */
	const uint64_t *sticky_ids;	/* by backend slot */
	uint32_t n_members;
};

/*
 * A worker's smooth weighted round robin (dp_route.h): the current weight
 * of each backend slot, for the pool that slot is a member of. Its own per
 * worker, so workers need no shared state; reset per pool when a table
 * switch changes that pool's members.
 */
struct dp_rr {
	int64_t *current; /* [n] */
	uint32_t n;	  /* backend slots: the segment's max_backends */
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
	struct dp_rr rr;	      /* round-robin pools' state */
	struct dp_flow_table *flows;
	struct dp_conn_table *conns;		      /* full NAT */
	struct dp_sp_timers *sp_timers;		      /* SYN proxy: backend SYN timers */
	const struct sl_synproxy_secrets *sp_secrets; /* SYN proxy: the segment's cookie keys */
	struct dp_http_worker *http;		      /* HTTP VIPs: contexts, timers, counters */
	struct sl_shm_ack *ack;
	struct sl_worker_stats *stats;
	struct sl_counter *vip_stats;	      /* [max_vips] */
	struct sl_counter *backend_stats;     /* [max_backends] */
	uint64_t *nat_port_stats;	      /* [max_nat_sources] */
	uint32_t max_nat_sources;	      /* entries of nat_port_stats */
	struct sl_http_counter *http_stats;   /* [max_vips]: http VIPs' requests and answers */
	struct sl_route_counter *route_stats; /* [max_routes], by sl_route.id */
	uint32_t max_routes;		      /* entries of route_stats */
	struct rte_mempool *mbuf_pool;	      /* for ICMP replies */
	/*
	 * Full NAT over several workers: worker k owns slice k of every NAT
	 * source's ports, and a reply that reaches another worker is passed
	 * to its owner through handoff[k] (multi-producer, single-consumer).
	 */
	uint16_t n_workers;
	uint8_t nat_dirty;		 /* a NAT packet since the counters were last copied */
	struct rte_ring *const *handoff; /* [n_workers], NULL: one worker */
	uint16_t n_ports;
	uint16_t burst;
	struct dp_port_ctx ports[DP_MAX_PORTS];
	uint64_t tsc_hz;
	uint64_t now;	      /* TSC of the burst (or timer round) being processed */
	struct dp_ev_sink ev; /* its flow and request records */
} __rte_cache_aligned;

#endif /* DP_TYPES_H */
