/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Header insertion into spliced HTTP streams (see dp_http_insert.h). The
 * request's corrections are in the client's numbers, the response's in the
 * instance's (the splice's delta apart); the segment that holds a point
 * gets the bytes at it and keeps its seq below the point, so the bytes
 * take the numbers the receiver expects next.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <netinet/in.h>

#include "dp_conn.h"
#include "dp_csum.h"
#include "dp_http_insert.h"
#include "dp_nat.h"
#include "dp_route.h"
#include "dp_tcp.h"
#include "dp_worker_http.h"
#include "dp_worker_nat.h"
#include "dp_worker_sp.h"
#include "sl_addr.h"

#define MSS_DEFAULT 536 /* RFC 9293: an instance's SYN-ACK without MSS */
#define SACK_BLOCK_LEN 8

static const char hex[] = "0123456789abcdef";

/* @c's VIP's http counters in the worker's statistics block, or NULL. */
static struct sl_http_counter *vip_cnt(struct dp_worker *w, const struct dp_conn *c)
{
	return w->http_stats && w->table && c->vip < w->table->hdr->n_vips ? &w->http_stats[c->vip]
									   : NULL;
}

/* An insertion on @c not made, for @reason (enum sl_http_ins_reason). */
static void not_made(struct dp_worker *w, const struct dp_conn *c, unsigned int reason)
{
	struct sl_http_counter *vc = vip_cnt(w, c);

	w->http->ins.failed[reason]++;
	if (vc)
		vc->insert_failed[reason]++;
}

void dp_http_ins_bound(struct dp_http_ins *s)
{
	memset(&s->req, 0, sizeof(s->req));
	memset(&s->resp, 0, sizeof(s->resp));
	s->req_len = 0;
	s->resp_len = 0;
	s->cookie = 0;
}

void dp_http_ins_opened(struct dp_http_ins *s, uint16_t mss, uint32_t delta, uint32_t ack)
{
	s->b_mss = mss ? mss : MSS_DEFAULT;
	s->delta = delta;
	s->b_acked = ack;
}

/* Is @a's point, if it has bytes, acknowledged by @acked (the receiver's numbers)? */
static inline int point_acked(const struct dp_seqadj *a, uint32_t acked)
{
	return a->after == a->before || !dp_seq_lt(acked, a->pos + a->after);
}

int dp_http_ins_ready(const struct dp_http_ins *s, uint32_t c_acked)
{
	return point_acked(&s->req, s->b_acked) && point_acked(&s->resp, c_acked - s->delta);
}

/* @n hex digits of @v at @p; returns p + n. */
static char *put_hex(char *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = n; i > 0; i--, v >>= 4)
		p[i - 1] = hex[v & 0xf];
	return p + n;
}

