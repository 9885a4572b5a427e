/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP options and splice translation (see dp_tcp.h). Every rewrite fixes the
 * TCP checksum incrementally; the pseudo-header is the caller's (addresses
 * change in dp_nat.c).
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "dp_csum.h"
#include "dp_tcp.h"

#define TS_LEN 10
#define MSS_LEN 4
#define WS_LEN 3
#define SACK_PERM_LEN 2
#define SACK_BLOCK_LEN 8

void dp_tcpopt_parse(const struct rte_tcp_hdr *th, struct dp_tcpopt *o)
{
	const uint8_t *opt = (const uint8_t *)(th + 1);
	uint32_t len = dp_tcp_opt_len(th), i = 0;

	memset(o, 0, sizeof(*o));
	o->wscale = DP_TCP_WS_NONE;
	while (i < len) {
		uint8_t kind = opt[i], olen;

		if (kind == DP_TCPOPT_EOL)
			return;
		if (kind == DP_TCPOPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2 || opt[i + 1] < 2 || opt[i + 1] > len - i) {
			o->bad = 1;
			return;
		}
		olen = opt[i + 1];
		switch (kind) {
		case DP_TCPOPT_MSS:
			if (olen == MSS_LEN) {
				o->mss = rte_be_to_cpu_16(dp_ld16(opt + i + 2));
				o->mss_off = (uint16_t)(sizeof(*th) + i + 2);
			}
			break;
		case DP_TCPOPT_WS:
			if (olen == WS_LEN)
				o->wscale = opt[i + 2] > DP_TCP_WS_MAX ? DP_TCP_WS_MAX : opt[i + 2];
			break;
		case DP_TCPOPT_SACK_PERM:
			if (olen == SACK_PERM_LEN)
				o->sack_ok = 1;
			break;
		case DP_TCPOPT_SACK:
			if (olen >= 2 + SACK_BLOCK_LEN && (olen - 2) % SACK_BLOCK_LEN == 0) {
				o->n_sack = (uint8_t)((olen - 2) / SACK_BLOCK_LEN);
				o->sack_off = (uint16_t)(sizeof(*th) + i + 2);
			}
			break;
		case DP_TCPOPT_TS:
			if (olen == TS_LEN) {
				o->ts_ok = 1;
				o->tsval = rte_be_to_cpu_32(dp_ld32(opt + i + 2));
				o->tsecr = rte_be_to_cpu_32(dp_ld32(opt + i + 6));
				o->ts_off = (uint16_t)(sizeof(*th) + i + 2);
			}
			break;
		default:
			break;
		}
		i += olen;
	}
}

int dp_tcp_clamp_mss(struct rte_tcp_hdr *th, const struct dp_tcpopt *o, uint16_t mss)
{
	if (!o->mss_off || o->mss <= mss)
		return 0;
	dp_csum_set16(&th->cksum, (uint8_t *)th + o->mss_off, rte_cpu_to_be_16(mss));
	return 1;
}

/* Add @add to the 32-bit host-order value stored big-endian at @p. */
static inline void add32(void *ck, uint8_t *p, uint32_t add)
{
	uint32_t v = rte_be_to_cpu_32(dp_ld32(p));

	dp_csum_set32(ck, p, rte_cpu_to_be_32(v + add));
}

/* The window field as @win, saturating at 16 bits (checksum fixed). */
static inline void set_window(struct rte_tcp_hdr *th, uint32_t win)
{
	if (win > 0xffff)
		win = 0xffff;
	dp_csum_set16(&th->cksum, &th->rx_win, rte_cpu_to_be_16((uint16_t)win));
}

void dp_tcp_splice_to_backend(struct rte_tcp_hdr *th, const struct dp_splice *s)
{
	struct dp_tcpopt o;
	uint8_t *t = (uint8_t *)th;

	if (th->tcp_flags & RTE_TCP_ACK_FLAG)
		add32(&th->cksum, (uint8_t *)&th->recv_ack, (uint32_t)-s->delta);
	if (s->ws_up && !(th->tcp_flags & RTE_TCP_SYN_FLAG))
		set_window(th, (uint32_t)rte_be_to_cpu_16(th->rx_win)
				       << RTE_MIN(s->ws_up, DP_TCP_WS_MAX));
	if (dp_tcp_opt_len(th) == 0)
		return;
	dp_tcpopt_parse(th, &o);
	for (unsigned int i = 0; i < o.n_sack; i++) {
		add32(&th->cksum, t + o.sack_off + i * SACK_BLOCK_LEN, (uint32_t)-s->delta);
		add32(&th->cksum, t + o.sack_off + i * SACK_BLOCK_LEN + 4, (uint32_t)-s->delta);
	}
	if (o.ts_off && s->ts && o.tsecr)
		add32(&th->cksum, t + o.ts_off + 4, s->ts_off);
}

void dp_tcp_splice_to_client(struct rte_tcp_hdr *th, const struct dp_splice *s)
{
	struct dp_tcpopt o;
	uint32_t win;

	add32(&th->cksum, (uint8_t *)&th->sent_seq, s->delta);
	if (!(th->tcp_flags & RTE_TCP_SYN_FLAG) && s->ws_backend != s->ws_client) {
		/* a shift past 14 (or DP_TCP_WS_NONE left in by mistake) is RFC 7323's 14 */
		win = (uint32_t)rte_be_to_cpu_16(th->rx_win)
			      << RTE_MIN(s->ws_backend, DP_TCP_WS_MAX) >>
		      RTE_MIN(s->ws_client, DP_TCP_WS_MAX);
		set_window(th, win);
	}
	if (dp_tcp_opt_len(th) == 0)
		return;
	dp_tcpopt_parse(th, &o);
	if (o.ts_off && s->ts)
		add32(&th->cksum, (uint8_t *)th + o.ts_off, (uint32_t)-s->ts_off);
}
