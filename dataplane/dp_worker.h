/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker lcore's loop: poll its RX queue on every port and its hand-off
 * ring, run each burst to completion (parse, VIP, flow table or Maglev, or
 * full NAT's connection table, forward, transmit), and follow table
 * generations between bursts (switch, then acknowledge).
 */
#ifndef DP_WORKER_H
#define DP_WORKER_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "dp_types.h"

#define DP_BURST_DEFAULT 32

/*
 * Process @n received packets from w->ports[@rx_port_idx] under w->table
 * (NULL: every packet is dropped as no_table). Every mbuf is consumed:
 * transmitted, or counted in w->stats->drops[] and freed. Returns the
 * number of packets the TX queues took.
 */
uint16_t dp_worker_process(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n,
			   uint16_t rx_port_idx);

/*
 * Run until *@quit is non-zero. Between bursts, follow *@published: on a
 * change, switch w->table and store the table's word in w->ack (release
 * order), so the main lcore knows when the old table is no longer read.
 * Each turn also sweeps a few flow-table buckets and NAT connections.
 */
void dp_worker_run(struct dp_worker *w, const struct dp_table *_Atomic *published,
		   const volatile int *quit);

/*
 * Process what other workers passed to this one through its hand-off ring
 * (replies to ports it owns), at most DP_BURST_MAX, as dp_worker_process()
 * would (but not counted as received again). Returns how many were taken.
 */
uint16_t dp_worker_poll_handoff(struct dp_worker *w);

/*
 * The SYN proxy's timers due at @now (dp_worker_sp.h): backend SYNs sent
 * again, the next instance tried, clients reset. Returns the packets the
 * TX queues took.
 */
uint16_t dp_worker_poll_timers(struct dp_worker *w, uint64_t now);

/* Copy the flow table's counters into w->stats (done after each burst). */
void dp_worker_sync_flow_stats(struct dp_worker *w);

#endif /* DP_WORKER_H */
