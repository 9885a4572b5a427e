/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP VIPs in the worker (see dp_worker_http.h). The cookie, the segments
 * the appliance makes and the splice are the SYN proxy's (dp_synproxy.c),
 * the translation full NAT's (dp_worker_nat.c), the framing the parser's
 * (dp_http.c). Nothing here locks or logs; every segment that is neither
 * sent nor held is counted under a drop reason.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <netinet/in.h>

#include "dp_csum.h"
#include "dp_http_answer.h"
#include "dp_http_insert.h"
#include "dp_pick.h"
#include "dp_route.h"
#include "dp_seg.h"
#include "dp_seqadj.h"
#include "dp_synproxy.h"
#include "dp_http_ev.h"
#include "dp_worker_http.h"
#include "dp_worker_nat.h"
#include "sl_route.h"

#define STEP_OUT 2 /* segments one step adds to @out besides released ones */

static inline struct dp_http_ctx *ctx_of(const struct dp_worker *w, const struct dp_conn *c)
{
	return w->http ? dp_http_ctx_of(w->http->pool, c->sp.http) : NULL;
}

static inline struct rte_tcp_hdr *tcp_of(struct rte_mbuf *m, const struct dp_pkt *p)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, p->l4_off);
}

static inline uint32_t seq_of(struct rte_mbuf *m, const struct dp_pkt *p)
{
	return rte_be_to_cpu_32(tcp_of(m, p)->sent_seq);
}

static inline uint32_t seq_max(uint32_t a, uint32_t b)
{
	return dp_seq_lt(a, b) ? b : a;
}

static void release_ctx(void *arg, struct dp_conn *c)
{
	struct dp_http_worker *h = arg;

	dp_http_ctx_put(h->pool, c->sp.http);
}

int dp_http_worker_init(struct dp_http_worker *h, struct dp_conn_table *ct, uint32_t n, uint64_t hz)
{
	memset(h, 0, sizeof(*h));
	h->pool = dp_http_pool_create(n);
	h->syn_timers = dp_sp_timers_create(n, hz, DP_SP_SYN_RTO_MS);
	h->head_timers = dp_sp_timers_create(n, hz, DP_HTTP_HEAD_TICK_MS);
	if (!h->pool || !h->syn_timers || !h->head_timers) {
		dp_http_worker_fini(h);
		return -ENOMEM;
	}
	ct->release = release_ctx;
	ct->release_arg = h;
	return 0;
}

void dp_http_worker_fini(struct dp_http_worker *h)
{
	dp_http_pool_destroy(h->pool);
	dp_sp_timers_destroy(h->syn_timers);
	dp_sp_timers_destroy(h->head_timers);
	free(h->ev);
	memset(h, 0, sizeof(*h));
}

/* ---- the client's side ---------------------------------------------------------------- */

/* A client segment @m held by @x. */
static inline void hold(struct dp_http_ctx *x, struct rte_mbuf *m)
{
	x->held[x->n_held++] = m;
}

/* Free what @x holds, counted as abandoned. */
static void free_held(struct dp_worker *w, struct dp_http_ctx *x)
{
	for (unsigned int i = 0; i < x->n_held; i++)
		rte_pktmbuf_free(x->held[i]);
	for (unsigned int i = 0; i < x->n_pend; i++)
		rte_pktmbuf_free(x->pend[i]);
	w->stats->drops[SL_DROP_SYNPROXY_ABANDONED] += x->n_held + x->n_pend;
	x->n_held = 0;
	x->n_pend = 0;
	x->fin_held = 0;
}

/* The VIP's HTTP block for @c, or NULL (a table without it: nothing to go by). */
static inline const struct sl_http_vip *http_of(const struct dp_table *t, const struct dp_conn *c)
{
	return t->http && c->vip < t->hdr->n_vips ? &t->http[c->vip] : NULL;
}

/* @c's VIP's http counters in the worker's stats block, or NULL. */
static inline struct sl_http_counter *vip_cnt(struct dp_worker *w, const struct dp_table *t,
					      const struct dp_conn *c)
{
	return w->http_stats && c->vip < t->hdr->n_vips ? &w->http_stats[c->vip] : NULL;
}

/* The counters of route @id (sl_route.id), or NULL (DP_HTTP_NO_ROUTE, or past the block's). */
static inline struct sl_route_counter *route_cnt(struct dp_worker *w, uint32_t id)
{
	return id < w->max_routes ? &w->route_stats[id] : NULL;
}

/* The counters' reason of answer @a to the request @x read. */
static unsigned int reason_of(const struct dp_http_ctx *x, unsigned int a)
{
	switch (a) {
	case DP_HTTP_ANSWER_NO_ROUTE:
		return SL_HTTP_NO_ROUTE;
	case DP_HTTP_ANSWER_NO_INSTANCE:
		return SL_HTTP_NO_INSTANCE;
	case DP_HTTP_ANSWER_HEAD_TIMEOUT:
		return SL_HTTP_HEAD_TIMEOUT;
	default:
		return x->req.error == DP_HTTP_E_HEAD_TOO_LONG ? SL_HTTP_HEAD_TOO_LONG
							       : SL_HTTP_BAD_REQUEST;
	}
}

/* Start reading a request of @c: the VIP's head bound and sticky cookie. */
static void req_start(const struct dp_table *t, const struct dp_conn *c, struct dp_http_ctx *x)
{
	const struct sl_http_vip *hv = http_of(t, c);

	dp_http_req_init(&x->req, hv ? hv->head_max : 0,
			 hv && (hv->flags & SL_HTTP_F_STICKY) ? hv->cookie : NULL);
}

/* Time the head being read from @now (the VIP's head_timeout_ms). */
static void head_timer(struct dp_worker *w, const struct dp_table *t, const struct dp_conn *c,
		       struct dp_http_ctx *x, uint64_t now)
{
	const struct sl_http_vip *hv = http_of(t, c);
	uint32_t ms = hv && hv->head_timeout_ms ? hv->head_timeout_ms : 5000;

	x->head_due = now + w->tsc_hz / 1000 * ms;
	dp_sp_timer_arm(w->http->head_timers, x->conn, now, &x->head_seq);
}

/*
 * The instance for the request @x has read: its route's pool (by host and
 * normalized path), then the instance its sticky cookie names if that one
 * serves there, else the pool's balance. Returns 0 with *@be, or the
 * answer: 400 (a target or Host that cannot be routed safely), 404 (no
 * route and no default pool), 503 (no serving instance). The route found
 * is x->want_route, and counted.
 */
static int choose(struct dp_worker *w, const struct dp_table *t, const struct dp_conn *c,
		  struct dp_http_ctx *x, uint32_t *be)
{
	struct sl_http_counter *vc = vip_cnt(w, t, c);
	struct sl_route_counter *rc;
	const struct sl_http_vip *hv = http_of(t, c);
	const struct sl_flow_key *k = &c->key[DP_CONN_ORIG];
	char path[DP_HTTP_PATH_MAX], host[DP_HTTP_PATH_MAX];
	uint32_t plen = 0, hlen = 0, pool;
	uint64_t id, *idp = NULL;
	int32_t route;
	int hit, n;

