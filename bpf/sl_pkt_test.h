/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet builders for the BPF_PROG_TEST_RUN fixtures of bpf/: append
 * Ethernet, 802.1Q, IPv4, IPv6, TCP and UDP headers with real lengths and
 * IPv4 header checksums to a byte buffer, so each test reads as the packet
 * it sends. Test code only.
 */
#ifndef SL_PKT_TEST_H
#define SL_PKT_TEST_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#define PKT_MAX 512

struct pkt {
	uint8_t b[PKT_MAX];
	size_t len;
};

static inline void pkt_put(struct pkt *p, const void *data, size_t n)
{
	memcpy(p->b + p->len, data, n);
	p->len += n;
}

static inline void pkt_put16(struct pkt *p, uint16_t host)
{
	uint16_t be = htons(host);

	pkt_put(p, &be, 2);
}

static inline void pkt_eth(struct pkt *p, uint16_t type)
{
	static const uint8_t macs[12] = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};

	pkt_put(p, macs, sizeof(macs));
	pkt_put16(p, type);
}

/* after pkt_eth(p, 0x8100) */
static inline void pkt_vlan(struct pkt *p, uint16_t vid, uint16_t type)
{
	pkt_put16(p, vid);
	pkt_put16(p, type);
}

static inline uint16_t pkt_csum(const uint8_t *d, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)d[i] << 8 | d[i + 1];
	if (n & 1)
		s += (uint32_t)d[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* IPv4 header without options carrying @payload bytes of @proto */
static inline void pkt_ip4(struct pkt *p, const char *src, const char *dst, uint8_t proto,
			   size_t payload, uint16_t frag_off)
{
	uint8_t h[20] = {0x45, 0};
	uint16_t v;

	v = htons(20 + payload);
	memcpy(h + 2, &v, 2);
	h[4] = 0x12; /* id */
	v = htons(frag_off);
	memcpy(h + 6, &v, 2);
	h[8] = 64;
	h[9] = proto;
	inet_pton(AF_INET, src, h + 12);
	inet_pton(AF_INET, dst, h + 16);
	v = htons(pkt_csum(h, 20));
	memcpy(h + 10, &v, 2);
	pkt_put(p, h, 20);
}

static inline void pkt_ip6(struct pkt *p, const char *src, const char *dst, uint8_t nexthdr,
			   size_t payload)
{
	uint8_t h[40] = {0x60, 0};
	uint16_t v = htons(payload);

	memcpy(h + 4, &v, 2);
	h[6] = nexthdr;
	h[7] = 64;
	inet_pton(AF_INET6, src, h + 8);
	inet_pton(AF_INET6, dst, h + 24);
	pkt_put(p, h, 40);
}

#define PKT_TCP_LEN 20
/* a SYN; checksum left zero (the programs under test do not read it) */
static inline void pkt_tcp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	uint8_t h[20] = {0};
	uint16_t v;

	v = htons(sport);
	memcpy(h, &v, 2);
	v = htons(dport);
	memcpy(h + 2, &v, 2);
	h[7] = 1;     /* seq */
	h[12] = 0x50; /* data offset 5 */
	h[13] = 0x02; /* SYN */
	h[14] = 0xff; /* window */
	pkt_put(p, h, 20);
}

#define PKT_UDP_LEN 8
static inline void pkt_udp(struct pkt *p, uint16_t sport, uint16_t dport, size_t payload)
{
	pkt_put16(p, sport);
	pkt_put16(p, dport);
	pkt_put16(p, (uint16_t)(8 + payload));
	pkt_put16(p, 0);
}

/*
 * Fill in the TCP/UDP checksum of the IP packet at offset @l3 (IPv4 or IPv6
 * without options or extension headers) that ends the buffer.
 */
static inline void pkt_l4_csum(struct pkt *p, size_t l3)
{
	uint8_t buf[PKT_MAX + 40];
	size_t n = 0, l4, len, csum_at;
	uint8_t proto;
	uint16_t c;

	if ((p->b[l3] >> 4) == 4) {
		l4 = l3 + 20;
		proto = p->b[l3 + 9];
		len = p->len - l4;
		memcpy(buf, p->b + l3 + 12, 8);
		n = 8;
		buf[n++] = 0;
		buf[n++] = proto;
		buf[n++] = len >> 8;
		buf[n++] = len & 0xff;
	} else {
		l4 = l3 + 40;
		proto = p->b[l3 + 6];
		len = p->len - l4;
		memcpy(buf, p->b + l3 + 8, 32);
		n = 32;
		buf[n++] = 0;
		buf[n++] = 0;
		buf[n++] = len >> 8;
		buf[n++] = len & 0xff;
		buf[n++] = 0;
		buf[n++] = 0;
		buf[n++] = 0;
		buf[n++] = proto;
	}
	csum_at = l4 + (proto == 6 ? 16 : 6);
	p->b[csum_at] = p->b[csum_at + 1] = 0;
	memcpy(buf + n, p->b + l4, len);
	c = pkt_csum(buf, n + len);
	if (proto == 17 && c == 0)
		c = 0xffff;
	p->b[csum_at] = c >> 8;
	p->b[csum_at + 1] = c & 0xff;
}

#endif /* SL_PKT_TEST_H */
