/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SYN proxy in the worker, for full-NAT VIPs with SL_VIP_F_SYNPROXY
 * (called from dp_worker_nat.c). A client's SYN is answered with a cookie
 * and leaves no state; a valid cookie ACK opens the connection and sends
 * the backend the SYN the client sent, while the ACK and what follows it
 * are held (DP_SP_HELD segments: more are dropped, the client sends them
 * again); the backend's SYN-ACK sets the splice, becomes the client's
 * window update, and releases the held segments to the backend. Nothing
 * the appliance has not delivered is acknowledged by it.
 *
 * A backend that resets or does not answer within DP_SP_SYN_RTO_MS, after
 * DP_SP_SYN_RETRIES more SYNs, has failed (counted as the instance's
 * connect failure): a connection that has sent no data tries the next
 * instance of the VIP's Maglev table once; otherwise, or when that one
 * fails too, the client gets an RST. Timers are a FIFO per worker: every
 * entry has the same timeout, so the head is always the next due.
 */
#ifndef DP_WORKER_SP_H
#define DP_WORKER_SP_H

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "dp_conn.h"
#include "dp_parse.h"
#include "dp_types.h"

#define DP_SP_SYN_RTO_MS 1000 /* a backend SYN without an answer is sent again after */
#define DP_SP_SYN_RETRIES 3   /* backend SYNs sent again before the instance has failed */
#define DP_SP_TRIES 2	      /* instances a connection without data tries */
/* segments one step may send: up to 16 held ones released, the part an insertion splits off */
#define DP_SP_OUT_MAX 20

/* Verdicts beside DP_FWD_OK and drops (after DP_NAT_HANDED_OFF's). */
#define DP_SP_HELD_VERDICT (SL_DROP_MAX + 3) /* the mbuf is held by its connection */
#define DP_SP_CONTINUE (SL_DROP_MAX + 4)     /* not the SYN proxy's: full NAT as usual */

/* Segments the SYN proxy sends besides the packet in hand; dp_worker.c queues them. */
struct dp_nat_out {
	uint16_t n;
	uint16_t port[DP_SP_OUT_MAX];
	struct rte_mbuf *m[DP_SP_OUT_MAX];
};

/* Queue @m for port @port (@out has room: callers check DP_SP_OUT_MAX). */
static inline void dp_nat_out_add(struct dp_nat_out *out, struct rte_mbuf *m, uint16_t port)
{
	out->m[out->n] = m;
	out->port[out->n++] = port;
}

/* Drop @m, counted under @reason. */
static inline void dp_worker_drop_pkt(struct dp_worker *w, struct rte_mbuf *m, unsigned int reason)
{
	w->stats->drops[reason]++;
	rte_pktmbuf_free(m);
}

/* Room a segment written over @m's frame has: its first segment's buffer from the frame on. */
static inline uint32_t dp_seg_room(const struct rte_mbuf *m)
{
	return m->nb_segs == 1 ? rte_pktmbuf_data_len(m) + rte_pktmbuf_tailroom(m) : 0;
}

/* The TCP payload of @m (parsed as @p): its length, and its offset in the frame in *@off. */
static inline uint32_t dp_seg_payload(const struct rte_mbuf *m, const struct dp_pkt *p,
				      uint32_t *off)
{
	const struct rte_tcp_hdr *th =
		rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, p->l4_off);

	*off = p->l4_off + (uint32_t)(th->data_off >> 4) * 4;
	return p->l2_len + p->l3_len - *off;
}

/* @m is @len bytes now, in its one segment. */
static inline void dp_seg_set_len(struct rte_mbuf *m, uint32_t len)
{
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
}

struct dp_sp_timer {
	uint32_t conn; /* connection id */
	uint32_t seq;  /* its dp_sp_hs.timer_seq when armed */
	uint64_t due;  /* TSC */
};

/* A worker's retransmission timers. */
struct dp_sp_timers {
	uint32_t mask; /* capacity - 1, a power of two */
	uint32_t head; /* next entry due */
	uint32_t tail; /* next free entry */
	uint32_t seq;  /* the last sequence handed out */
	uint64_t rto;  /* the timeout of every entry, in TSC */
	uint64_t full; /* handshakes refused: no room for their timer */
	struct dp_sp_timer *q;
};

/*
 * Timers for up to @capacity connections (rounded up to a power of two),
 * each due @timeout_ms after it is armed, @hz TSC ticks per second. NULL
 * with errno set.
 */
struct dp_sp_timers *dp_sp_timers_create(uint32_t capacity, uint64_t hz, uint32_t timeout_ms);
void dp_sp_timers_destroy(struct dp_sp_timers *t);

