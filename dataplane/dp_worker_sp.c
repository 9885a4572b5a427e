/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SYN proxy in the worker (see dp_worker_sp.h): the segments are
 * dp_synproxy.c's, the connections dp_conn.c's, the translation full
 * NAT's (dp_worker_nat.c). Nothing here locks or logs; the mbufs it makes
 * (a backend SYN) come from the worker's pool, and every segment it does
 * not send is counted under a drop reason.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <netinet/in.h>

#include "dp_nat.h"
#include "dp_synproxy.h"
#include "dp_worker_nat.h"
#include "dp_worker_sp.h"

#define NEXT_SCAN_MAX 256 /* Maglev entries looked at for another instance */

struct dp_sp_timers *dp_sp_timers_create(uint32_t capacity, uint64_t hz, uint32_t timeout_ms)
{
	struct dp_sp_timers *t;
	uint32_t n = 1;

	if (capacity == 0 || capacity > (1u << 30) || hz == 0) {
		errno = EINVAL;
		return NULL;
	}
	while (n < capacity)
		n <<= 1;
	t = rte_zmalloc("sl_sp_timers", sizeof(*t), RTE_CACHE_LINE_SIZE);
	if (!t)
		goto nomem;
	t->q = rte_zmalloc("sl_sp_timers_q", (size_t)n * sizeof(*t->q), RTE_CACHE_LINE_SIZE);
	if (!t->q)
		goto nomem;
	t->mask = n - 1;
	t->rto = hz / 1000 * timeout_ms;
	return t;
nomem:
	if (t)
		rte_free(t);
	errno = ENOMEM;
	return NULL;
}

void dp_sp_timers_destroy(struct dp_sp_timers *t)
{
	if (!t)
		return;
	rte_free(t->q);
	rte_free(t);
}

/* Milliseconds of the worker's clock: the TSval its SYN-ACK sends. */
static inline uint32_t ms_of(const struct dp_worker *w, uint64_t now)
{
	return (uint32_t)(now / RTE_MAX(w->tsc_hz / 1000, (uint64_t)1));
}

/* The MSS the appliance offers a client: every port's MTU (the instance is not known yet). */
static uint16_t client_mss(const struct dp_worker *w, const struct sl_vip *vip, uint8_t af)
{
	uint32_t over = af == SL_AF_INET ? DP_NAT_MSS_OVERHEAD4 : DP_NAT_MSS_OVERHEAD6;
	uint32_t mtu = UINT32_MAX, mss;

	for (uint16_t p = 0; p < w->n_ports; p++)
		mtu = RTE_MIN(mtu, (uint32_t)w->ports[p].mtu);
	mss = mtu > over + SL_NAT_MSS_MIN ? mtu - over : SL_NAT_MSS_MIN;
	if (vip->mss && vip->mss < mss)
		mss = vip->mss;
	return (uint16_t)mss;
}

int dp_sp_timer_arm(struct dp_sp_timers *t, uint32_t conn, uint64_t now, uint32_t *seq)
{
	struct dp_sp_timer *e;

	if (t->tail - t->head > t->mask) {
		t->full++;
		return -ENOSPC;
	}
	e = &t->q[t->tail++ & t->mask];
	e->conn = conn;
	e->seq = ++t->seq;
	e->due = now + t->rto;
	*seq = e->seq;
	return 0;
}

static int timer_arm(struct dp_worker *w, struct dp_conn *c, uint64_t now)
{
	if (!w->sp_timers)
		return -ENOSPC;
	return dp_sp_timer_arm(w->sp_timers, dp_conn_id(w->conns, c), now, &c->sp.timer_seq);
}

/*
 * The backend SYN of @c, rebuilt from the cookie ACK it holds, sent to its
 * backend: added to @out, or a drop reason.
 */
static unsigned int send_backend_syn(struct dp_worker *w, const struct dp_table *t,
				     struct dp_conn *c, struct dp_nat_out *out)
{
	struct rte_mbuf *ack = c->sp.held[0], *syn;
	struct dp_pkt ap, sp;
	uint16_t port;
	unsigned int v;
	int len;

