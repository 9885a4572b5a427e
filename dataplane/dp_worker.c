/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-packet pipeline and the burst loop of a worker lcore (see
 * dp_worker.h): dsr and tunnel here, full NAT in dp_worker_nat.c behind
 * the VIP lookup's one test for "no ordinary VIP". No allocation (except
 * mbufs for an ICMP reply or the pieces of a split packet, from the
 * worker's pool), no lock, no syscall, no log: every packet that does not
 * leave is counted under its drop reason. The clock is read once per burst.
 */
#include <stdatomic.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "dp_conn.h"
#include "dp_flow.h"
#include "dp_frag.h"
#include "dp_fwd.h"
#include "dp_icmp.h"
#include "dp_parse.h"
#include "dp_pick.h"
#include "dp_vip.h"
#include "dp_worker.h"
#include "dp_worker_nat.h"
#include "dp_worker_http.h"
#include "dp_worker_sp.h"

#define DP_TCP_FIN_RST (DP_TCP_FIN | DP_TCP_RST)
#define BE_IP4_DF RTE_BE16(RTE_IPV4_HDR_DF_FLAG)

/*
 * Packets per TX port, sent after the burst. One packet in leaves as at most
 * one packet, except a split (up to DP_FRAG_MAX pieces): the split path
 * checks room and leaves fewer than DP_BURST_MAX queued, so the rest of a
 * burst always fits in twice that without a check per packet.
 */
#define DP_TX_BATCH_MAX (2 * DP_BURST_MAX)

/* Rounds of due SYN-proxy timers a loop turn handles (each fills one dp_nat_out at most). */
#define DP_SP_TIMER_ROUNDS 16

struct tx_batch {
	uint16_t n[DP_MAX_PORTS];
	struct rte_mbuf *pkts[DP_MAX_PORTS][DP_TX_BATCH_MAX];
};

static inline void drop(struct dp_worker *w, struct rte_mbuf *m, unsigned int reason)
{
	w->stats->drops[reason]++;
	rte_pktmbuf_free(m);
}

static uint16_t flush_port(struct dp_worker *w, struct tx_batch *b, uint16_t p)
{
	uint16_t n = b->n[p], sent;
	uint64_t bytes = 0;

	if (n == 0)
		return 0;
	for (uint16_t i = 0; i < n; i++)
		bytes += rte_pktmbuf_pkt_len(b->pkts[p][i]);
	sent = rte_eth_tx_burst(w->ports[p].port_id, w->ports[p].tx_queue, b->pkts[p], n);
	for (uint16_t i = sent; i < n; i++) {
		bytes -= rte_pktmbuf_pkt_len(b->pkts[p][i]);
		drop(w, b->pkts[p][i], SL_DROP_TX_FULL);
	}
	w->stats->tx_packets += sent;
	w->stats->tx_bytes += bytes;
	b->n[p] = 0;
	return sent;
}

/* Queue @m on port @p (room guaranteed, see DP_TX_BATCH_MAX). */
static inline void tx_enqueue(struct tx_batch *b, uint16_t p, struct rte_mbuf *m)
{
	b->pkts[p][b->n[p]++] = m;
}

/* Queue the pieces of a split on port @p, keeping DP_TX_BATCH_MAX's promise. */
static uint16_t tx_enqueue_many(struct dp_worker *w, struct tx_batch *b, uint16_t p,
				struct rte_mbuf *m)
{
	uint16_t sent = 0;

	if (b->n[p] == DP_TX_BATCH_MAX)
		sent = flush_port(w, b, p);
	tx_enqueue(b, p, m);
	return sent;
}

/*
 * The SYN proxy's segments besides the packet in hand (a window update
 * releases the held ones): queued keeping DP_TX_BATCH_MAX's promise, no
 * port left with more than DP_BURST_MAX queued.
 */
static __rte_noinline uint16_t tx_enqueue_extra(struct dp_worker *w, struct tx_batch *b,
						const struct dp_nat_out *extra)
{
	uint16_t sent = 0;

	for (uint16_t i = 0; i < extra->n; i++) {
		uint16_t p = extra->port[i];

		if (b->n[p] >= DP_BURST_MAX)
			sent += flush_port(w, b, p);
		tx_enqueue(b, p, extra->m[i]);
	}
	return sent;
}

/*
 * A remembered flow still holds while its backend (same slot, same uid) is
 * in the current table, active with a next hop, in the VIP's pool: a
 * drained backend keeps its flows; one down or gone from the table loses
 * them (they move: an L4 flow has no state here to keep).
 */
