/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What an edge load balancer meets besides plain flows, through the real
 * worker (tests/lib/dp_harness.h), with exact output bytes: ICMP errors
 * addressed to a VIP go to the instance of the flow they quote (path MTU
 * discovery), fragments follow their datagram's first fragment, IPv6 atomic
 * fragments are ordinary packets, and a SYN flood into a full flow table
 * never pushes an established connection out.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp_flow.h"
#include "dp_harness.h"
#include "dp_worker.h"
#include "sl_drop.h"
#include "sl_shm.h"

#define ROUTER4 "198.18.0.1"
#define ROUTER6 "2001:2::1"
#define CLIENT4 "198.18.0.10"
#define CLIENT6 "2001:2::10"

/* IPv4 header at @ip: 20 bytes, checksummed. */
static void ip4_hdr(uint8_t *ip, uint16_t tot, uint16_t id, uint16_t frag, uint8_t ttl,
		    uint8_t proto, const char *src, const char *dst)
{
	memset(ip, 0, 20);
	ip[0] = 0x45;
	dpt_put16(ip + 2, tot);
	dpt_put16(ip + 4, id);
	dpt_put16(ip + 6, frag);
	ip[8] = ttl;
	ip[9] = proto;
	dpt_put_addr(ip + 12, src);
	dpt_put_addr(ip + 16, dst);
	dpt_put16(ip + 10, (uint16_t)~dpt_ref_sum(ip, 20, 0));
}

static void ip6_hdr(uint8_t *ip, uint16_t plen, uint8_t nh, uint8_t hops, const char *src,
		    const char *dst)
{
	memset(ip, 0, 40);
	ip[0] = 0x60;
	dpt_put16(ip + 4, plen);
	ip[6] = nh;
	ip[7] = hops;
	dpt_put_addr(ip + 8, src);
	dpt_put_addr(ip + 24, dst);
}

static uint32_t eth_hdr(uint8_t *f, int v4)
{
	memcpy(f, dpt_port_mac[0], 6);
	memcpy(f + 6, dpt_client_mac, 6);
	dpt_put16(f + 12, v4 ? 0x0800 : 0x86dd);
	return 14;
}

/*
 * An ICMP error from the router about an instance's reply @vip:@vport ->
 * @client:@cport (1500 bytes of TCP with DF, or UDP), quoting 28 bytes of
 * IPv4 / 48 of IPv6 past its header. Returns the frame length; *@l3 is the
 * error's IP length.
 */
static uint32_t icmp_error(uint8_t *f, const char *vip, uint16_t vport, const char *client,
			   uint16_t cport, uint8_t proto, uint32_t *l3)
{
	struct sl_addr a;
	uint32_t len;
	int v4;

	dpt_addr_of(&a, vip);
	v4 = sl_addr_is_v4(&a);
	len = eth_hdr(f, v4);
	if (v4) {
		uint8_t *ip = f + len, *ic = ip + 20, *q = ic + 8;

		ip4_hdr(ip, 20 + 8 + 20 + 28, 0x4321, 0, 62, IPPROTO_ICMP, ROUTER4, vip);
		ic[0] = 3; /* destination unreachable, fragmentation needed, next-hop MTU 1400 */
		ic[1] = 4;
		dpt_put16(ic + 2, 0);
		dpt_put16(ic + 4, 0);
		dpt_put16(ic + 6, 1400);
		ip4_hdr(q, 1500, 0x7777, 0x4000, 63, proto, vip, client);
		memset(q + 20, 0x5a, 28);
		dpt_put16(q + 20, vport);
		dpt_put16(q + 22, cport);
		dpt_put16(ic + 2, (uint16_t)~dpt_ref_sum(ic, 8 + 20 + 28, 0));
		*l3 = 20 + 8 + 20 + 28;
	} else {
		uint8_t *ip = f + len, *ic = ip + 40, *q = ic + 8;
		uint32_t sum;

		ip6_hdr(ip, 8 + 40 + 48, IPPROTO_ICMPV6, 62, ROUTER6, vip);
		ic[0] = 2; /* packet too big, MTU 1400 */
		memset(ic + 1, 0, 7);
		dpt_put16(ic + 6, 1400);
		ip6_hdr(q, 1460, proto, 63, vip, client);
		memset(q + 40, 0x5a, 48);
		dpt_put16(q + 40, vport);
		dpt_put16(q + 42, cport);
		sum = dpt_ref_sum(ip + 8, 32, 0);
		sum = dpt_ref_sum(ic, 8 + 40 + 48, sum + 8 + 40 + 48 + IPPROTO_ICMPV6);
		dpt_put16(ic + 2, (uint16_t)~sum);
		*l3 = 40 + 8 + 40 + 48;
	}
	return len + *l3;
}