static uint8_t *put_str(uint8_t *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

/* The next request id of the worker: its start stamp, its index, its count, in hex. */
static void request_id(struct dp_http_ins_worker *iw, char out[DP_HTTP_REQ_ID_LEN + 1])
{
	char *p = put_hex(out, iw->stamp, 8);

	p = put_hex(p, iw->worker, 4);
	p = put_hex(p, iw->next_id++, 12);
	*p = '\0';
}

/*
 * The request's bytes at @p: appended to a client's X-Forwarded-For line
 * (@append: ", addr", then the id on a line of its own), or whole lines.
 */
static uint32_t request_text(uint8_t *p, uint32_t flags, const struct sl_addr *client,
			     const char *id, int append)
{
	char addr[INET6_ADDRSTRLEN];
	uint8_t *s = p;

	if (sl_addr_is_v4(client))
		inet_ntop(AF_INET, &client->a32[3], addr, sizeof(addr));
	else
		inet_ntop(AF_INET6, client->a8, addr, sizeof(addr));
	if (append) {
		p = put_str(p, ", ");
		p = put_str(p, addr);
		if (flags & SL_HTTP_F_XRID) {
			p = put_str(p, "\r\nX-Request-Id: ");
			p = put_str(p, id);
		}
		return (uint32_t)(p - s);
	}
	if (flags & SL_HTTP_F_XFF) {
		p = put_str(p, "X-Forwarded-For: ");
		p = put_str(p, addr);
		p = put_str(p, "\r\n");
	}
	if (flags & SL_HTTP_F_XRID) {
		p = put_str(p, "X-Request-Id: ");
		p = put_str(p, id);
		p = put_str(p, "\r\n");
	}
	return (uint32_t)(p - s);
}

/* "Set-Cookie: <name>=<id>; Path=/; HttpOnly\r\n" at @p. */
static uint32_t cookie_text(uint8_t *p, const char *name, uint64_t id)
{
	char v[DP_STICKY_HEX];
	uint8_t *s = p;
	size_t n = strnlen(name, DP_HTTP_NAME_MAX - 1);

	p = put_str(p, "Set-Cookie: ");
	memcpy(p, name, n);
	p += n;
	*p++ = '=';
	dp_sticky_format(id, v);
	memcpy(p, v, DP_STICKY_HEX);
	p += DP_STICKY_HEX;
	p = put_str(p, "; Path=/; HttpOnly\r\n");
	return (uint32_t)(p - s);
}

int dp_http_ins_request(struct dp_worker *w, const struct dp_table *t, const struct dp_conn *c,
			struct dp_http_ctx *x)
{
	const struct sl_http_vip *hv = t->http && c->vip < t->hdr->n_vips ? &t->http[c->vip] : NULL;
	struct dp_http_ins_worker *iw = &w->http->ins;
	struct sl_http_counter *vc = vip_cnt(w, c);
	struct dp_http_ins *s = &x->ins;
	uint64_t have, id;
	uint32_t pos, n;
	int append, rid = 0;

	request_id(iw, s->request_id);
	s->cookie = 0;
	if (!hv)
		return 0;
	if (hv->flags & (SL_HTTP_F_XFF | SL_HTTP_F_XRID)) {
		append = (hv->flags & SL_HTTP_F_XFF) && x->req.xff_end;
		n = request_text(s->req_bytes, hv->flags, &c->key[DP_CONN_ORIG].src, s->request_id,
				 append);
		pos = x->req_start + (append ? x->req.xff_end : x->req.head_len - 2);
		if (dp_seqadj_insert(&s->req, pos, n, s->b_acked) == 0) {
			s->req_len = (uint8_t)n;
			rid = !!(hv->flags & SL_HTTP_F_XRID);
			iw->requests++;
			if (vc)
				vc->inserted_headers++;
		} else {
			not_made(w, c, SL_HTTP_INS_BUSY);
		}
	}
	if (!(hv->flags & SL_HTTP_F_STICKY))
		return rid;
	id = c->backend < t->n_backends ? t->sticky_ids[c->backend] : 0;
	if ((x->req.flags & DP_HTTP_F_COOKIE) &&
	    dp_sticky_parse(x->req.cookie, x->req.cookie_len, &have) == 0 && have == id && id)
		return rid; /* it named this instance */
	if (!id) {
		not_made(w, c, SL_HTTP_INS_NO_ID);
		return rid;
	}
	/* the last Set-Cookie is acknowledged (dp_http_ins_ready): its bytes are not needed again
	 */
	s->resp_len = 0;
	s->cookie_len = (uint8_t)cookie_text(s->resp_bytes, hv->cookie, id);
	s->cookie = 1;
	return rid;
}

void dp_http_ins_response_fed(struct dp_worker *w, const struct dp_conn *c, struct dp_http_ctx *x,
			      enum dp_http_status st, uint32_t seq, uint32_t used)
{
	struct sl_http_counter *vc;
	struct dp_http_ins *s = &x->ins;
	uint32_t pos;

	if (!s->cookie || x->resp.status < 200)
		return; /* an interim response's head is not the one */
	if (st == DP_HTTP_MORE && dp_http_head_ending(&x->resp))
		pos = seq + used - 1; /* the empty line's CR ends these bytes */
	else if ((st == DP_HTTP_HEAD || st == DP_HTTP_DONE) && used >= 2)
		pos = seq + used - 2;
	else
		return;
	s->cookie = 0;
	if (dp_seqadj_insert(&s->resp, pos, s->cookie_len, x->c_acked - s->delta) == 0) {
		s->resp_len = s->cookie_len;
		w->http->ins.responses++;
		vc = vip_cnt(w, c);
		if (vc)
			vc->inserted_cookies++;
	} else {
		not_made(w, c, SL_HTTP_INS_BUSY);
	}
}

/* Does a segment of @len bytes from @seq hold byte @pos? */
static inline int holds(uint32_t seq, uint32_t len, uint32_t pos)
{
	return len && !dp_seq_lt(pos, seq) && dp_seq_lt(pos, seq + len);
}

static inline void set32(struct rte_tcp_hdr *th, void *field, uint32_t v)
{
	dp_csum_set32(&th->cksum, field, rte_cpu_to_be_32(v));
}

/* The sender's acknowledgement and SACK edges in @th mapped by @a, @off apart (see callers). */
static void map_acks(struct rte_tcp_hdr *th, const struct dp_seqadj *a, uint32_t off)
{
	uint8_t *b = (uint8_t *)th;
	struct dp_tcpopt o;

	if (th->tcp_flags & RTE_TCP_ACK_FLAG)
		set32(th, &th->recv_ack,
		      dp_seqadj_ack(a, rte_be_to_cpu_32(th->recv_ack) - off) + off);
	if (dp_tcp_opt_len(th) == 0)
		return;
	dp_tcpopt_parse(th, &o);
	for (unsigned int i = 0; i < o.n_sack * 2u; i++) {
		uint8_t *e = b + o.sack_off + i * 4;

		set32(th, e, dp_seqadj_ack(a, rte_be_to_cpu_32(dp_ld32(e)) - off) + off);
	}
}

/* Bytes @from.. (@n of them) of the payload @pay with @ins (@il bytes) before its byte @at. */
static void copy_joined(uint8_t *dst, const uint8_t *pay, uint32_t at, const uint8_t *ins,
			uint32_t il, uint32_t from, uint32_t n)
{
	while (n) {
		uint32_t k;
		const uint8_t *src;

		if (from < at) {
			k = RTE_MIN(n, at - from);
			src = pay + from;
		} else if (from < at + il) {
			k = RTE_MIN(n, at + il - from);
			src = ins + (from - at);
		} else {
			k = n;
			src = pay + (from - il);
		}
		memcpy(dst, src, k);
		dst += k;
		from += k;
		n -= k;
	}
}

/* The IP lengths of frame @f (parsed as @p) for @pay bytes of payload at @off. */
static void set_lengths(uint8_t *f, const struct dp_pkt *p, uint32_t off, uint32_t pay)
{
	uint32_t l3 = off + pay - p->l2_len;

	if (p->key.af == SL_AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + p->l2_len);

		ip->total_length = rte_cpu_to_be_16((uint16_t)l3);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(f + p->l2_len);

		ip->payload_len = rte_cpu_to_be_16((uint16_t)(l3 - sizeof(*ip)));
	}
}