static inline int flow_valid(const struct dp_table *t, const struct dp_flow_entry *e,
			     const struct sl_vip *vip)
{
	const struct sl_backend *be;

	if (e->backend >= t->n_backends)
		return 0;
	be = &t->backends[e->backend];
	return be->uid == e->backend_uid &&
	       (be->flags & (SL_BACKEND_F_ACTIVE | SL_BACKEND_F_RESOLVED)) ==
		       (SL_BACKEND_F_ACTIVE | SL_BACKEND_F_RESOLVED) &&
	       be->pool == vip->pool;
}

static inline void remember(struct dp_flow_entry *e, const struct dp_table *t, uint32_t be,
			    int32_t vip_idx)
{
	e->backend = be;
	e->backend_uid = t->backends[be].uid;
	e->vip = (uint16_t)vip_idx;
}

/*
 * Backend slot for the packet, from the flow table or Maglev; SL_BACKEND_NONE
 * if none. Inlined at both call sites: out of line, the key it compares
 * would be reloaded from memory on every packet.
 */
static __rte_always_inline uint32_t pick_backend(struct dp_worker *w, const struct dp_table *t,
						 const struct dp_pkt *pkt, const struct sl_vip *vip,
						 int32_t vip_idx, uint32_t hash, uint64_t now,
						 uint32_t len)
{
	/* the parser leaves tcp_flags 0 for UDP: no test of the protocol needed */
	unsigned int flags = pkt->tcp_flags;
	int fin = flags & DP_TCP_FIN_RST, acked = flags & DP_TCP_ACK;
	/*
	 * A bare SYN opens a new connection: it follows the current Maglev
	 * table even if an old flow with the same 5-tuple (a reused client
	 * port) is still remembered, as it must after the pool changed. Its
	 * entry stays embryonic (short-lived, evicted first) until an ACK.
	 */
	int syn = (flags & (DP_TCP_SYN | DP_TCP_ACK)) == DP_TCP_SYN, again = 0;
	struct dp_flow_entry *e = dp_flow_lookup(w->flows, &pkt->key, hash, now);
	unsigned int cls;
	uint32_t be;

	if (likely(e && !syn && flow_valid(t, e, vip))) {
		w->stats->flow_hits++;
		dp_flow_touch(w->flows, e, now, fin, acked);
		dp_flow_count(w->flows, e, len);
		return e->backend;
	}
	w->stats->flow_misses++;
	cls = syn ? DP_FLOW_TCP_SYN : pkt->key.proto == IPPROTO_TCP ? DP_FLOW_TCP : DP_FLOW_UDP;
	be = dp_pick_new(w, t, vip, &pkt->key, hash);
	if (be == SL_BACKEND_NONE)
		return be;
	if (!e) {
		e = dp_flow_insert(w->flows, &pkt->key, hash, now, cls);
		/* unremembered, its next packet is a miss again: only Maglev gives it the same */
		if (!e && dp_pick_is_rr(t, vip))
			be = dp_maglev_pick(t, vip, &pkt->key, hash);
		if (be == SL_BACKEND_NONE)
			return be;
	} else {
		/* a SYN on its tuple, or the flow's backend left: placed afresh */
		if (unlikely(w->flows->acct != NULL)) {
			/* a SYN sent again by a client still opening is the same flow */
			if (syn && e->cls == DP_FLOW_TCP_SYN && flow_valid(t, e, vip)) {
				dp_flow_count(w->flows, e, len);
				again = 1;
			} else {
				dp_flow_end(w->flows, e, SL_EV_END_EVICTED);
			}
		}
		dp_flow_set_class(w->flows, e, cls);
		e->last_seen = now;
	}
	if (e) {
		remember(e, t, be, vip_idx);
		if (!again)
			dp_flow_begin(w->flows, e, now, len);
		if (unlikely(fin))
			dp_flow_transition(w->flows, e, fin, acked);
	}
	w->vip_stats[vip_idx].flows++;
	w->backend_stats[be].flows++;
	return be;
}

/*
 * An ICMP error about a flow (its key is the flow's): the instance the flow
 * is remembered on, else the one Maglev gives the flow, as another worker
 * or appliance with the same table would. Nothing is remembered or
 * refreshed: an error is not traffic of the flow.
 */