	if (dp_parse_mbuf(ack, &ap) != DP_PARSE_OK)
		return SL_DROP_SYNPROXY_ABANDONED; /* it parsed when it was held */
	syn = rte_pktmbuf_alloc(w->mbuf_pool);
	if (!syn)
		return SL_DROP_NO_MBUF;
	len = dp_sp_client_syn(rte_pktmbuf_mtod(syn, uint8_t *), rte_pktmbuf_tailroom(syn),
			       rte_pktmbuf_mtod(ack, const uint8_t *), &ap, &c->sp.op);
	if (len < 0 || !rte_pktmbuf_append(syn, (uint16_t)len) ||
	    dp_parse_mbuf(syn, &sp) != DP_PARSE_OK) {
		rte_pktmbuf_free(syn);
		return SL_DROP_NO_HEADROOM;
	}
	v = dp_nat_to_backend(w, t, c, syn, &sp, &port);
	if (v != DP_FWD_OK) {
		rte_pktmbuf_free(syn);
		return v;
	}
	dp_nat_out_add(out, syn, port);
	return DP_FWD_OK;
}

unsigned int dp_sp_syn(struct dp_worker *w, struct rte_mbuf *m, struct dp_pkt *pkt,
		       const struct sl_vip *vip, uint16_t rx_port_idx, uint64_t now,
		       uint16_t *tx_port)
{
	int len = dp_sp_answer_syn(rte_pktmbuf_mtod(m, uint8_t *), dp_seg_room(m), pkt,
				   w->sp_secrets, dp_sp_minute(w, now), ms_of(w, now),
				   client_mss(w, vip, pkt->key.af));

	if (len < 0)
		return SL_DROP_NO_HEADROOM;
	dp_seg_set_len(m, (uint32_t)len);
	w->stats->nat.synproxy_cookies++;
	*tx_port = rx_port_idx;
	return DP_FWD_OK;
}

/*
 * A valid cookie ACK @m: the connection opens (replacing @old), the SYN the
 * client sent goes to the instance, the ACK is held until it answers.
 */
static unsigned int open_backend(struct dp_worker *w, const struct dp_table *t, struct rte_mbuf *m,
				 struct dp_pkt *pkt, int32_t vip_idx, const struct dp_sp_open *op,
				 struct dp_conn *old, uint16_t rx_port_idx, uint64_t now,
				 struct dp_nat_out *out)
{
	struct rte_mbuf *syn = rte_pktmbuf_alloc(w->mbuf_pool);
	struct dp_conn *c;
	struct dp_pkt sp;
	unsigned int v;
	uint16_t port;
	int len;

	if (!syn)
		return SL_DROP_NO_MBUF;
	len = dp_sp_client_syn(rte_pktmbuf_mtod(syn, uint8_t *), rte_pktmbuf_tailroom(syn),
			       rte_pktmbuf_mtod(m, const uint8_t *), pkt, op);
	if (len < 0 || !rte_pktmbuf_append(syn, (uint16_t)len) ||
	    dp_parse_mbuf(syn, &sp) != DP_PARSE_OK) {
		v = SL_DROP_NO_HEADROOM;
		goto fail;
	}
	v = dp_nat_open(w, t, &sp, syn, vip_idx, SL_BACKEND_NONE, SL_NAT_SP_SYN_SENT, rx_port_idx,
			now, old, &c);
	if (v != DP_FWD_OK)
		goto fail;
	c->sp.op = *op;
	c->sp.tried = 1;
	v = dp_nat_to_backend(w, t, c, syn, &sp, &port);
	if (v == DP_FWD_OK && timer_arm(w, c, now) < 0)
		v = SL_DROP_NAT_CONN_FULL;
	if (v != DP_FWD_OK) {
		dp_conn_free(w->conns, c);
		goto fail;
	}
	c->sp.held[0] = m;
	c->sp.n_held = 1;
	dp_nat_out_add(out, syn, port);
	w->stats->nat.synproxy_valid++;
	return DP_SP_HELD_VERDICT;
fail:
	rte_pktmbuf_free(syn);
	return v;
}

/* Free what @c holds (counted as abandoned with the connection table's own). */
static void release_held(struct dp_worker *w, struct dp_conn *c)
{
	for (unsigned int i = 0; i < c->sp.n_held; i++)
		rte_pktmbuf_free(c->sp.held[i]);
	w->conns->cnt.sp_abandoned += c->sp.n_held;
	c->sp.n_held = 0;
}