/* The TCP checksum of frame @f, @l4_len bytes from p->l4_off (extension headers allowed). */
static void tcp_cksum(uint8_t *f, const struct dp_pkt *p, uint32_t l4_len)
{
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(f + p->l4_off);
	const uint8_t *ip = f + p->l2_len;
	uint32_t sum;
	uint16_t w[2] = {rte_cpu_to_be_16(IPPROTO_TCP), rte_cpu_to_be_16((uint16_t)l4_len)};

	th->cksum = 0;
	if (p->key.af == SL_AF_INET)
		sum = __rte_raw_cksum(ip + offsetof(struct rte_ipv4_hdr, src_addr), 8, 0);
	else
		sum = __rte_raw_cksum(ip + offsetof(struct rte_ipv6_hdr, src_addr), 32, 0);
	sum = __rte_raw_cksum(w, sizeof(w), sum);
	sum = __rte_raw_cksum(th, l4_len, sum);
	th->cksum = (uint16_t)~__rte_raw_cksum_reduce(sum);
}

/*
 * @il bytes at @ins into @m's payload (@len bytes at @off) before its byte
 * @at: @m keeps at most max(@limit, @len) of them (what its buffer holds),
 * the rest goes into *@tail, a copy of its headers with seq after them,
 * FIN and PSH moved there. Lengths and checksums written. 0, or -ENOMEM
 * (no mbuf) or -ENOSPC (no room): @m's payload unchanged then.
 */
