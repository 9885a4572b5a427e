/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Full NAT in the worker (see dp_worker_nat.h): connections found, opened,
 * tracked and validated against the table; the translation each direction
 * gets; the hand-off of replies whose port another worker owns. Nothing
 * here allocates, locks or logs; every packet that does not leave has a
 * drop reason.
 */
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <netinet/in.h>

#include "dp_conn.h"
#include "dp_http_insert.h"
#include "dp_nat.h"
#include "dp_natport.h"
#include "dp_pick.h"
#include "dp_vip.h"
#include "dp_worker_http.h"
#include "dp_worker_nat.h"
#include "dp_worker_sp.h"

#define TCP_SYN_ACK (DP_TCP_SYN | DP_TCP_ACK)

/* The key as it leaves towards the other end of @k: addresses and ports swapped. */
static inline void reversed(struct sl_flow_key *out, const struct sl_flow_key *k)
{
	out->src = k->dst;
	out->dst = k->src;
	out->sport = k->dport;
	out->dport = k->sport;
}

/*
 * The connection's backend is still the one it opened with, with a next
 * hop: down (health) or drained, it keeps the connections it holds.
 */
static inline const struct sl_backend *conn_backend(const struct dp_table *t,
						    const struct dp_conn *c)
{
	const struct sl_backend *be;

	if (c->backend >= t->n_backends)
		return NULL;
	be = &t->backends[c->backend];
	if (be->uid != c->backend_uid || !(be->flags & SL_BACKEND_F_RESOLVED))
		return NULL;
	return be;
}

/*
 * The MSS a handshake of family @af between ports @a and @b may promise:
 * both MTUs, and the clamp of @vip (NULL: none).
 */
static inline uint16_t mss_for(const struct dp_worker *w, const struct sl_vip *vip, uint8_t af,
			       uint16_t a, uint16_t b)
{
	uint32_t mtu = RTE_MIN(w->ports[a].mtu, w->ports[b].mtu);
	uint32_t over = af == SL_AF_INET ? DP_NAT_MSS_OVERHEAD4 : DP_NAT_MSS_OVERHEAD6;
	uint32_t mss = mtu > over ? mtu - over : 0;

	if (vip && vip->mss && vip->mss < mss)
		mss = vip->mss;
	return (uint16_t)mss;
}

static inline void count(struct sl_counter *c, uint32_t len)
{
	c->packets++;
	c->bytes += len;
}

/*
 * The reply key of a connection from client key @ck (hash @hash) of @vip to
 * backend @be, through a source port of this worker's slice: 0, or the
 * drop reason.
 */
static unsigned int reply_for(struct dp_worker *w, const struct dp_table *t,
			      const struct sl_vip *vip, const struct sl_flow_key *ck, uint32_t hash,
			      const struct sl_backend *be, uint64_t now, struct sl_flow_key *reply,
			      uint32_t *src_idx, uint32_t *rhash)
{
	if (be->af != vip->af)
		return SL_DROP_NAT_FAMILY;
	memset(reply, 0, sizeof(*reply));
	reply->src = be->addr;
	reply->sport = be->port ? be->port : ck->dport;
	reply->proto = ck->proto;
	reply->af = ck->af;
	if (dp_natport_pick(w->conns, t->nat_sources, vip->nat_src_first, vip->nat_src_count,
			    w->n_workers, w->index, hash, now, reply, src_idx, rhash))
		return SL_DROP_NAT_PORT_EXHAUSTED;
	return 0;
}

static void set_backend(struct dp_worker *w, struct dp_conn *c, uint32_t be_idx,
			const struct sl_backend *be)
{
	c->backend = be_idx;
	c->backend_uid = be->uid;
	w->backend_stats[be_idx].flows++;
}

/* The client's side of a new connection: its VIP and next hop. */
static void set_client(struct dp_worker *w, struct dp_conn *c, int32_t vip_idx,
		       uint16_t rx_port_idx, const struct rte_mbuf *m)
{
	c->vip = (uint16_t)vip_idx;
	c->client_port = (uint8_t)rx_port_idx;
	memcpy(c->client_mac, rte_pktmbuf_mtod_offset(m, const uint8_t *, RTE_ETHER_ADDR_LEN),
	       RTE_ETHER_ADDR_LEN);
	w->vip_stats[vip_idx].flows++;
}

