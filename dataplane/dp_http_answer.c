/* SPDX-License-Identifier: BSD-3-Clause */
/* The appliance's own HTTP answers (see dp_http_answer.h). */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_tcp.h>

#include "dp_http_answer.h"
#include "dp_seg.h"

#define ANSWER_TEXT(code, phrase, clen)                                                            \
	"HTTP/1.1 " #code " " phrase "\r\n"                                                        \
	"Content-Type: text/plain\r\n"                                                             \
	"Content-Length: " clen "\r\n"                                                             \
	"Connection: close\r\n"                                                                    \
	"\r\n" phrase "\n"

struct answer {
	unsigned int status;
	const char *name;
	const char *text;
	uint32_t len;
};

static const struct answer answers[DP_HTTP_ANSWER_MAX] = {
#define DP_HTTP_ANSWER_ROW(sym, code, phrase, clen, nm)                                            \
	[DP_HTTP_ANSWER_##sym] = {code, nm, ANSWER_TEXT(code, phrase, clen),                       \
				  sizeof(ANSWER_TEXT(code, phrase, clen)) - 1},
	DP_HTTP_ANSWERS(DP_HTTP_ANSWER_ROW)
#undef DP_HTTP_ANSWER_ROW
};

unsigned int dp_http_answer_status(unsigned int a)
{
	return a < DP_HTTP_ANSWER_MAX ? answers[a].status : 0;
}

const char *dp_http_answer_name(unsigned int a)
{
	return a < DP_HTTP_ANSWER_MAX ? answers[a].name : NULL;
}

const char *dp_http_answer_text(unsigned int a, uint32_t *len)
{
	if (a >= DP_HTTP_ANSWER_MAX)
		return NULL;
	*len = answers[a].len;
	return answers[a].text;
}

int dp_http_answer_write(uint8_t *f, uint32_t room, const struct dp_pkt *pkt, unsigned int a,
			 const struct dp_http_answer_pos *pos)
{
	const struct rte_tcp_hdr *in = (const struct rte_tcp_hdr *)(f + pkt->l4_off);
	uint16_t sport = in->dst_port, dport = in->src_port;
	uint32_t olen = 0, hlen, len;
	struct dp_seg_ends e;
	struct rte_tcp_hdr *th;
	uint8_t opt[DP_SEG_TS_OPT_LEN];

	if (a >= DP_HTTP_ANSWER_MAX)
		return -EINVAL;
	dp_seg_ends_of(f, pkt, &e);
	if (pos->ts)
		olen = dp_seg_put_ts(opt, pos->tsval, pos->tsecr);
	hlen = pkt->l2_len + dp_seg_ip_len(&e) + DP_SEG_TCP_HDR_LEN + olen;
	len = hlen + answers[a].len;
	if (len > room)
		return -ENOSPC;
	dp_seg_swap_macs(f);
	dp_seg_put_ip(f + pkt->l2_len, &e, e.dst, e.src, len - pkt->l2_len - dp_seg_ip_len(&e),
		      DP_SEG_TTL, 0, 0);
	th = (struct rte_tcp_hdr *)(f + pkt->l2_len + dp_seg_ip_len(&e));
	dp_seg_put_tcp(th, sport, dport, pos->seq, pos->ack,
		       RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG | RTE_TCP_ACK_FLAG, pos->window, opt,
		       olen);
	memcpy(f + hlen, answers[a].text, answers[a].len);
	dp_seg_cksum(f + pkt->l2_len, &e);
	return (int)len;
}
