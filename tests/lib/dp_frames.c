/* SPDX-License-Identifier: BSD-3-Clause */
/* Test frames with their checksums computed from the bytes (see dp_frames.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "dp_frames.h"
#include "dp_harness.h"
#include "sl_shm.h"

static void put32(uint8_t *p, uint32_t v)
{
	dpt_put16(p, (uint16_t)(v >> 16));
	dpt_put16(p + 2, (uint16_t)v);
}

static int is_v4(const char *a)
{
	struct sl_addr x;

	dpt_addr_of(&x, a);
	return sl_addr_is_v4(&x);
}

/* Ethernet (and a tag) at @f; returns its length. */
static uint32_t eth(uint8_t *f, const uint8_t *dmac, const uint8_t *smac, uint16_t vlan, int v4)
{
	uint32_t l2 = vlan ? 18 : 14;

	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	if (vlan) {
		dpt_put16(f + 12, 0x8100);
		dpt_put16(f + 14, vlan);
	}
	dpt_put16(f + l2 - 2, v4 ? 0x0800 : 0x86dd);
	return l2;
}

/* IP header for @l4len bytes of @proto at @ip; returns its length. */
static uint32_t ip(uint8_t *ip, const char *src, const char *dst, uint8_t proto, uint32_t l4len,
		   uint16_t id, uint16_t frag, uint8_t ttl)
{
	if (is_v4(src)) {
		memset(ip, 0, 20);
		ip[0] = 0x45;
		dpt_put16(ip + 2, (uint16_t)(20 + l4len));
		dpt_put16(ip + 4, id);
		dpt_put16(ip + 6, frag);
		ip[8] = ttl;
		ip[9] = proto;
		dpt_put_addr(ip + 12, src);
		dpt_put_addr(ip + 16, dst);
		dpt_put16(ip + 10, (uint16_t)~dpt_ref_sum(ip, 20, 0));
		return 20;
	}
	memset(ip, 0, 40);
	ip[0] = 0x60;
	dpt_put16(ip + 4, (uint16_t)l4len);
	ip[6] = proto;
	ip[7] = ttl;
	dpt_put_addr(ip + 8, src);
	dpt_put_addr(ip + 24, dst);
	return 40;
}

/* The pseudo-header's sum for @len bytes of @proto between the addresses of header @iph. */
static uint32_t pseudo(const uint8_t *iph, uint8_t proto, uint32_t len)
{
	if ((iph[0] >> 4) == 4)
		return dpt_ref_sum(iph + 12, 8, 0) + proto + len;
	return dpt_ref_sum(iph + 8, 32, 0) + proto + len;
}

/* The L3 packet of @s at @p (no L2); returns its length. */
static uint32_t l3(uint8_t *p, const struct dpt_frame *s)
{
	uint32_t l4len = (s->proto == IPPROTO_TCP ? 20u + s->olen : 8u) + s->payload;
	uint32_t hl = ip(p, s->src, s->dst, s->proto, l4len, s->made ? 0 : 0x1234,
			 is_v4(s->src) ? 0x4000 : 0, s->made ? 64 : 61);
	uint8_t *l4 = p + hl;
	uint16_t ck;

	memset(l4, 0, l4len);
	dpt_put16(l4, s->sport);
	dpt_put16(l4 + 2, s->dport);
	if (s->proto == IPPROTO_TCP) {
		put32(l4 + 4, s->seq);
		put32(l4 + 8, s->ack);
		l4[12] = (uint8_t)((20 + s->olen) / 4 << 4);
		l4[13] = s->flags;
		dpt_put16(l4 + 14, s->window_zero ? 0 : s->window ? s->window : 0xffff);
		if (s->olen)
			memcpy(l4 + 20, s->opt, s->olen);
	} else {
		dpt_put16(l4 + 4, (uint16_t)l4len);
	}
	for (uint32_t i = 0; i < s->payload; i++)
		l4[l4len - s->payload + i] = s->data ? s->data[i] : (uint8_t)(i * 7 + 3);
	ck = (uint16_t)~dpt_ref_sum(l4, l4len, pseudo(p, s->proto, l4len));
	if (s->proto == IPPROTO_UDP && ck == 0)
		ck = 0xffff;
	if (s->proto == IPPROTO_UDP && s->udp_csum_none)
		ck = 0;
	dpt_put16(l4 + (s->proto == IPPROTO_TCP ? 16 : 6), ck);
	return hl + l4len;
}

static uint32_t pad(uint8_t *f, uint32_t len)
{
	if (len < 60) {
		memset(f + len, 0, 60 - len);
		len = 60;
	}
	return len;
}

uint32_t dpt_frame(uint8_t *f, const struct dpt_frame *s)
{
	uint32_t l2 = eth(f, s->dmac, s->smac, s->vlan, is_v4(s->src));

	return pad(f, l2 + l3(f + l2, s));
}

uint32_t dpt_icmp_frame(uint8_t *f, const uint8_t *dmac, const uint8_t *smac, const char *src,
			const char *dst, uint8_t type, uint8_t code, uint32_t info,
			const struct dpt_frame *q, uint32_t quote_l4)
{
	int v4 = is_v4(src);
	uint8_t quoted[2048];
	uint32_t qhl = v4 ? 20 : 40, qlen = qhl + quote_l4, l2 = eth(f, dmac, smac, 0, v4);
	uint8_t proto = v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	uint32_t hl = ip(f + l2, src, dst, proto, 8 + qlen, 0x4321, 0, 62);
	uint8_t *icmp = f + l2 + hl;
	uint32_t sum;

	assert_true(l3(quoted, q) >= qlen);
	icmp[0] = type;
	icmp[1] = code;
	dpt_put16(icmp + 2, 0);
	put32(icmp + 4, info);
	memcpy(icmp + 8, quoted, qlen);
	sum = v4 ? 0 : pseudo(f + l2, proto, 8 + qlen);
	dpt_put16(icmp + 2, (uint16_t)~dpt_ref_sum(icmp, 8 + qlen, sum));
	return pad(f, l2 + hl + 8 + qlen);
}
