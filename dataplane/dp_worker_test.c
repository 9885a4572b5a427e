/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's pipeline end to end, in process (tests/lib/dp_harness.h):
 * each forwarding mode's exact output bytes, the drops, flows staying on
 * their instance across tables, "too big" answers and splits, and the run
 * loop's switch and acknowledgement.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp_flow.h"
#include "dp_fwd.h"
#include "dp_harness.h"
#include "dp_vip.h"
#include "dp_worker.h"
#include "sl_drop.h"
#include "sl_shm.h"

/* ---- tests ---- */

static void test_dsr(void **state)
{
	const struct dpt_spec s = {
		"198.18.0.10", "198.18.100.1", IPPROTO_TCP, 40000, 80, 0x02, 100};
	uint8_t in[2048], out[2048];
	uint32_t len = dpt_build(in, &s, NULL, NULL), be = dpt_maglev_pick(dpt.w.table, V_DSR, &s);

	(void)state;
	assert_true(be == 0 || be == 1);
	assert_int_equal(dpt_send_spec(&s), 1);
	assert_int_equal(dpt_take(1, out), len);
	memcpy(in, (uint8_t[6]){2, 0, 0, 0, 1, (uint8_t)be}, 6);
	memcpy(in + 6, dpt_port_mac[1], 6);
	assert_memory_equal(out, in, len);
	assert_int_equal(rte_ring_count(dpt.rp.tx[0]), 0);
	assert_int_equal(dpt.w.stats->rx_packets, 1);
	assert_int_equal(dpt.w.stats->rx_bytes, len);
	assert_int_equal(dpt.w.stats->tx_packets, 1);
	assert_int_equal(dpt.w.stats->tx_bytes, len);
	assert_int_equal(dpt.w.stats->flow_misses, 1);
	assert_int_equal(dpt.w.stats->flow_hits, 0);
	assert_int_equal(dpt.w.stats->flows_active, 1);
	assert_int_equal(dpt.w.vip_stats[V_DSR].packets, 1);
	assert_int_equal(dpt.w.vip_stats[V_DSR].bytes, len);
	assert_int_equal(dpt.w.vip_stats[V_DSR].flows, 1);
	assert_int_equal(dpt.w.backend_stats[be].packets, 1);
	assert_int_equal(dpt.w.backend_stats[be].flows, 1);
}

/* IPIP from a VLAN-tagged, padded frame: tag and padding gone, inner packet intact. */
static void test_ipip4(void **state)
{
	const struct dpt_spec s = {
		"198.18.0.10", "198.18.100.2", IPPROTO_TCP, 40001, 80, 0x02, 0, 1, 100, 0x28};
	uint8_t in[2048], out[2048], e[2048];
	uint16_t l2, l3;
	uint32_t be = dpt_maglev_pick(dpt.w.table, V_IPIP, &s), len;

	(void)state;
	dpt_build(in, &s, &l2, &l3);
	assert_int_equal(l2, 18);
	assert_int_equal(l3, 40);
	assert_true(be >= 2 && be <= 4);
	assert_int_equal(dpt_send_spec(&s), 1);
	len = dpt_take(1, out);
	assert_int_equal(len, 14 + 20 + 40);

	dpt_expect_eth(e, be, 0x0800);
	{
		uint8_t ip[20] = {0x45, 0x28, 0,   60, 0x12, 0x34, 0x40, 0,  64, 4,
				  0,	0,    198, 18, 1,    1,	   198,	 18, 1,	 0};

		ip[19] = (uint8_t)(21 + be - 2);
		dpt_put16(ip + 10, (uint16_t)~dpt_ref_sum(ip, 20, 0));
		memcpy(e + 14, ip, 20);
	}
	memcpy(e + 34, in + l2, l3);
	assert_memory_equal(out, e, len);
	assert_int_equal(dpt_ref_sum(out + 14, 20, 0), 0xffff);
	assert_int_equal(dpt.w.stats->tx_bytes, len);
	assert_int_equal(dpt.w.backend_stats[be].bytes, 18 + 40 + 2); /* as received, padding too */
}