static inline uint32_t pick_for_error(struct dp_worker *w, const struct dp_table *t,
				      const struct dp_pkt *pkt, int32_t vip_idx, uint32_t hash,
				      uint64_t now)
{
	const struct sl_vip *vip = &t->vips[vip_idx];
	struct dp_flow_entry *e = dp_flow_lookup(w->flows, &pkt->key, hash, now);

	if (e && flow_valid(t, e, vip))
		return e->backend;
	return dp_maglev_pick(t, vip, &pkt->key, hash);
}

/* The flow-table key under which a fragmented datagram's instance is remembered. */
static inline struct sl_flow_key frag_key(const struct dp_pkt *pkt)
{
	struct sl_flow_key k = pkt->key;

	memcpy(&k.sport, &pkt->frag_id, sizeof(pkt->frag_id)); /* sport and dport */
	k.pad = DP_FLOW_KEY_FRAG;
	return k;
}

/* The first fragment went to @be: its datagram's later fragments follow it. */
static inline void frag_remember(struct dp_worker *w, const struct dp_table *t,
				 const struct dp_pkt *pkt, uint32_t be, int32_t vip_idx,
				 uint64_t now)
{
	struct sl_flow_key k = frag_key(pkt);
	uint32_t h = sl_flow_hash(&k, 0);
	struct dp_flow_entry *e = dp_flow_lookup(w->flows, &k, h, now);

	if (!e)
		e = dp_flow_insert(w->flows, &k, h, now, DP_FLOW_FRAG);
	if (!e)
		return; /* counted as untracked; the later fragments will be unplaced */
	remember(e, t, be, vip_idx);
	e->last_seen = now;
}

/*
 * A later fragment: the backend and VIP its first fragment went to, or
 * SL_BACKEND_NONE (first fragment not seen here, or its instance left).
 */
static inline uint32_t frag_place(struct dp_worker *w, const struct dp_table *t,
				  const struct dp_pkt *pkt, int32_t *vip_idx, uint64_t now)
{
	struct sl_flow_key k = frag_key(pkt);
	struct dp_flow_entry *e = dp_flow_lookup(w->flows, &k, sl_flow_hash(&k, 0), now);
	const struct sl_vip *vip;

	if (!e || e->vip >= t->hdr->n_vips)
		return SL_BACKEND_NONE;
	vip = &t->vips[e->vip];
	if (vip->proto != pkt->key.proto || vip->addr.a64[0] != pkt->key.dst.a64[0] ||
	    vip->addr.a64[1] != pkt->key.dst.a64[1] || !flow_valid(t, e, vip))
		return SL_BACKEND_NONE;
	*vip_idx = e->vip;
	return e->backend;
}

/* Where a packet goes, once its VIP and backend are known. */
struct fwd {
	const struct sl_vip *vip;
	const struct sl_backend *be;
	int32_t vip_idx;
	uint32_t be_idx;
	uint32_t hash; /* flow hash for the tunnel's outer header */
	uint32_t len;  /* bytes as received */
};

static inline void count_fwd(struct dp_worker *w, const struct fwd *f)
{
	w->vip_stats[f->vip_idx].packets++;
	w->vip_stats[f->vip_idx].bytes += f->len;
	w->backend_stats[f->be_idx].packets++;
	w->backend_stats[f->be_idx].bytes += f->len;
}

/*
 * Tunnel a packet that does not fit the TX port once encapsulated: IPv4
 * without DF is split and each piece tunnelled; anything else gets a "too
 * big" answer to the client (never about an ICMP error). Consumes @m;
 * returns the packets the TX queues took at once (a full batch flushed).
 */
