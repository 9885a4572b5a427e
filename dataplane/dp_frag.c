/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 fragmentation before the tunnel (see dp_frag.h). Pieces are copies,
 * not mbuf chains: the af_xdp PMD transmits single segments, and a split is
 * the exception on this path, not the rule.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "dp_frag.h"

#define IP4_OPT_EOL 0
#define IP4_OPT_NOP 1
#define IP4_OPT_COPIED 0x80 /* option type bit: copy into every fragment */
#define IP4_OFFSET_MASK 0x1fff
#define IP4_MF 0x2000

/*
 * The options of a later piece: those with the copied flag, padded with EOL
 * to a multiple of 4 bytes. Returns their length. @opt/@len are the first
 * header's options (already validated by the parser's IHL check only, so
 * every option length is checked here too).
 */
static uint32_t copied_options(const uint8_t *opt, uint32_t len, uint8_t *out)
{
	uint32_t i = 0, o = 0;

	while (i < len && opt[i] != IP4_OPT_EOL) {
		uint32_t ol;

		if (opt[i] == IP4_OPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2 || opt[i + 1] < 2 || opt[i + 1] > len - i)
			break; /* malformed: stop copying, as the first piece still has them all */
		ol = opt[i + 1];
		if (opt[i] & IP4_OPT_COPIED) {
			memcpy(out + o, opt + i, ol);
			o += ol;
		}
		i += ol;
	}
	while (o & 3)
		out[o++] = IP4_OPT_EOL;
	return o;
}

/* One piece: @m's L2 header, @ip's fixed header with @opts, @data_len bytes of @data. */
static struct rte_mbuf *piece(struct rte_mempool *mp, const uint8_t *frame, uint32_t l2_len,
			      const uint8_t *ip, const uint8_t *opts, uint32_t opt_len,
			      const uint8_t *data, uint32_t data_len, uint16_t frag_word)
{
	struct rte_mbuf *r = rte_pktmbuf_alloc(mp);
	uint32_t ihl = sizeof(struct rte_ipv4_hdr) + opt_len;
	struct rte_ipv4_hdr *h;
	uint8_t *p;

	if (!r)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(r, (uint16_t)(l2_len + ihl + data_len));
	if (!p) {
		rte_pktmbuf_free(r);
		return NULL;
	}
	memcpy(p, frame, l2_len);
	memcpy(p + l2_len, ip, sizeof(struct rte_ipv4_hdr));
	if (opt_len)
		memcpy(p + l2_len + sizeof(struct rte_ipv4_hdr), opts, opt_len);
	memcpy(p + l2_len + ihl, data, data_len);
	h = (struct rte_ipv4_hdr *)(p + l2_len);
	h->version_ihl = (uint8_t)(0x40 | ihl / 4);
	h->total_length = rte_cpu_to_be_16((uint16_t)(ihl + data_len));
	h->fragment_offset = rte_cpu_to_be_16(frag_word);
	h->hdr_checksum = 0;
	h->hdr_checksum = rte_ipv4_cksum(h);
	return r;
}

unsigned int dp_frag4_split(struct rte_mempool *mp, const struct rte_mbuf *m,
			    const struct dp_pkt *pkt, uint32_t max_l3, struct rte_mbuf **out,
			    unsigned int *n)
{
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *ip = frame + pkt->l2_len;
	uint32_t hl = (uint32_t)(ip[0] & 0x0f) * 4, opt_len = hl - sizeof(struct rte_ipv4_hdr);
	uint16_t word = rte_be_to_cpu_16(((const struct rte_ipv4_hdr *)ip)->fragment_offset);
	uint32_t payload = pkt->l3_len - hl, first_step, later_step, later_opts, done, i = 0;
	uint8_t later[40];

	*n = 0;
	later_opts = copied_options(ip + sizeof(struct rte_ipv4_hdr), opt_len, later);
	if (max_l3 < hl + 8 || max_l3 < sizeof(struct rte_ipv4_hdr) + later_opts + 8)
		return SL_DROP_FRAG_SPLIT_LIMIT;
	first_step = (max_l3 - hl) & ~7u;
	later_step = (max_l3 - sizeof(struct rte_ipv4_hdr) - later_opts) & ~7u;
	if (payload > first_step + (DP_FRAG_MAX - 1) * later_step)
		return SL_DROP_FRAG_SPLIT_LIMIT;
	for (done = 0; done < payload; i++) {
		uint32_t step = i == 0 ? first_step : later_step;
		uint32_t len = payload - done < step ? payload - done : step;
		/* offsets count 8-byte units from the original datagram's start */
		uint16_t off = (uint16_t)((word & IP4_OFFSET_MASK) + done / 8);
		uint16_t mf = done + len < payload || (word & IP4_MF) ? IP4_MF : 0;

		out[i] = piece(mp, frame, pkt->l2_len, ip,
			       i == 0 ? ip + sizeof(struct rte_ipv4_hdr) : later,
			       i == 0 ? opt_len : later_opts, ip + hl + done, len,
			       (uint16_t)(off | mf));
		if (!out[i]) {
			rte_pktmbuf_free_bulk(out, i);
			return SL_DROP_NO_MBUF;
		}
		done += len;
	}
	*n = i;
	return DP_PARSE_OK;
}
