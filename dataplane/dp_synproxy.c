/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SYN proxy's segments (see dp_synproxy.h). A reply is written over the
 * segment it answers: what it needs of the original (addresses, ports,
 * sequence numbers, options) is read first, since a plain IP header may
 * start the TCP header earlier than the original's options or extension
 * headers did.
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "dp_csum.h"
#include "dp_seg.h"
#include "dp_synproxy.h"

#define MSS_DEFAULT 536 /* RFC 9293 3.7.1: the MSS of a SYN without the option */
#define SYN_WINDOW_MAX 0xffff

static inline void put_be16(uint8_t *p, uint16_t v)
{
	dp_st16(p, rte_cpu_to_be_16(v));
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
	dp_st32(p, rte_cpu_to_be_32(v));
}

/*
 * The options of a SYN or SYN-ACK in Linux's order and padding: MSS,
 * SACK-permitted, timestamps, window scale (@ws DP_COOKIE_WS_NONE: none).
 * Returns their length, a multiple of 4, at most DP_SP_SYN_OPT_MAX.
 */
static uint32_t put_syn_opts(uint8_t *p, uint16_t mss, int sack, int ts, uint32_t tsval,
			     uint32_t tsecr, uint8_t ws)
{
	uint32_t n = 0;

	p[n++] = DP_TCPOPT_MSS;
	p[n++] = 4;
	put_be16(p + n, mss);
	n += 2;
	if (ts) {
		if (sack) {
			p[n++] = DP_TCPOPT_SACK_PERM;
			p[n++] = 2;
		} else {
			p[n++] = DP_TCPOPT_NOP;
			p[n++] = DP_TCPOPT_NOP;
		}
		p[n++] = DP_TCPOPT_TS;
		p[n++] = 10;
		put_be32(p + n, tsval);
		put_be32(p + n + 4, tsecr);
		n += 8;
	} else if (sack) {
		p[n++] = DP_TCPOPT_NOP;
		p[n++] = DP_TCPOPT_NOP;
		p[n++] = DP_TCPOPT_SACK_PERM;
		p[n++] = 2;
	}
	if (ws != DP_COOKIE_WS_NONE) {
		p[n++] = DP_TCPOPT_NOP;
		p[n++] = DP_TCPOPT_WS;
		p[n++] = 3;
		p[n++] = ws;
	}
	return n;
}

static void tuple_of(const struct dp_pkt *pkt, struct dp_cookie_tuple *tu)
{
	tu->src = pkt->key.src;
	tu->dst = pkt->key.dst;
	tu->sport = pkt->key.sport;
	tu->dport = pkt->key.dport;
}

static inline const uint64_t *key_of(const struct sl_synproxy_secrets *sec, unsigned int which)
{
	return sec->key[which & 1];
}

int dp_sp_answer_syn(uint8_t *f, uint32_t room, const struct dp_pkt *pkt,
		     const struct sl_synproxy_secrets *sec, uint8_t minute, uint32_t tsval,
		     uint16_t mss)
{
	const struct rte_tcp_hdr *in = (const struct rte_tcp_hdr *)(f + pkt->l4_off);
	unsigned int cur = __atomic_load_n(&sec->current, __ATOMIC_ACQUIRE);
	uint8_t opt[DP_SP_SYN_OPT_MAX];
	struct dp_cookie_tuple tu;
	struct dp_cookie_opts co;
	uint16_t sport = in->dst_port, dport = in->src_port;
	uint32_t isn = rte_be_to_cpu_32(in->sent_seq), olen, len;
	struct dp_tcpopt o;
	struct dp_seg_ends e;

	dp_tcpopt_parse(in, &o);
	dp_seg_ends_of(f, pkt, &e);
	co.mss = o.mss ? o.mss : MSS_DEFAULT;
	co.wscale = o.wscale == DP_TCP_WS_NONE ? DP_COOKIE_WS_NONE : o.wscale;
	co.sack = o.sack_ok;
	co.ts = o.ts_ok;
	tuple_of(pkt, &tu);
	olen = put_syn_opts(opt, mss, co.sack, co.ts, tsval, o.tsval,
			    co.wscale == DP_COOKIE_WS_NONE ? DP_COOKIE_WS_NONE : DP_SP_WSCALE);
	len = pkt->l2_len + dp_seg_ip_len(&e) + DP_SEG_TCP_HDR_LEN + olen;
	if (len > room)
		return -ENOSPC;

	dp_seg_swap_macs(f);
	dp_seg_put_ip(f + pkt->l2_len, &e, e.dst, e.src, DP_SEG_TCP_HDR_LEN + olen, DP_SEG_TTL, 0,
		      0);
	dp_seg_put_tcp((struct rte_tcp_hdr *)(f + pkt->l2_len + dp_seg_ip_len(&e)), sport, dport,
		       dp_cookie_make(key_of(sec, cur), &tu, isn, minute, &co), isn + 1,
		       RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, DP_SP_WINDOW, opt, olen);
	dp_seg_cksum(f + pkt->l2_len, &e);
	return (int)len;
}