static uint16_t tunnel_too_big(struct dp_worker *w, struct tx_batch *b, struct rte_mbuf *m,
			       const struct dp_pkt *pkt, const struct fwd *f, uint16_t rx_port_idx)
{
	const struct dp_port_ctx *tx = &w->ports[f->be->tx_port];
	uint32_t room = tx->mtu - dp_tunnel_overhead(f->vip, f->be);
	struct rte_mbuf *pieces[DP_FRAG_MAX], *reply;
	uint16_t frag_word, sent = 0;
	unsigned int v, n;

	if (pkt->icmp_error) {
		drop(w, m, SL_DROP_TOO_BIG_NO_ICMP);
		return 0;
	}
	memcpy(&frag_word, rte_pktmbuf_mtod_offset(m, uint8_t *, pkt->l2_len + 6), 2);
	if (pkt->key.af == SL_AF_INET6 || (frag_word & BE_IP4_DF)) {
		v = dp_icmp_too_big(w->mbuf_pool, m, pkt, room, &reply);
		drop(w, m, v);
		if (reply)
			tx_enqueue(b, rx_port_idx, reply);
		return 0;
	}
	v = dp_frag4_split(w->mbuf_pool, m, pkt, room, pieces, &n);
	if (v != DP_PARSE_OK) {
		drop(w, m, v);
		return 0;
	}
	rte_pktmbuf_free(m);
	w->stats->frag_split++;
	count_fwd(w, f);
	for (unsigned int i = 0; i < n; i++) {
		struct dp_pkt piece = *pkt;

		piece.l3_len = (uint16_t)(rte_pktmbuf_pkt_len(pieces[i]) - pkt->l2_len);
		v = dp_fwd_tunnel(pieces[i], &piece, f->vip, f->be, f->hash, tx);
		if (v != DP_FWD_OK)
			drop(w, pieces[i], v);
		else
			sent += tx_enqueue_many(w, b, f->be->tx_port, pieces[i]);
	}
	if (b->n[f->be->tx_port] >= DP_BURST_MAX)
		sent += flush_port(w, b, f->be->tx_port);
	return sent;
}

/* place_special(): the packet may be full NAT's (dp_worker_nat.h); f->vip_idx says which side */
#define DP_NAT_PATH (SL_DROP_MAX + 2)

/*
 * Cold: a fragment or an ICMP error. Fills *@f with where it goes, or
 * returns the drop reason, or DP_NAT_PATH.
 */
static __rte_noinline unsigned int place_special(struct dp_worker *w, const struct dp_table *t,
						 const struct dp_pkt *pkt, uint64_t now,
						 struct fwd *f)
{
	if (pkt->frag == DP_FRAG_LATER) {
		f->be_idx = frag_place(w, t, pkt, &f->vip_idx, now);
		if (f->be_idx == SL_BACKEND_NONE)
			return SL_DROP_FRAG_UNPLACED;
		f->vip = &t->vips[f->vip_idx];
		f->hash = sl_flow_hash(&pkt->key, 1);
		w->stats->frag_forwarded++;
		return DP_PARSE_OK;
	}
	f->vip_idx = dp_vip_lookup(t->vip_index, &pkt->key);
	if (f->vip_idx < 0)
		return DP_NAT_PATH; /* a NAT VIP, or maybe a NAT source */
	f->vip = &t->vips[f->vip_idx];
	f->hash = sl_flow_hash(&pkt->key, 0);
	if (pkt->icmp_error) {
		f->be_idx = pick_for_error(w, t, pkt, f->vip_idx, f->hash, now);
		if (f->be_idx == SL_BACKEND_NONE)
			return SL_DROP_NO_BACKEND;
		w->stats->icmp_forwarded++;
		return DP_PARSE_OK;
	}
	/* a first fragment: placed by its 5-tuple, its datagram remembered */
	f->be_idx = pick_backend(w, t, pkt, f->vip, f->vip_idx, f->hash, now, f->len);
	if (f->be_idx == SL_BACKEND_NONE)
		return SL_DROP_NO_BACKEND;
	frag_remember(w, t, pkt, f->be_idx, f->vip_idx, now);
	f->hash = sl_flow_hash(&pkt->key, 1); /* every piece of the datagram alike */
	w->stats->frag_forwarded++;
	return DP_PARSE_OK;
}

/*
 * Cold: no ordinary VIP. @code (dp_vip_lookup) names a NAT VIP, or none: a
 * reply to a NAT source, or nobody's packet. Rewritten and queued, handed
 * to its owner, or dropped.
 */
static __rte_noinline __rte_cold uint16_t nat_path(struct dp_worker *w, const struct dp_table *t,
						   struct rte_mbuf *m, struct dp_pkt *pkt,
						   int32_t code, uint16_t rx_port_idx, uint64_t now,
						   struct tx_batch *b)
{
	struct dp_nat_out extra;
	uint16_t tx_port = 0;
	unsigned int v;

	extra.n = 0;
	if (code != DP_VIP_NONE)
		v = dp_nat_client(w, t, m, pkt, DP_VIP_NAT_INDEX(code), rx_port_idx, now, &tx_port,
				  &extra);
	else
		v = dp_nat_reply(w, t, m, pkt, rx_port_idx, now, &tx_port, &extra);
	if (v == DP_FWD_OK)
		tx_enqueue(b, tx_port, m);
	else if (v != DP_NAT_HANDED_OFF && v != DP_SP_HELD_VERDICT)
		drop(w, m, v);
	return extra.n ? tx_enqueue_extra(w, b, &extra) : 0;
}