	/* a path cut short could normalize to another route than the instance reads */
	if (x->req.flags & DP_HTTP_F_PATH_CUT)
		return DP_HTTP_ANSWER_BAD_REQUEST;
	if (x->req.flags & DP_HTTP_F_CONNECT) {
		/* authority-form "host:port": routed by its host, as a request for "/" */
		if (!x->req.path_len || x->req.path[0] == '/')
			return DP_HTTP_ANSWER_BAD_REQUEST;
		memcpy(host, x->req.path, x->req.path_len);
		hlen = x->req.path_len;
		path[0] = '/';
		plen = 1;
	} else if (sl_target_normalize(x->req.path, x->req.path_len, path, &plen, host, &hlen)) {
		return DP_HTTP_ANSWER_BAD_REQUEST;
	}
	if (!hlen && x->req.host_len) {
		memcpy(host, x->req.host, x->req.host_len);
		hlen = x->req.host_len;
	}
	if (hlen) {
		n = sl_host_normalize(host, hlen);
		if (n < 0)
			return DP_HTTP_ANSWER_BAD_REQUEST;
		hlen = (uint32_t)n;
	}
	route = c->vip < t->hdr->n_vips ? dp_route_find(t, c->vip, host, hlen, path, plen) : -1;
	pool = c->vip < t->hdr->n_vips ? dp_route_pool(t, c->vip, route) : SL_POOL_NONE;
	if (route >= 0) {
		x->want_route = t->routes[route].id;
		rc = route_cnt(w, x->want_route);
		if (rc)
			rc->requests++;
	}
	if (pool == SL_POOL_NONE || pool >= t->hdr->n_pools)
		return DP_HTTP_ANSWER_NO_ROUTE;
	x->pool = pool;
	if (hv && (hv->flags & SL_HTTP_F_STICKY) && (x->req.flags & DP_HTTP_F_COOKIE) &&
	    dp_sticky_parse(x->req.cookie, x->req.cookie_len, &id) == 0)
		idp = &id;
	*be = dp_route_instance(&w->rr, t, pool, idp, sl_flow_hash(k, 0), &hit);
	if (idp && vc) {
		if (hit)
			vc->sticky_hit++;
		else
			vc->sticky_miss++;
	}
	return *be == SL_BACKEND_NONE ? DP_HTTP_ANSWER_NO_INSTANCE : 0;
}

/* An RST to @c's bound instance, made from the client segment @tmpl (a copy of it). */
static void reset_backend(struct dp_worker *w, const struct dp_table *t, struct dp_conn *c,
			  struct dp_http_ctx *x, struct rte_mbuf *tmpl, struct dp_nat_out *out)
{
	struct rte_mbuf *r, *tail; /* an RST has no bytes to take an insertion: no tail */
	struct rte_tcp_hdr *th;
	struct dp_seg_ends e;
	struct dp_pkt p;
	uint16_t port;
	uint32_t len;

	if (!(c->flags & DP_CONN_F_REPLY) || c->backend >= t->n_backends)
		return;
	r = rte_pktmbuf_copy(tmpl, w->mbuf_pool, 0, UINT32_MAX);
	if (!r || dp_parse_mbuf(r, &p) != DP_PARSE_OK)
		goto fail;
	/* the backend has the client's bytes up to where the waiting request starts */
	dp_seg_ends_of(rte_pktmbuf_mtod(r, uint8_t *), &p, &e);
	len = p.l2_len + dp_seg_ip_len(&e) + DP_SEG_TCP_HDR_LEN;
	dp_seg_put_ip(rte_pktmbuf_mtod_offset(r, uint8_t *, p.l2_len), &e, e.src, e.dst,
		      DP_SEG_TCP_HDR_LEN, e.ttl, e.tos, e.id);
	th = rte_pktmbuf_mtod_offset(r, struct rte_tcp_hdr *, p.l2_len + dp_seg_ip_len(&e));
	dp_seg_put_tcp(th, p.key.sport, p.key.dport, x->req_start, x->s_next,
		       RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0, NULL, 0);
	dp_seg_cksum(rte_pktmbuf_mtod_offset(r, uint8_t *, p.l2_len), &e);
	dp_seg_set_len(r, len);
	if (dp_parse_mbuf(r, &p) != DP_PARSE_OK ||
	    dp_http_ins_to_backend(w, t, c, x, r, &p, &tail, &port) != DP_FWD_OK ||
	    dp_nat_to_backend(w, t, c, r, &p, &port) != DP_FWD_OK)
		goto fail;
	dp_nat_out_add(out, r, port);
	return;
fail:
	rte_pktmbuf_free(r);
}

/*
 * Answer @a written over client segment @seg, starting at the client's
 * sequence number @seq. Returns the bytes of sequence space it takes
 * (its text and FIN), or -ENOSPC.
 */
static int answer_write(struct dp_http_ctx *x, unsigned int a, struct rte_mbuf *seg, uint32_t seq)
{
	struct dp_http_answer_pos pos = {.seq = seq, .ack = x->c_next};
	uint32_t text_len = 0;
	struct dp_tcpopt o;
	struct dp_pkt p;
	int len;

	if (dp_parse_mbuf(seg, &p) != DP_PARSE_OK || !dp_http_answer_text(a, &text_len))
		return -EINVAL;
	dp_tcpopt_parse(tcp_of(seg, &p), &o);
	pos.window = (uint16_t)(DP_SP_WINDOW >> dp_sp_client_wscale(&x->op.o));
	if (x->op.o.ts && o.ts_ok) {
		/*
		 * Our clock as the client last saw it: the newest TSval sent
		 * (a pipelined request echoes an older one), PAWS never sees it
		 * go back.
		 */
		pos.ts = 1;
		pos.tsval = seq_max(o.tsecr, x->ts_sent);
		pos.tsecr = o.tsval;
	}
	len = dp_http_answer_write(rte_pktmbuf_mtod(seg, uint8_t *), dp_seg_room(seg), &p, a, &pos);
	if (len < 0)
		return len;
	dp_seg_set_len(seg, (uint32_t)len);
	return (int)text_len + 1;
}

/*
 * The appliance answers @a over client segment @m (NULL: the last one held),
 * drops what else is held, resets a bound instance, and waits for the
 * client to close. Returns DP_FWD_OK with *@tx_port when @m carries it,
 * else DP_SP_HELD_VERDICT (the answer is in @out).
 */
static unsigned int answer(struct dp_worker *w, const struct dp_table *t, struct dp_conn *c,
			   struct dp_http_ctx *x, unsigned int a, struct rte_mbuf *m,
			   uint16_t *tx_port, struct dp_nat_out *out)
{
	struct sl_http_counter *vc = vip_cnt(w, t, c);
	struct sl_route_counter *rc = route_cnt(w, x->want_route);
	unsigned int r = reason_of(x, a);
	struct rte_mbuf *seg = m;
	int n;

	if (vc)
		vc->answered[r]++;
	if (rc)
		rc->answered[r]++;
	if (!seg && x->n_held)
		seg = x->held[--x->n_held];
	if (seg)
		reset_backend(w, t, c, x, seg, out);
	free_held(w, x);
	x->answer = (uint8_t)a;
	dp_http_ev_answered(w, c, x, a, r);
	w->http->cnt.answers[a]++;
	dp_conn_set_state(w->conns, c, SL_NAT_HTTP_ANSWERED);
	if (!seg)
		return DP_SP_HELD_VERDICT;
	n = answer_write(x, a, seg, x->s_next);
	if (n < 0) {
		if (seg == m)
			return SL_DROP_NO_HEADROOM;
		dp_worker_drop_pkt(w, seg, SL_DROP_NO_HEADROOM);
		return DP_SP_HELD_VERDICT;
	}
	x->s_next += (uint32_t)n;
	if (seg == m) {
		*tx_port = c->client_port;
		return DP_FWD_OK;
	}
	dp_nat_out_add(out, seg, c->client_port);
	return DP_SP_HELD_VERDICT;
}

/*
 * The SYN that opens @c's instance for the waiting request: the client's
 * options from the cookie, seq the byte before the request, the window and
 * TSval of the first held segment, sent through full NAT. Added to @out, or
 * a drop reason.
 */