static uint16_t send_frame(const uint8_t *f, uint32_t len)
{
	struct rte_mbuf *m = dpt_mbuf_of(f, len);

	return dp_worker_process(&dpt.w, &m, 1, 0);
}

/* Open a TCP connection (SYN, then ACK) from @client:@port to @vip:80; its backend. */
static uint32_t connect_flow(const char *client, uint16_t port, const char *vip)
{
	struct dpt_spec s = {client, vip, IPPROTO_TCP, port, 80, 0x02, 0};
	uint8_t out[2048];
	uint32_t be;

	assert_int_equal(dpt_send_spec(&s), 1);
	dpt_take(1, out);
	s.tcp_flags = 0x10;
	assert_int_equal(dpt_send_spec(&s), 1);
	dpt_take(1, out);
	for (be = 0; be < N_BACKENDS; be++)
		if (out[5] == be)
			return be; /* dst MAC 02:00:00:00:01:be */
	fail_msg("no backend MAC in %02x", out[5]);
	return 0;
}

/* The tunnelled copy of @l3 bytes of @inner towards @be: outer IPv4 (proto 4). */
static uint32_t expect_ipip(uint8_t *e, uint32_t be, const uint8_t *inner, uint32_t l3, uint16_t id,
			    uint16_t frag)
{
	uint8_t *ip = e + 14;

	dpt_expect_eth(e, be, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	dpt_put16(ip + 2, (uint16_t)(20 + l3));
	dpt_put16(ip + 4, id);
	dpt_put16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = 4;
	memcpy(ip + 12, (uint8_t[4]){198, 18, 1, 1}, 4);
	memcpy(ip + 16, (uint8_t[4]){198, 18, 1, (uint8_t)(21 + be - 2)}, 4);
	dpt_put16(ip + 10, (uint16_t)~dpt_ref_sum(ip, 20, 0));
	memcpy(e + 34, inner, l3);
	return 34 + l3;
}

/* ---- ICMP errors ---- */

/*
 * "Fragmentation needed" about the reply of an established flow reaches
 * that flow's instance, tunnelled unchanged, even after a new table drained
 * it (Maglev now says otherwise); the flow's entry is not refreshed.
 */
static void test_icmp_follows_flow(void **state)
{
	uint8_t f[2048], out[2048], e[2048];
	uint32_t l3, len, be = 0, port;

	(void)state;
	for (port = 41000; port < 41100; port++) {
		be = connect_flow(CLIENT4, (uint16_t)port, "198.18.100.2");
		if (be == 4)
			break;
	}
	assert_int_equal(be, 4);
	dpt.w.table = dpt_build_table(1, 2, 1, 0); /* backend 4 drained: no new flows */
	len = icmp_error(f, "198.18.100.2", 80, CLIENT4, (uint16_t)port, IPPROTO_TCP, &l3);
	assert_int_equal(send_frame(f, len), 1);
	assert_int_equal(dpt_take(1, out), 34 + l3);
	expect_ipip(e, 4, f + 14, l3, 0x4321, 0);
	assert_memory_equal(out, e, 34 + l3);
	assert_int_equal(dpt.w.stats->icmp_forwarded, 1);
	assert_int_equal(dpt.w.stats->flows_active, port - 41000 + 1);
	assert_int_equal(dpt.w.vip_stats[V_IPIP].packets, 2 * (port - 41000 + 1) + 1);
}

/*
 * With no flow on this worker (another worker, another appliance) the error
 * takes the instance Maglev gives the quoted flow, and nothing is remembered.
 */
static void test_icmp_no_flow_maglev(void **state)
{
	const struct dpt_spec flow = {CLIENT4, "198.18.100.2", IPPROTO_TCP, 42000, 80, 0x10, 0};
	uint8_t f[2048], out[2048], e[2048];
	uint32_t l3, len, be = dpt_maglev_pick(dpt.w.table, V_IPIP, &flow);

	(void)state;
	len = icmp_error(f, "198.18.100.2", 80, CLIENT4, 42000, IPPROTO_TCP, &l3);
	assert_int_equal(send_frame(f, len), 1);
	assert_int_equal(dpt_take(1, out), 34 + l3);
	expect_ipip(e, be, f + 14, l3, 0x4321, 0);
	assert_memory_equal(out, e, 34 + l3);
	assert_int_equal(dpt.w.stats->flows_active, 0);
	assert_int_equal(dpt.w.stats->flow_misses, 0);
	assert_int_equal(dpt.w.stats->icmp_forwarded, 1);
}

/* ICMPv6 "packet too big" through IP6IP6 to the flow's instance. */
static void test_icmp6_too_big(void **state)
{
	uint8_t f[2048], out[2048], e[2048];
	uint32_t l3, len, be = connect_flow(CLIENT6, 43000, "2001:2:0:100::1"), fl;
	struct sl_flow_key k;

	(void)state;
	len = icmp_error(f, "2001:2:0:100::1", 80, CLIENT6, 43000, IPPROTO_TCP, &l3);
	assert_int_equal(send_frame(f, len), 1);
	assert_int_equal(dpt_take(1, out), 14 + 40 + l3);
	/* the outer flow label is the flow's own: the error is the flow's */
	dpt_addr_of(&k.src, CLIENT6);
	dpt_addr_of(&k.dst, "2001:2:0:100::1");
	k.sport = htons(43000);
	k.dport = htons(80);
	k.proto = IPPROTO_TCP;
	k.af = SL_AF_INET6;
	k.pad = 0;
	fl = sl_flow_hash(&k, 0) & 0xfffff;
	dpt_expect_eth(e, be, 0x86dd);
	ip6_hdr(e + 14, (uint16_t)l3, 41, 64, "2001:2:0:1::1",
		be == 5 ? "2001:2:0:1::21" : "2001:2:0:1::22");
	e[15] = (uint8_t)(fl >> 16);
	e[16] = (uint8_t)(fl >> 8);
	e[17] = (uint8_t)fl;
	memcpy(e + 54, f + 14, l3);
	assert_memory_equal(out, e, 54 + l3);
	assert_int_equal(dpt.w.stats->icmp_forwarded, 1);
}

/* In dsr mode the error goes to the instance's MAC, otherwise untouched. */
static void test_icmp_dsr(void **state)
{
	uint8_t f[2048], out[2048];
	uint32_t l3, len, be = connect_flow(CLIENT4, 44000, "198.18.100.1");

	(void)state;
	len = icmp_error(f, "198.18.100.1", 80, CLIENT4, 44000, IPPROTO_TCP, &l3);
	assert_int_equal(send_frame(f, len), 1);
	assert_int_equal(dpt_take(1, out), len);
	dpt_expect_eth(f, be, 0x0800);
	assert_memory_equal(out, f, len);
}

/* Errors that belong to no VIP flow, or to a pool without instances, are counted. */
static void test_icmp_unmatched(void **state)
{
	uint8_t f[2048];
	uint32_t l3, len;

	(void)state;
	len = icmp_error(f, "198.18.100.2", 81, CLIENT4, 45000, IPPROTO_TCP, &l3);
	assert_int_equal(send_frame(f, len), 0);
	len = icmp_error(f, "198.18.100.2", 80, CLIENT4, 45000, IPPROTO_UDP, &l3);
	assert_int_equal(send_frame(f, len), 0);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_ICMP_UNMATCHED], 2);
	len = icmp_error(f, "198.18.100.9", 80, CLIENT4, 45000, IPPROTO_TCP, &l3);
	assert_int_equal(send_frame(f, len), 0);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_NO_BACKEND], 1);
	assert_int_equal(dpt.w.stats->icmp_forwarded, 0);
}