/*
 * One packet: forwarded (queued in @b), answered (an ICMP reply queued), or
 * dropped and counted. Returns the packets the TX queues took at once.
 */
static inline uint16_t process_one(struct dp_worker *w, const struct dp_table *t,
				   struct rte_mbuf *m, uint16_t rx_port_idx, uint64_t now,
				   struct tx_batch *b)
{
	const struct dp_port_ctx *tx;
	struct dp_pkt pkt;
	struct fwd f;
	unsigned int v;

	f.len = rte_pktmbuf_pkt_len(m);
	v = dp_parse_mbuf(m, &pkt);
	if (v != DP_PARSE_OK)
		goto drop;
	if (unlikely(pkt.frag | pkt.icmp_error)) {
		v = place_special(w, t, &pkt, now, &f);
		if (v == DP_NAT_PATH)
			return nat_path(w, t, m, &pkt, f.vip_idx, rx_port_idx, now, b);
		if (v != DP_PARSE_OK)
			goto drop;
	} else {
		f.vip_idx = dp_vip_lookup(t->vip_index, &pkt.key);
		if (f.vip_idx < 0)
			return nat_path(w, t, m, &pkt, f.vip_idx, rx_port_idx, now, b);
		f.vip = &t->vips[f.vip_idx];
		f.hash = sl_flow_hash(&pkt.key, 0);
		f.be_idx = pick_backend(w, t, &pkt, f.vip, f.vip_idx, f.hash, now, f.len);
		if (f.be_idx == SL_BACKEND_NONE) {
			v = SL_DROP_NO_BACKEND;
			goto drop;
		}
	}
	f.be = &t->backends[f.be_idx];
	if (f.be->tx_port >= w->n_ports) {
		v = SL_DROP_BAD_TX_PORT;
		goto drop;
	}
	tx = &w->ports[f.be->tx_port];
	if (f.vip->mode == SL_MODE_TUNNEL) {
		if (unlikely(pkt.l3_len + dp_tunnel_overhead(f.vip, f.be) > tx->mtu)) {
			struct fwd fc = f; /* by address only on this path: f stays in registers */

			return tunnel_too_big(w, b, m, &pkt, &fc, rx_port_idx);
		}
		v = dp_fwd_tunnel(m, &pkt, f.vip, f.be, f.hash, tx);
	} else {
		v = dp_fwd_dsr(m, f.be, tx);
	}
	if (v != DP_FWD_OK)
		goto drop;
	count_fwd(w, &f);
	tx_enqueue(b, f.be->tx_port, m);
	return 0;
drop:
	drop(w, m, v);
	return 0;
}

void dp_worker_sync_flow_stats(struct dp_worker *w)
{
	w->stats->flow_evictions = w->flows->cnt.evictions;
	w->stats->flow_expired = w->flows->cnt.expired;
	w->stats->flows_active = w->flows->cnt.active;
	w->stats->flows_embryonic = w->flows->cnt.embryonic;
	w->stats->flow_embryonic_evictions = w->flows->cnt.embryonic_evictions;
	w->stats->flow_untracked = w->flows->cnt.untracked;
}

/* @received: from an RX queue (counted as received), else from the hand-off ring. */
static inline uint16_t process_burst(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n,
				     uint16_t rx_port_idx, uint64_t now, int received)
{
	const struct dp_table *t = w->table;
	struct tx_batch b;
	uint16_t sent = 0;

	w->now = now;
	memset(b.n, 0, sizeof(b.n[0]) * w->n_ports);
	if (received) {
		w->stats->rx_packets += n;
		for (uint16_t i = 0; i < n; i++)
			w->stats->rx_bytes += rte_pktmbuf_pkt_len(pkts[i]);
	}
	if (!t) {
		for (uint16_t i = 0; i < n; i++)
			drop(w, pkts[i], SL_DROP_NO_TABLE);
		return 0;
	}
	for (uint16_t i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		sent += process_one(w, t, pkts[i], rx_port_idx, now, &b);
	}
	dp_worker_sync_flow_stats(w);
	if (unlikely(w->nat_dirty))
		dp_worker_sync_nat_stats(w, t->n_nat_sources);
	for (uint16_t p = 0; p < w->n_ports; p++)
		sent += flush_port(w, &b, p);
	return sent;
}