/* A client segment while the backend opens: held, or (an RST) the end of it. */
static unsigned int hold(struct dp_worker *w, struct dp_conn *c, struct rte_mbuf *m,
			 const struct dp_pkt *pkt, uint64_t now)
{
	if (pkt->tcp_flags & DP_TCP_RST) {
		release_held(w, c);
		return DP_SP_CONTINUE; /* full NAT passes the RST on and closes */
	}
	if (c->sp.n_held >= DP_SP_HELD)
		return SL_DROP_SYNPROXY_HELD_FULL;
	c->sp.held[c->sp.n_held++] = m;
	c->last_seen = now;
	return DP_SP_HELD_VERDICT;
}

/*
 * A segment of a handshake the appliance already reset (its backends
 * failed): the RST again, and nothing opens.
 */
static unsigned int reset_again(struct dp_worker *w, struct rte_mbuf *m, struct dp_pkt *pkt,
				uint16_t rx_port_idx, uint16_t *tx_port)
{
	int len = dp_sp_rst(rte_pktmbuf_mtod(m, uint8_t *), dp_seg_room(m), pkt);

	if (len < 0)
		return SL_DROP_NO_HEADROOM;
	dp_seg_set_len(m, (uint32_t)len);
	w->stats->nat.synproxy_rsts++;
	*tx_port = rx_port_idx;
	return DP_FWD_OK;
}

unsigned int dp_sp_client(struct dp_worker *w, const struct dp_table *t, struct rte_mbuf *m,
			  struct dp_pkt *pkt, int32_t vip_idx, struct dp_conn *c,
			  uint16_t rx_port_idx, uint64_t now, uint16_t *tx_port,
			  struct dp_nat_out *out)
{
	const unsigned int flags = pkt->tcp_flags & (DP_TCP_SYN | DP_TCP_ACK | DP_TCP_RST);
	struct dp_sp_open op;

	if (unlikely(!w->sp_secrets))
		return SL_DROP_NO_TABLE;
	if (c && c->state == SL_NAT_SP_SYN_SENT)
		return hold(w, c, m, pkt, now);
	/* no connection, or a closed one a new handshake may replace */
	if (flags == DP_TCP_SYN)
		return dp_sp_syn(w, m, pkt, &t->vips[vip_idx], rx_port_idx, now, tx_port);
	if (flags == DP_TCP_ACK && c && c->state == SL_NAT_CLOSE && c->sp.tried &&
	    rte_be_to_cpu_32(
		    rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, pkt->l4_off)->sent_seq) -
			    1 ==
		    c->sp.op.client_isn)
		return reset_again(w, m, pkt, rx_port_idx, tx_port);
	if (flags == DP_TCP_ACK) {
		if (dp_sp_check_ack(rte_pktmbuf_mtod(m, const uint8_t *), pkt, w->sp_secrets,
				    dp_sp_minute(w, now), &op))
			return open_backend(w, t, m, pkt, vip_idx, &op, c, rx_port_idx, now, out);
		return c ? DP_SP_CONTINUE : SL_DROP_SYNPROXY_BAD_COOKIE;
	}
	return c ? DP_SP_CONTINUE : SL_DROP_NAT_MID_STREAM;
}

/* Has the client sent anything beyond the handshake? */
static int sent_data(const struct dp_sp_hs *hs)
{
	for (unsigned int i = 0; i < hs->n_held; i++) {
		struct dp_pkt p;
		uint32_t off;

		if (dp_parse_mbuf(hs->held[i], &p) != DP_PARSE_OK ||
		    dp_seg_payload(hs->held[i], &p, &off) > 0)
			return 1;
	}
	return 0;
}

uint32_t dp_sp_next_in_pool(const struct dp_table *t, uint32_t pool, uint32_t hash, uint32_t not_be)
{
	const uint32_t *row;
	uint32_t m = t->maglev_size;

	if (pool >= t->hdr->n_pools)
		return SL_BACKEND_NONE;
	row = &t->maglev[(size_t)pool * m];
	for (uint32_t i = 1; i < RTE_MIN(m, (uint32_t)NEXT_SCAN_MAX); i++) {
		uint32_t be = row[(hash % m + i) % m];

		if (be != SL_BACKEND_NONE && be != not_be)
			return be;
	}
	return SL_BACKEND_NONE;
}

