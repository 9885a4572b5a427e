/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parser fixtures: each frame is spelled out byte by byte (macros for the
 * usual headers) with the exact verdict and, when it parses, the exact key
 * and offsets the forwarding code relies on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "dp_parse.h"
#include "sl_drop.h"
#include "sl_shm.h"

#define B16(v) ((v) >> 8) & 0xff, (v)&0xff
#define MACS 0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02
#define ETH(type) MACS, B16(type)
#define VLAN(tci, type) B16(tci), B16(type)
/* 198.18.0.1 -> 198.18.100.1, id 1, TTL 64, checksum not checked by the parser */
#define IP4(vihl, tot, frag, proto)                                                                \
	(vihl), 0, B16(tot), 0, 1, B16(frag), 64, (proto), 0, 0, 198, 18, 0, 1, 198, 18, 100, 1
/* 2001:2::1 -> 2001:2:0:100::1 */
#define IP6(plen, nh)                                                                              \
	0x60, 0, 0, 0, B16(plen), (nh), 64, 0x20, 0x01, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  \
		1, 0x20, 0x01, 0, 0x02, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 1
/* quoted by an ICMP error: 198.18.100.1 -> 198.18.0.9 (an instance's reply to a client) */
#define IP4Q(tot, frag, proto)                                                                     \
	0x45, 0, B16(tot), 0, 7, B16(frag), 63, (proto), 0, 0, 198, 18, 100, 1, 198, 18, 0, 9
/* quoted: 2001:2:0:100::1 -> 2001:2::9 */
#define IP6Q(plen, nh)                                                                             \
	0x60, 0, 0, 0, B16(plen), (nh), 63, 0x20, 0x01, 0, 0x02, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0,  \
		0, 1, 0x20, 0x01, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9
/* the first 8 bytes of the quoted TCP header, 80 -> 12345 */
#define TCPQ 0, 80, 0x30, 0x39, 0, 0, 0, 1
/* IPv6 fragment header: next header, offset (8-byte units) and M flag, identification 0x1234 */
#define FRAG6(nh, off, m) (nh), 0, B16((off) << 3 | (m)), 0, 0, 0x12, 0x34
/* 8-byte extension header: next header, length 0, PadN of 4 bytes */
#define EXT8(nh) (nh), 0, 1, 4, 0, 0, 0, 0
/* TCP 12345 -> 80, @doff_byte = data offset << 4 */
#define TCP(doff_byte, flags)                                                                      \
	0x30, 0x39, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, (doff_byte), (flags), 0xff, 0xff, 0, 0, 0, 0
#define UDP(len) 0x30, 0x39, 0, 53, B16(len), 0, 0
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_ARP 0x0806

struct fixture {
	const char *name;
	const uint8_t *bytes;
	uint32_t len;
	unsigned int verdict;
	/* checked only when verdict == DP_PARSE_OK */
	uint16_t l2_len, l4_off, l3_len;
	uint8_t af, proto, tcp_flags;
	uint16_t sport, dport; /* host order */
	uint8_t frag;	       /* enum dp_frag_kind */
	uint8_t icmp_error;
};

#define FX(n, v, ...)                                                                              \
	static const uint8_t n##_bytes[] = {__VA_ARGS__};                                          \
	static const unsigned int n##_verdict = (v)