unsigned int dp_nat_open(struct dp_worker *w, const struct dp_table *t, const struct dp_pkt *pkt,
			 const struct rte_mbuf *m, int32_t vip_idx, uint32_t be_idx,
			 unsigned int state, uint16_t rx_port_idx, uint64_t now,
			 struct dp_conn *old, struct dp_conn **out)
{
	const struct sl_vip *vip = &t->vips[vip_idx];
	uint32_t hash = sl_flow_hash(&pkt->key, 0);
	struct sl_flow_key reply;
	uint32_t src_idx, rhash;
	struct dp_conn *c;
	unsigned int v;

	if (pkt->key.proto == IPPROTO_TCP && (pkt->tcp_flags & TCP_SYN_ACK) != DP_TCP_SYN)
		return SL_DROP_NAT_MID_STREAM;
	if (be_idx == SL_BACKEND_NONE)
		be_idx = dp_pick_new(w, t, vip, &pkt->key, hash);
	if (be_idx == SL_BACKEND_NONE)
		return SL_DROP_NO_BACKEND;
	v = reply_for(w, t, vip, &pkt->key, hash, &t->backends[be_idx], now, &reply, &src_idx,
		      &rhash);
	if (v)
		return v;
	if (old)
		dp_conn_reuse(w->conns, old);
	if (dp_conn_open(w->conns, &pkt->key, hash, &reply, rhash, now, state, (uint16_t)src_idx,
			 &c))
		return SL_DROP_NAT_CONN_FULL;
	set_backend(w, c, be_idx, &t->backends[be_idx]);
	set_client(w, c, vip_idx, rx_port_idx, m);
	*out = c;
	return DP_FWD_OK;
}

void dp_nat_connect_failed(struct dp_worker *w, const struct dp_table *t, const struct dp_conn *c)
{
	if (t && c->backend < t->n_backends && t->backends[c->backend].uid == c->backend_uid)
		w->backend_stats[c->backend].connect_failures++;
	w->stats->nat.connect_failures++;
}

static void unanswered(void *ctx, const struct dp_conn *c)
{
	struct dp_worker *w = ctx;

	dp_nat_connect_failed(w, w->table, c);
}

void dp_nat_watch_unanswered(struct dp_worker *w)
{
	if (!w->conns)
		return;
	w->conns->unanswered = unanswered;
	w->conns->unanswered_ctx = w;
}

unsigned int dp_nat_open_client(struct dp_worker *w, const struct dp_pkt *pkt,
				const struct rte_mbuf *m, int32_t vip_idx, unsigned int state,
				uint16_t rx_port_idx, uint64_t now, struct dp_conn *old,
				struct dp_conn **out)
{
	struct dp_conn *c;

	if (old)
		dp_conn_reuse(w->conns, old);
	if (dp_conn_open(w->conns, &pkt->key, sl_flow_hash(&pkt->key, 0), NULL, 0, now, state, 0,
			 &c))
		return SL_DROP_NAT_CONN_FULL;
	c->backend = SL_BACKEND_NONE;
	set_client(w, c, vip_idx, rx_port_idx, m);
	*out = c;
	return DP_FWD_OK;
}

unsigned int dp_nat_bind(struct dp_worker *w, const struct dp_table *t, struct dp_conn *c,
			 uint32_t be_idx, uint64_t now)
{
	const struct sl_flow_key *ck = &c->key[DP_CONN_ORIG];
	struct sl_flow_key reply;
	uint32_t src_idx, rhash;
	unsigned int v;

	if (c->vip >= t->hdr->n_vips || be_idx >= t->n_backends)
		return SL_DROP_NO_BACKEND;
	v = reply_for(w, t, &t->vips[c->vip], ck, sl_flow_hash(ck, 0), &t->backends[be_idx], now,
		      &reply, &src_idx, &rhash);
	if (v)
		return v;
	if (dp_conn_set_reply(w->conns, c, &reply, rhash, (uint16_t)src_idx, now))
		return SL_DROP_NAT_CONN_FULL;
	set_backend(w, c, be_idx, &t->backends[be_idx]);
	return DP_FWD_OK;
}

/* @m of @c in direction @dir, for the connection's records. */
static inline void conn_count(struct dp_worker *w, const struct dp_conn *c,
			      const struct rte_mbuf *m, const struct dp_pkt *pkt, unsigned int dir)
{
	uint32_t off, payload;

	if (likely(!w->conns->acct))
		return;
	if (pkt->key.proto == IPPROTO_TCP)
		payload = dp_seg_payload(m, pkt, &off);
	else
		payload = (uint32_t)(pkt->l2_len + pkt->l3_len - pkt->l4_off - 8u);
	dp_conn_count(w->conns, c, dir, rte_pktmbuf_pkt_len(m), payload,
		      (pkt->tcp_flags & TCP_SYN_ACK) == TCP_SYN_ACK, w->now);
}