static unsigned int send_syn(struct dp_worker *w, const struct dp_table *t, struct dp_conn *c,
			     struct dp_http_ctx *x, struct dp_nat_out *out)
{
	struct rte_mbuf *tmpl = x->held[0], *syn;
	struct dp_tcpopt o;
	struct dp_pkt tp, sp;
	uint16_t port;
	unsigned int v;
	int len;

	if (dp_parse_mbuf(tmpl, &tp) != DP_PARSE_OK)
		return SL_DROP_SYNPROXY_ABANDONED;
	dp_tcpopt_parse(tcp_of(tmpl, &tp), &o);
	x->op.client_isn = x->req_start - 1;
	x->op.window = rte_be_to_cpu_16(tcp_of(tmpl, &tp)->rx_win);
	if (x->op.o.ts && o.ts_ok) {
		x->op.tsval = o.tsval;
		x->op.tsecr = o.tsecr;
	}
	syn = rte_pktmbuf_alloc(w->mbuf_pool);
	if (!syn)
		return SL_DROP_NO_MBUF;
	len = dp_sp_client_syn(rte_pktmbuf_mtod(syn, uint8_t *), rte_pktmbuf_tailroom(syn),
			       rte_pktmbuf_mtod(tmpl, const uint8_t *), &tp, &x->op);
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

/*
 * Open instance @be for the waiting request: bound (its reply key, a source
 * port), its SYN sent, the SYN timer armed. Returns DP_FWD_OK or why not.
 */
static unsigned int open_instance(struct dp_worker *w, const struct dp_table *t, struct dp_conn *c,
				  struct dp_http_ctx *x, uint32_t be, uint64_t now,
				  struct dp_nat_out *out)
{
	unsigned int v = dp_nat_bind(w, t, c, be, now);

	if (v != DP_FWD_OK)
		return v;
	dp_http_ins_bound(&x->ins);
	c->flags &= (uint8_t)~DP_CONN_F_SPLICED; /* the SYN goes as it is, its MSS clamped */
	x->bind_pos = x->s_next;
	x->retries = 0;
	x->tried++;
	dp_conn_set_state(w->conns, c, SL_NAT_HTTP_BIND);
	if (dp_sp_timer_arm(w->http->syn_timers, x->conn, now, &x->syn_seq) < 0)
		return SL_DROP_NAT_CONN_FULL;
	return send_syn(w, t, c, x, out);
}

/*
 * A client segment's TSecr never older than ts_bind, ours for the bound
 * instance's SYN-ACK TSval: segments held or pipelined behind the responses
 * ahead of them echo older ones, which the instance would take for an echo
 * of nothing it sent (Linux refuses the ACK that completes its handshake).
 */
static void clamp_tsecr(const struct dp_http_ctx *x, struct rte_tcp_hdr *th)
{
	struct dp_tcpopt o;

	if (!x->ts_clamp || dp_tcp_opt_len(th) == 0)
		return;
	dp_tcpopt_parse(th, &o);
	if (o.ts_off && o.tsecr && dp_seq_lt(o.tsecr, x->ts_bind))
		dp_csum_set32(&th->cksum, (uint8_t *)th + o.ts_off + 4,
			      rte_cpu_to_be_32(x->ts_bind));
}

/*
 * Client segment @h to the bound, spliced instance: its acknowledgement no
 * lower than where it was bound (it may acknowledge the previous
 * instance's response), the insertions made, translated, into @out.
 */
static void go_on(struct dp_worker *w, const struct dp_table *t, struct dp_conn *c,
		  struct dp_http_ctx *x, struct rte_mbuf *h, struct dp_nat_out *out)
{
	struct rte_mbuf *tail = NULL;
	struct rte_tcp_hdr *th;
	uint16_t port, tail_port;
	struct dp_pkt p;
	unsigned int v;

	v = dp_parse_mbuf(h, &p);
	if (v == DP_PARSE_OK) {
		th = tcp_of(h, &p);
		if ((th->tcp_flags & RTE_TCP_ACK_FLAG) &&
		    dp_seq_lt(rte_be_to_cpu_32(th->recv_ack), x->bind_pos))
			dp_csum_set32(&th->cksum, &th->recv_ack, rte_cpu_to_be_32(x->bind_pos));
		clamp_tsecr(x, th);
		v = dp_http_ins_to_backend(w, t, c, x, h, &p, &tail, &tail_port);
		if (v == DP_FWD_OK)
			v = dp_nat_to_backend(w, t, c, h, &p, &port);
	}
	if (v == DP_FWD_OK && out->n < DP_SP_OUT_MAX)
		dp_nat_out_add(out, h, port);
	else
		dp_worker_drop_pkt(w, h, v == DP_FWD_OK ? SL_DROP_NO_HEADROOM : v);
	if (tail && out->n < DP_SP_OUT_MAX)
		dp_nat_out_add(out, tail, tail_port);
	else if (tail) /* lost: the client sends it again */
		dp_worker_drop_pkt(w, tail, SL_DROP_NO_HEADROOM);
}

/* The held segments to the bound, spliced instance (go_on), into @out. */
static void release_held(struct dp_worker *w, const struct dp_table *t, struct dp_conn *c,
			 struct dp_http_ctx *x, struct dp_nat_out *out)
{
	if (dp_http_ins_request(w, t, c, x))
		dp_http_ev_request_id(w, x, x->ins.request_id, DP_HTTP_REQ_ID_LEN);
	for (unsigned int i = 0; i < x->n_held; i++)
		go_on(w, t, c, x, x->held[i], out);
	x->n_held = 0;
	x->fin_held = 0;
}

/* The waiting request goes on: its response is followed from here. */
static void request_goes(struct dp_worker *w, const struct dp_table *t, const struct dp_conn *c,
			 struct dp_http_ctx *x)
{
	dp_http_ev_goes(w, c, x);
	dp_http_resp_init(&x->resp, 0, x->req.method_len == 4 && !memcmp(x->req.method, "HEAD", 4),
			  !!(x->req.flags & DP_HTTP_F_CONNECT));
	x->resp_open = 1;
	x->requests++;
	w->http->cnt.requests++;
	x->route = x->want_route;
	x->want_route = DP_HTTP_NO_ROUTE;
	if (c->backend < t->n_backends)
		w->backend_stats[c->backend].requests++;
	x->req_phase = x->req_done ? DP_HTTP_REQ_HEAD : DP_HTTP_REQ_BODY;
	if (x->req_done) {
		dp_http_ev_request_bytes(w, x, x->c_next - x->fin_held - x->req_start);
		req_start(t, c, x);
		x->req_start = x->c_next;
		x->req_done = 0;
	}
}

/*
 * The waiting request, if it can go now: its instance opened (the first,
 * or a re-bind once the response before it is complete and acknowledged),
 * or its segments released to the instance it shares with the request
 * before. Returns DP_FWD_OK, or the answer's verdict when it cannot go.
 */
static unsigned int try_release(struct dp_worker *w, const struct dp_table *t, struct dp_conn *c,
				struct dp_http_ctx *x, uint64_t now, uint16_t *tx_port,
				struct dp_nat_out *out)
{
	unsigned int v;