static void test_ip6ip6(void **state)
{
	const struct dpt_spec s = {
		"2001:2::10", "2001:2:0:100::1", IPPROTO_TCP, 40002, 80, 0x02, 33, 0, 0, 0xb8};
	uint8_t in[2048], out[2048], e[2048];
	uint16_t l2, l3;
	uint32_t be = dpt_maglev_pick(dpt.w.table, V_IP6IP6, &s),
		 fl = dpt_flow_hash_of(&s) & 0xfffff, len;

	(void)state;
	dpt_build(in, &s, &l2, &l3);
	assert_true(be == 5 || be == 6);
	assert_int_equal(dpt_send_spec(&s), 1);
	len = dpt_take(1, out);
	assert_int_equal(len, 14 + 40 + l3);
	dpt_expect_eth(e, be, 0x86dd);
	{
		uint8_t *ip = e + 14;

		ip[0] = 0x6b; /* version 6, traffic class 0xb8 copied */
		ip[1] = (uint8_t)(0x80 | fl >> 16);
		ip[2] = (uint8_t)(fl >> 8);
		ip[3] = (uint8_t)fl;
		dpt_put16(ip + 4, l3);
		ip[6] = 41;
		ip[7] = 64;
		dpt_put_addr(ip + 8, "2001:2:0:1::1");
		dpt_put_addr(ip + 24, be == 5 ? "2001:2:0:1::21" : "2001:2:0:1::22");
	}
	memcpy(e + 54, in + l2, l3);
	assert_memory_equal(out, e, len);
}

/* GUE over IPv4, outer source from the VIP's /24 with the host byte from the flow hash. */
static void test_gue4(void **state)
{
	const struct dpt_spec s = {"198.18.0.10", "198.18.100.3", IPPROTO_UDP, 5353, 9999, 0, 20};
	uint8_t in[2048], out[2048], e[2048];
	uint16_t l2, l3;
	uint32_t be = dpt_maglev_pick(dpt.w.table, V_GUE4, &s), h = dpt_flow_hash_of(&s), len;

	(void)state;
	dpt_build(in, &s, &l2, &l3);
	assert_int_equal(dpt_send_spec(&s), 1);
	len = dpt_take(1, out);
	assert_int_equal(len, 14 + 20 + 8 + l3);
	dpt_expect_eth(e, be, 0x0800);
	{
		uint8_t ip[20] = {0x45, 0, 0,	0,  0x12, 0x34, 0,   0,	 64, 17,
				  0,	0, 198, 18, 200,  0,	198, 18, 1,  0};

		dpt_put16(ip + 2, (uint16_t)(20 + 8 + l3));
		ip[15] = (uint8_t)h;
		ip[19] = (uint8_t)(21 + be - 2);
		dpt_put16(ip + 10, (uint16_t)~dpt_ref_sum(ip, 20, 0));
		memcpy(e + 14, ip, 20);
	}
	dpt_put16(e + 34, (uint16_t)(0x8000 | h >> 17));
	dpt_put16(e + 36, DPT_GUE_PORT);
	dpt_put16(e + 38, (uint16_t)(8 + l3));
	dpt_put16(e + 40, 0);
	memcpy(e + 42, in + l2, l3);
	assert_memory_equal(out, e, len);
}