unsigned int dp_nat_to_backend(struct dp_worker *w, const struct dp_table *t, struct dp_conn *c,
			       struct rte_mbuf *m, struct dp_pkt *pkt, uint16_t *tx_port)
{
	const struct sl_backend *be = &t->backends[c->backend];
	const struct sl_vip *vip = c->vip < t->hdr->n_vips ? &t->vips[c->vip] : NULL;
	struct sl_flow_key out;

	if (unlikely(be->tx_port >= w->n_ports))
		return SL_DROP_BAD_TX_PORT;
	if (pkt->key.proto == IPPROTO_TCP) {
		if (c->flags & DP_CONN_F_SPLICED)
			dp_tcp_splice_to_backend(
				rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, pkt->l4_off),
				&c->splice);
		else if (unlikely((pkt->tcp_flags & TCP_SYN_ACK) == DP_TCP_SYN) &&
			 dp_nat_clamp_mss(
				 m, pkt, mss_for(w, vip, pkt->key.af, c->client_port, be->tx_port)))
			w->stats->nat.mss_clamped++;
	}
	conn_count(w, c, m, pkt, DP_CONN_ORIG);
	reversed(&out, &c->key[DP_CONN_REPLY]);
	if (vip)
		count(&w->vip_stats[c->vip], rte_pktmbuf_pkt_len(m));
	count(&w->backend_stats[c->backend], rte_pktmbuf_pkt_len(m));
	*tx_port = be->tx_port;
	return dp_nat_rewrite(m, pkt, &out, be->dst_mac, &w->ports[be->tx_port].mac);
}

/*
 * An ICMP error about the connection @c found for its quoted packet, from
 * the side @dir names the quote's: to the backend (DP_CONN_ORIG: the quote
 * is a reply the client's side could not deliver) or to the client.
 */
static unsigned int icmp_translate(struct dp_worker *w, struct rte_mbuf *m, struct dp_pkt *pkt,
				   const struct dp_conn *c, unsigned int dir,
				   const struct sl_backend *be, uint16_t *tx_port)
{
	const struct sl_flow_key *k = &c->key[dir == DP_CONN_ORIG ? DP_CONN_REPLY : DP_CONN_ORIG];
	uint32_t delta = c->flags & DP_CONN_F_SPLICED ? c->splice.delta : 0;
	struct dp_nat_icmp x;

	/* the error comes from where the quoted packet went, to where it came from */
	x.src = k->dst;
	x.dst = k->src;
	x.quote.src = k->src;
	x.quote.dst = k->dst;
	x.quote.sport = k->sport;
	x.quote.dport = k->dport;
	w->stats->nat.icmp_translated++;
	if (dir == DP_CONN_ORIG) {
		/* the quote is a spliced reply: its sequence was moved forward by delta */
		x.seq_add = (uint32_t)-delta;
		x.ack_add = 0;
		if (unlikely(c->sp.http))
			dp_http_ins_icmp(w, c, 1, &x.seq_add, &x.ack_add);
		*tx_port = be->tx_port;
		return dp_nat_icmp(m, pkt, &x, be->dst_mac, &w->ports[be->tx_port].mac);
	}
	/* the quote is a client segment as sent on: its ack was moved back by delta */
	x.seq_add = 0;
	x.ack_add = delta;
	if (unlikely(c->sp.http))
		dp_http_ins_icmp(w, c, 0, &x.seq_add, &x.ack_add);
	*tx_port = c->client_port;
	return dp_nat_icmp(m, pkt, &x, c->client_mac, &w->ports[c->client_port].mac);
}