/*
 * Arm a timer for connection @conn at @now; its sequence number (what the
 * connection keeps to know the entry is its latest) in *@seq. 0, or
 * -ENOSPC when the FIFO is full (counted).
 */
int dp_sp_timer_arm(struct dp_sp_timers *t, uint32_t conn, uint64_t now, uint32_t *seq);

/* The entry due first if it is due at @now (taken off the FIFO), else NULL. */
static inline const struct dp_sp_timer *dp_sp_timer_due(struct dp_sp_timers *t, uint64_t now)
{
	const struct dp_sp_timer *e;

	if (t->head == t->tail)
		return NULL;
	e = &t->q[t->head & t->mask];
	if ((int64_t)(e->due - now) > 0)
		return NULL;
	t->head++;
	return e;
}

/* The minute of the worker's clock (mod 256): a cookie's age. */
static inline uint8_t dp_sp_minute(const struct dp_worker *w, uint64_t now)
{
	return (uint8_t)(now / (w->tsc_hz * 60));
}

/*
 * A client SYN @m (@pkt) to SYN-proxied VIP @vip with no connection of its
 * own: turned into the cookie SYN-ACK (counted), to send on *@tx_port.
 * Returns DP_FWD_OK or a drop reason.
 */
unsigned int dp_sp_syn(struct dp_worker *w, struct rte_mbuf *m, struct dp_pkt *pkt,
		       const struct sl_vip *vip, uint16_t rx_port_idx, uint64_t now,
		       uint16_t *tx_port);

/* Another instance of @c's VIP in Maglev order after @c's own, or SL_BACKEND_NONE. */
uint32_t dp_sp_next_backend(const struct dp_table *t, const struct dp_conn *c);

/* An instance of @pool in Maglev order after @hash's entry, not @not_be, or SL_BACKEND_NONE. */
uint32_t dp_sp_next_in_pool(const struct dp_table *t, uint32_t pool, uint32_t hash,
			    uint32_t not_be);

/*
 * A client segment @m (@pkt, TCP, not an ICMP error) to SYN-proxied VIP
 * @vip_idx, whose connection lookup found @c (NULL: none). Returns
 * DP_FWD_OK (@m is the answer, to send on *@tx_port), DP_SP_HELD_VERDICT,
 * DP_SP_CONTINUE (@c's own segment: full NAT translates it), or a drop
 * reason; segments to send besides are in @out.
 */
unsigned int dp_sp_client(struct dp_worker *w, const struct dp_table *t, struct rte_mbuf *m,
			  struct dp_pkt *pkt, int32_t vip_idx, struct dp_conn *c,
			  uint16_t rx_port_idx, uint64_t now, uint16_t *tx_port,
			  struct dp_nat_out *out);

/*
 * The backend's bare ACK @m (@pkt) to a SYN of @c's whose ISN was @isn,
 * acknowledging something else: the instance still holds an older
 * connection on this address and port pair (TIME_WAIT answers a SYN it
 * cannot take with an ACK, as when PAWS refuses the SYN's timestamp from
 * another client). As RFC 9293 has SYN-SENT do, @m becomes <SEQ=SEG.ACK>
 * <CTL=RST> without options (so PAWS cannot refuse it either), to send
 * back on *@tx_port = @rx_port_idx: it closes that connection, and the
 * caller sends its SYN again at once. Returns 0, or -EINVAL when @m
 * acknowledges the SYN itself (nothing to reset), -ENOSPC.
 */
int dp_sp_stale_ack(struct dp_worker *w, struct rte_mbuf *m, const struct dp_pkt *pkt, uint32_t isn,
		    uint16_t rx_port_idx, uint16_t *tx_port);

/*
 * A backend segment @m for connection @c in SL_NAT_SP_SYN_SENT. Returns
 * DP_FWD_OK (@m became the client's window update or, for a stale ACK,
 * its RST: to send on *@tx_port) or a drop reason; @out holds the released
 * segments or the retry.
 */
unsigned int dp_sp_backend(struct dp_worker *w, const struct dp_table *t, struct rte_mbuf *m,
			   struct dp_pkt *pkt, struct dp_conn *c, uint16_t rx_port_idx,
			   uint64_t now, uint16_t *tx_port, struct dp_nat_out *out);

/*
 * Handle timers due at @now, as many as @out has room for (backend SYNs
 * sent again, retries, RSTs). Returns how many were taken off the FIFO.
 */
unsigned int dp_sp_timers_run(struct dp_worker *w, const struct dp_table *t, uint64_t now,
			      struct dp_nat_out *out);

#endif /* DP_WORKER_SP_H */