/* An error that would not fit the tunnel is dropped: no ICMP about ICMP. */
static void test_icmp_too_big_for_tunnel(void **state)
{
	uint8_t f[2048];
	uint32_t l3, len;

	(void)state;
	dpt.w.ports[1].mtu = 150;
	len = icmp_error(f, "2001:2:0:100::1", 80, CLIENT6, 46000, IPPROTO_TCP, &l3);
	assert_int_equal(send_frame(f, len), 0);
	dpt.w.ports[1].mtu = DPT_MTU;
	assert_int_equal(dpt.w.stats->drops[SL_DROP_TOO_BIG_NO_ICMP], 1);
	assert_int_equal(rte_ring_count(dpt.rp.tx[0]), 0);
}

/* ---- fragments ---- */

/*
 * A UDP datagram of 3000 bytes, fragmented by the client for a 1500-byte
 * link: fragment @i of 3 (0, 1: 1480 bytes of payload with MF; 2: the last
 * 40). @id tells the datagram. Returns the frame length.
 */
static uint32_t udp4_fragment_from(uint8_t *f, const char *client, const char *vip, uint16_t sport,
				   uint16_t id, int i)
{
	static uint8_t dgram[3000];
	uint32_t off = (uint32_t)i * 1480, n = i < 2 ? 1480 : 40, len = eth_hdr(f, 1);

	for (uint32_t k = 0; k < sizeof(dgram); k++)
		dgram[k] = (uint8_t)(k * 13 + id);
	dpt_put16(dgram, sport);
	dpt_put16(dgram + 2, 53);
	dpt_put16(dgram + 4, sizeof(dgram));
	dpt_put16(dgram + 6, 0);
	ip4_hdr(f + len, (uint16_t)(20 + n), id, (uint16_t)((i < 2 ? 0x2000 : 0) | off / 8), 61,
		IPPROTO_UDP, client, vip);
	memcpy(f + len + 20, dgram + off, n);
	return len + 20 + n;
}

