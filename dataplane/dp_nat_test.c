/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Full NAT's rewrites through the real worker (tests/lib/dp_nat_fixture.h),
 * exact bytes in and out, every checksum of the expected frames computed
 * from scratch: the client's SYN to the backend's SYN (MSS clamped), the
 * backend's SYN-ACK to the client, data both ways, UDP both ways (and a
 * UDP checksum of zero kept), IPv6, and ICMP errors about a connection
 * translated both ways, the SYN proxy's sequence delta included.
 */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp_conn.h"
#include "dp_harness.h"
#include "dp_nat_fixture.h"
#include "dp_worker.h"
#include "sl_drop.h"
#include "sl_shm.h"

/* Handshake, then data both ways (the client's through a VLAN tag, which goes). */
static void test_tcp4_both_ways(void **state)
{
	struct dpt_conn c = dpt_nat_expect(V_NAT4, DPT_CLIENT4, 40000, 0, 1);
	struct dpt_frame f = {.proto = IPPROTO_TCP, .flags = 0x18, .seq = 1001, .ack = 5001};
	const struct sl_nat_stats *ns = &dpt.w.stats->nat;

	(void)state;
	assert_true(c.nport >= 1024); /* the port contract's pick (dpt_nat_port) */
	dpt_nat_handshake(&c);
	f.payload = 100;
	f.vlan = 7;
	dpt_nat_to_backend(&c, f, NULL);
	f = (struct dpt_frame){.proto = IPPROTO_TCP, .flags = 0x18, .seq = 5001, .ack = 1101};
	f.payload = 300;
	dpt_nat_to_client(&c, f, NULL);

	assert_int_equal(ns->conns[SL_NAT_ESTABLISHED], 1);
	assert_int_equal(ns->conns_active, 1);
	assert_int_equal(ns->conns_opened, 1);
	assert_int_equal(ns->mss_clamped, 2);
	assert_int_equal(dpt.w.nat_port_stats[S_NAT4], 1);
	assert_int_equal(dpt.w.vip_stats[V_NAT4].flows, 1);
	assert_int_equal(dpt.w.vip_stats[V_NAT4].packets, 5); /* both directions */
	assert_int_equal(dpt.w.backend_stats[c.be].packets, 5);
	assert_int_equal(dpt.w.stats->rx_packets, 5);
	assert_int_equal(dpt.w.stats->tx_packets, 5);
	assert_int_equal(dpt.w.stats->flow_misses, 0); /* full NAT never touches the flow table */
	assert_int_equal(dpt.w.stats->flows_active, 0);
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/* A SYN whose MSS is already below the clamp keeps it; one without options stays as it is. */
static void test_mss_not_raised(void **state)
{
	struct dpt_conn c = dpt_nat_expect(V_NAT4, DPT_CLIENT4, 40001, 0, 1);
	uint8_t o[DPT_SYN_OPTS_LEN];
	struct dpt_frame f = {.proto = IPPROTO_TCP, .flags = 0x02, .seq = 77};

	(void)state;
	f.opt = dpt_syn_opts(o, 1200);
	f.olen = DPT_SYN_OPTS_LEN;
	dpt_nat_to_backend(&c, f, NULL);
	c = dpt_nat_expect(V_NAT4, DPT_CLIENT4, 40002, 0, 1);
	f.opt = NULL;
	f.olen = 0;
	dpt_nat_to_backend(&c, f, NULL);
	assert_int_equal(dpt.w.stats->nat.mss_clamped, 0);
	assert_int_equal(dpt.w.stats->nat.conns[SL_NAT_SYN_SENT], 2);
}

static void test_udp4_both_ways(void **state)
{
	struct dpt_conn c = dpt_nat_expect(V_NAT4_UDP, DPT_CLIENT4, 5353, 0, 1);
	struct dpt_frame f = {.proto = IPPROTO_UDP, .payload = 20};

	(void)state;
	dpt_nat_to_backend(&c, f, NULL);
	f.payload = 120;
	dpt_nat_to_client(&c, f, NULL);
	dpt_nat_to_client(&c, f, NULL);
	assert_int_equal(dpt.w.stats->nat.conns[SL_NAT_UDP], 1);
	/* "no checksum" over IPv4 stays so, both ways */
	c = dpt_nat_expect(V_NAT4_UDP, DPT_CLIENT4, 5354, 0, 1);
	f.udp_csum_none = 1;
	dpt_nat_to_backend(&c, f, NULL);
	dpt_nat_to_client(&c, f, NULL);
	assert_int_equal(dpt.w.stats->nat.conns[SL_NAT_UDP], 2);
	assert_int_equal(dpt.w.stats->nat.conns_opened, 2);
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/* IPv6: the MSS is clamped to the ports' MTU less 60 (the VIP sets none). */
static void test_tcp6_both_ways(void **state)
{
	struct dpt_conn c = dpt_nat_expect(V_NAT6, DPT_CLIENT6, 40000, 0, 1);
	struct dpt_frame f = {.proto = IPPROTO_TCP, .flags = 0x18, .seq = 1001, .ack = 5001};

	(void)state;
	assert_int_equal(c.mss, 1440);
	assert_true(c.be == 5 || c.be == 6);
	dpt_nat_handshake(&c);
	f.payload = 1000;
	dpt_nat_to_backend(&c, f, NULL);
	f = (struct dpt_frame){.proto = IPPROTO_TCP, .flags = 0x10, .seq = 5001, .ack = 2001};
	f.payload = 1200;
	dpt_nat_to_client(&c, f, NULL);
	assert_int_equal(dpt.w.stats->nat.conns[SL_NAT_ESTABLISHED], 1);
	assert_int_equal(dpt.w.nat_port_stats[S_NAT6], 1);
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/* Send an ICMP error (to port @port) and expect @e exactly on the other port. */
static void icmp_through(int port, const uint8_t *f, uint32_t len, const uint8_t *e, uint32_t elen)
{
	struct rte_mbuf *m = dpt_mbuf_of(f, len);
	uint8_t out[2048];

	assert_int_equal(dp_worker_process(&dpt.w, &m, 1, (uint16_t)port), 1);
	assert_int_equal(dpt_take(!port, out), elen);
	assert_memory_equal(out, e, elen);
}

/*
 * The quoted packets of both directions of @c: a reply (VIP -> client, as
 * the client's side saw it) and a client segment (source -> backend, as
 * the backend's side saw it), @seq_delta (the SYN proxy's) applied where
 * each side's numbers differ.
 */
static void quotes(const struct dpt_conn *c, uint32_t delta, struct dpt_frame q[4])
{
	/* [0] the reply as quoted from the client side, [1] as the backend sent it */
	q[0] = (struct dpt_frame){.src = c->vaddr,
				  .dst = c->client,
				  .sport = c->vport,
				  .dport = c->cport,
				  .flags = 0x10,
				  .seq = 5001 + delta,
				  .ack = 1001,
				  .payload = 1400};
	q[0].proto = c->vip == V_NAT4_UDP ? IPPROTO_UDP : IPPROTO_TCP;
	q[1] = q[0];
	q[1].src = c->baddr;
	q[1].dst = c->src;
	q[1].sport = c->bport;
	q[1].dport = c->nport;
	q[1].seq = 5001;
	/* [2] a client segment as the backend's side quotes it, [3] as the client sent it */
	q[2] = (struct dpt_frame){.src = c->src,
				  .dst = c->baddr,
				  .sport = c->nport,
				  .dport = c->bport,
				  .flags = 0x18,
				  .seq = 1001,
				  .ack = 5001,
				  .payload = 1400,
				  .proto = q[0].proto};
	q[3] = q[2];
	q[3].src = c->client;
	q[3].dst = c->vaddr;
	q[3].sport = c->cport;
	q[3].dport = c->vport;
	q[3].ack = 5001 + delta;
}

/*
 * Errors about connection @c both ways: @type/@code from a router on the
 * client's side to the VIP goes to the backend from the source; from a
 * router on the backend's side to the source goes to the client from the
 * VIP. Quotes of @quote_l4 bytes past the quoted IP header.
 */
static void icmp_both_ways(const struct dpt_conn *c, const char *router_c, const char *router_b,
			   uint8_t type, uint8_t code, uint32_t quote_l4, uint32_t delta)
{
	uint8_t f[2048], e[2048];
	struct dpt_frame q[4];
	uint32_t len, elen;

	quotes(c, delta, q);
	len = dpt_icmp_frame(f, dpt_port_mac[0], dpt_client_mac, router_c, c->vaddr, type, code,
			     1400, &q[0], quote_l4);
	elen = dpt_icmp_frame(e, dpt_backend_mac(c->be), dpt_port_mac[1], c->src, c->baddr, type,
			      code, 1400, &q[1], quote_l4);
	icmp_through(0, f, len, e, elen);
	len = dpt_icmp_frame(f, dpt_port_mac[1], dpt_backend_mac(c->be), router_b, c->src, type,
			     code, 1400, &q[2], quote_l4);
	elen = dpt_icmp_frame(e, dpt_client_mac, dpt_port_mac[0], c->vaddr, c->client, type, code,
			      1400, &q[3], quote_l4);
	icmp_through(1, f, len, e, elen);
}

/*
 * "Fragmentation needed" both ways, quoting 28 bytes (the TCP checksum and
 * acknowledgement included) and 8 bytes; "port unreachable" for UDP. The
 * errors refresh nothing.
 */
static void test_icmp4_both_ways(void **state)
{
	struct dpt_conn c = dpt_nat_expect(V_NAT4, DPT_CLIENT4, 40010, 0, 1);
	struct dpt_conn u = dpt_nat_expect(V_NAT4_UDP, DPT_CLIENT4, 5400, 0, 1);
	uint64_t seen;

	(void)state;
	dpt_nat_handshake(&c);
	seen = dpt_nat_conn_of(&c)->last_seen;
	icmp_both_ways(&c, "198.18.0.1", "198.18.1.254", 3, 4, 28, 0);
	icmp_both_ways(&c, "198.18.0.1", "198.18.1.254", 3, 4, 8, 0);
	assert_int_equal(dpt_nat_conn_of(&c)->last_seen, seen);
	assert_int_equal(dpt_nat_conn_of(&c)->state, SL_NAT_ESTABLISHED);
	dpt_nat_to_backend(&u, (struct dpt_frame){.proto = IPPROTO_UDP, .payload = 8}, NULL);
	icmp_both_ways(&u, "198.18.0.1", "198.18.1.254", 3, 3, 28, 0);
	assert_int_equal(dpt.w.stats->nat.icmp_translated, 6);
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/* ICMPv6 "packet too big" (its checksum covers the outer addresses) and "port unreachable". */
static void test_icmp6_both_ways(void **state)
{
	struct dpt_conn c = dpt_nat_expect(V_NAT6, DPT_CLIENT6, 40011, 0, 1);

	(void)state;
	dpt_nat_handshake(&c);
	icmp_both_ways(&c, "2001:2::1", "2001:2:0:1::fe", 2, 0, 48, 0);
	icmp_both_ways(&c, "2001:2::1", "2001:2:0:1::fe", 1, 4, 8, 0);
	assert_int_equal(dpt.w.stats->nat.icmp_translated, 4);
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/*
 * A spliced connection (the SYN proxy's, set by hand here): the quoted
 * reply's sequence number goes back by the delta towards the backend, the
 * quoted client segment's acknowledgement forward by it towards the client.
 */
static void test_icmp_splice_delta(void **state)
{
	struct dpt_conn c = dpt_nat_expect(V_NAT4, DPT_CLIENT4, 40012, 0, 1);
	struct dp_conn *conn;

	(void)state;
	dpt_nat_handshake(&c);
	conn = dpt_nat_conn_of(&c);
	conn->flags |= DP_CONN_F_SPLICED;
	conn->splice.delta = 0x80000010;
	icmp_both_ways(&c, "198.18.0.1", "198.18.1.254", 3, 4, 28, 0x80000010);
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/* An error about a connection whose quote is cut short of the ports is never translated. */
static void test_icmp_unmatched(void **state)
{
	struct dpt_conn c = dpt_nat_expect(V_NAT4, DPT_CLIENT4, 40013, 0, 1);
	struct dpt_conn other = dpt_nat_expect(V_NAT4, DPT_CLIENT4, 40014, 0, 1);
	uint8_t f[2048];
	struct dpt_frame q[4];
	struct rte_mbuf *m;
	uint32_t len;

	(void)state;
	dpt_nat_handshake(&c);
	quotes(&other, 0, q); /* a connection that does not exist */
	len = dpt_icmp_frame(f, dpt_port_mac[0], dpt_client_mac, "198.18.0.1", c.vaddr, 3, 4, 1400,
			     &q[0], 8);
	m = dpt_mbuf_of(f, len);
	assert_int_equal(dp_worker_process(&dpt.w, &m, 1, 0), 0);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_ICMP_UNMATCHED], 1);
	len = dpt_icmp_frame(f, dpt_port_mac[1], dpt_backend_mac(c.be), "198.18.1.254", c.src, 3, 4,
			     1400, &q[2], 8);
	m = dpt_mbuf_of(f, len);
	assert_int_equal(dp_worker_process(&dpt.w, &m, 1, 1), 0);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_NAT_NO_CONN], 1);
	assert_int_equal(dpt.w.stats->nat.icmp_translated, 0);
}

static int group_setup(void **state)
{
	(void)state;
	return dpt_init("dp_nat_test");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tcp4_both_ways, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_mss_not_raised, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_udp4_both_ways, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_tcp6_both_ways, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_icmp4_both_ways, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_icmp6_both_ways, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_icmp_splice_delta, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_icmp_unmatched, dpt_setup, dpt_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
