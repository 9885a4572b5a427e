// SPDX-License-Identifier: BSD-3-Clause
/*
 * BPF_PROG_TEST_RUN fixtures for sluice_decap: a tunnel packet goes in, and
 * the exact bytes of Ethernet + inner packet must come out (ethertype
 * rewritten when the family changes), with exactly one counter moved.
 * Packets that are not for us come out untouched. Needs root.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sl_bpf_types.h"
#include "sl_pkt_test.h"
#include "sluice_decap.skel.h"
#include "tl_suite.h"

#define LB4 "198.18.0.1"
#define LB6 "2001:2::1"
#define LOCAL4 "198.18.1.11" /* the backend's own addresses */
#define LOCAL6 "2001:2:1::11"
#define CLIENT4 "198.18.0.10"
#define CLIENT6 "2001:2::10"
#define VIP4 "198.18.100.1"
#define VIP6 "2001:2:0:100::1"

static struct sluice_decap *skel;

static void local_add(struct sluice_decap *s, const char *addr)
{
	struct sl_decap_local_key k = {0};
	uint32_t ifindex = 1;

	if (inet_pton(AF_INET6, addr, k.addr) != 1) {
		k.addr[10] = 0xff;
		k.addr[11] = 0xff;
		assert_int_equal(inet_pton(AF_INET, addr, k.addr + 12), 1);
	}
	assert_int_equal(
		bpf_map_update_elem(bpf_map__fd(s->maps.sl_decap_local), &k, &ifindex, BPF_ANY), 0);
}

static int setup(void **state)
{
	(void)state;
	skel = sluice_decap__open_and_load();
	if (!skel) {
		fprintf(stderr, "sluice_decap: load failed: %s\n", strerror(errno));
		return -1;
	}
	local_add(skel, LOCAL4);
	local_add(skel, LOCAL6);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sluice_decap__destroy(skel);
	return 0;
}

static void stats_read(struct sluice_decap *s, uint64_t out[SL_DECAP_STAT_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t vals[ncpu];
	uint32_t i;
	int c;

	for (i = 0; i < SL_DECAP_STAT_MAX; i++) {
		assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(s->maps.sl_decap_stats), &i, vals),
				 0);
		out[i] = 0;
		for (c = 0; c < ncpu; c++)
			out[i] += vals[c];
	}
}

/* Run @in through @s; assert @verdict, output == @want, +1 on @stat only. */
static void run_on(struct sluice_decap *s, const struct pkt *in, int verdict,
		   const struct pkt *want, enum sl_decap_stat stat)
{
	uint64_t before[SL_DECAP_STAT_MAX], after[SL_DECAP_STAT_MAX];
	uint8_t out[PKT_MAX + 64];
	uint32_t i;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in->b, .data_size_in = in->len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	stats_read(s, before);
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(s->progs.sluice_decap), &opts), 0);
	stats_read(s, after);
	assert_int_equal(opts.retval, verdict);
	if (want) {
		assert_int_equal(opts.data_size_out, want->len);
		assert_memory_equal(out, want->b, want->len);
	}
	for (i = 0; i < SL_DECAP_STAT_MAX; i++)
		assert_int_equal(after[i] - before[i], i == (uint32_t)stat ? 1 : 0);
}

static void run(const struct pkt *in, int verdict, const struct pkt *want, enum sl_decap_stat stat)
{
	run_on(skel, in, verdict, want, stat);
}

/* inner packets: a TCP SYN to the VIP, of either family */
static void inner4(struct pkt *p)
{
	pkt_ip4(p, CLIENT4, VIP4, IPPROTO_TCP, PKT_TCP_LEN, 0x4000 /* DF */);
	pkt_tcp(p, 40000, 80);
}

static void inner6(struct pkt *p)
{
	pkt_ip6(p, CLIENT6, VIP6, IPPROTO_TCP, PKT_TCP_LEN);
	pkt_tcp(p, 40000, 80);
}

#define INNER4_LEN (20 + PKT_TCP_LEN)
#define INNER6_LEN (40 + PKT_TCP_LEN)

static void want4(struct pkt *w)
{
	pkt_eth(w, 0x0800);
	inner4(w);
}

static void want6(struct pkt *w)
{
	pkt_eth(w, 0x86dd);
	inner6(w);
}

static void test_ipip(void **state)
{
	struct pkt in = {0}, w = {0};

	(void)state;
	pkt_eth(&in, 0x0800);
	pkt_ip4(&in, LB4, LOCAL4, 4, INNER4_LEN, 0);
	inner4(&in);
	want4(&w);
	run(&in, TC_ACT_OK, &w, SL_DECAP_IPIP);
}