static uint32_t udp4_fragment(uint8_t *f, const char *vip, uint16_t sport, uint16_t id, int i)
{
	return udp4_fragment_from(f, CLIENT4, vip, sport, id, i);
}

/* Every packet port 1 holds: its backend (from the MAC) must be @be; returns the count. */
static unsigned int take_all(uint8_t out[][2048], uint32_t *lens, uint32_t be)
{
	struct rte_mbuf *m;
	unsigned int n = 0;

	while (rte_ring_dequeue(dpt.rp.tx[1], (void **)&m) == 0) {
		lens[n] = rte_pktmbuf_pkt_len(m);
		memcpy(out[n], rte_pktmbuf_mtod(m, uint8_t *), lens[n]);
		rte_pktmbuf_free(m);
		assert_int_equal(out[n][5], be);
		n++;
	}
	return n;
}

/*
 * The three fragments reach the first one's instance. Each is split again
 * to fit the tunnel (1480 bytes of room): five pieces, every header
 * checksum right, and the inner pieces put back by offset are exactly the
 * client's datagram.
 */
static void test_frag_tunnel_reassembles(void **state)
{
	const struct dpt_spec flow = {CLIENT4, "198.18.100.4", IPPROTO_UDP, 5300, 53, 0, 0};
	static uint8_t out[8][2048], frames[3][2048], whole[3000], got[3000];
	uint32_t lens[8], flen[3], be = dpt_maglev_pick(dpt.w.table, V_UDP4, &flow), covered = 0;
	unsigned int n;

	(void)state;
	for (int i = 0; i < 3; i++) {
		flen[i] = udp4_fragment(frames[i], "198.18.100.4", 5300, 0x0a0b, i);
		memcpy(whole + i * 1480, frames[i] + 34, flen[i] - 34);
	}
	for (int i = 0; i < 3; i++)
		send_frame(frames[i], flen[i]);
	n = take_all(out, lens, be);
	assert_int_equal(n, 5);
	memset(got, 0, sizeof(got));
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *inner = out[i] + 34;
		uint16_t word = (uint16_t)(inner[6] << 8 | inner[7]);
		uint32_t data = (uint32_t)(inner[2] << 8 | inner[3]) - 20;

		assert_int_equal(lens[i], 34 + 20 + data);
		assert_int_equal(dpt_ref_sum(out[i] + 14, 20, 0), 0xffff); /* outer */
		assert_int_equal(dpt_ref_sum(inner, 20, 0), 0xffff);	   /* inner */
		assert_int_equal(inner[4] << 8 | inner[5], 0x0a0b);
		/* all but the very last piece say more fragments follow */
		assert_int_equal(!!(word & 0x2000), (word & 0x1fff) * 8 + data < 3000);
		memcpy(got + (word & 0x1fff) * 8, inner + 20, data);
		covered += data;
	}
	assert_int_equal(covered, 3000);
	assert_memory_equal(got, whole, 3000);
	assert_int_equal(dpt.w.stats->frag_forwarded, 3);
	assert_int_equal(dpt.w.stats->frag_split, 2);
	/* one UDP flow and one datagram entry */
	assert_int_equal(dpt.w.stats->flows_active, 2);
	assert_int_equal(dpt.w.stats->flows_embryonic, 1);
}