uint16_t dp_worker_process(struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n,
			   uint16_t rx_port_idx)
{
	uint64_t now = rte_rdtsc();
	uint16_t sent = 0;

	while (n) {
		uint16_t chunk = RTE_MIN(n, (uint16_t)DP_BURST_MAX);

		sent += process_burst(w, pkts, chunk, rx_port_idx, now, 1);
		pkts += chunk;
		n -= chunk;
	}
	return sent;
}

/* The index of DPDK port @port_id among the worker's ports (every worker has them alike). */
static uint16_t port_index(const struct dp_worker *w, uint16_t port_id)
{
	for (uint16_t p = 0; p < w->n_ports; p++)
		if (w->ports[p].port_id == port_id)
			return p;
	return 0;
}

uint16_t dp_worker_poll_handoff(struct dp_worker *w)
{
	struct rte_mbuf *pkts[DP_BURST_MAX];
	uint64_t now = rte_rdtsc();
	unsigned int n;

	if (!w->handoff)
		return 0;
	n = rte_ring_sc_dequeue_burst(w->handoff[w->index], (void **)pkts, DP_BURST_MAX, NULL);
	w->stats->nat.handoff_received += n;
	/* in runs of one arrival port: m->port says which (dp_worker_nat.c) */
	for (unsigned int i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && pkts[j]->port == pkts[i]->port; j++)
			;
		process_burst(w, pkts + i, (uint16_t)(j - i), port_index(w, pkts[i]->port), now, 0);
	}
	return (uint16_t)n;
}

static inline int timers_pending(const struct dp_sp_timers *t)
{
	return t && t->head != t->tail;
}

uint16_t dp_worker_poll_timers(struct dp_worker *w, uint64_t now)
{
	const struct dp_table *t = w->table;
	struct dp_nat_out extra;
	struct tx_batch b;
	uint16_t sent = 0;

	w->now = now;
	if (!t || (!timers_pending(w->sp_timers) && !dp_http_timers_pending(w->http)))
		return 0;
	memset(b.n, 0, sizeof(b.n[0]) * w->n_ports);
	for (unsigned int i = 0; i < DP_SP_TIMER_ROUNDS; i++) {
		unsigned int ran;

		extra.n = 0;
		ran = w->sp_timers ? dp_sp_timers_run(w, t, now, &extra) : 0;
		ran += dp_http_timers_run(w, t, now, &extra);
		sent += tx_enqueue_extra(w, &b, &extra);
		if (!ran)
			break;
	}
	w->nat_dirty = 1;
	for (uint16_t p = 0; p < w->n_ports; p++)
		sent += flush_port(w, &b, p);
	return sent;
}

void dp_worker_run(struct dp_worker *w, const struct dp_table *_Atomic *published,
		   const volatile int *quit)
{
	uint16_t burst = w->burst ? RTE_MIN(w->burst, (uint16_t)DP_BURST_MAX) : DP_BURST_DEFAULT;
	struct rte_mbuf *pkts[DP_BURST_MAX];

	while (!*quit) {
		const struct dp_table *t = atomic_load_explicit(published, memory_order_acquire);

		uint64_t now;

		if (t != w->table) {
			dp_rr_switch(&w->rr, w->table, t);
			w->table = t;
			w->stats->table_switches++;
			if (t)
				__atomic_store_n(&w->ack->word, t->word, __ATOMIC_RELEASE);
			/* every source's count: the new table may have fewer sources */
			dp_worker_sync_nat_stats(w, w->max_nat_sources);
		}
		for (uint16_t p = 0; p < w->n_ports; p++) {
			uint16_t n = rte_eth_rx_burst(w->ports[p].port_id, w->ports[p].rx_queue,
						      pkts, burst);

			if (n)
				dp_worker_process(w, pkts, n, p);
		}
		dp_worker_poll_handoff(w);
		now = rte_rdtsc();
		dp_worker_poll_timers(w, now);
		dp_flow_sweep(w->flows, now, DP_FLOW_SWEEP_BUCKETS);
		dp_worker_sync_flow_stats(w);
		if (w->conns && dp_conn_sweep(w->conns, now, DP_CONN_SWEEP_ENTRIES))
			w->nat_dirty = 1;
		if (w->nat_dirty)
			dp_worker_sync_nat_stats(w, t ? t->n_nat_sources : 0);
	}
}