int dp_sp_check_ack(const uint8_t *f, const struct dp_pkt *pkt,
		    const struct sl_synproxy_secrets *sec, uint8_t minute, struct dp_sp_open *op)
{
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)(f + pkt->l4_off);
	unsigned int cur = __atomic_load_n(&sec->current, __ATOMIC_ACQUIRE);
	struct dp_cookie_tuple tu;
	struct dp_tcpopt o;
	uint32_t isn, cookie;

	if ((th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG)) !=
	    RTE_TCP_ACK_FLAG)
		return 0;
	isn = rte_be_to_cpu_32(th->sent_seq) - 1;
	cookie = rte_be_to_cpu_32(th->recv_ack) - 1;
	tuple_of(pkt, &tu);
	if (!dp_cookie_check(key_of(sec, cur), &tu, isn, cookie, minute, &op->o) &&
	    !dp_cookie_check(key_of(sec, cur ^ 1), &tu, isn, cookie, minute, &op->o))
		return 0;
	dp_tcpopt_parse(th, &o);
	op->client_isn = isn;
	op->cookie = cookie;
	op->o.ts = op->o.ts && o.ts_ok; /* a client that stopped sending them does not use them */
	op->tsval = op->o.ts ? o.tsval : 0;
	op->tsecr = op->o.ts ? o.tsecr : 0;
	op->window = rte_be_to_cpu_16(th->rx_win);
	op->pad = 0;
	return 1;
}

int dp_sp_client_syn(uint8_t *syn, uint32_t room, const uint8_t *ack, const struct dp_pkt *pkt,
		     const struct dp_sp_open *op)
{
	const struct rte_tcp_hdr *in = (const struct rte_tcp_hdr *)(ack + pkt->l4_off);
	uint8_t ws = op->o.wscale == DP_COOKIE_WS_NONE ? 0 : op->o.wscale;
	uint32_t win = (uint32_t)op->window << ws, olen, len;
	uint8_t opt[DP_SP_SYN_OPT_MAX];
	struct dp_seg_ends e;

	dp_seg_ends_of(ack, pkt, &e);
	olen = put_syn_opts(opt, op->o.mss, op->o.sack, op->o.ts, op->tsval, 0, op->o.wscale);
	len = pkt->l2_len + dp_seg_ip_len(&e) + DP_SEG_TCP_HDR_LEN + olen;
	if (len > room)
		return -ENOSPC;
	memcpy(syn, ack, pkt->l2_len);
	dp_seg_put_ip(syn + pkt->l2_len, &e, e.src, e.dst, DP_SEG_TCP_HDR_LEN + olen, e.ttl, e.tos,
		      e.id);
	dp_seg_put_tcp((struct rte_tcp_hdr *)(syn + pkt->l2_len + dp_seg_ip_len(&e)), in->src_port,
		       in->dst_port, op->client_isn, 0, RTE_TCP_SYN_FLAG,
		       (uint16_t)(win > SYN_WINDOW_MAX ? SYN_WINDOW_MAX : win), opt, olen);
	dp_seg_cksum(syn + pkt->l2_len, &e);
	return (int)len;
}