/* dsr: fragments leave as they came, to the first fragment's instance; datagrams apart. */
static void test_frag_dsr(void **state)
{
	const struct dpt_spec flow = {CLIENT4, "198.18.100.1", IPPROTO_UDP, 5301, 53, 0, 0};
	static uint8_t out[8][2048], f[2048];
	uint32_t lens[8], len, be = dpt_maglev_pick(dpt.w.table, V_UDP_DSR, &flow);

	(void)state;
	for (uint16_t id = 1; id <= 2; id++)
		for (int i = 0; i < 3; i++) {
			len = udp4_fragment(f, "198.18.100.1", 5301, id, i);
			assert_int_equal(send_frame(f, len), 1);
			assert_int_equal(take_all(out, lens, be), 1);
			assert_int_equal(lens[0], len);
			dpt_expect_eth(f, be, 0x0800);
			assert_memory_equal(out[0], f, len);
		}
	assert_int_equal(dpt.w.stats->frag_forwarded, 6);
}

/* A later fragment whose first fragment was not seen cannot be placed. */
static void test_frag_unplaced(void **state)
{
	uint8_t f[2048];
	uint32_t len = udp4_fragment(f, "198.18.100.4", 5302, 0x0c0d, 1);

	(void)state;
	assert_int_equal(send_frame(f, len), 0);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_FRAG_UNPLACED], 1);
	/* the same id from another client is another datagram */
	len = udp4_fragment(f, "198.18.100.4", 5302, 0x0c0d, 0);
	assert_int_equal(send_frame(f, len), 2); /* split for the tunnel */
	len = udp4_fragment_from(f, "198.18.0.11", "198.18.100.4", 5302, 0x0c0d, 2);
	assert_int_equal(send_frame(f, len), 0);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_FRAG_UNPLACED], 2);
}