	if (x->req_phase != DP_HTTP_REQ_WAIT || c->state == SL_NAT_HTTP_BIND)
		return DP_FWD_OK;
	if (!(c->flags & DP_CONN_F_REPLY)) {
		v = open_instance(w, t, c, x, x->want, now, out);
		return v == DP_FWD_OK
			       ? v
			       : answer(w, t, c, x, DP_HTTP_ANSWER_NO_INSTANCE, NULL, tx_port, out);
	}
	if (x->resp_open)
		return DP_FWD_OK; /* one request at a time */
	if (x->want == c->backend && c->backend_uid == t->backends[c->backend].uid) {
		if (!dp_http_ins_ready(&x->ins, x->c_acked))
			return DP_FWD_OK; /* until the last insertion is acknowledged */
		release_held(w, t, c, x, out);
		request_goes(w, t, c, x);
		return DP_FWD_OK;
	}
	/* another instance: once the client has everything the current one sent */
	if (dp_seq_lt(x->c_acked, x->s_next))
		return DP_FWD_OK;
	reset_backend(w, t, c, x, x->held[0], out);
	w->http->cnt.rebinds++;
	if (vip_cnt(w, t, c))
		vip_cnt(w, t, c)->rebinds++;
	x->tried = 0;
	v = open_instance(w, t, c, x, x->want, now, out);
	return v == DP_FWD_OK ? v
			      : answer(w, t, c, x, DP_HTTP_ANSWER_NO_INSTANCE, NULL, tx_port, out);
}

/* The head of the request being read is complete: its instance, or the appliance's answer. */
static unsigned int head_done(struct dp_worker *w, const struct dp_table *t, struct dp_conn *c,
			      struct dp_http_ctx *x, uint64_t now, uint16_t *tx_port,
			      struct dp_nat_out *out)
{
	struct sl_http_counter *vc = vip_cnt(w, t, c);
	int a;

	if (vc)
		vc->requests++;
	a = choose(w, t, c, x, &x->want);
	x->tried = 0;
	if (a) {
		x->want = SL_BACKEND_NONE;
		return answer(w, t, c, x, (unsigned int)a, NULL, tx_port, out);
	}
	dp_http_ev_head(w, c, x);
	x->req_phase = DP_HTTP_REQ_WAIT;
	x->head_seq = 0; /* the head timer has nothing to time any more */
	return try_release(w, t, c, x, now, tx_port, out);
}

/*
 * Split @m at @keep bytes of its payload (at @off): @m keeps the first
 * part, the returned copy carries the rest from seq + @keep. NULL when no
 * mbuf is left.
 */
static struct rte_mbuf *split(struct dp_worker *w, struct rte_mbuf *m, const struct dp_pkt *p,
			      uint32_t off, uint32_t len, uint32_t keep)
{
	struct rte_mbuf *tail = rte_pktmbuf_copy(m, w->mbuf_pool, 0, UINT32_MAX);
	uint8_t *f;

	if (!tail)
		return NULL;
	/* the tail: the payload moved up to the header's end, seq forward */
	f = rte_pktmbuf_mtod(tail, uint8_t *);
	memmove(f + off, f + off + keep, len - keep);
	for (int part = 0; part < 2; part++) {
		struct rte_mbuf *s = part ? tail : m;
		uint32_t n = part ? len - keep : keep;
		uint8_t *sf = rte_pktmbuf_mtod(s, uint8_t *);
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(sf + p->l4_off);
		uint32_t l3 = off + n - p->l2_len;

		if (p->key.af == SL_AF_INET) {
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(sf + p->l2_len);

			dp_csum_set16(&ip->hdr_checksum, &ip->total_length,
				      rte_cpu_to_be_16((uint16_t)l3));
		} else {
			struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(sf + p->l2_len);

			ip->payload_len = rte_cpu_to_be_16((uint16_t)(l3 - 40));
		}
		if (part)
			th->sent_seq = rte_cpu_to_be_32(rte_be_to_cpu_32(th->sent_seq) + keep);
		else
			th->tcp_flags &= (uint8_t) ~(RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG);
		dp_seg_set_len(s, off + n);
		th->cksum = 0;
		th->cksum =
			p->key.af == SL_AF_INET
				? rte_ipv4_udptcp_cksum((struct rte_ipv4_hdr *)(sf + p->l2_len), th)
				: rte_ipv6_udptcp_cksum((struct rte_ipv6_hdr *)(sf + p->l2_len),
							th);
	}
	return tail;
}

/*
 * Client bytes @len at @off of @m (in order: seq == c_next) fed to the
 * request parser. Returns how many belong to the current request (the
 * rest start the next one), or -1 for a malformed request; *@head says the
 * head completed within them.
 */
static int feed_request(struct dp_http_ctx *x, struct rte_mbuf *m, uint32_t off, uint32_t len,
			int *head)
{
	const uint8_t *p = rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
	uint32_t done = 0;

	*head = 0;
	while (done < len) {
		uint32_t used = 0;
		enum dp_http_status st = dp_http_feed(&x->req, p + done, len - done, &used);

		if (st == DP_HTTP_ERROR)
			return -1;
		if (st == DP_HTTP_MORE)
			return (int)len;
		done += used;
		if (st == DP_HTTP_HEAD) {
			if (x->req_phase == DP_HTTP_REQ_HEAD)
				*head = 1;
			continue; /* the body follows */
		}
		/* DP_HTTP_DONE: the request ends here */
		if (x->req_phase == DP_HTTP_REQ_HEAD)
			*head = 1;
		x->req_done = 1;
		if (x->req.flags & (DP_HTTP_F_UPGRADE | DP_HTTP_F_CONNECT))
			return (int)len; /* what follows is the tunnel's, if the answer opens it */
		return (int)done;
	}
	return (int)len;
}

/*
 * In-order client bytes that are held: a head being read, or a waiting
 * request's body. The head's completion picks the instance.
 */
static unsigned int hold_data(struct dp_worker *w, const struct dp_table *t, struct rte_mbuf *m,
			      struct dp_conn *c, struct dp_http_ctx *x, int head, uint64_t now,
			      uint16_t *tx_port, struct dp_nat_out *out)
{
	unsigned int v;

	if (x->n_held >= DP_HTTP_HELD) {
		if (x->req_phase == DP_HTTP_REQ_HEAD)
			return answer(w, t, c, x, DP_HTTP_ANSWER_BAD_REQUEST, m, tx_port, out);
		return SL_DROP_SYNPROXY_HELD_FULL; /* a waiting body: the client sends it again */
	}
	if (x->n_held == 0 && x->req_phase == DP_HTTP_REQ_HEAD)
		head_timer(w, t, c, x, now);
	hold(x, m);
	if (!head)
		return DP_SP_HELD_VERDICT;
	v = head_done(w, t, c, x, now, tx_port, out);
	return v == DP_FWD_OK ? DP_SP_HELD_VERDICT : v;
}

/* The client closes while no request is under way. */
static unsigned int client_fin(struct dp_worker *w, struct rte_mbuf *m, struct dp_pkt *pkt,
			       struct dp_conn *c, uint16_t *tx_port)
{
	uint16_t port = c->client_port;
	int len;