static int insert_bytes(struct rte_mempool *mp, struct rte_mbuf *m, const struct dp_pkt *p,
			uint32_t off, uint32_t len, uint32_t at, const uint8_t *ins, uint32_t il,
			uint32_t limit, struct rte_mbuf **tail)
{
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *), *pay = f + off, *tf;
	uint32_t room = dp_seg_room(m), joined = len + il, keep, rest;
	struct rte_tcp_hdr *th;
	struct rte_mbuf *t = NULL;
	uint8_t flags;

	if (room < off + len)
		return -ENOSPC;
	keep = RTE_MIN(RTE_MIN(RTE_MAX(limit, len), room - off), joined);
	rest = joined - keep;
	if (rest) {
		t = rte_pktmbuf_alloc(mp);
		if (!t)
			return -ENOMEM;
		tf = (uint8_t *)rte_pktmbuf_append(t, (uint16_t)(off + rest));
		if (!tf) {
			rte_pktmbuf_free(t);
			return -ENOSPC;
		}
		memcpy(tf, f, off);
		copy_joined(tf + off, pay, at, ins, il, keep, rest);
	}
	if (keep > at + il)
		memmove(pay + at + il, pay + at, keep - at - il);
	memcpy(pay + at, ins, RTE_MIN(il, keep - at));
	dp_seg_set_len(m, off + keep);
	th = (struct rte_tcp_hdr *)(f + p->l4_off);
	flags = th->tcp_flags;
	if (t)
		th->tcp_flags &= (uint8_t) ~(RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG);
	set_lengths(f, p, off, keep);
	tcp_cksum(f, p, off - p->l4_off + keep);
	if (t) {
		th = (struct rte_tcp_hdr *)(tf + p->l4_off);
		th->tcp_flags = flags;
		th->sent_seq = rte_cpu_to_be_32(rte_be_to_cpu_32(th->sent_seq) + keep);
		set_lengths(tf, p, off, rest);
		tcp_cksum(tf, p, off - p->l4_off + rest);
	}
	*tail = t;
	return 0;
}

/* The payload a segment of @m's headers may carry: @mss and @mtu less its headers. */
static uint32_t limit_of(const struct rte_mbuf *m, const struct dp_pkt *p, uint32_t off,
			 uint32_t mss, uint32_t mtu)
{
	const struct rte_tcp_hdr *th =
		rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, p->l4_off);
	uint32_t opt = dp_tcp_opt_len(th), hdrs = off - p->l2_len;
	uint32_t a = mss > opt ? mss - opt : 0, b = mtu > hdrs ? mtu - hdrs : 0;

	return RTE_MIN(a, b);
}

/* Count why an insertion on @c failed (@rc) and say what becomes of its segment. */
static unsigned int failed(struct dp_worker *w, const struct dp_conn *c, int rc)
{
	not_made(w, c, rc == -ENOMEM ? SL_HTTP_INS_NO_MBUF : SL_HTTP_INS_NO_ROOM);
	return rc == -ENOMEM ? SL_DROP_NO_MBUF : SL_DROP_NO_HEADROOM;
}