static void test_ipip_outer_options(void **state)
{
	static const uint8_t nops[4] = {1, 1, 1, 0};
	struct pkt in = {0}, w = {0};

	(void)state;
	pkt_eth(&in, 0x0800);
	pkt_ip4(&in, LB4, LOCAL4, 4, 4 + INNER4_LEN, 0);
	in.b[14] = 0x46; /* 24-byte outer header */
	pkt_put(&in, nops, sizeof(nops));
	inner4(&in);
	want4(&w);
	run(&in, TC_ACT_OK, &w, SL_DECAP_IPIP);
}

static void test_ip6ip6(void **state)
{
	struct pkt in = {0}, w = {0};

	(void)state;
	pkt_eth(&in, 0x86dd);
	pkt_ip6(&in, LB6, LOCAL6, 41, INNER6_LEN);
	inner6(&in);
	want6(&w);
	run(&in, TC_ACT_OK, &w, SL_DECAP_IP6IP6);
}

static void test_ip6_in_ip4(void **state)
{
	struct pkt in = {0}, w = {0};

	(void)state;
	pkt_eth(&in, 0x0800);
	pkt_ip4(&in, LB4, LOCAL4, 41, INNER6_LEN, 0);
	inner6(&in);
	want6(&w);
	run(&in, TC_ACT_OK, &w, SL_DECAP_IP6IP);
}

static void test_ip4_in_ip6(void **state)
{
	struct pkt in = {0}, w = {0};

	(void)state;
	pkt_eth(&in, 0x86dd);
	pkt_ip6(&in, LB6, LOCAL6, 4, INNER4_LEN);
	inner4(&in);
	want4(&w);
	run(&in, TC_ACT_OK, &w, SL_DECAP_IPIP6);
}

static void test_gue4(void **state)
{
	struct pkt in = {0}, w = {0};

	(void)state;
	pkt_eth(&in, 0x0800);
	pkt_ip4(&in, LB4, LOCAL4, IPPROTO_UDP, PKT_UDP_LEN + INNER4_LEN, 0);
	pkt_udp(&in, 51234, 6080, INNER4_LEN);
	inner4(&in);
	want4(&w);
	run(&in, TC_ACT_OK, &w, SL_DECAP_GUE4);
}

static void test_gue6(void **state)
{
	struct pkt in = {0}, w = {0};

	(void)state;
	pkt_eth(&in, 0x86dd);
	pkt_ip6(&in, LB6, LOCAL6, IPPROTO_UDP, PKT_UDP_LEN + INNER6_LEN);
	pkt_udp(&in, 51234, 6080, INNER6_LEN);
	inner6(&in);
	want6(&w);
	run(&in, TC_ACT_OK, &w, SL_DECAP_GUE6);
}

static void test_gue4_inner6(void **state)
{
	struct pkt in = {0}, w = {0};

	(void)state;
	pkt_eth(&in, 0x0800);
	pkt_ip4(&in, LB4, LOCAL4, IPPROTO_UDP, PKT_UDP_LEN + INNER6_LEN, 0);
	pkt_udp(&in, 51234, 6080, INNER6_LEN);
	inner6(&in);
	want6(&w);
	run(&in, TC_ACT_OK, &w, SL_DECAP_GUE4);
}

static void test_gue_other_port(void **state)
{
	struct pkt in = {0};

	(void)state;
	pkt_eth(&in, 0x0800);
	pkt_ip4(&in, LB4, LOCAL4, IPPROTO_UDP, PKT_UDP_LEN + INNER4_LEN, 0);
	pkt_udp(&in, 51234, 6081, INNER4_LEN);
	inner4(&in);
	run(&in, TC_ACT_OK, &in, SL_DECAP_PASS_NOT_TUNNEL);
}

static void test_gue_not_variant1(void **state)
{
	static const uint8_t gue0[4] = {0x00, 4, 0, 0}; /* variant 0 header: unsupported */
	struct pkt in = {0};

	(void)state;
	pkt_eth(&in, 0x0800);
	pkt_ip4(&in, LB4, LOCAL4, IPPROTO_UDP, PKT_UDP_LEN + 4 + INNER4_LEN, 0);
	pkt_udp(&in, 51234, 6080, 4 + INNER4_LEN);
	pkt_put(&in, gue0, sizeof(gue0));
	inner4(&in);
	run(&in, TC_ACT_SHOT, NULL, SL_DECAP_DROP_INNER_BAD);
}

