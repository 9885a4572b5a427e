/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-packet pipeline and the burst loop of a worker lcore (see
 * dp_worker.h). No allocation (except the mbuf of an ICMP reply), no lock,
 * no syscall, no log: every packet that does not leave is counted under
 * its drop reason. The clock is read once per burst.
 */
#include <stdatomic.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "dp_flow.h"
#include "dp_fwd.h"
#include "dp_icmp.h"
#include "dp_parse.h"
#include "dp_vip.h"
#include "dp_worker.h"

#define DP_TCP_FIN_RST (DP_TCP_FIN | DP_TCP_RST)

struct tx_batch {
	uint16_t n[DP_MAX_PORTS];
	struct rte_mbuf *pkts[DP_MAX_PORTS][DP_BURST_MAX];
};

static inline void drop(struct dp_worker *w, struct rte_mbuf *m, unsigned int reason)
{
	w->stats->drops[reason]++;
	rte_pktmbuf_free(m);
}

/*
 * A remembered flow still holds while its backend (same slot, same uid) is
 * in the current table with a next hop, in the VIP's pool: a drained
 * backend keeps its flows; one that left the table loses them.
 */
static inline int flow_valid(const struct dp_table *t, const struct dp_flow_entry *e,
			     const struct sl_vip *vip)
{
	const struct sl_backend *be;

	if (e->backend >= t->n_backends)
		return 0;
	be = &t->backends[e->backend];
	return be->uid == e->backend_uid && (be->flags & SL_BACKEND_F_RESOLVED) &&
	       be->pool == vip->pool;
}

/* Backend slot for the packet, from the flow table or Maglev; SL_BACKEND_NONE if none. */
static inline uint32_t pick_backend(struct dp_worker *w, const struct dp_table *t,
				    const struct dp_pkt *pkt, int32_t vip_idx, uint32_t hash,
				    uint64_t now)
{
	const struct sl_vip *vip = &t->vips[vip_idx];
	int tcp = pkt->key.proto == IPPROTO_TCP;
	int fin = tcp && (pkt->tcp_flags & DP_TCP_FIN_RST);
	/*
	 * A bare SYN opens a new connection: it follows the current Maglev
	 * table even if an old flow with the same 5-tuple (a reused client
	 * port) is still remembered, as it must after the pool changed.
	 */
	int syn = tcp && (pkt->tcp_flags & (DP_TCP_SYN | DP_TCP_ACK)) == DP_TCP_SYN;
	struct dp_flow_entry *e = dp_flow_lookup(w->flows, &pkt->key, hash, now);
	uint32_t mh, be;

	if (e && !syn && flow_valid(t, e, vip)) {
		w->stats->flow_hits++;
		dp_flow_touch(e, now, fin);
		return e->backend;
	}
	w->stats->flow_misses++;
	mh = vip->flags & SL_VIP_F_HASH_3TUPLE ? sl_flow_hash(&pkt->key, 1) : hash;
	be = t->maglev[(size_t)vip->pool * t->maglev_size + mh % t->maglev_size];
	if (be == SL_BACKEND_NONE)
		return be;
	if (!e) {
		e = dp_flow_insert(w->flows, &pkt->key, hash, now);
	} else {
		/* the flow's backend left: place it again, fresh */
		e->cls = pkt->key.proto == IPPROTO_TCP ? DP_FLOW_TCP : DP_FLOW_UDP;
	}
	e->backend = be;
	e->backend_uid = t->backends[be].uid;
	e->vip = (uint16_t)vip_idx;
	dp_flow_touch(e, now, fin);
	w->vip_stats[vip_idx].flows++;
	w->backend_stats[be].flows++;
	return be;
}

/*
 * One packet: returns the index of the port *@out leaves by (@m, or an ICMP
 * reply built from @m, which is then freed), or -1 if @m was dropped.
 */
static inline int process_one(struct dp_worker *w, const struct dp_table *t,
			      struct rte_mbuf *m, uint16_t rx_port_idx, uint64_t now,
			      struct rte_mbuf **out)
{
	const struct sl_backend *be;
	const struct dp_port_ctx *tx;
	const struct sl_vip *vip;
	uint32_t hash, be_idx, len = rte_pktmbuf_pkt_len(m);
	struct dp_pkt pkt;
	unsigned int v;
	int32_t vip_idx;

	v = dp_parse_mbuf(m, &pkt);
	if (v != DP_PARSE_OK)
		goto drop;
	vip_idx = dp_vip_lookup(t->vip_index, &pkt.key);
	if (vip_idx < 0) {
		v = SL_DROP_NOT_VIP;
		goto drop;
	}
	vip = &t->vips[vip_idx];
	hash = sl_flow_hash(&pkt.key, 0);
	be_idx = pick_backend(w, t, &pkt, vip_idx, hash, now);
	if (be_idx == SL_BACKEND_NONE) {
		v = SL_DROP_NO_BACKEND;
		goto drop;
	}
	be = &t->backends[be_idx];
	if (be->tx_port >= w->n_ports) {
		v = SL_DROP_BAD_TX_PORT;
		goto drop;
	}
	tx = &w->ports[be->tx_port];