static void test_gue6(void **state)
{
	const struct dpt_spec s = {"2001:2::10", "2001:2:0:100::3", IPPROTO_UDP, 5353, 53, 0, 31};
	uint8_t in[2048], out[2048], e[2048];
	uint16_t l2, l3;
	uint32_t be = dpt_maglev_pick(dpt.w.table, V_GUE6, &s), h = dpt_flow_hash_of(&s), len, sum;

	(void)state;
	dpt_build(in, &s, &l2, &l3);
	assert_int_equal(dpt_send_spec(&s), 1);
	len = dpt_take(1, out);
	assert_int_equal(len, 14 + 40 + 8 + l3);
	dpt_expect_eth(e, be, 0x86dd);
	{
		uint8_t *ip = e + 14;

		ip[0] = 0x60;
		ip[1] = (uint8_t)((h & 0xfffff) >> 16);
		ip[2] = (uint8_t)(h >> 8);
		ip[3] = (uint8_t)h;
		dpt_put16(ip + 4, (uint16_t)(8 + l3));
		ip[6] = 17;
		ip[7] = 64;
		dpt_put_addr(ip + 8, "2001:2:0:1::1");
		dpt_put_addr(ip + 24, be == 5 ? "2001:2:0:1::21" : "2001:2:0:1::22");
	}
	dpt_put16(e + 54, (uint16_t)(0x8000 | h >> 17));
	dpt_put16(e + 56, DPT_GUE_PORT);
	dpt_put16(e + 58, (uint16_t)(8 + l3));
	dpt_put16(e + 60, 0);
	memcpy(e + 62, in + l2, l3);
	/* UDP checksum over the pseudo-header (addresses, length, next header) and datagram */
	sum = dpt_ref_sum(e + 14 + 8, 32, 0);
	sum = dpt_ref_sum(e + 54, 8 + l3, sum + 8 + l3 + 17);
	dpt_put16(e + 60, (uint16_t)~sum ? (uint16_t)~sum : 0xffff);
	assert_memory_equal(out, e, len);
	/* and the receiver's check: everything sums to 0xffff */
	sum = dpt_ref_sum(out + 14 + 8, 32, 0);
	assert_int_equal(dpt_ref_sum(out + 54, 8 + l3, sum + 8 + l3 + 17), 0xffff);
}

static void test_not_vip(void **state)
{
	const struct dpt_spec other = {"198.18.0.10", "198.18.100.77", IPPROTO_TCP, 1, 80, 2, 0};
	const struct dpt_spec port = {"198.18.0.10", "198.18.100.1", IPPROTO_TCP, 1, 81, 2, 0};
	const struct dpt_spec proto = {"198.18.0.10", "198.18.100.1", IPPROTO_UDP, 1, 80, 0, 0};
	/* the any-port VIP 198.18.100.3 is UDP only */
	const struct dpt_spec any_tcp = {"198.18.0.10", "198.18.100.3", IPPROTO_TCP, 1, 80, 2, 0};

	(void)state;
	assert_int_equal(dpt_send_spec(&other), 0);
	assert_int_equal(dpt_send_spec(&port), 0);
	assert_int_equal(dpt_send_spec(&proto), 0);
	assert_int_equal(dpt_send_spec(&any_tcp), 0);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_NOT_VIP], 4);
	assert_int_equal(dpt.w.stats->rx_packets, 4);
	assert_int_equal(dpt.w.stats->tx_packets, 0);
	assert_int_equal(rte_ring_count(dpt.rp.tx[1]), 0);
}

static void test_no_backend(void **state)
{
	const struct dpt_spec s = {"198.18.0.10", "198.18.100.9", IPPROTO_TCP, 1, 80, 2, 0};

	(void)state;
	assert_int_equal(dpt_send_spec(&s), 0);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_NO_BACKEND], 1);
	assert_int_equal(dpt.w.stats->flows_active, 0);
}

static void test_no_table(void **state)
{
	const struct dpt_spec s = {"198.18.0.10", "198.18.100.1", IPPROTO_TCP, 1, 80, 2, 0};

	(void)state;
	dpt.w.table = NULL;
	assert_int_equal(dpt_send_spec(&s), 0);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_NO_TABLE], 1);
	assert_int_equal(dpt.w.stats->rx_packets, 1);
}