FX(eth_short, SL_DROP_ETH_TRUNCATED, MACS, 0x08);
FX(vlan_short, SL_DROP_VLAN_TRUNCATED, ETH(0x8100), 0x00, 0x64, 0x08);
FX(arp, SL_DROP_NOT_IP, ETH(ETH_P_ARP), 0, 1, 8, 0, 6, 4, 0, 1);
FX(ip4_short, SL_DROP_IP4_TRUNCATED, ETH(ETH_P_IP), 0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6);
FX(ip4_version, SL_DROP_IP4_BAD_VERSION, ETH(ETH_P_IP), IP4(0x65, 40, 0, 6), TCP(0x50, 2));
FX(ip4_ihl_small, SL_DROP_IP4_BAD_IHL, ETH(ETH_P_IP), IP4(0x44, 40, 0, 6), TCP(0x50, 2));
/* IHL 15 = 60 bytes, the frame holds 20 + 20 */
FX(ip4_ihl_beyond, SL_DROP_IP4_BAD_IHL, ETH(ETH_P_IP), IP4(0x4f, 40, 0, 6), TCP(0x50, 2));
FX(ip4_len_beyond, SL_DROP_IP4_BAD_LENGTH, ETH(ETH_P_IP), IP4(0x45, 41, 0, 6), TCP(0x50, 2));
FX(ip4_len_below_ihl, SL_DROP_IP4_BAD_LENGTH, ETH(ETH_P_IP), IP4(0x45, 19, 0, 6), TCP(0x50, 2));
/* IHL 6: one 4-byte option (NOP NOP NOP EOL); TCP then sits at 14 + 24 */
FX(ip4_options, DP_PARSE_OK, ETH(ETH_P_IP), IP4(0x46, 44, 0, 6), 1, 1, 1, 0, TCP(0x50, 0x12));
/* the first fragment carries the ports; a later one (offset 4 = 32 bytes) has none */
FX(ip4_frag_mf, DP_PARSE_OK, ETH(ETH_P_IP), IP4(0x45, 40, 0x2000, 6), TCP(0x50, 2));
FX(ip4_frag_off, DP_PARSE_OK, ETH(ETH_P_IP), IP4(0x45, 40, 0x0004, 6), TCP(0x50, 2));
FX(ip4_frag_last, DP_PARSE_OK, ETH(ETH_P_IP), IP4(0x45, 28, 0x0004, 17), UDP(8));
/* a first fragment cut inside its TCP header */
FX(ip4_frag_short, SL_DROP_FRAGMENT, ETH(ETH_P_IP), IP4(0x45, 30, 0x2000, 6), TCP(0x50, 2));
/* a later fragment of ICMP: nothing to place it by */
FX(ip4_frag_icmp, SL_DROP_L4_UNSUPPORTED, ETH(ETH_P_IP), IP4(0x45, 28, 0x0004, 1), 0, 0, 0, 0, 0, 0,
   0, 0);
/* DF alone is not a fragment */
FX(ip4_df, DP_PARSE_OK, ETH(ETH_P_IP), IP4(0x45, 40, 0x4000, 6), TCP(0x50, 0x02));
FX(ip6_ext_tcp, DP_PARSE_OK, ETH(ETH_P_IPV6), IP6(36, 0), EXT8(60), EXT8(6), TCP(0x50, 0x11));
/* an atomic fragment (offset 0, no more) behind hop-by-hop options: an ordinary packet */
FX(ip6_frag_atomic, DP_PARSE_OK, ETH(ETH_P_IPV6), IP6(36, 0), EXT8(44), FRAG6(6, 0, 0),
   TCP(0x50, 2));