uint32_t dp_sp_next_backend(const struct dp_table *t, const struct dp_conn *c)
{
	const struct sl_vip *vip;

	if (c->vip >= t->hdr->n_vips)
		return SL_BACKEND_NONE;
	vip = &t->vips[c->vip];
	return dp_sp_next_in_pool(
		t, vip->pool,
		sl_flow_hash(&c->key[DP_CONN_ORIG], vip->flags & SL_VIP_F_HASH_3TUPLE ? 1 : 0),
		c->backend);
}

/* The client's RST from the cookie ACK @hs holds, sent on @port; the rest it holds freed. */
static void reset_client(struct dp_worker *w, struct dp_sp_hs *hs, uint16_t port,
			 struct dp_nat_out *out)
{
	struct rte_mbuf *m = hs->held[0];
	struct dp_pkt p;
	int len;

	for (unsigned int i = 1; i < hs->n_held; i++)
		rte_pktmbuf_free(hs->held[i]);
	w->conns->cnt.sp_abandoned += hs->n_held - 1u;
	hs->n_held = 0;
	if (dp_parse_mbuf(m, &p) != DP_PARSE_OK ||
	    (len = dp_sp_rst(rte_pktmbuf_mtod(m, uint8_t *), dp_seg_room(m), &p)) < 0) {
		rte_pktmbuf_free(m);
		w->conns->cnt.sp_abandoned++;
		return;
	}
	dp_seg_set_len(m, (uint32_t)len);
	dp_nat_out_add(out, m, port);
	w->stats->nat.synproxy_rsts++;
}

/*
 * @c's backend failed (an RST, or no answer to its last SYN): counted
 * against the instance; for a connection without data the next instance
 * is tried once (a new connection on the same client tuple, holding the
 * same segments), otherwise, or if that cannot start, the client is reset.
 * @c is freed.
 */
static void backend_failed(struct dp_worker *w, const struct dp_table *t, struct dp_conn *c,
			   uint64_t now, struct dp_nat_out *out)
{
	struct dp_sp_hs hs = c->sp;
	struct sl_flow_key key = c->key[DP_CONN_ORIG];
	uint16_t vip_idx = c->vip, port = c->client_port;
	uint32_t be = SL_BACKEND_NONE;
	struct dp_conn *nc;
	struct dp_pkt p;

	dp_nat_connect_failed(w, t, c);
	if (hs.tried < DP_SP_TRIES && !sent_data(&hs))
		be = dp_sp_next_backend(t, c);
	c->sp.n_held = 0; /* what it holds goes with hs */
	if (be == SL_BACKEND_NONE) {
		/*
		 * The connection stays, closed, for its close timeout: a segment the
		 * client sent before it saw the RST still carries a valid cookie, and
		 * must not open the handshake again (dp_sp_client answers it).
		 */
		dp_conn_set_state(w->conns, c, SL_NAT_CLOSE);
		reset_client(w, &hs, port, out);
		return;
	}
	dp_conn_free(w->conns, c);
	if (dp_parse_mbuf(hs.held[0], &p) == DP_PARSE_OK) {
		p.key = key;
		p.tcp_flags = DP_TCP_SYN; /* opened as the SYN it stands for */
		if (dp_nat_open(w, t, &p, hs.held[0], vip_idx, be, SL_NAT_SP_SYN_SENT, port, now,
				NULL, &nc) == DP_FWD_OK) {
			nc->sp = hs;
			nc->sp.tried++;
			nc->sp.retries = 0;
			if (timer_arm(w, nc, now) == 0 &&
			    send_backend_syn(w, t, nc, out) == DP_FWD_OK)
				return;
			nc->sp.n_held = 0;
			dp_conn_free(w->conns, nc);
		}
	}
	reset_client(w, &hs, port, out);
}