static void test_parse_drop_counted(void **state)
{
	uint8_t f[60] = {0};
	struct rte_mbuf *m;

	(void)state;
	dpt_put16(f + 12, 0x0806); /* ARP */
	m = dpt_mbuf_of(f, sizeof(f));
	assert_int_equal(dp_worker_process(&dpt.w, &m, 1, 0), 0);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_NOT_IP], 1);
}

#define N_FLOWS 300

static struct dpt_spec flow_spec(int i)
{
	struct dpt_spec s = {
		"198.18.0.10", "198.18.100.2", IPPROTO_TCP, (uint16_t)(20000 + i), 80, 0x10, 10};

	return s;
}

static uint32_t backend_seen(void)
{
	uint8_t out[2048];

	dpt_take(1, out);
	return out[14 + 19] - 21 + 2; /* outer destination 198.18.1.2x -> slot */
}

/*
 * Flows stay on their backend over many packets, also after a new table
 * drains backend 4 (same uid, no Maglev entries); they move when backend 4
 * leaves the table.
 */
static void test_stickiness(void **state)
{
	uint32_t first[N_FLOWS];
	int on4 = 0, moved_expected = 0;

	(void)state;
	for (int i = 0; i < N_FLOWS; i++) {
		struct dpt_spec s = flow_spec(i);

		s.tcp_flags = 0x02;
		assert_int_equal(dpt_send_spec(&s), 1);
		first[i] = backend_seen();
		assert_int_equal(first[i], dpt_maglev_pick(dpt.w.table, V_IPIP, &s));
		on4 += first[i] == 4;
	}
	assert_true(on4 > 0 && on4 < N_FLOWS);
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < N_FLOWS; i++) {
			struct dpt_spec s = flow_spec(i);

			assert_int_equal(dpt_send_spec(&s), 1);
			assert_int_equal(backend_seen(), first[i]);
		}
	assert_int_equal(dpt.w.stats->flow_misses, N_FLOWS);
	assert_int_equal(dpt.w.stats->flow_hits, 3 * N_FLOWS);
	assert_int_equal(dpt.w.stats->flows_active, N_FLOWS);

	/* generation 2 (slot 1): backend 4 drained; new flows avoid it, old ones keep it */
	dpt.w.table = dpt_build_table(1, 2, 1, 0);
	for (int i = 0; i < N_FLOWS; i++) {
		struct dpt_spec s = flow_spec(i);

		assert_int_equal(dpt_send_spec(&s), 1);
		assert_int_equal(backend_seen(), first[i]);
		s.sport = (uint16_t)(50000 + i); /* a new flow */
		assert_int_equal(dpt_send_spec(&s), 1);
		assert_int_not_equal(backend_seen(), 4);
	}
	assert_int_equal(dpt.w.stats->flow_misses, 2 * N_FLOWS);

	/* generation 3 (slot 0): backend 4 gone; its flows move, the others stay */
	dpt.w.table = dpt_build_table(0, 3, 0, 1);
	for (int i = 0; i < N_FLOWS; i++) {
		struct dpt_spec s = flow_spec(i);
		uint32_t be;

		assert_int_equal(dpt_send_spec(&s), 1);
		be = backend_seen();
		if (first[i] == 4) {
			assert_int_equal(be, dpt_maglev_pick(dpt.w.table, V_IPIP, &s));
			assert_int_not_equal(be, 4);
			moved_expected++;
		} else {
			assert_int_equal(be, first[i]);
		}
	}
	assert_int_equal(dpt.w.stats->flow_misses, 2 * N_FLOWS + moved_expected);
	assert_int_equal(dpt.w.stats->flow_evictions, 0); /* nothing left by eviction */
	assert_int_equal(dpt.w.backend_stats[4].flows, on4);
}

/* Pool @p of the workers' table in round robin (the table points into its slot). */
static void set_round_robin(uint32_t p)
{
	((struct sl_pool *)(uintptr_t)dpt.w.table->pools)[p].balance = SL_BALANCE_RR;
}