FX(ip6_frag_first, DP_PARSE_OK, ETH(ETH_P_IPV6), IP6(28, 44), FRAG6(6, 0, 1), TCP(0x50, 2));
FX(ip6_frag_later, DP_PARSE_OK, ETH(ETH_P_IPV6), IP6(24, 44), FRAG6(17, 181, 0), 1, 2, 3, 4, 5, 6,
   7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
FX(ip6_frag_twice, SL_DROP_IP6_EXTHDR, ETH(ETH_P_IPV6), IP6(36, 44), FRAG6(44, 0, 1),
   FRAG6(6, 0, 1), TCP(0x50, 2));
/* a first fragment whose TCP header is in the next fragment (RFC 7112 forbids it) */
FX(ip6_frag_split_hdr, SL_DROP_FRAGMENT, ETH(ETH_P_IPV6), IP6(16, 44), FRAG6(6, 0, 1), 0x30, 0x39,
   0, 80, 0, 0, 0, 1);
/* SL_IP6_EXT_MAX extension headers parse, one more is over the limit */
FX(ip6_ext_max, DP_PARSE_OK, ETH(ETH_P_IPV6), IP6(84, 0), EXT8(60), EXT8(43), EXT8(60), EXT8(60),
   EXT8(60), EXT8(60), EXT8(60), EXT8(6), TCP(0x50, 2));
FX(ip6_ext_over, SL_DROP_IP6_EXT_LIMIT, ETH(ETH_P_IPV6), IP6(92, 0), EXT8(60), EXT8(43), EXT8(60),
   EXT8(60), EXT8(60), EXT8(60), EXT8(60), EXT8(60), EXT8(6), TCP(0x50, 2));
/* destination options says 16 bytes, only 8 remain in the payload */
FX(ip6_ext_short, SL_DROP_IP6_EXTHDR, ETH(ETH_P_IPV6), IP6(8, 60), 6, 1, 1, 4, 0, 0, 0, 0);
FX(ip6_ah, SL_DROP_IP6_EXTHDR, ETH(ETH_P_IPV6), IP6(28, 51), EXT8(6), TCP(0x50, 2));
FX(ip6_short, SL_DROP_IP6_TRUNCATED, ETH(ETH_P_IPV6), 0x60, 0, 0, 0, 0, 20, 6, 64);
FX(ip6_len_beyond, SL_DROP_IP6_BAD_LENGTH, ETH(ETH_P_IPV6), IP6(21, 6), TCP(0x50, 2));
FX(ip6_version, SL_DROP_IP6_BAD_VERSION, ETH(ETH_P_IPV6), IP4(0x45, 40, 0, 6), TCP(0x50, 2), 0, 0,
   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
/* echo requests to a VIP are no errors: the dataplane forwards only errors */
FX(icmp, SL_DROP_ICMP_NOT_ERROR, ETH(ETH_P_IP), IP4(0x45, 28, 0, 1), 8, 0, 0xf7, 0xff, 0, 0, 0, 0);
FX(icmp6, SL_DROP_ICMP_NOT_ERROR, ETH(ETH_P_IPV6), IP6(8, 58), 128, 0, 0, 0, 0, 0, 0, 0);
FX(icmp_short, SL_DROP_L4_TRUNCATED, ETH(ETH_P_IP), IP4(0x45, 24, 0, 1), 3, 4, 0, 0);
/* fragmentation needed (MTU 1400) about the instance's 1500-byte reply to 198.18.0.9 */
FX(icmp_frag_needed, DP_PARSE_OK, ETH(ETH_P_IP), IP4(0x45, 56, 0, 1), 3, 4, 0, 0, 0, 0, B16(1400),
   IP4Q(1500, 0x4000, 6), TCPQ);
/* time exceeded about a UDP reply, quoting only 8 bytes past the header */
FX(icmp_ttl_udp, DP_PARSE_OK, ETH(ETH_P_IP), IP4(0x45, 56, 0, 1), 11, 0, 0, 0, 0, 0, 0, 0,
   IP4Q(100, 0, 17), 0, 53, 0x30, 0x39, 0, 80, 0, 0);
FX(icmp_quote_short, SL_DROP_ICMP_TRUNCATED, ETH(ETH_P_IP), IP4(0x45, 52, 0, 1), 3, 4, 0, 0, 0, 0,
   B16(1400), IP4Q(1500, 0x4000, 6), 0, 80, 0x30, 0x39);
/* the quote is not from where the error is addressed (198.18.100.1) */
FX(icmp_quote_other, SL_DROP_ICMP_UNMATCHED, ETH(ETH_P_IP), IP4(0x45, 56, 0, 1), 3, 4, 0, 0, 0, 0,
   B16(1400), 0x45, 0, B16(1500), 0, 7, 0x40, 0, 63, 6, 0, 0, 198, 18, 100, 2, 198, 18, 0, 9, TCPQ);
FX(icmp_quote_icmp, SL_DROP_ICMP_UNMATCHED, ETH(ETH_P_IP), IP4(0x45, 56, 0, 1), 3, 1, 0, 0, 0, 0, 0,
   0, IP4Q(84, 0, 1), 0, 0, 0, 0, 0, 0, 0, 0);
FX(icmp_quote_later_frag, SL_DROP_ICMP_UNMATCHED, ETH(ETH_P_IP), IP4(0x45, 56, 0, 1), 11, 1, 0, 0,
   0, 0, 0, 0, IP4Q(100, 0x0010, 17), 0, 53, 0x30, 0x39, 0, 80, 0, 0);
/* ICMPv6 packet too big (MTU 1400) about the instance's reply to 2001:2::9 */
FX(icmp6_too_big, DP_PARSE_OK, ETH(ETH_P_IPV6), IP6(56, 58), 2, 0, 0, 0, 0, 0, 0x05, 0x78,
   IP6Q(1440, 6), TCPQ);
/* destination unreachable quoting a packet with a destination options header */
FX(icmp6_unreach_ext, DP_PARSE_OK, ETH(ETH_P_IPV6), IP6(64, 58), 1, 4, 0, 0, 0, 0, 0, 0,
   IP6Q(16, 60), EXT8(17), 0, 53, 0x30, 0x39, 0, 16, 0, 0);
FX(icmp6_quote_short, SL_DROP_ICMP_TRUNCATED, ETH(ETH_P_IPV6), IP6(52, 58), 2, 0, 0, 0, 0, 0, 0x05,
   0x78, IP6Q(1440, 6), 0, 80, 0x30, 0x39);
FX(icmp6_nd, SL_DROP_ICMP_NOT_ERROR, ETH(ETH_P_IPV6), IP6(8, 58), 135, 0, 0, 0, 0, 0, 0, 0);
/* the frame has 20 TCP bytes but the IPv4 total length covers 10 of them */
FX(tcp_short, SL_DROP_L4_TRUNCATED, ETH(ETH_P_IP), IP4(0x45, 30, 0, 6), TCP(0x50, 2));
FX(tcp_doff_small, SL_DROP_TCP_BAD_DOFF, ETH(ETH_P_IP), IP4(0x45, 40, 0, 6), TCP(0x40, 2));
FX(tcp_doff_beyond, SL_DROP_TCP_BAD_DOFF, ETH(ETH_P_IP), IP4(0x45, 40, 0, 6), TCP(0x60, 2));
FX(udp_short, SL_DROP_L4_TRUNCATED, ETH(ETH_P_IP), IP4(0x45, 27, 0, 17), UDP(8));
FX(vlan_ip4, DP_PARSE_OK, ETH(0x8100), VLAN(100, ETH_P_IP), IP4(0x45, 40, 0, 6), TCP(0x50, 0x04));
FX(qinq_ip4, DP_PARSE_OK, ETH(0x88a8), VLAN(10, 0x8100), VLAN(100, ETH_P_IP), IP4(0x45, 40, 0, 6),
   TCP(0x50, 0x10));
FX(three_tags, SL_DROP_NOT_IP, ETH(0x88a8), VLAN(10, 0x8100), VLAN(100, 0x8100), VLAN(7, ETH_P_IP),
   IP4(0x45, 40, 0, 6), TCP(0x50, 0x10));
/* 28 bytes of UDP datagram, then Ethernet padding up to 60 bytes */
FX(udp4_padded, DP_PARSE_OK, ETH(ETH_P_IP), IP4(0x45, 28, 0, 17), UDP(8), 0, 0, 0, 0, 0, 0, 0, 0, 0,
   0, 0, 0, 0, 0, 0, 0, 0, 0);
FX(udp6, DP_PARSE_OK, ETH(ETH_P_IPV6), IP6(12, 17), UDP(12), 1, 2, 3, 4);

#define ROW(n) .name = #n, .bytes = n##_bytes, .len = sizeof(n##_bytes)
#define DROP(n)                                                                                    \
	{                                                                                          \
		ROW(n), .verdict = n##_verdict                                                     \
	}
#define PASS(n, ...)                                                                               \
	{                                                                                          \
		ROW(n), n##_verdict, __VA_ARGS__                                                   \
	}

static const struct fixture fixtures[] = {
	DROP(eth_short),
	DROP(vlan_short),
	DROP(arp),
	DROP(ip4_short),
	DROP(ip4_version),
	DROP(ip4_ihl_small),
	DROP(ip4_ihl_beyond),
	DROP(ip4_len_beyond),
	DROP(ip4_len_below_ihl),
	PASS(ip4_options, 14, 38, 44, SL_AF_INET, IPPROTO_TCP, 0x12, 12345, 80),
	PASS(ip4_frag_mf, 14, 34, 40, SL_AF_INET, IPPROTO_TCP, 0x02, 12345, 80, DP_FRAG_FIRST),
	PASS(ip4_frag_off, 14, 34, 40, SL_AF_INET, IPPROTO_TCP, 0, 0, 0, DP_FRAG_LATER),
	PASS(ip4_frag_last, 14, 34, 28, SL_AF_INET, IPPROTO_UDP, 0, 0, 0, DP_FRAG_LATER),
	DROP(ip4_frag_short),
	DROP(ip4_frag_icmp),
	PASS(ip4_df, 14, 34, 40, SL_AF_INET, IPPROTO_TCP, 0x02, 12345, 80),
	PASS(ip6_ext_tcp, 14, 70, 76, SL_AF_INET6, IPPROTO_TCP, 0x11, 12345, 80),
	PASS(ip6_frag_atomic, 14, 70, 76, SL_AF_INET6, IPPROTO_TCP, 0x02, 12345, 80),
	PASS(ip6_frag_first, 14, 62, 68, SL_AF_INET6, IPPROTO_TCP, 0x02, 12345, 80, DP_FRAG_FIRST),
	PASS(ip6_frag_later, 14, 62, 64, SL_AF_INET6, IPPROTO_UDP, 0, 0, 0, DP_FRAG_LATER),
	DROP(ip6_frag_twice),
	DROP(ip6_frag_split_hdr),
	PASS(ip6_ext_max, 14, 118, 124, SL_AF_INET6, IPPROTO_TCP, 0x02, 12345, 80),
	DROP(ip6_ext_over),
	DROP(ip6_ext_short),
	DROP(ip6_ah),
	DROP(ip6_short),
	DROP(ip6_len_beyond),
	DROP(ip6_version),
	DROP(icmp),
	DROP(icmp6),
	DROP(icmp_short),
	PASS(icmp_frag_needed, 14, 34, 56, SL_AF_INET, IPPROTO_TCP, 0, 12345, 80, 0, 1),
	PASS(icmp_ttl_udp, 14, 34, 56, SL_AF_INET, IPPROTO_UDP, 0, 12345, 53, 0, 1),
	DROP(icmp_quote_short),
	DROP(icmp_quote_other),
	DROP(icmp_quote_icmp),
	DROP(icmp_quote_later_frag),
	PASS(icmp6_too_big, 14, 54, 96, SL_AF_INET6, IPPROTO_TCP, 0, 12345, 80, 0, 1),
	PASS(icmp6_unreach_ext, 14, 54, 104, SL_AF_INET6, IPPROTO_UDP, 0, 12345, 53, 0, 1),
	DROP(icmp6_quote_short),
	DROP(icmp6_nd),
	DROP(tcp_short),
	DROP(tcp_doff_small),
	DROP(tcp_doff_beyond),
	DROP(udp_short),
	PASS(vlan_ip4, 18, 38, 40, SL_AF_INET, IPPROTO_TCP, 0x04, 12345, 80),
	PASS(qinq_ip4, 22, 42, 40, SL_AF_INET, IPPROTO_TCP, 0x10, 12345, 80),
	DROP(three_tags),
	PASS(udp4_padded, 14, 34, 28, SL_AF_INET, IPPROTO_UDP, 0, 12345, 53),
	PASS(udp6, 14, 54, 52, SL_AF_INET6, IPPROTO_UDP, 0, 12345, 53),
};

static void test_fixtures(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const struct fixture *f = &fixtures[i];
		struct dp_pkt pkt;
		unsigned int v;

		memset(&pkt, 0xa5, sizeof(pkt));
		v = dp_parse(f->bytes, f->len, &pkt);
		if (v != f->verdict)
			fail_msg("%s: verdict %s, expected %s", f->name,
				 v == DP_PARSE_OK ? "ok" : sl_drop_name(v),
				 f->verdict == DP_PARSE_OK ? "ok" : sl_drop_name(f->verdict));
		if (v != DP_PARSE_OK)
			continue;
		assert_int_equal(pkt.l2_len, f->l2_len);
		assert_int_equal(pkt.l4_off, f->l4_off);
		assert_int_equal(pkt.l3_len, f->l3_len);
		assert_int_equal(pkt.key.af, f->af);
		assert_int_equal(pkt.key.proto, f->proto);
		assert_int_equal(pkt.tcp_flags, f->tcp_flags);
		assert_int_equal(ntohs(pkt.key.sport), f->sport);
		assert_int_equal(ntohs(pkt.key.dport), f->dport);
		assert_int_equal(pkt.key.pad, 0);
		if (pkt.frag != f->frag || pkt.icmp_error != f->icmp_error)
			fail_msg("%s: frag %u icmp_error %u, expected %u %u", f->name, pkt.frag,
				 pkt.icmp_error, f->frag, f->icmp_error);
	}
}

/* A fragment names its datagram: IPv4's 16-bit id, IPv6's 32-bit identification. */
static void test_frag_id(void **state)
{
	struct dp_pkt pkt;

	(void)state;
	assert_int_equal(dp_parse(ip4_frag_off_bytes, sizeof(ip4_frag_off_bytes), &pkt),
			 DP_PARSE_OK);
	assert_int_equal(pkt.frag_id, htons(1));
	assert_int_equal(dp_parse(ip6_frag_later_bytes, sizeof(ip6_frag_later_bytes), &pkt),
			 DP_PARSE_OK);
	assert_int_equal(pkt.frag_id, htonl(0x1234));
	assert_int_equal(dp_parse(ip6_frag_atomic_bytes, sizeof(ip6_frag_atomic_bytes), &pkt),
			 DP_PARSE_OK);
	assert_int_equal(pkt.frag_id, 0);
}

/*
 * An ICMP error's key is the client's flow to the VIP: the quoted reply's
 * addresses and ports swapped; inner_off points at the quoted IP header,
 * inner_l4_off at its TCP/UDP header.
 */
static void test_icmp_error_key(void **state)
{
	static const uint8_t client6[16] = {0x20, 0x01, 0, 2, [15] = 9};
	static const uint8_t vip6[16] = {0x20, 0x01, 0, 2, 0, 0, 1, 0, [15] = 1};
	struct sl_addr client, vip;
	struct dp_pkt pkt;

	(void)state;
	assert_int_equal(dp_parse(icmp_frag_needed_bytes, sizeof(icmp_frag_needed_bytes), &pkt),
			 DP_PARSE_OK);
	sl_addr_from_v4(&client, htonl(0xc6120009));
	sl_addr_from_v4(&vip, htonl(0xc6126401));
	assert_memory_equal(&pkt.key.src, &client, 16);
	assert_memory_equal(&pkt.key.dst, &vip, 16);
	assert_int_equal(pkt.inner_off, 14 + 20 + 8);
	assert_int_equal(pkt.inner_l4_off, 14 + 20 + 8 + 20);
	assert_int_equal(pkt.l3_len, 56);
	assert_int_equal(dp_parse(icmp6_too_big_bytes, sizeof(icmp6_too_big_bytes), &pkt),
			 DP_PARSE_OK);
	assert_memory_equal(pkt.key.src.a8, client6, 16);
	assert_memory_equal(pkt.key.dst.a8, vip6, 16);
	assert_int_equal(pkt.inner_off, 14 + 40 + 8);
	assert_int_equal(pkt.inner_l4_off, 14 + 40 + 8 + 40);
}

/* The key is hashed as bytes: IPv4 addresses must be exactly ::ffff:a.b.c.d. */
static void test_ip4_key_mapped(void **state)
{
	struct sl_addr src, dst;
	struct dp_pkt pkt;

	(void)state;
	assert_int_equal(dp_parse(vlan_ip4_bytes, sizeof(vlan_ip4_bytes), &pkt), DP_PARSE_OK);
	sl_addr_from_v4(&src, htonl(0xc6120001));
	sl_addr_from_v4(&dst, htonl(0xc6126401));
	assert_memory_equal(&pkt.key.src, &src, 16);
	assert_memory_equal(&pkt.key.dst, &dst, 16);
	assert_int_equal(pkt.n_vlans, 1);
}

static void test_ip6_key(void **state)
{
	static const uint8_t src[16] = {0x20, 0x01, 0, 2, [15] = 1};
	static const uint8_t dst[16] = {0x20, 0x01, 0, 2, 0, 0, 1, 0, [15] = 1};
	struct dp_pkt pkt;

	(void)state;
	assert_int_equal(dp_parse(ip6_ext_tcp_bytes, sizeof(ip6_ext_tcp_bytes), &pkt), DP_PARSE_OK);
	assert_memory_equal(pkt.key.src.a8, src, 16);
	assert_memory_equal(pkt.key.dst.a8, dst, 16);
}

/* Every prefix of a good frame is refused, never read past: the verdicts are exact. */
static void test_every_truncation(void **state)
{
	struct dp_pkt pkt;

	(void)state;
	for (uint32_t len = 0; len < sizeof(qinq_ip4_bytes); len++) {
		unsigned int v = dp_parse(qinq_ip4_bytes, len, &pkt);
		unsigned int want = len < 14   ? SL_DROP_ETH_TRUNCATED
				    : len < 22 ? SL_DROP_VLAN_TRUNCATED
				    : len < 42 ? SL_DROP_IP4_TRUNCATED
					       : SL_DROP_IP4_BAD_LENGTH;

		if (v != want)
			fail_msg("length %u: %s, expected %s", len, sl_drop_name(v),
				 sl_drop_name(want));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),       cmocka_unit_test(test_ip4_key_mapped),
		cmocka_unit_test(test_ip6_key),	       cmocka_unit_test(test_frag_id),
		cmocka_unit_test(test_icmp_error_key), cmocka_unit_test(test_every_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