void dp_sp_splice_of(const struct rte_tcp_hdr *th, const struct dp_tcpopt *o,
		     const struct dp_sp_open *op, struct dp_splice *s)
{
	int scaled = op->o.wscale != DP_COOKIE_WS_NONE && o->wscale != DP_TCP_WS_NONE;

	s->delta = op->cookie - rte_be_to_cpu_32(th->sent_seq);
	s->ws_client = dp_sp_client_wscale(&op->o);
	s->ws_backend = scaled ? o->wscale : 0;
	s->ts = op->o.ts && o->ts_ok;
	s->ts_off = s->ts ? o->tsval - op->tsecr : 0;
	s->ws_up = scaled ? 0 : s->ws_client ? op->o.wscale : 0;
}

int dp_sp_synack_to_ack(uint8_t *f, const struct dp_pkt *pkt, const struct dp_splice *s)
{
	const struct rte_tcp_hdr *in = (const struct rte_tcp_hdr *)(f + pkt->l4_off);
	uint16_t sport = in->src_port, dport = in->dst_port;
	uint32_t seq = rte_be_to_cpu_32(in->sent_seq) + 1 + s->delta;
	uint32_t ack = rte_be_to_cpu_32(in->recv_ack), olen = 0;
	uint32_t win = (uint32_t)rte_be_to_cpu_16(in->rx_win) >> s->ws_client;
	uint8_t opt[12];
	struct dp_tcpopt o;
	struct dp_seg_ends e;

	dp_tcpopt_parse(in, &o);
	dp_seg_ends_of(f, pkt, &e);
	if (s->ts)
		olen = dp_seg_put_ts(opt, o.tsval - s->ts_off, o.tsecr);
	dp_seg_put_ip(f + pkt->l2_len, &e, e.src, e.dst, DP_SEG_TCP_HDR_LEN + olen, e.ttl, e.tos,
		      e.id);
	dp_seg_put_tcp((struct rte_tcp_hdr *)(f + pkt->l2_len + dp_seg_ip_len(&e)), sport, dport,
		       seq, ack, RTE_TCP_ACK_FLAG, (uint16_t)win, opt, olen);
	dp_seg_cksum(f + pkt->l2_len, &e);
	return (int)(pkt->l2_len + dp_seg_ip_len(&e) + DP_SEG_TCP_HDR_LEN + olen);
}

int dp_sp_rst(uint8_t *f, uint32_t room, const struct dp_pkt *pkt)
{
	const struct rte_tcp_hdr *in = (const struct rte_tcp_hdr *)(f + pkt->l4_off);
	uint16_t sport = in->dst_port, dport = in->src_port;
	uint32_t seq = 0, ack = 0, len, seg_len;
	uint8_t flags = RTE_TCP_RST_FLAG;
	struct dp_seg_ends e;

	dp_seg_ends_of(f, pkt, &e);
	len = pkt->l2_len + dp_seg_ip_len(&e) + DP_SEG_TCP_HDR_LEN;
	if (len > room)
		return -ENOSPC;
	if (in->tcp_flags & RTE_TCP_ACK_FLAG) {
		seq = rte_be_to_cpu_32(in->recv_ack);
	} else {
		seg_len =
			pkt->l2_len + pkt->l3_len - pkt->l4_off - (uint32_t)(in->data_off >> 4) * 4;
		seg_len +=
			!!(in->tcp_flags & RTE_TCP_SYN_FLAG) + !!(in->tcp_flags & RTE_TCP_FIN_FLAG);
		ack = rte_be_to_cpu_32(in->sent_seq) + seg_len;
		flags |= RTE_TCP_ACK_FLAG;
	}
	dp_seg_swap_macs(f);
	dp_seg_put_ip(f + pkt->l2_len, &e, e.dst, e.src, DP_SEG_TCP_HDR_LEN, DP_SEG_TTL, 0, 0);
	dp_seg_put_tcp((struct rte_tcp_hdr *)(f + pkt->l2_len + dp_seg_ip_len(&e)), sport, dport,
		       seq, ack, flags, 0, NULL, 0);
	dp_seg_cksum(f + pkt->l2_len, &e);
	return (int)len;
}