unsigned int dp_nat_client(struct dp_worker *w, const struct dp_table *t, struct rte_mbuf *m,
			   struct dp_pkt *pkt, int32_t vip_idx, uint16_t rx_port_idx, uint64_t now,
			   uint16_t *tx_port, struct dp_nat_out *extra)
{
	const struct sl_vip *vip = &t->vips[vip_idx];
	uint32_t hash = sl_flow_hash(&pkt->key, 0);
	int syn = (pkt->tcp_flags & TCP_SYN_ACK) == DP_TCP_SYN;
	const struct sl_backend *be;
	struct dp_conn *c, *old = NULL;
	unsigned int dir = DP_CONN_ORIG, v;

	if (unlikely(!w->conns))
		return SL_DROP_NAT_CONN_FULL;
	w->nat_dirty = 1;
	if (unlikely(pkt->frag != DP_FRAG_NONE))
		return SL_DROP_NAT_FRAGMENT;
	c = dp_conn_lookup(w->conns, &pkt->key, hash, now, &dir);
	if (unlikely(c && dir != DP_CONN_ORIG))
		c = NULL; /* a client tuple equal to a reply key cannot be a VIP's: not ours */
	if (unlikely(pkt->icmp_error)) {
		if (!c)
			return SL_DROP_ICMP_UNMATCHED;
		be = conn_backend(t, c);
		if (!be)
			return SL_DROP_NAT_BACKEND_GONE;
		if (be->tx_port >= w->n_ports)
			return SL_DROP_BAD_TX_PORT;
		return icmp_translate(w, m, pkt, c, DP_CONN_ORIG, be, tx_port);
	}
	if (unlikely(vip->mode == SL_MODE_HTTP)) {
		v = dp_http_client(w, t, m, pkt, vip_idx, c, rx_port_idx, now, tx_port, extra);
		if (v != DP_SP_CONTINUE)
			return v;
	} else if (unlikely(vip->flags & SL_VIP_F_SYNPROXY) && pkt->key.proto == IPPROTO_TCP &&
		   (!c || dp_conn_reusable(c) || c->state == SL_NAT_SP_SYN_SENT)) {
		v = dp_sp_client(w, t, m, pkt, vip_idx, c, rx_port_idx, now, tx_port, extra);
		if (v != DP_SP_CONTINUE)
			return v;
	} else if (c && syn && dp_conn_reusable(c)) {
		old = c; /* a new connection on an old tuple: afresh */
		c = NULL;
	}
	if (likely(c)) {
		be = conn_backend(t, c);
		if (unlikely(!be)) {
			dp_conn_free(w->conns, c); /* its translation leads nowhere any more */
			return SL_DROP_NAT_BACKEND_GONE;
		}
		c->last_seen = now;
		/* replies go back the way the client's packets come now */
		c->client_port = (uint8_t)rx_port_idx;
		memcpy(c->client_mac,
		       rte_pktmbuf_mtod_offset(m, const uint8_t *, RTE_ETHER_ADDR_LEN),
		       RTE_ETHER_ADDR_LEN);
		if (pkt->key.proto == IPPROTO_TCP)
			dp_conn_track(w->conns, c, DP_CONN_ORIG, pkt->tcp_flags);
		if (unlikely(c->sp.http) && dp_conn_reusable(c))
			dp_http_closed(w, c); /* the client's last ACK closed it */
	} else {
		v = dp_nat_open(w, t, pkt, m, vip_idx, SL_BACKEND_NONE,
				pkt->key.proto == IPPROTO_TCP ? SL_NAT_SYN_SENT : SL_NAT_UDP,
				rx_port_idx, now, old, &c);
		if (v != DP_FWD_OK)
			return v;
	}
	return dp_nat_to_backend(w, t, c, m, pkt, tx_port);
}

/* Pass @m to worker @owner's ring (it owns the port the reply is for). */
static unsigned int hand_off(struct dp_worker *w, struct rte_mbuf *m, uint32_t owner,
			     uint16_t rx_port_idx)
{
	if (unlikely(!w->handoff || owner >= w->n_workers))
		return SL_DROP_NAT_NO_CONN;
	/* the owner needs the port it came in on: rings carry only the mbuf */
	m->port = w->ports[rx_port_idx].port_id;
	if (rte_ring_enqueue(w->handoff[owner], m) != 0)
		return SL_DROP_NAT_HANDOFF_FULL;
	w->stats->nat.handoff_sent++;
	return DP_NAT_HANDED_OFF;
}

unsigned int dp_nat_reply(struct dp_worker *w, const struct dp_table *t, struct rte_mbuf *m,
			  struct dp_pkt *pkt, uint16_t rx_port_idx, uint64_t now, uint16_t *tx_port,
			  struct dp_nat_out *extra)
{
	const struct sl_nat_source *src;
	struct dp_conn *c;
	unsigned int dir = DP_CONN_REPLY;
	uint32_t hash, owner;
	int32_t s;

