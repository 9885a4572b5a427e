/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP VIPs in the worker (mode http: full NAT, the SYN proxy, and an
 * instance chosen for every request). The SYN is answered with a cookie
 * (dp_worker_sp.c); the cookie ACK opens a connection with no instance and
 * is held. Each request head is read from the client's segments in order,
 * held and not acknowledged; when it is complete the request picks its
 * instance, which is opened with a SYN starting where the request starts,
 * and on its SYN-ACK the held segments go to it, spliced. The response is
 * followed to its end (Content-Length, chunked, close, no body). The next
 * request of the connection is read and held the same way, one at a time:
 * to the same instance it goes on once the response before it is
 * complete; to another instance, once the client has also acknowledged all
 * of that response, the old instance's connection is reset and the new one
 * opened from the client's position (a re-bind). After a 101 or a
 * CONNECT's 2xx the connection is spliced as it is.
 *
 * The appliance answers itself (dp_http_answer.h) a malformed head (400),
 * a request nothing routes (404), one whose pool has no instance or whose
 * instances failed to open (503), a head that does not complete in time
 * (408), and then closes.
 */
#ifndef DP_WORKER_HTTP_H
#define DP_WORKER_HTTP_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "dp_conn.h"
#include "dp_http_answer.h"
#include "dp_http_ctx.h"
#include "dp_http_insert_types.h"
#include "dp_parse.h"
#include "dp_types.h"
#include "dp_worker_sp.h"

#define DP_HTTP_HEAD_TICK_MS 100 /* head timeouts are looked at this often */

/* A worker's HTTP counters (the shared memory gets them with the table's per-VIP blocks). */
struct dp_http_counters {
	uint64_t requests;  /* requests that went to an instance */
	uint64_t responses; /* responses followed to their end */
	uint64_t rebinds;   /* connections that changed instance between requests */
	uint64_t answers[DP_HTTP_ANSWER_MAX]; /* the appliance's own answers, by dp_http_answer */
	uint64_t connect_failures;	      /* instances that refused or did not answer */
	uint64_t tunnels; /* connections spliced as they are after a 101/CONNECT */
};

/* What HTTP needs of a worker, beside full NAT's. */
struct dp_http_worker {
	struct dp_http_pool *pool;
	struct dp_sp_timers *syn_timers;  /* backend SYNs (DP_SP_SYN_RTO_MS) */
	struct dp_sp_timers *head_timers; /* request heads: every DP_HTTP_HEAD_TICK_MS */
	struct dp_http_counters cnt;
	struct sl_ev_request *ev;      /* dp_http_ev.h: two per context; NULL: no request records */
	struct dp_http_ins_worker ins; /* request ids, insertions made and failed */
};

/*
 * Create @h for @n contexts and as many timers, @hz TSC ticks per second;
 * the connection table @ct frees contexts through it. 0 or -errno.
 */
int dp_http_worker_init(struct dp_http_worker *h, struct dp_conn_table *ct, uint32_t n,
			uint64_t hz);
void dp_http_worker_fini(struct dp_http_worker *h);

/*
 * A client TCP segment @m (@pkt) to HTTP VIP @vip_idx, @c its connection
 * (NULL: none). Returns DP_FWD_OK (@m to send on *@tx_port),
 * DP_SP_HELD_VERDICT (@m is held or consumed), DP_SP_CONTINUE (full NAT
 * translates @m to the bound instance), or a drop reason; segments to send
 * besides are in @out.
 */
unsigned int dp_http_client(struct dp_worker *w, const struct dp_table *t, struct rte_mbuf *m,
			    struct dp_pkt *pkt, int32_t vip_idx, struct dp_conn *c,
			    uint16_t rx_port_idx, uint64_t now, uint16_t *tx_port,
			    struct dp_nat_out *out);

/* A backend segment @m of HTTP connection @c; returns as dp_http_client (no DP_SP_CONTINUE). */
unsigned int dp_http_backend(struct dp_worker *w, const struct dp_table *t, struct rte_mbuf *m,
			     struct dp_pkt *pkt, struct dp_conn *c, uint16_t rx_port_idx,
			     uint64_t now, uint16_t *tx_port, struct dp_nat_out *out);

/*
 * @c has closed (dp_conn_reusable): its context goes back to the pool when
 * it has nothing left to translate (no bytes were inserted), the rest of
 * its life (the last ACK again, a FIN again) being full NAT's. A context
 * lives as long as its HTTP exchange, not as long as the TIME_WAIT after
 * it, so the pool is not what limits short connections per second.
 */
void dp_http_closed(struct dp_worker *w, struct dp_conn *c);

/* Are HTTP timers armed on @h (NULL: none)? */
static inline int dp_http_timers_pending(const struct dp_http_worker *h)
{
	return h && (h->head_timers->head != h->head_timers->tail ||
		     h->syn_timers->head != h->syn_timers->tail);
}

/* Run the due HTTP timers at @now while @out has room; how many ran. */
unsigned int dp_http_timers_run(struct dp_worker *w, const struct dp_table *t, uint64_t now,
				struct dp_nat_out *out);

#endif /* DP_WORKER_HTTP_H */
