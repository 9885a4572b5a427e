/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The full-NAT half of a worker's pipeline (called from dp_worker.c): a
 * client's packet to a NAT VIP finds or opens its connection and goes to
 * the backend from a NAT source; a backend's reply to a NAT source finds
 * its connection and goes to the client from the VIP, or, when its port
 * belongs to another worker, goes to that worker's hand-off ring; ICMP
 * errors about a connection are translated either way. The caller
 * transmits (DP_FWD_OK) or drops and counts (any other verdict but
 * DP_NAT_HANDED_OFF).
 */
#ifndef DP_WORKER_NAT_H
#define DP_WORKER_NAT_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "dp_fwd.h"
#include "dp_parse.h"
#include "dp_types.h"

/* Verdict: the mbuf is in its owner's hand-off ring, no longer the caller's. */
#define DP_NAT_HANDED_OFF (SL_DROP_MAX + 1)

struct dp_conn;
struct dp_nat_out;

/*
 * @m (parsed as @pkt, from w->ports[@rx_port_idx]) is addressed to NAT VIP
 * @vip_idx: a TCP/UDP packet or an ICMP error quoting a packet sent from
 * it. Returns DP_FWD_OK with *@tx_port the port to send the rewritten
 * packet on, DP_SP_HELD_VERDICT (a SYN-proxied connection holds it), or the
 * drop reason; the SYN proxy's own segments to send are added to @extra.
 */
unsigned int dp_nat_client(struct dp_worker *w, const struct dp_table *t, struct rte_mbuf *m,
			   struct dp_pkt *pkt, int32_t vip_idx, uint16_t rx_port_idx, uint64_t now,
			   uint16_t *tx_port, struct dp_nat_out *extra);

/*
 * @m is addressed to no VIP: a reply or an ICMP error for a NAT source, or
 * nothing of ours. Returns DP_FWD_OK with *@tx_port, DP_NAT_HANDED_OFF, or
 * the drop reason: not_vip or icmp_unmatched when the address is no NAT
 * source, nat_no_conn when it is one but no connection has the packet's
 * tuple.
 */
unsigned int dp_nat_reply(struct dp_worker *w, const struct dp_table *t, struct rte_mbuf *m,
			  struct dp_pkt *pkt, uint16_t rx_port_idx, uint64_t now, uint16_t *tx_port,
			  struct dp_nat_out *extra);

/*
 * A new connection for client SYN @pkt (@m: its frame, for the client's
 * MAC) to NAT VIP @vip_idx, to backend @be_idx (SL_BACKEND_NONE: the one
 * Maglev picks), in @state: a source port of this worker's slice is found
 * and both keys enter the table. @old (or NULL) is the TIME_WAIT/CLOSE
 * connection on the same client tuple this one replaces: freed once the
 * new one has its port, so the new one never gets the old one's port (the
 * backend may still hold its tuple). Returns DP_FWD_OK with *@out, or the
 * drop reason (@old then stays).
 */
unsigned int dp_nat_open(struct dp_worker *w, const struct dp_table *t, const struct dp_pkt *pkt,
			 const struct rte_mbuf *m, int32_t vip_idx, uint32_t be_idx,
			 unsigned int state, uint16_t rx_port_idx, uint64_t now,
			 struct dp_conn *old, struct dp_conn **out);

/*
 * @c's backend refused it or never answered: counted against the backend
 * (its connect_failures, sluiced's passive health signal) if @t still has
 * it in @c's slot, and in the worker's NAT counters.
 */
void dp_nat_connect_failed(struct dp_worker *w, const struct dp_table *t, const struct dp_conn *c);

/*
 * Have w->conns tell of each connection whose backend never answered its
 * SYN (dp_conn_table.unanswered): a connect failure under w->table.
 */
void dp_nat_watch_unanswered(struct dp_worker *w);

/*
 * A new connection for client segment @pkt (@m its frame) to VIP @vip_idx
 * with no backend yet: only the client's key enters the table (an HTTP
 * connection reading its first request). @old as for dp_nat_open.
 * Returns DP_FWD_OK with *@out, or the drop reason.
 */
unsigned int dp_nat_open_client(struct dp_worker *w, const struct dp_pkt *pkt,
				const struct rte_mbuf *m, int32_t vip_idx, unsigned int state,
				uint16_t rx_port_idx, uint64_t now, struct dp_conn *old,
				struct dp_conn **out);

/*
 * Bind @c to backend @be_idx of the table: a source port of this worker's
 * slice, its reply key in place of the one it had (if any). Returns
 * DP_FWD_OK or the drop reason (@c unchanged).
 */
unsigned int dp_nat_bind(struct dp_worker *w, const struct dp_table *t, struct dp_conn *c,
			 uint32_t be_idx, uint64_t now);

/*
 * Client segment @m of connection @c to its backend: spliced if the SYN
 * proxy spliced it, the MSS of a SYN clamped, counted, rewritten. Returns
 * DP_FWD_OK with *@tx_port, or the drop reason.
 */
unsigned int dp_nat_to_backend(struct dp_worker *w, const struct dp_table *t, struct dp_conn *c,
			       struct rte_mbuf *m, struct dp_pkt *pkt, uint16_t *tx_port);

/* Backend segment @m of @c (arrived on @rx_port_idx) to the client, the same way. */
unsigned int dp_nat_to_client(struct dp_worker *w, const struct dp_table *t, struct dp_conn *c,
			      struct rte_mbuf *m, struct dp_pkt *pkt, uint16_t rx_port_idx,
			      uint16_t *tx_port);

/*
 * Copy the connection table's counters into w->stats (by state, opened,
 * expired, ...) and the ports in use of the first @n_sources NAT sources.
 */
void dp_worker_sync_nat_stats(struct dp_worker *w, uint32_t n_sources);

#endif /* DP_WORKER_NAT_H */