/*
 * A round-robin pool: each new flow takes the next member (2, 3, 4, 2, ...)
 * instead of its Maglev entry, and keeps it for its later packets; new
 * full-NAT connections of the pool continue the same worker's rotation.
 */
static void test_round_robin_new_flows(void **state)
{
	static const uint32_t want[] = {2, 3, 4, 2, 3, 4, 2, 3, 4};
	uint32_t maglev_like = 0;

	(void)state;
	set_round_robin(P_V4);
	for (int i = 0; i < 9; i++) {
		struct dpt_spec s = flow_spec(i);

		s.tcp_flags = 0x02;
		assert_int_equal(dpt_send_spec(&s), 1);
		assert_int_equal(backend_seen(), want[i]);
		maglev_like += want[i] == dpt_maglev_pick(dpt.w.table, V_IPIP, &s);
	}
	assert_true(maglev_like < 9); /* not what Maglev would have given */
	for (int i = 8; i >= 0; i--) {
		struct dpt_spec s = flow_spec(i);

		assert_int_equal(dpt_send_spec(&s), 1);
		assert_int_equal(backend_seen(), want[i]);
	}
	assert_int_equal(dpt.w.stats->flow_misses, 9);
	assert_int_equal(dpt.w.stats->flow_hits, 9);
	for (uint32_t b = 2; b <= 4; b++)
		assert_int_equal(dpt.w.backend_stats[b].flows, 3);
	for (int i = 0; i < 3; i++) {
		struct dpt_spec s = {"198.18.0.10",
				     "198.18.100.5",
				     IPPROTO_TCP,
				     (uint16_t)(30000 + i),
				     80,
				     0x02,
				     0};

		assert_int_equal(dpt_send_spec(&s), 1);
		assert_int_equal(backend_seen(), want[i]);
	}
}

/*
 * A bare SYN is a new connection: it follows the current Maglev table even
 * when a flow with the same 5-tuple (a reused client port) is remembered on
 * a backend that is still present but drained. The ACKs after it follow it.
 */
static void test_syn_repicks(void **state)
{
	int on4 = 0;

	(void)state;
	for (int i = 0; i < N_FLOWS; i++) {
		struct dpt_spec s = flow_spec(i);

		s.tcp_flags = 0x02;
		assert_int_equal(dpt_send_spec(&s), 1);
		if (backend_seen() != 4)
			continue;
		on4++;
		dpt.w.table = dpt_build_table(1, 2, 1, 0); /* backend 4 drained */
		s.tcp_flags = 0x10;
		assert_int_equal(dpt_send_spec(&s), 1);
		assert_int_equal(backend_seen(), 4); /* established: stays */
		s.tcp_flags = 0x02;
		assert_int_equal(dpt_send_spec(&s), 1);
		assert_int_equal(backend_seen(), dpt_maglev_pick(dpt.w.table, V_IPIP, &s));
		assert_int_not_equal(dpt_maglev_pick(dpt.w.table, V_IPIP, &s), 4);
		s.tcp_flags = 0x10;
		assert_int_equal(dpt_send_spec(&s), 1);
		assert_int_equal(backend_seen(), dpt_maglev_pick(dpt.w.table, V_IPIP, &s));
		dpt.w.table = dpt_build_table(0, 3, 0, 0);
	}
	assert_true(on4 > 0);
	assert_int_equal(dpt.w.backend_stats[4].flows, on4);
}

/*
 * A backend the health checks took down (not active, its next hop kept)
 * loses its L4 flows at once: the next packet of each, SYN or not, follows
 * the current Maglev table.
 */