	if (c->flags & DP_CONN_F_REPLY)
		return DP_SP_CONTINUE; /* to the instance, which closes too */
	/* nobody to tell: the client is reset, the connection freed */
	len = dp_sp_rst(rte_pktmbuf_mtod(m, uint8_t *), dp_seg_room(m), pkt);
	dp_conn_free(w->conns, c);
	if (len < 0)
		return SL_DROP_NO_HEADROOM;
	dp_seg_set_len(m, (uint32_t)len);
	*tx_port = port;
	return DP_FWD_OK;
}

static unsigned int client_data(struct dp_worker *w, const struct dp_table *t, struct rte_mbuf *m,
				struct dp_pkt *pkt, struct dp_conn *c, struct dp_http_ctx *x,
				uint64_t now, uint16_t *tx_port, struct dp_nat_out *out);

/* A request waits for its instance, with all of its bytes: what follows is the next one's. */
static inline int waiting(const struct dp_http_ctx *x)
{
	return x->req_phase == DP_HTTP_REQ_WAIT && x->req_done;
}

/* Where the next client segment after a waiting request starts. */
static inline uint32_t pend_next(const struct dp_http_ctx *x)
{
	return x->n_pend ? x->p_next : x->c_next;
}

/*
 * Client segment @m (@len bytes and @fin) after a waiting request, at
 * pend_next(): kept until that request has gone on (replay), or dropped
 * when DP_HTTP_PEND are kept already (the client sends it again). At
 * c_next with segments kept already, it is the rest of a replayed one and
 * goes before them, the last of them dropped if there is no room.
 */
static unsigned int pend(struct dp_worker *w, struct dp_http_ctx *x, struct rte_mbuf *m,
			 uint32_t seq, uint32_t len, int fin)
{
	if (x->n_pend && seq == x->c_next) {
		if (x->n_pend == DP_HTTP_PEND) {
			struct rte_mbuf *last = x->pend[--x->n_pend];
			struct dp_pkt p;

			x->p_next = dp_parse_mbuf(last, &p) == DP_PARSE_OK ? seq_of(last, &p)
									   : x->c_next;
			dp_worker_drop_pkt(w, last, SL_DROP_HTTP_OUT_OF_ORDER);
		}
		memmove(x->pend + 1, x->pend, x->n_pend * sizeof(x->pend[0]));
		x->pend[0] = m;
		x->n_pend++;
		return DP_SP_HELD_VERDICT;
	}
	if (x->n_pend >= DP_HTTP_PEND)
		return SL_DROP_HTTP_OUT_OF_ORDER;
	x->pend[x->n_pend++] = m;
	x->p_next = seq + len + (uint32_t)fin;
	return DP_SP_HELD_VERDICT;
}

/*
 * @rest, the bytes after a request's end in its segment: the next request,
 * read like any, if the one before went on; after one still waiting, kept
 * for later (pend); after an answer, dropped.
 */
static void next_request(struct dp_worker *w, const struct dp_table *t, struct rte_mbuf *rest,
			 struct dp_conn *c, struct dp_http_ctx *x, uint64_t now, uint16_t *tx_port,
			 struct dp_nat_out *out)
{
	unsigned int v = SL_DROP_HTTP_OUT_OF_ORDER;
	struct dp_pkt p;
	uint32_t off, len;

	if (x->answer != 0xff || dp_parse_mbuf(rest, &p) != DP_PARSE_OK) {
		dp_worker_drop_pkt(w, rest, v);
		return;
	}
	len = dp_seg_payload(rest, &p, &off);
	if (waiting(x) && (seq_of(rest, &p) == x->c_next || seq_of(rest, &p) == pend_next(x)))
		v = pend(w, x, rest, seq_of(rest, &p), len, !!(p.tcp_flags & DP_TCP_FIN));
	else if (x->req_phase == DP_HTTP_REQ_HEAD && out->n + STEP_OUT < DP_SP_OUT_MAX)
		v = client_data(w, t, rest, &p, c, x, now, tx_port, out);
	if (v == DP_SP_HELD_VERDICT)
		return;
	if (v == DP_FWD_OK) /* an answer written over it */
		dp_nat_out_add(out, rest, c->client_port);
	else
		dp_worker_drop_pkt(w, rest, v == DP_SP_CONTINUE ? SL_DROP_HTTP_OUT_OF_ORDER : v);
}

/* Client bytes in order (seq == c_next), or a FIN there. */
static unsigned int client_data(struct dp_worker *w, const struct dp_table *t, struct rte_mbuf *m,
				struct dp_pkt *pkt, struct dp_conn *c, struct dp_http_ctx *x,
				uint64_t now, uint16_t *tx_port, struct dp_nat_out *out)
{
	int fin = !!(pkt->tcp_flags & DP_TCP_FIN), head = 0, n = 0;
	uint32_t off, len = dp_seg_payload(m, pkt, &off);
	struct rte_mbuf *rest = NULL;
	unsigned int v;

	if (len) {
		n = feed_request(x, m, off, len, &head);
		if (n < 0) {
			x->c_next +=
				len + (uint32_t)fin; /* answered: the appliance has consumed it */
			return answer(w, t, c, x, DP_HTTP_ANSWER_BAD_REQUEST, m, tx_port, out);
		}
	} else if (x->req_phase == DP_HTTP_REQ_HEAD) {
		/* a FIN alone: the end of the connection, or of a head never completed */
		if (x->c_next == x->req_start)
			return client_fin(w, m, pkt, c, tx_port);
		return answer(w, t, c, x, DP_HTTP_ANSWER_BAD_REQUEST, m, tx_port, out);
	}
	if ((uint32_t)n < len) {
		rest = split(w, m, pkt, off, len, (uint32_t)n);
		if (!rest)
			return SL_DROP_NO_MBUF;
		fin = 0; /* the FIN is the rest's */
	}
	x->c_next += (uint32_t)n + (uint32_t)fin;
	if (fin)
		x->fin_held = x->req_phase != DP_HTTP_REQ_BODY;
	if (x->req_phase != DP_HTTP_REQ_BODY) {
		v = hold_data(w, t, m, c, x, head, now, tx_port, out);
		if (rest)
			next_request(w, t, rest, c, x, now, tx_port, out);
		return v;
	}
	/* the request went on: its bytes follow it; the next one is read and held */
	if (x->req_done) {
		dp_http_ev_request_bytes(w, x, x->c_next - (uint32_t)fin - x->req_start);
		req_start(t, c, x);
		x->req_phase = DP_HTTP_REQ_HEAD;
		x->req_start = x->c_next;
		x->req_done = 0;
	}
	if (rest)
		next_request(w, t, rest, c, x, now, tx_port, out);
	return DP_SP_CONTINUE;
}

/*
 * The segments kept after a waiting request (pend), once it has gone on:
 * read in order as if they came now, as far as they can go (the next
 * request may wait in turn). Called between packets, never before a
 * verdict's segment is translated: what it sends goes in @out, each step
 * only with room for the most it can add (its segments, their split
 * parts, an RST and a SYN).
 */
static void replay(struct dp_worker *w, const struct dp_table *t, struct dp_conn *c,
		   struct dp_http_ctx *x, uint64_t now, struct dp_nat_out *out)
{
	while (x->n_pend && x->answer == 0xff && !waiting(x) && c->state != SL_NAT_HTTP_BIND &&
	       out->n + 2u * (x->n_held + 1u) + STEP_OUT <= DP_SP_OUT_MAX) {
		struct rte_mbuf *m = x->pend[0];
		uint16_t port = c->client_port;
		struct dp_pkt p;
		unsigned int v;

		x->n_pend--;
		memmove(x->pend, x->pend + 1, x->n_pend * sizeof(x->pend[0]));
		if (dp_parse_mbuf(m, &p) != DP_PARSE_OK || seq_of(m, &p) != x->c_next) {
			dp_worker_drop_pkt(w, m, SL_DROP_HTTP_OUT_OF_ORDER);
			continue;
		}
		v = client_data(w, t, m, &p, c, x, now, &port, out);
		if (v == DP_SP_CONTINUE)
			go_on(w, t, c, x, m, out);
		else if (v == DP_FWD_OK) /* an answer written over it */
			dp_nat_out_add(out, m, port);
		else if (v != DP_SP_HELD_VERDICT)
			dp_worker_drop_pkt(w, m, v);
	}
}

/* A client ACK without data: the bound instance's (it acknowledges the response), a re-bind's cue.
 */
static unsigned int client_ack(struct dp_worker *w, const struct dp_table *t, struct rte_mbuf *m,
			       unsigned int flags, struct dp_conn *c, struct dp_http_ctx *x,
			       uint64_t now, uint16_t *tx_port, struct dp_nat_out *out)
{
	int to_instance = (c->flags & DP_CONN_F_REPLY) && c->state != SL_NAT_HTTP_BIND;
	unsigned int v;

	if (!to_instance)
		return SL_DROP_HTTP_IDLE_ACK;
	if (x->n_pend) {
		/* the ACK to the instance it acknowledges, before what the replay sends */
		dp_conn_track(w->conns, c, DP_CONN_ORIG, flags);
		go_on(w, t, c, x, m, out);
		v = try_release(w, t, c, x, now, tx_port, out);
		if (v == DP_FWD_OK || v == DP_SP_HELD_VERDICT)
			replay(w, t, c, x, now, out);
		return DP_SP_HELD_VERDICT;
	}
	/* it goes before anything the re-bind sends: the old instance gets its last ACK */
	v = try_release(w, t, c, x, now, tx_port, out);
	if (v != DP_FWD_OK && v != DP_SP_HELD_VERDICT)
		return v;
	return x->answer == 0xff ? DP_SP_CONTINUE : SL_DROP_HTTP_IDLE_ACK;
}

/* A client segment after the appliance answered: the answer again, or the end. */
static unsigned int answered(struct dp_worker *w, const struct dp_table *t, struct rte_mbuf *m,
			     struct dp_pkt *pkt, struct dp_conn *c, struct dp_http_ctx *x,
			     uint16_t *tx_port, struct dp_nat_out *out)
{
	uint32_t off, len = dp_seg_payload(m, pkt, &off), text_len = 0;
	uint16_t port = c->client_port;
	int len_rst;

	(void)t;
	(void)out;
	if (pkt->tcp_flags & (DP_TCP_FIN | DP_TCP_RST)) {
		if (pkt->tcp_flags & DP_TCP_RST) {
			dp_conn_free(w->conns, c);
			return SL_DROP_HTTP_IDLE_ACK;
		}
		/* the client closes: its FIN answered with an RST, the connection freed */
		len_rst = dp_sp_rst(rte_pktmbuf_mtod(m, uint8_t *), dp_seg_room(m), pkt);
		dp_conn_free(w->conns, c);
		if (len_rst < 0)
			return SL_DROP_NO_HEADROOM;
		dp_seg_set_len(m, (uint32_t)len_rst);
		*tx_port = port;
		return DP_FWD_OK;
	}
	if (len == 0)
		return SL_DROP_HTTP_IDLE_ACK;
	/* the request again: the answer was lost; the same answer from the same place */
	if (!dp_http_answer_text(x->answer, &text_len) ||
	    answer_write(x, x->answer, m, x->s_next - text_len - 1) < 0)
		return SL_DROP_NO_HEADROOM;
	*tx_port = c->client_port;
	return DP_FWD_OK;
}

/* A client segment of an HTTP connection that has its context @x. */
static unsigned int client_seg(struct dp_worker *w, const struct dp_table *t, struct rte_mbuf *m,
			       struct dp_pkt *pkt, struct dp_conn *c, struct dp_http_ctx *x,
			       uint64_t now, uint16_t *tx_port, struct dp_nat_out *out)
{
	uint32_t off, len = dp_seg_payload(m, pkt, &off), seq = seq_of(m, pkt);

	if (pkt->tcp_flags & DP_TCP_ACK)
		x->c_acked = seq_max(x->c_acked, rte_be_to_cpu_32(tcp_of(m, pkt)->recv_ack));
	if (x->answer != 0xff)
		return answered(w, t, m, pkt, c, x, tx_port, out);
	if (pkt->tcp_flags & DP_TCP_RST) {
		if (c->flags & DP_CONN_F_REPLY)
			return DP_SP_CONTINUE; /* full NAT passes it on and closes */
		dp_conn_free(w->conns, c);
		return SL_DROP_HTTP_IDLE_ACK;
	}
	if (x->req_phase == DP_HTTP_REQ_TUNNEL)
		return DP_SP_CONTINUE;
	if (len == 0 && !(pkt->tcp_flags & DP_TCP_FIN))
		return client_ack(w, t, m, pkt->tcp_flags, c, x, now, tx_port, out);
	if (dp_seq_lt(seq, x->c_next))
		/* sent again: bytes that went on to the bound instance go on again (it keeps them
		 * once; an insertion among them is made again), held ones are here */
		return (c->flags & DP_CONN_F_SPLICED) && c->state != SL_NAT_HTTP_BIND &&
				       !dp_seq_lt(seq, x->op.client_isn + 1) &&
				       (x->req_phase == DP_HTTP_REQ_BODY ||
					!dp_seq_lt(x->req_start, seq + len))
			       ? DP_SP_CONTINUE
			       : SL_DROP_HTTP_OUT_OF_ORDER;
	if (waiting(x) && m->nb_segs == 1 && seq == pend_next(x))
		return pend(w, x, m, seq, len, !!(pkt->tcp_flags & DP_TCP_FIN));
	if (seq != x->c_next || m->nb_segs != 1 || waiting(x))
		return SL_DROP_HTTP_OUT_OF_ORDER; /* a gap, or past what is kept: sent again */
	return client_data(w, t, m, pkt, c, x, now, tx_port, out);
}

/*
 * A valid cookie ACK: a connection with no instance, a context, the ACK
 * held (the template of what the appliance sends before any data comes).
 */
static unsigned int open_conn(struct dp_worker *w, const struct dp_table *t, struct rte_mbuf *m,
			      struct dp_pkt *pkt, int32_t vip_idx, const struct dp_sp_open *op,
			      struct dp_conn *old, uint16_t rx_port_idx, uint64_t now)
{
	struct dp_http_ctx *x;
	struct dp_conn *c;
	unsigned int v;
	uint32_t h;