/* The backend's SYN-ACK: the splice, the client's window update, the held segments released. */
static unsigned int established(struct dp_worker *w, const struct dp_table *t, struct rte_mbuf *m,
				struct dp_pkt *pkt, struct dp_conn *c, uint16_t *tx_port,
				struct dp_nat_out *out)
{
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, pkt->l4_off);
	struct dp_tcpopt o;
	unsigned int v;
	int len;

	if (rte_be_to_cpu_32(th->recv_ack) != c->sp.op.client_isn + 1)
		return SL_DROP_SYNPROXY_BACKEND;
	dp_tcpopt_parse(th, &o);
	dp_sp_splice_of(th, &o, &c->sp.op, &c->splice);
	len = dp_sp_synack_to_ack(rte_pktmbuf_mtod(m, uint8_t *), pkt, &c->splice);
	dp_seg_set_len(m, (uint32_t)len);
	if (dp_parse_mbuf(m, pkt) != DP_PARSE_OK)
		return SL_DROP_SYNPROXY_BACKEND;
	dp_conn_set_state(w->conns, c, SL_NAT_ESTABLISHED);
	/* the update carries its spliced numbers already: only the addresses change */
	v = dp_nat_to_client(w, t, c, m, pkt, c->client_port, tx_port);
	c->flags |= DP_CONN_F_SPLICED;
	for (unsigned int i = 0; i < c->sp.n_held; i++) {
		struct rte_mbuf *h = c->sp.held[i];
		struct dp_pkt hp;
		unsigned int hv = dp_parse_mbuf(h, &hp);
		uint16_t port;

		if (hv == DP_PARSE_OK)
			hv = dp_nat_to_backend(w, t, c, h, &hp, &port);
		if (hv == DP_FWD_OK)
			dp_nat_out_add(out, h, port);
		else
			dp_worker_drop_pkt(w, h, hv);
	}
	c->sp.n_held = 0;
	return v;
}

int dp_sp_stale_ack(struct dp_worker *w, struct rte_mbuf *m, const struct dp_pkt *pkt, uint32_t isn,
		    uint16_t rx_port_idx, uint16_t *tx_port)
{
	const struct rte_tcp_hdr *th =
		rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, pkt->l4_off);
	int len;

	if (rte_be_to_cpu_32(th->recv_ack) == isn + 1)
		return -EINVAL;
	len = dp_sp_rst(rte_pktmbuf_mtod(m, uint8_t *), dp_seg_room(m), pkt);
	if (len < 0)
		return len;
	dp_seg_set_len(m, (uint32_t)len);
	w->stats->nat.synproxy_stale_acks++;
	*tx_port = rx_port_idx;
	return 0;
}

unsigned int dp_sp_backend(struct dp_worker *w, const struct dp_table *t, struct rte_mbuf *m,
			   struct dp_pkt *pkt, struct dp_conn *c, uint16_t rx_port_idx,
			   uint64_t now, uint16_t *tx_port, struct dp_nat_out *out)
{
	const unsigned int flags = pkt->tcp_flags & (DP_TCP_SYN | DP_TCP_ACK | DP_TCP_RST);

	if (pkt->key.proto != IPPROTO_TCP)
		return SL_DROP_SYNPROXY_BACKEND;
	if (flags == (DP_TCP_SYN | DP_TCP_ACK))
		return established(w, t, m, pkt, c, tx_port, out);
	if (flags & DP_TCP_RST)
		backend_failed(w, t, c, now, out);
	if (flags == DP_TCP_ACK && c->sp.retries < DP_SP_SYN_RETRIES &&
	    dp_sp_stale_ack(w, m, pkt, c->sp.op.client_isn, rx_port_idx, tx_port) == 0) {
		/* the RST first (the verdict goes before @out), then the SYN; else the timer's */
		c->sp.retries++;
		send_backend_syn(w, t, c, out);
		return DP_FWD_OK;
	}
	return SL_DROP_SYNPROXY_BACKEND;
}

unsigned int dp_sp_timers_run(struct dp_worker *w, const struct dp_table *t, uint64_t now,
			      struct dp_nat_out *out)
{
	struct dp_sp_timers *tm = w->sp_timers;
	unsigned int n = 0;

	if (!tm || !w->conns)
		return 0;
	while (out->n < DP_SP_OUT_MAX) {
		const struct dp_sp_timer *e = dp_sp_timer_due(tm, now);
		struct dp_conn *c;

		if (!e)
			break;
		n++;
		if (e->conn >= w->conns->capacity)
			continue;
		c = &w->conns->conns[e->conn];
		if (c->state != SL_NAT_SP_SYN_SENT || c->sp.timer_seq != e->seq)
			continue; /* answered, closed, or armed again since */
		if (c->sp.retries >= DP_SP_SYN_RETRIES) {
			backend_failed(w, t, c, now, out);
			continue;
		}
		c->sp.retries++;
		w->stats->nat.synproxy_syn_retries++;
		if (timer_arm(w, c, now) < 0 || send_backend_syn(w, t, c, out) != DP_FWD_OK)
			backend_failed(w, t, c, now, out);
	}
	return n;
}