static void test_ipip_inner_truncated(void **state)
{
	struct pkt in = {0};

	(void)state;
	pkt_eth(&in, 0x0800);
	pkt_ip4(&in, LB4, LOCAL4, 4, 12, 0);
	inner4(&in);
	in.len = 14 + 20 + 12;
	run(&in, TC_ACT_SHOT, NULL, SL_DECAP_DROP_INNER_BAD);
}

static void test_ipip_not_local(void **state)
{
	struct pkt in = {0};

	(void)state;
	pkt_eth(&in, 0x0800);
	pkt_ip4(&in, LB4, "198.18.1.99", 4, INNER4_LEN, 0);
	inner4(&in);
	run(&in, TC_ACT_OK, &in, SL_DECAP_PASS_NOT_LOCAL);
}

static void test_ipip_fragment(void **state)
{
	struct pkt in = {0};

	(void)state;
	pkt_eth(&in, 0x0800);
	pkt_ip4(&in, LB4, LOCAL4, 4, INNER4_LEN, 0x2000);
	inner4(&in);
	run(&in, TC_ACT_OK, &in, SL_DECAP_PASS_FRAGMENT);
}

static void test_not_tunnel(void **state)
{
	struct pkt in4 = {0}, in6 = {0}, arp = {0};
	static const uint8_t arp_body[28] = {0, 1, 8, 0, 6, 4, 0, 1};

	(void)state;
	pkt_eth(&in4, 0x0800);
	pkt_ip4(&in4, CLIENT4, LOCAL4, IPPROTO_TCP, PKT_TCP_LEN, 0);
	pkt_tcp(&in4, 40000, 22);
	run(&in4, TC_ACT_OK, &in4, SL_DECAP_PASS_NOT_TUNNEL);
	pkt_eth(&in6, 0x86dd);
	pkt_ip6(&in6, CLIENT6, LOCAL6, IPPROTO_UDP, PKT_UDP_LEN);
	pkt_udp(&in6, 40000, 53, 0);
	run(&in6, TC_ACT_OK, &in6, SL_DECAP_PASS_NOT_TUNNEL);
	pkt_eth(&arp, 0x0806);
	pkt_put(&arp, arp_body, sizeof(arp_body));
	run(&arp, TC_ACT_OK, &arp, SL_DECAP_PASS_NOT_TUNNEL);
}

/* The GUE port is .rodata: set before load, 6080 is then plain UDP. */
static void test_gue_port_configured(void **state)
{
	struct pkt a = {0}, b = {0}, w = {0};
	struct sluice_decap *s;

	(void)state;
	s = sluice_decap__open();
	assert_non_null(s);
	s->rodata->sl_gue_port = htons(7000);
	assert_int_equal(sluice_decap__load(s), 0);
	local_add(s, LOCAL4);
	pkt_eth(&a, 0x0800);
	pkt_ip4(&a, LB4, LOCAL4, IPPROTO_UDP, PKT_UDP_LEN + INNER4_LEN, 0);
	pkt_udp(&a, 51234, 7000, INNER4_LEN);
	inner4(&a);
	want4(&w);
	run_on(s, &a, TC_ACT_OK, &w, SL_DECAP_GUE4);
	pkt_eth(&b, 0x0800);
	pkt_ip4(&b, LB4, LOCAL4, IPPROTO_UDP, PKT_UDP_LEN + INNER4_LEN, 0);
	pkt_udp(&b, 51234, 6080, INNER4_LEN);
	inner4(&b);
	run_on(s, &b, TC_ACT_OK, &b, SL_DECAP_PASS_NOT_TUNNEL);
	sluice_decap__destroy(s);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipip),
		cmocka_unit_test(test_ipip_outer_options),
		cmocka_unit_test(test_ip6ip6),
		cmocka_unit_test(test_ip6_in_ip4),
		cmocka_unit_test(test_ip4_in_ip6),
		cmocka_unit_test(test_gue4),
		cmocka_unit_test(test_gue6),
		cmocka_unit_test(test_gue4_inner6),
		cmocka_unit_test(test_gue_other_port),
		cmocka_unit_test(test_gue_not_variant1),
		cmocka_unit_test(test_ipip_inner_truncated),
		cmocka_unit_test(test_ipip_not_local),
		cmocka_unit_test(test_ipip_fragment),
		cmocka_unit_test(test_not_tunnel),
		cmocka_unit_test(test_gue_port_configured),
	};
	const struct tl_group groups[] = {
		{"sluice_decap", "kernel", TL_TESTS(tests), setup, teardown, TL_NEED_BPF},
	};

	return tl_suite_run(argc, argv, groups, 1);
}