	(void)t;
	v = dp_nat_open_client(w, pkt, m, vip_idx, SL_NAT_HTTP_HEAD, rx_port_idx, now, old, &c);
	if (v != DP_FWD_OK)
		return v;
	h = dp_http_ctx_take(w->http->pool, dp_conn_id(w->conns, c));
	if (h == DP_HTTP_NONE) {
		dp_conn_free(w->conns, c);
		return SL_DROP_HTTP_CTX_FULL;
	}
	c->sp.http = h;
	c->flags |= DP_CONN_F_HTTP; /* its records' mode */
	x = dp_http_ctx_of(w->http->pool, h);
	x->op = *op;
	x->c_next = op->client_isn + 1;
	x->req_start = x->c_next;
	x->c_acked = op->cookie + 1;
	x->s_next = op->cookie + 1;
	x->ts_sent = op->tsecr; /* the cookie SYN-ACK's TSval, as the client echoed it */
	x->want = SL_BACKEND_NONE;
	req_start(t, c, x);
	w->stats->nat.synproxy_valid++;
	hold(x, m);
	head_timer(w, t, c, x, now);
	return DP_SP_HELD_VERDICT;
}

unsigned int dp_http_client(struct dp_worker *w, const struct dp_table *t, struct rte_mbuf *m,
			    struct dp_pkt *pkt, int32_t vip_idx, struct dp_conn *c,
			    uint16_t rx_port_idx, uint64_t now, uint16_t *tx_port,
			    struct dp_nat_out *out)
{
	const unsigned int flags = pkt->tcp_flags & (DP_TCP_SYN | DP_TCP_ACK | DP_TCP_RST);
	struct dp_http_ctx *x = c ? ctx_of(w, c) : NULL;
	struct dp_sp_open op;