static void test_down_backend_flows_move(void **state)
{
	uint32_t be;
	int on4 = 0;

	(void)state;
	for (int i = 0; i < N_FLOWS; i++) {
		struct dpt_spec s = flow_spec(i);

		s.tcp_flags = 0x02;
		assert_int_equal(dpt_send_spec(&s), 1);
		if (backend_seen() != 4)
			continue;
		on4++;
		dpt.w.table = dpt_build_table(1, 2, DPT_DOWN, 0);
		s.tcp_flags = 0x10;
		assert_int_equal(dpt_send_spec(&s), 1);
		be = backend_seen();
		assert_int_not_equal(be, 4);
		assert_int_equal(be, dpt_maglev_pick(dpt.w.table, V_IPIP, &s));
		dpt.w.table = dpt_build_table(0, 3, 0, 0);
	}
	assert_true(on4 > 0);
}

static void test_too_big_v4_df(void **state)
{
	/* 1481 bytes of IPv4: 1501 with the outer header, over the 1500 DPT_MTU */
	const struct dpt_spec s = {
		"198.18.0.10", "198.18.100.2", IPPROTO_TCP, 40003, 80, 0x10, 1441, 1};
	uint8_t in[2048], out[2048], e[2048];
	uint16_t l2, l3;
	uint32_t len;

	(void)state;
	dpt_build(in, &s, &l2, &l3);
	assert_int_equal(l3, 1481);
	assert_int_equal(dpt_send_spec(&s), 1);
	assert_int_equal(rte_ring_count(dpt.rp.tx[1]), 0);
	len = dpt_take(0, out);
	assert_int_equal(len, 14 + 576);
	memcpy(e, dpt_client_mac, 6);
	memcpy(e + 6, dpt_port_mac[0], 6);
	dpt_put16(e + 12, 0x0800);
	{
		uint8_t ip[20] = {0x45, 0xc0, 0x02, 0x40, 0,   0, 0,   0,  64, 1,
				  0,	0,    198,  18,	  100, 2, 198, 18, 0,  10};

		dpt_put16(ip + 10, (uint16_t)~dpt_ref_sum(ip, 20, 0));
		memcpy(e + 14, ip, 20);
	}
	memcpy(e + 34, (uint8_t[8]){3, 4, 0, 0, 0, 0, 0x05, 0xc8}, 8); /* DPT_MTU 1480 */
	memcpy(e + 42, in + l2, 548);
	dpt_put16(e + 36, (uint16_t)~dpt_ref_sum(e + 34, 556, 0));
	assert_memory_equal(out, e, len);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_TOO_BIG], 1);
	assert_int_equal(dpt.w.stats->tx_packets, 1);
	assert_int_equal(dpt.w.vip_stats[V_IPIP].packets, 0);
}

/*
 * IPv4 without DF that would not fit the tunnel is split as a router would:
 * 1456 bytes of payload in the first piece (MF), the other 5 at offset 182,
 * each with its own header checksum, each tunnelled to the flow's backend.
 */