/* A datagram's instance that left: its later fragments are not sent elsewhere. */
static void test_frag_backend_gone(void **state)
{
	static uint8_t f[2048], out[8][2048];
	uint32_t len, lens[8];
	uint16_t sport;

	(void)state;
	for (sport = 6000; sport < 6100; sport++) {
		const struct dpt_spec s = {CLIENT4, "198.18.100.4", IPPROTO_UDP, sport, 53, 0, 0};

		if (dpt_maglev_pick(dpt.w.table, V_UDP4, &s) == 4)
			break;
	}
	len = udp4_fragment(f, "198.18.100.4", sport, 0x0e0f, 0);
	assert_int_equal(send_frame(f, len), 2);
	assert_int_equal(take_all(out, lens, 4), 2);
	dpt.w.table = dpt_build_table(1, 2, 0, 1); /* backend 4 gone */
	len = udp4_fragment(f, "198.18.100.4", sport, 0x0e0f, 2);
	assert_int_equal(send_frame(f, len), 0);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_FRAG_UNPLACED], 1);
}

/*
 * IPv6: fragments (of a datagram the client cut for a 1280-byte path) go
 * through GUE to the first fragment's instance; an atomic fragment is an
 * ordinary packet of its flow and remembers no datagram.
 */
static void test_frag6_gue_and_atomic(void **state)
{
	const struct dpt_spec flow = {CLIENT6, "2001:2:0:100::3", IPPROTO_UDP, 5400, 53, 0, 0};
	uint32_t be = dpt_maglev_pick(dpt.w.table, V_GUE6, &flow);
	static uint8_t f[2048], out[8][2048];
	uint32_t lens[8];

	(void)state;
	for (int i = 0; i < 2; i++) {
		uint32_t len = eth_hdr(f, 0), n = i == 0 ? 1232 : 100;
		uint8_t *fh = f + len + 40, *d = fh + 8;

		ip6_hdr(f + len, (uint16_t)(8 + n), IPPROTO_FRAGMENT, 61, CLIENT6,
			"2001:2:0:100::3");
		fh[0] = IPPROTO_UDP;
		fh[1] = 0;
		dpt_put16(fh + 2, (uint16_t)(i == 0 ? 1 : (1232 / 8) << 3));
		memcpy(fh + 4, (uint8_t[4]){0xde, 0xad, 0xbe, 0xef}, 4);
		memset(d, 0x33, n);
		if (i == 0) {
			dpt_put16(d, 5400);
			dpt_put16(d + 2, 53);
		}
		assert_int_equal(send_frame(f, len + 40 + 8 + n), 1);
		assert_int_equal(take_all(out, lens, be), 1);
		assert_int_equal(lens[0], 14 + 40 + 8 + 40 + 8 + n);
		assert_int_equal(out[0][14 + 6], IPPROTO_UDP); /* GUE */
		assert_memory_equal(out[0] + 14 + 48, f + 14, 40 + 8 + n);
	}
	assert_int_equal(dpt.w.stats->frag_forwarded, 2);
	assert_int_equal(dpt.w.stats->flows_embryonic, 1);

	/* atomic: offset 0, no more fragments, the whole TCP header inside */
	{
		uint32_t len = eth_hdr(f, 0);
		uint8_t *fh = f + len + 40, *t = fh + 8;
		const struct dpt_spec tcp = {
			CLIENT6, "2001:2:0:100::1", IPPROTO_TCP, 47000, 80, 0x02, 0};
		uint32_t tbe = dpt_maglev_pick(dpt.w.table, V_IP6IP6, &tcp);

		ip6_hdr(f + len, 8 + 20, IPPROTO_FRAGMENT, 61, CLIENT6, "2001:2:0:100::1");
		memset(fh, 0, 8 + 20);
		fh[0] = IPPROTO_TCP;
		dpt_put16(t, 47000);
		dpt_put16(t + 2, 80);
		t[12] = 0x50;
		t[13] = 0x02;
		assert_int_equal(send_frame(f, len + 40 + 8 + 20), 1);
		assert_int_equal(take_all(out, lens, tbe), 1);
		assert_int_equal(dpt.w.stats->frag_forwarded, 2);
		assert_int_equal(dpt.w.stats->flows_embryonic, 2); /* its SYN-only entry */
	}
}