	if (unlikely(!w->http || !w->sp_secrets))
		return SL_DROP_NO_TABLE;
	if (pkt->key.proto != IPPROTO_TCP)
		return SL_DROP_NAT_MID_STREAM;
	if (x && !dp_conn_reusable(c)) {
		struct rte_tcp_hdr *th = tcp_of(m, pkt);
		unsigned int v;

		c->last_seen = now;
		c->client_port = (uint8_t)rx_port_idx;
		v = client_seg(w, t, m, pkt, c, x, now, tx_port, out);
		/* to the bound instance: what it acknowledges of the one before means nothing to it
		 */
		if (v == DP_SP_CONTINUE && (th->tcp_flags & RTE_TCP_ACK_FLAG) &&
		    dp_seq_lt(rte_be_to_cpu_32(th->recv_ack), x->bind_pos))
			dp_csum_set32(&th->cksum, &th->recv_ack, rte_cpu_to_be_32(x->bind_pos));
		if (v == DP_SP_CONTINUE)
			clamp_tsecr(x, th);
		if (v == DP_SP_CONTINUE) {
			struct rte_mbuf *tail;
			uint16_t port;

			v = dp_http_ins_to_backend(w, t, c, x, m, pkt, &tail, &port);
			if (tail && out->n < DP_SP_OUT_MAX)
				dp_nat_out_add(out, tail, port);
			else if (tail) /* lost: the client sends it again */
				dp_worker_drop_pkt(w, tail, SL_DROP_NO_HEADROOM);
			if (v == DP_FWD_OK)
				v = DP_SP_CONTINUE;
		}
		return v;
	}
	if (c && !x && !dp_conn_reusable(c))
		return DP_SP_CONTINUE; /* opened before the VIP became http: full NAT as it was */
	/* no connection, or a closed one a new handshake replaces */
	if (flags == DP_TCP_SYN)
		return dp_sp_syn(w, m, pkt, &t->vips[vip_idx], rx_port_idx, now, tx_port);
	if (flags == DP_TCP_ACK && dp_sp_check_ack(rte_pktmbuf_mtod(m, const uint8_t *), pkt,
						   w->sp_secrets, dp_sp_minute(w, now), &op))
		return open_conn(w, t, m, pkt, vip_idx, &op, c, rx_port_idx, now);
	if (c) {
		/* the closed connection's own (its last ACK, or a FIN, again): to its instance */
		struct rte_mbuf *tail = NULL;
		uint16_t port;

		if (x && dp_http_ins_to_backend(w, t, c, x, m, pkt, &tail, &port) != DP_FWD_OK)
			return SL_DROP_NAT_MID_STREAM;
		if (tail)
			dp_worker_drop_pkt(w, tail, SL_DROP_NO_HEADROOM);
		return DP_SP_CONTINUE;
	}
	return flags == DP_TCP_ACK ? SL_DROP_SYNPROXY_BAD_COOKIE : SL_DROP_NAT_MID_STREAM;
}

void dp_http_closed(struct dp_worker *w, struct dp_conn *c)
{
	struct dp_http_ctx *x = ctx_of(w, c);

	if (!x || !dp_conn_reusable(c) || x->ins.req.after || x->ins.resp.after)
		return;
	dp_http_ctx_put(w->http->pool, c->sp.http);
	c->sp.http = DP_HTTP_NONE;
}

/* ---- the instance's side -------------------------------------------------------------- */

/*
 * @c's instance failed to open for the waiting request (an RST, or no
 * SYN-ACK after the retries): counted against it; the next instance is
 * tried once (the request has reached no instance yet), else the client
 * gets a 503.
 */
static unsigned int open_failed(struct dp_worker *w, const struct dp_table *t, struct dp_conn *c,
				struct dp_http_ctx *x, uint64_t now, uint16_t *tx_port,
				struct dp_nat_out *out)
{
	uint32_t failed = c->backend;

	if (failed < t->n_backends && t->backends[failed].uid == c->backend_uid)
		w->backend_stats[failed].connect_failures++;
	w->stats->nat.connect_failures++;
	w->http->cnt.connect_failures++;
	x->syn_seq = 0;
	if (x->tried < DP_SP_TRIES) {
		/* the route's pool, not the VIP's default: the request was routed there */
		x->want = dp_sp_next_in_pool(t, x->pool, sl_flow_hash(&c->key[DP_CONN_ORIG], 0),
					     failed);
		if (x->want != SL_BACKEND_NONE &&
		    open_instance(w, t, c, x, x->want, now, out) == DP_FWD_OK)
			return DP_SP_HELD_VERDICT;
	}
	c->flags &= (uint8_t)~DP_CONN_F_REPLY; /* nothing to reset: it never opened */
	return answer(w, t, c, x, DP_HTTP_ANSWER_NO_INSTANCE, NULL, tx_port, out);
}

/* The instance's SYN-ACK: the splice from where the client stands, the held segments to it. */
static unsigned int opened(struct dp_worker *w, const struct dp_table *t, struct rte_mbuf *m,
			   struct dp_pkt *pkt, struct dp_conn *c, struct dp_http_ctx *x,
			   uint64_t now, struct dp_nat_out *out)
{
	struct rte_tcp_hdr *th = tcp_of(m, pkt);
	struct dp_tcpopt o;

	if (rte_be_to_cpu_32(th->recv_ack) != x->op.client_isn + 1)
		return SL_DROP_HTTP_BACKEND;
	dp_tcpopt_parse(th, &o);
	/*
	 * The instance's first byte lands where the client's stream stands,
	 * its clock where the client last saw ours: the TSecr of the held
	 * request (sent before the responses to the requests ahead of it, when
	 * pipelined) may be older than what the instances before sent, and
	 * PAWS would drop what this one sends until its clock caught up.
	 */
	x->op.cookie = x->s_next - 1;
	x->ts_clamp = x->op.o.ts && dp_seq_lt(x->op.tsecr, x->ts_sent);
	x->op.tsecr = seq_max(x->op.tsecr, x->ts_sent);
	x->ts_bind = x->op.tsecr;
	dp_sp_splice_of(th, &o, &x->op, &c->splice);
	dp_http_ins_opened(&x->ins, o.mss, c->splice.delta, x->op.client_isn + 1);
	c->flags |= DP_CONN_F_SPLICED;
	x->b_next = rte_be_to_cpu_32(th->sent_seq) + 1;
	x->syn_seq = 0;
	dp_conn_set_state(w->conns, c, SL_NAT_ESTABLISHED);
	/* the held segments complete its handshake: the SYN-ACK itself goes nowhere */
	rte_pktmbuf_free(m);
	dp_http_ev_connected(w, x);
	release_held(w, t, c, x, out);
	request_goes(w, t, c, x);
	replay(w, t, c, x, now, out);
	return DP_SP_HELD_VERDICT;
}

/* A response of status x->resp.status complete, on its request's route. */
static void status_seen(struct dp_worker *w, const struct dp_http_ctx *x)
{
	struct sl_route_counter *rc = route_cnt(w, x->route);
	unsigned int cls = x->resp.status / 100u;

	if (rc && cls >= 1 && cls <= 5)
		rc->status[cls - 1]++;
}

/* The response ends: the next request may go; after a 101 or a CONNECT's 2xx, a tunnel. */
static void response_done(struct dp_worker *w, struct dp_http_ctx *x)
{
	dp_http_ev_done(w, x);
	status_seen(w, x);
	x->resp_open = 0;
	w->http->cnt.responses++;
	if (x->resp.flags & DP_HTTP_F_UPGRADE) {
		x->req_phase = DP_HTTP_REQ_TUNNEL;
		w->http->cnt.tunnels++;
	}
}

/*
 * Response bytes @len at @p (the backend's sequence number @seq) followed.
 * Returns 0, or -1 when they cannot be followed now (out of order where
 * every byte must be read: the instance sends them again).
 */
static int follow(struct dp_worker *w, const struct dp_conn *c, struct dp_http_ctx *x,
		  const uint8_t *p, uint32_t seq, uint32_t len)
{
	uint32_t skip, used;
	enum dp_http_status st;

	if (!dp_seq_lt(x->b_next, seq + len))
		return 0; /* all sent before */
	if (dp_seq_lt(x->b_next, seq))
		return -1; /* a gap */
	skip = x->b_next - seq;
	p += skip;
	len -= skip;
	dp_http_ev_response(w, x, len);
	while (len && x->resp_open) {
		used = 0;
		st = dp_http_feed(&x->resp, p, len, &used);
		dp_http_ins_response_fed(w, c, x, st, x->b_next, used);
		if (st == DP_HTTP_ERROR) {
			/* a response we cannot frame: spliced as it is from here */
			x->resp_open = 0;
			x->req_phase = DP_HTTP_REQ_TUNNEL;
			w->http->cnt.tunnels++;
			used = len;
		} else if (st == DP_HTTP_MORE) {
			used = len;
		} else if (st == DP_HTTP_DONE) {
			if (x->resp.flags & DP_HTTP_F_INTERIM) {
				/* a 1xx: the final response follows */
				status_seen(w, x);
				dp_http_resp_init(&x->resp, 0, x->resp.head_req,
						  x->resp.connect_req);
			} else {
				response_done(w, x);
			}
		}
		x->b_next += used;
		p += used;
		len -= used;
	}
	x->b_next += len; /* bytes after the response (none from a well-behaved instance) */
	return 0;
}

/* The TSval of @m, translated for the client: the newest one sent is kept. */
static void note_ts_sent(struct dp_http_ctx *x, struct rte_mbuf *m, const struct dp_pkt *pkt)
{
	struct dp_tcpopt o;

	dp_tcpopt_parse(tcp_of(m, pkt), &o);
	if (o.ts_ok)
		x->ts_sent = seq_max(x->ts_sent, o.tsval);
}

/* A segment of the instance's response, to the client. */
static unsigned int response_seg(struct dp_worker *w, const struct dp_table *t, struct rte_mbuf *m,
				 struct dp_pkt *pkt, struct dp_conn *c, struct dp_http_ctx *x,
				 uint16_t rx_port_idx, uint64_t now, uint16_t *tx_port,
				 struct dp_nat_out *out)
{
	uint32_t off, len = dp_seg_payload(m, pkt, &off), seq = seq_of(m, pkt), end;
	int fin = !!(pkt->tcp_flags & DP_TCP_FIN);
	unsigned int v;