	if (vip->mode == SL_MODE_TUNNEL) {
		uint32_t overhead = dp_tunnel_overhead(vip, be);

		if (pkt.l3_len + overhead > tx->mtu) {
			struct rte_mbuf *reply;

			v = dp_icmp_too_big(w->mbuf_pool, m, &pkt, tx->mtu - overhead, &reply);
			if (reply) {
				drop(w, m, v);
				*out = reply;
				return rx_port_idx;
			}
			goto drop;
		}
		v = dp_fwd_tunnel(m, &pkt, vip, be, hash, tx);
	} else {
		v = dp_fwd_dsr(m, be, tx);
	}
	if (v != DP_FWD_OK)
		goto drop;
	w->vip_stats[vip_idx].packets++;
	w->vip_stats[vip_idx].bytes += len;
	w->backend_stats[be_idx].packets++;
	w->backend_stats[be_idx].bytes += len;
	*out = m;
	return be->tx_port;
drop:
	drop(w, m, v);
	return -1;
}

void dp_worker_sync_flow_stats(struct dp_worker *w)
{
	w->stats->flow_evictions = w->flows->cnt.evictions;
	w->stats->flow_expired = w->flows->cnt.expired;
	w->stats->flows_active = w->flows->cnt.active;
}

static uint16_t flush(struct dp_worker *w, struct tx_batch *b)
{
	uint16_t total = 0;

	for (uint16_t p = 0; p < w->n_ports; p++) {
		uint16_t n = b->n[p], sent;
		uint64_t bytes = 0;

		if (n == 0)
			continue;
		for (uint16_t i = 0; i < n; i++)
			bytes += rte_pktmbuf_pkt_len(b->pkts[p][i]);
		sent = rte_eth_tx_burst(w->ports[p].port_id, w->ports[p].tx_queue, b->pkts[p], n);
		for (uint16_t i = sent; i < n; i++) {
			bytes -= rte_pktmbuf_pkt_len(b->pkts[p][i]);
			drop(w, b->pkts[p][i], SL_DROP_TX_FULL);
		}
		w->stats->tx_packets += sent;
		w->stats->tx_bytes += bytes;
		total += sent;
	}
	return total;
}

static uint16_t process_burst(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n,
			      uint16_t rx_port_idx, uint64_t now)
{
	const struct dp_table *t = w->table;
	struct tx_batch b;

	memset(b.n, 0, sizeof(b.n[0]) * w->n_ports);
	w->stats->rx_packets += n;
	for (uint16_t i = 0; i < n; i++)
		w->stats->rx_bytes += rte_pktmbuf_pkt_len(pkts[i]);
	if (!t) {
		for (uint16_t i = 0; i < n; i++)
			drop(w, pkts[i], SL_DROP_NO_TABLE);
		return 0;
	}
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *out;
		int port;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		port = process_one(w, t, pkts[i], rx_port_idx, now, &out);
		if (port >= 0)
			b.pkts[port][b.n[port]++] = out;
	}
	dp_worker_sync_flow_stats(w);
	return flush(w, &b);
}

uint16_t dp_worker_process(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n,
			   uint16_t rx_port_idx)
{
	uint64_t now = rte_rdtsc();
	uint16_t sent = 0;

	while (n) {
		uint16_t chunk = RTE_MIN(n, (uint16_t)DP_BURST_MAX);

		sent += process_burst(w, pkts, chunk, rx_port_idx, now);
		pkts += chunk;
		n -= chunk;
	}
	return sent;
}

void dp_worker_run(struct dp_worker *w, const struct dp_table *_Atomic *published,
		   const volatile int *quit)
{
	uint16_t burst = w->burst ? RTE_MIN(w->burst, (uint16_t)DP_BURST_MAX) : DP_BURST_DEFAULT;
	struct rte_mbuf *pkts[DP_BURST_MAX];

	while (!*quit) {
		const struct dp_table *t = atomic_load_explicit(published, memory_order_acquire);

		if (t != w->table) {
			w->table = t;
			w->stats->table_switches++;
			if (t)
				__atomic_store_n(&w->ack->word, t->word, __ATOMIC_RELEASE);
		}
		for (uint16_t p = 0; p < w->n_ports; p++) {
			uint16_t n = rte_eth_rx_burst(w->ports[p].port_id, w->ports[p].rx_queue,
						      pkts, burst);

			if (n)
				dp_worker_process(w, pkts, n, p);
		}
		dp_flow_sweep(w->flows, rte_rdtsc(), DP_FLOW_SWEEP_BUCKETS);
		dp_worker_sync_flow_stats(w);
	}
}