/* ---- a SYN flood into a full flow table ---- */

/*
 * 40 established connections, then 20000 SYNs from spoofed sources into a
 * 256-entry table: the SYN-only entries take each other's places, no
 * established entry is evicted, and after a table change that drains
 * backend 4 every established connection still reaches its own instance.
 * Once the flood is older than tcp_syn_timeout the sweep frees its entries.
 */
static void test_syn_flood_spares_established(void **state)
{
	const struct dp_flow_timeouts to = {
		.tcp = 300,
		.tcp_fin = 10,
		.udp = 30,
		.tcp_syn = 5,
		.frag = 2,
	};
	uint8_t out[2048];
	uint32_t be[40];
	uint64_t hz = rte_get_tsc_hz();

	(void)state;
	dp_flow_free(dpt.w.flows);
	dpt.w.flows = dp_flow_create(256, &to, hz);
	assert_non_null(dpt.w.flows);
	for (int i = 0; i < 40; i++)
		be[i] = connect_flow(CLIENT4, (uint16_t)(48000 + i), "198.18.100.2");
	for (int i = 0; i < 20000; i++) {
		char src[32];
		struct dpt_spec s = {
			src, "198.18.100.2", IPPROTO_TCP, (uint16_t)(1024 + i % 50000), 80, 0x02,
			0};

		snprintf(src, sizeof(src), "198.19.%d.%d", (i / 250) % 250, i % 250 + 1);
		dpt_send_spec(&s);
		if (i % 500 == 0)
			tl_ring_ports_drain(&dpt.rp);
	}
	tl_ring_ports_drain(&dpt.rp);
	assert_int_equal(dpt.w.stats->flow_evictions, 0);
	assert_true(dpt.w.stats->flow_embryonic_evictions + dpt.w.stats->flow_untracked > 19000);
	assert_int_equal(dpt.w.stats->flows_active, 256);
	dpt.w.table = dpt_build_table(1, 2, 1, 0);
	for (int i = 0; i < 40; i++) {
		struct dpt_spec s = {CLIENT4, "198.18.100.2", IPPROTO_TCP, (uint16_t)(48000 + i),
				     80,      0x10,	      10};

		assert_int_equal(dpt_send_spec(&s), 1);
		dpt_take(1, out);
		assert_int_equal(out[5], be[i]);
	}
	/* 6 s later the sweep has freed every SYN-only entry and kept the 40 */
	dp_flow_sweep(dpt.w.flows, rte_rdtsc() + 6 * hz, 256 / DP_FLOW_WAYS);
	dp_worker_sync_flow_stats(&dpt.w);
	assert_int_equal(dpt.w.stats->flows_embryonic, 0);
	assert_int_equal(dpt.w.stats->flows_active, 40);
}

static int group_setup(void **state)
{
	(void)state;
	return dpt_init("dp_edge_test");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_icmp_follows_flow, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_icmp_no_flow_maglev, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_icmp6_too_big, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_icmp_dsr, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_icmp_unmatched, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_icmp_too_big_for_tunnel, dpt_setup,
						dpt_teardown),
		cmocka_unit_test_setup_teardown(test_frag_tunnel_reassembles, dpt_setup,
						dpt_teardown),
		cmocka_unit_test_setup_teardown(test_frag_dsr, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_frag_unplaced, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_frag_backend_gone, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_frag6_gue_and_atomic, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_syn_flood_spares_established, dpt_setup,
						dpt_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