	if (x->resp_open && x->req_phase != DP_HTTP_REQ_TUNNEL && m->nb_segs == 1) {
		if (len &&
		    follow(w, c, x, rte_pktmbuf_mtod_offset(m, const uint8_t *, off), seq, len) < 0)
			return SL_DROP_HTTP_OUT_OF_ORDER;
		if (fin && x->resp_open && seq + len == x->b_next &&
		    dp_http_eof(&x->resp) == DP_HTTP_DONE)
			response_done(w, x);
	}
	dp_conn_track(w->conns, c, DP_CONN_REPLY, pkt->tcp_flags);
	v = dp_nat_to_client(w, t, c, m, pkt, rx_port_idx, tx_port);
	if (v == DP_FWD_OK)
		v = dp_http_ins_to_client(w, c, x, m, pkt, &end, out);
	if (v != DP_FWD_OK)
		return v;
	x->s_next = seq_max(x->s_next, end);
	if (c->splice.ts)
		note_ts_sent(x, m, pkt);
	if (!x->resp_open && x->req_phase == DP_HTTP_REQ_WAIT && out->n + STEP_OUT < DP_SP_OUT_MAX)
		try_release(w, t, c, x, now, tx_port, out);
	replay(w, t, c, x, now, out); /* the segment went first: it was translated above */
	return DP_FWD_OK;
}

unsigned int dp_http_backend(struct dp_worker *w, const struct dp_table *t, struct rte_mbuf *m,
			     struct dp_pkt *pkt, struct dp_conn *c, uint16_t rx_port_idx,
			     uint64_t now, uint16_t *tx_port, struct dp_nat_out *out)
{
	struct dp_http_ctx *x = ctx_of(w, c);
	const unsigned int flags = pkt->tcp_flags & (DP_TCP_SYN | DP_TCP_ACK | DP_TCP_RST);
	unsigned int v;

	if (!x || pkt->key.proto != IPPROTO_TCP)
		return SL_DROP_HTTP_BACKEND;
	if (c->state == SL_NAT_HTTP_BIND) {
		if (flags == (DP_TCP_SYN | DP_TCP_ACK))
			return opened(w, t, m, pkt, c, x, now, out);
		if (flags & DP_TCP_RST)
			open_failed(w, t, c, x, now, tx_port,
				    out); /* the RST itself goes nowhere */
		if (flags == DP_TCP_ACK && x->retries < DP_SP_SYN_RETRIES &&
		    dp_sp_stale_ack(w, m, pkt, x->op.client_isn, rx_port_idx, tx_port) == 0) {
			/* the RST first (the verdict goes before @out), then the SYN */
			x->retries++;
			send_syn(w, t, c, x, out);
			return DP_FWD_OK;
		}
		return SL_DROP_HTTP_BACKEND;
	}
	if (x->answer != 0xff)
		return SL_DROP_HTTP_BACKEND; /* it was reset */
	v = response_seg(w, t, m, pkt, c, x, rx_port_idx, now, tx_port, out);
	dp_http_closed(w, c); /* the instance's last ACK may have closed it */
	return v;
}

/* ---- timers --------------------------------------------------------------------------- */

/* The HTTP connection a due timer names, if it is still one with a context. */
static struct dp_conn *timer_conn(struct dp_worker *w, const struct dp_sp_timer *e,
				  struct dp_http_ctx **x)
{
	struct dp_conn *c;

	if (e->conn >= w->conns->capacity)
		return NULL;
	c = &w->conns->conns[e->conn];
	if (c->state == SL_NAT_FREE || !(*x = ctx_of(w, c)))
		return NULL;
	return c;
}

unsigned int dp_http_timers_run(struct dp_worker *w, const struct dp_table *t, uint64_t now,
				struct dp_nat_out *out)
{
	struct dp_http_worker *h = w->http;
	const struct dp_sp_timer *e;
	struct dp_http_ctx *x;
	unsigned int n = 0, v;
	uint16_t port;
	struct dp_conn *c;

	if (!h || !w->conns)
		return 0;
	/* a head that did not complete in time: 408 */
	while (out->n + STEP_OUT <= DP_SP_OUT_MAX && (e = dp_sp_timer_due(h->head_timers, now))) {
		n++;
		c = timer_conn(w, e, &x);
		if (!c || x->head_seq != e->seq || x->req_phase != DP_HTTP_REQ_HEAD ||
		    x->answer != 0xff || !x->n_held)
			continue;
		if ((int64_t)(x->head_due - now) > 0) {
			/* not yet: looked at again a tick later */
			dp_sp_timer_arm(h->head_timers, x->conn, now, &x->head_seq);
			continue;
		}
		port = c->client_port;
		v = answer(w, t, c, x, DP_HTTP_ANSWER_HEAD_TIMEOUT, NULL, &port, out);
		(void)v;
	}
	/* an instance's SYN without an answer: again, or the next instance, or 503 */
	while (out->n + STEP_OUT <= DP_SP_OUT_MAX && (e = dp_sp_timer_due(h->syn_timers, now))) {
		n++;
		c = timer_conn(w, e, &x);
		if (!c || c->state != SL_NAT_HTTP_BIND || x->syn_seq != e->seq)
			continue;
		if (x->retries < DP_SP_SYN_RETRIES &&
		    dp_sp_timer_arm(h->syn_timers, x->conn, now, &x->syn_seq) == 0) {
			x->retries++;
			w->stats->nat.synproxy_syn_retries++;
			if (send_syn(w, t, c, x, out) == DP_FWD_OK)
				continue;
		}
		port = c->client_port;
		open_failed(w, t, c, x, now, &port, out);
	}
	return n;
}