	if (t->n_nat_sources == 0 || (s = dp_nat_source_lookup(t->nat_index, &pkt->key.dst)) < 0)
		return pkt->icmp_error ? SL_DROP_ICMP_UNMATCHED : SL_DROP_NOT_VIP;
	if (unlikely(!w->conns))
		return SL_DROP_NAT_NO_CONN;
	w->nat_dirty = 1;
	if (pkt->frag != DP_FRAG_NONE)
		return SL_DROP_NAT_FRAGMENT;
	src = &t->nat_sources[s];
	owner = sl_natport_owner(src, w->n_workers, rte_be_to_cpu_16(pkt->key.dport));
	if (owner == UINT32_MAX)
		return SL_DROP_NAT_NO_CONN; /* not a port connections are given */
	if (owner != w->index)
		return hand_off(w, m, owner, rx_port_idx);
	hash = sl_flow_hash(&pkt->key, 0);
	c = dp_conn_lookup(w->conns, &pkt->key, hash, now, &dir);
	if (!c || dir != DP_CONN_REPLY)
		return SL_DROP_NAT_NO_CONN;
	if (c->client_port >= w->n_ports)
		return SL_DROP_BAD_TX_PORT;
	if (pkt->icmp_error)
		return icmp_translate(w, m, pkt, c, DP_CONN_REPLY, NULL, tx_port);
	c->last_seen = now;
	if (unlikely(c->sp.http))
		return dp_http_backend(w, t, m, pkt, c, rx_port_idx, now, tx_port, extra);
	if (unlikely(c->state == SL_NAT_SP_SYN_SENT))
		return dp_sp_backend(w, t, m, pkt, c, rx_port_idx, now, tx_port, extra);
	if (pkt->key.proto == IPPROTO_TCP) {
		/* an RST for the client's SYN: the backend refused the connection */
		if (unlikely(pkt->tcp_flags & DP_TCP_RST) && c->state == SL_NAT_SYN_SENT)
			dp_nat_connect_failed(w, t, c);
		dp_conn_track(w->conns, c, DP_CONN_REPLY, pkt->tcp_flags);
	}
	return dp_nat_to_client(w, t, c, m, pkt, rx_port_idx, tx_port);
}

unsigned int dp_nat_to_client(struct dp_worker *w, const struct dp_table *t, struct dp_conn *c,
			      struct rte_mbuf *m, struct dp_pkt *pkt, uint16_t rx_port_idx,
			      uint16_t *tx_port)
{
	/* the VIP's index is the one it had when the connection opened: a newer table may lack it
	 */
	const struct sl_vip *vip = c->vip < t->hdr->n_vips ? &t->vips[c->vip] : NULL;
	uint32_t len = rte_pktmbuf_pkt_len(m);
	struct sl_flow_key out;

	if (pkt->key.proto == IPPROTO_TCP) {
		if (c->flags & DP_CONN_F_SPLICED)
			dp_tcp_splice_to_client(
				rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, pkt->l4_off),
				&c->splice);
		else if (unlikely((pkt->tcp_flags & TCP_SYN_ACK) == TCP_SYN_ACK) &&
			 dp_nat_clamp_mss(
				 m, pkt, mss_for(w, vip, pkt->key.af, c->client_port, rx_port_idx)))
			w->stats->nat.mss_clamped++;
	}
	conn_count(w, c, m, pkt, DP_CONN_REPLY);
	reversed(&out, &c->key[DP_CONN_ORIG]);
	if (vip)
		count(&w->vip_stats[c->vip], len);
	if (c->backend < t->n_backends)
		count(&w->backend_stats[c->backend], len);
	*tx_port = c->client_port;
	return dp_nat_rewrite(m, pkt, &out, c->client_mac, &w->ports[c->client_port].mac);
}

void dp_worker_sync_nat_stats(struct dp_worker *w, uint32_t n_sources)
{
	const struct dp_conn_table *ct = w->conns;
	struct sl_nat_stats *s = &w->stats->nat;

	w->nat_dirty = 0;
	if (!ct)
		return;
	for (unsigned int i = 0; i < SL_NAT_STATES; i++)
		s->conns[i] = ct->cnt.by_state[i];
	s->conns_active = ct->cnt.active;
	s->conns_opened = ct->cnt.opened;
	s->conns_reused = ct->cnt.reused;
	s->conns_expired = ct->cnt.expired;
	/* held SYN-proxy segments freed with their connection: only this copy writes the count */
	w->stats->drops[SL_DROP_SYNPROXY_ABANDONED] = ct->cnt.sp_abandoned;
	n_sources = RTE_MIN(n_sources, w->max_nat_sources);
	for (uint32_t i = 0; i < n_sources && i < SL_MAX_NAT_SOURCES_LIMIT; i++)
		w->nat_port_stats[i] = ct->src_in_use[i];
}