static void test_split_v4_no_df(void **state)
{
	const struct dpt_spec s = {
		"198.18.0.10", "198.18.100.2", IPPROTO_TCP, 40004, 80, 0x10, 1441, 0};
	const struct dpt_spec fits = {
		"198.18.0.10", "198.18.100.2", IPPROTO_TCP, 40004, 80, 0x10, 1440, 0};
	static const uint16_t piece_len[2] = {1476, 25}, frag_word[2] = {0x2000, 182};
	uint8_t in[2048], out[2048], e[2048];
	uint32_t be = dpt_maglev_pick(dpt.w.table, V_IPIP, &s), off = 0;
	uint16_t l2, l3;

	(void)state;
	dpt_build(in, &s, &l2, &l3);
	assert_int_equal(l3, 1481);
	assert_int_equal(dpt_send_spec(&s), 2);
	assert_int_equal(rte_ring_count(dpt.rp.tx[0]), 0);
	assert_int_equal(rte_ring_count(dpt.rp.tx[1]), 2);
	for (int i = 0; i < 2; i++) {
		struct rte_mbuf *m = NULL;
		uint32_t len;

		assert_int_equal(rte_ring_dequeue(dpt.rp.tx[1], (void **)&m), 0);
		len = rte_pktmbuf_pkt_len(m);
		memcpy(out, rte_pktmbuf_mtod(m, uint8_t *), len);
		rte_pktmbuf_free(m);
		assert_int_equal(len, 14 + 20 + piece_len[i]);
		dpt_expect_eth(e, be, 0x0800);
		{
			uint8_t ip[20] = {0x45, 0, 0,	0,  0x12, 0x34, 0,   0,	 64, 4,
					  0,	0, 198, 18, 1,	  1,	198, 18, 1,  0};
			uint8_t *inner = e + 34;

			dpt_put16(ip + 2, (uint16_t)(20 + piece_len[i]));
			ip[19] = (uint8_t)(21 + be - 2);
			dpt_put16(ip + 10, (uint16_t)~dpt_ref_sum(ip, 20, 0));
			memcpy(e + 14, ip, 20);
			memcpy(inner, in + l2, 20);
			dpt_put16(inner + 2, piece_len[i]);
			dpt_put16(inner + 6, frag_word[i]);
			dpt_put16(inner + 10, 0);
			dpt_put16(inner + 10, (uint16_t)~dpt_ref_sum(inner, 20, 0));
			memcpy(inner + 20, in + l2 + 20 + off, piece_len[i] - 20u);
			off += piece_len[i] - 20u;
		}
		assert_memory_equal(out, e, len);
		assert_int_equal(dpt_ref_sum(out + 34, 20, 0), 0xffff);
	}
	assert_int_equal(off, l3 - 20u);
	assert_int_equal(dpt.w.stats->frag_split, 1);
	assert_int_equal(dpt.w.stats->tx_packets, 2);
	assert_int_equal(dpt.w.vip_stats[V_IPIP].packets, 1);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_TOO_BIG_NO_ICMP], 0);
	/* one byte less fits exactly: 1480 + 20 = 1500, no split */
	assert_int_equal(dpt_send_spec(&fits), 1);
	assert_int_equal(rte_ring_count(dpt.rp.tx[1]), 1);
	assert_int_equal(dpt.w.stats->frag_split, 1);
}

static void test_too_big_v6(void **state)
{
	/* 40 + 20 + 1401 = 1461 bytes of IPv6, 1501 with the outer header */
	const struct dpt_spec s = {"2001:2::10", "2001:2:0:100::1", IPPROTO_TCP, 40005, 80, 0x10,
				   1401};
	uint8_t in[2048], out[2048], e[2048];
	uint16_t l2, l3;
	uint32_t len, sum;

	(void)state;
	dpt_build(in, &s, &l2, &l3);
	assert_int_equal(l3, 1461);
	assert_int_equal(dpt_send_spec(&s), 1);
	len = dpt_take(0, out);
	assert_int_equal(len, 14 + 1280);
	memcpy(e, dpt_client_mac, 6);
	memcpy(e + 6, dpt_port_mac[0], 6);
	dpt_put16(e + 12, 0x86dd);
	{
		uint8_t *ip = e + 14;

		memset(ip, 0, 8);
		ip[0] = 0x60;
		dpt_put16(ip + 4, 1240);
		ip[6] = 58;
		ip[7] = 64;
		dpt_put_addr(ip + 8, "2001:2:0:100::1");
		dpt_put_addr(ip + 24, "2001:2::10");
	}
	memcpy(e + 54, (uint8_t[8]){2, 0, 0, 0, 0, 0, 0x05, 0xb4}, 8); /* DPT_MTU 1460 */
	memcpy(e + 62, in + l2, 1232);
	sum = dpt_ref_sum(e + 22, 32, 0);
	sum = dpt_ref_sum(e + 54, 1240, sum + 1240 + 58);
	dpt_put16(e + 56, (uint16_t)~sum);
	assert_memory_equal(out, e, len);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_TOO_BIG], 1);
}