unsigned int dp_http_ins_to_backend(struct dp_worker *w, const struct dp_table *t,
				    struct dp_conn *c, struct dp_http_ctx *x, struct rte_mbuf *m,
				    struct dp_pkt *pkt, struct rte_mbuf **tail, uint16_t *tail_port)
{
	struct dp_http_ins *s = &x->ins;
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, pkt->l4_off);
	uint32_t off, len, seq, mtu;
	struct dp_pkt tp;
	unsigned int v;
	int rc;

	*tail = NULL;
	if (!(c->flags & DP_CONN_F_SPLICED) || !(s->req.after | s->resp.after))
		return DP_FWD_OK;
	/* what the client acknowledges of the response, in the instance's numbers + delta */
	if (s->resp.after)
		map_acks(th, &s->resp, s->delta);
	if (!s->req.after)
		return DP_FWD_OK;
	seq = rte_be_to_cpu_32(th->sent_seq);
	len = dp_seg_payload(m, pkt, &off);
	if (!s->req_len || !holds(seq, len, s->req.pos)) {
		set32(th, &th->sent_seq, dp_seqadj_seq(&s->req, seq));
		return DP_FWD_OK;
	}
	/* the segment with the point: the request's bytes at it */
	th->sent_seq = rte_cpu_to_be_32(seq + s->req.before);
	mtu = c->backend < t->n_backends && t->backends[c->backend].tx_port < w->n_ports
		      ? w->ports[t->backends[c->backend].tx_port].mtu
		      : 0;
	rc = insert_bytes(w->mbuf_pool, m, pkt, off, len, s->req.pos - seq, s->req_bytes,
			  s->req_len, limit_of(m, pkt, off, s->b_mss, mtu), tail);
	if (rc < 0)
		return failed(w, c, rc);
	v = dp_parse_mbuf(m, pkt) == DP_PARSE_OK ? DP_FWD_OK : SL_DROP_NO_HEADROOM;
	if (!*tail)
		return v;
	if (v == DP_FWD_OK)
		v = dp_parse_mbuf(*tail, &tp) == DP_PARSE_OK
			    ? dp_nat_to_backend(w, t, c, *tail, &tp, tail_port)
			    : SL_DROP_NO_HEADROOM;
	if (v != DP_FWD_OK) {
		rte_pktmbuf_free(*tail);
		*tail = NULL;
	}
	return v;
}

unsigned int dp_http_ins_to_client(struct dp_worker *w, struct dp_conn *c, struct dp_http_ctx *x,
				   struct rte_mbuf *m, const struct dp_pkt *pkt, uint32_t *end,
				   struct dp_nat_out *out)
{
	struct dp_http_ins *s = &x->ins;
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, pkt->l4_off);
	uint32_t off, len = dp_seg_payload(m, pkt, &off), seq = rte_be_to_cpu_32(th->sent_seq);
	uint32_t fin = !!(th->tcp_flags & RTE_TCP_FIN_FLAG), seq_b = seq - s->delta, mss, mtu;
	struct rte_mbuf *tail = NULL;
	int rc;

	*end = seq + len + fin;
	if (th->tcp_flags & RTE_TCP_ACK_FLAG) {
		uint32_t ack = rte_be_to_cpu_32(th->recv_ack);

		if (dp_seq_lt(s->b_acked, ack))
			s->b_acked = ack;
	}
	/* what the instance acknowledges of the request, in the client's numbers */
	if (s->req.after)
		map_acks(th, &s->req, 0);
	if (!s->resp.after)
		return DP_FWD_OK;
	if (!s->resp_len || !holds(seq_b, len, s->resp.pos)) {
		seq += dp_seq_lt(seq_b, s->resp.pos) ? s->resp.before : s->resp.after;
		set32(th, &th->sent_seq, seq);
		*end = seq + len + fin;
		return DP_FWD_OK;
	}
	/* the segment with the head's end: the Set-Cookie there */
	if (out->n >= DP_SP_OUT_MAX)
		return failed(w, c, -ENOSPC);
	th->sent_seq = rte_cpu_to_be_32(seq + s->resp.before);
	mss = x->op.o.mss ? x->op.o.mss : MSS_DEFAULT;
	mtu = c->client_port < w->n_ports ? w->ports[c->client_port].mtu : 0;
	rc = insert_bytes(w->mbuf_pool, m, pkt, off, len, s->resp.pos - seq_b, s->resp_bytes,
			  s->resp_len, limit_of(m, pkt, off, mss, mtu), &tail);
	if (rc < 0)
		return failed(w, c, rc);
	*end = seq + s->resp.before + len + s->resp_len + fin;
	if (tail)
		dp_nat_out_add(out, tail, c->client_port);
	return DP_FWD_OK;
}

void dp_http_ins_icmp(const struct dp_worker *w, const struct dp_conn *c, int to_backend,
		      uint32_t *seq_add, uint32_t *ack_add)
{
	const struct dp_http_ctx *x = w->http ? dp_http_ctx_of(w->http->pool, c->sp.http) : NULL;

	if (!x)
		return;
	if (to_backend) {
		*seq_add -= x->ins.resp.after;
		*ack_add += x->ins.req.after;
	} else {
		*seq_add -= x->ins.req.after;
		*ack_add += x->ins.resp.after;
	}
}