/* A mempool with nothing left: the too-big packet is dropped as no_mbuf. */
static void test_too_big_no_mbuf(void **state)
{
	const struct dpt_spec s = {
		"198.18.0.10", "198.18.100.2", IPPROTO_TCP, 40006, 80, 0x10, 1441, 1};
	struct rte_mempool *empty = rte_pktmbuf_pool_create(
		"sl_dpf_empty", 1, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	struct rte_mbuf *hold;

	(void)state;
	assert_non_null(empty);
	hold = rte_pktmbuf_alloc(empty);
	assert_non_null(hold);
	dpt.w.mbuf_pool = empty;
	assert_int_equal(dpt_send_spec(&s), 0);
	dpt.w.mbuf_pool = dpt.rp.pool;
	assert_int_equal(dpt.w.stats->drops[SL_DROP_NO_MBUF], 1);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_TOO_BIG], 0);
	rte_pktmbuf_free(hold);
	rte_mempool_free(empty);
}

struct run_arg {
	const struct dp_table *_Atomic published;
	volatile int quit;
};

static void *run_worker(void *p)
{
	struct run_arg *a = p;

	dp_worker_run(&dpt.w, &a->published, &a->quit);
	return NULL;
}

static int wait_ack(uint64_t word)
{
	for (int i = 0; i < 5000; i++) {
		if (__atomic_load_n(&dpt.w.ack->word, __ATOMIC_ACQUIRE) == word)
			return 1;
		rte_delay_us_sleep(1000);
	}
	return 0;
}

/* The loop: picks up a published table, acks its word, forwards from the RX ring. */
static void test_run_switch_ack(void **state)
{
	static struct run_arg a;
	const struct dpt_spec s = {"198.18.0.10", "198.18.100.1", IPPROTO_TCP, 40007, 80, 0x02, 0};
	uint8_t f[2048];
	struct rte_mbuf *m;
	pthread_t th;

	(void)state;
	dpt.w.table = NULL;
	dpt.w.ack->word = 0;
	atomic_store(&a.published, &dpt.tables[0]);
	a.quit = 0;
	assert_int_equal(pthread_create(&th, NULL, run_worker, &a), 0);
	assert_true(wait_ack(dpt.tables[0].word));
	m = dpt_mbuf_of(f, dpt_build(f, &s, NULL, NULL));
	assert_int_equal(rte_ring_enqueue(dpt.rp.rx[0], m), 0);
	for (int i = 0; i < 5000 && rte_ring_count(dpt.rp.tx[1]) == 0; i++)
		rte_delay_us_sleep(1000);
	assert_int_equal(rte_ring_count(dpt.rp.tx[1]), 1);

	atomic_store_explicit(&a.published, dpt_build_table(1, 2, 0, 0), memory_order_release);
	assert_true(wait_ack(SL_GEN_WORD(2, 1)));
	a.quit = 1;
	pthread_join(th, NULL);
	assert_ptr_equal(dpt.w.table, &dpt.tables[1]);
	assert_int_equal(dpt.w.stats->table_switches, 2);
	assert_int_equal(dpt.w.stats->rx_packets, 1);
	assert_int_equal(dpt.w.stats->tx_packets, 1);
}

static int group_setup(void **state)
{
	(void)state;
	return dpt_init("dp_worker_test");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dsr, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_ipip4, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_ip6ip6, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_gue4, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_gue6, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_not_vip, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_no_backend, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_no_table, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_parse_drop_counted, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_stickiness, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_round_robin_new_flows, dpt_setup,
						dpt_teardown),
		cmocka_unit_test_setup_teardown(test_syn_repicks, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_down_backend_flows_move, dpt_setup,
						dpt_teardown),
		cmocka_unit_test_setup_teardown(test_too_big_v4_df, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_split_v4_no_df, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_too_big_v6, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_too_big_no_mbuf, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_run_switch_ack, dpt_setup, dpt_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
