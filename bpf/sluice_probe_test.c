// SPDX-License-Identifier: BSD-3-Clause
/*
 * BPF_PROG_TEST_RUN fixtures for sluice_probe (tc egress): a marked probe to
 * a backend in sl_probes comes out rewritten to the VIP and encapsulated
 * towards the backend, byte for byte what the test builds independently
 * (inner checksums computed from scratch, so the program's incremental
 * updates must agree with a full sum); every other packet comes out
 * untouched; each run moves exactly one counter. Needs root (BPF).
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
#include "sluice_probe.skel.h"
#include "tl_suite.h"

#define LOCAL4 "198.18.0.2" /* the probe socket's address */
#define BACKEND4 "198.18.1.11"
#define VIP4 "198.18.100.1"
#define LOCAL6 "2001:2::2"
#define BACKEND6 "2001:2:0:1::11"
#define VIP6 "2001:2:0:100::1"
#define LPORT 40001  /* the probe socket's port */
#define HC_PORT 8080 /* the backend port the probe connects to */
#define VIP_PORT 80
#define GUE_PORT 6080

static struct sluice_probe *skel;

static void addr16(uint8_t out[16], const char *text)
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET6, text, out) == 1)
		return;
	out[10] = 0xff;
	out[11] = 0xff;
	assert_int_equal(inet_pton(AF_INET, text, out + 12), 1);
}

static struct sl_probe_key key(const char *local, uint16_t port, uint8_t proto)
{
	struct sl_probe_key k;

	memset(&k, 0, sizeof(k));
	addr16(k.addr, local);
	k.port = htons(port);
	k.proto = proto;
	return k;
}

static void probe_put(const char *local, uint16_t port, uint8_t proto, const char *backend,
		      const char *vip, uint8_t encap, uint8_t flags)
{
	struct sl_probe_key k = key(local, port, proto);
	struct sl_probe_value v;

	memset(&v, 0, sizeof(v));
	if (flags & SL_PROBE_F_TUNNEL) {
		addr16(v.backend, backend);
		addr16(v.vip, vip);
		v.backend_port = htons(HC_PORT);
		v.vip_port = htons(VIP_PORT);
		v.gue_port = htons(GUE_PORT);
		v.encap = encap;
		v.flags = flags;
	}
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.sl_probes), &k, &v, BPF_ANY),
			 0);
}

static int setup(void **state)
{
	(void)state;
	skel = sluice_probe__open_and_load();
	if (!skel) {
		fprintf(stderr, "sluice_probe: load failed: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* each test starts with an empty sl_probes */
static int clear_probes(void **state)
{
	int fd = bpf_map__fd(skel->maps.sl_probes);
	struct sl_probe_key k;

	(void)state;
	while (bpf_map_get_next_key(fd, NULL, &k) == 0)
		if (bpf_map_delete_elem(fd, &k))
			return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sluice_probe__destroy(skel);
	return 0;
}

/* An IP packet from the probe socket (src:LPORT) to dst:dport, checksums valid. */
static void probe_ip(struct pkt *p, int v6, uint8_t proto, const char *src, const char *dst,
		     uint16_t dport)
{
	size_t l3 = p->len, l4len = proto == IPPROTO_TCP ? PKT_TCP_LEN : PKT_UDP_LEN + 4;

	if (v6)
		pkt_ip6(p, src, dst, proto, l4len);
	else
		pkt_ip4(p, src, dst, proto, l4len, 0x4000 /* DF, as Linux sends */);
	if (proto == IPPROTO_TCP) {
		pkt_tcp(p, LPORT, dport);
	} else {
		pkt_udp(p, LPORT, dport, 4);
		pkt_put(p, "ping", 4);
	}
	pkt_l4_csum(p, l3);
}

static void probe_pkt(struct pkt *p, int v6, uint8_t proto, const char *src, const char *dst,
		      uint16_t dport)
{
	pkt_eth(p, v6 ? 0x86dd : 0x0800);
	probe_ip(p, v6, proto, src, dst, dport);
}

/* What the dataplane would send the backend for this inner packet. */
static void tunnel_pkt(struct pkt *p, int v6, uint8_t proto, int gue)
{
	struct pkt inner = {0};
	const char *local = v6 ? LOCAL6 : LOCAL4, *backend = v6 ? BACKEND6 : BACKEND4;
	size_t outer_payload;

	probe_ip(&inner, v6, proto, local, v6 ? VIP6 : VIP4, VIP_PORT);
	outer_payload = inner.len + (gue ? 8 : 0);
	pkt_eth(p, v6 ? 0x86dd : 0x0800);
	if (v6) {
		uint32_t label = LPORT;

		pkt_ip6(p, local, backend, gue ? IPPROTO_UDP : 41, outer_payload);
		p->b[14 + 1] = (label >> 16) & 0x0f;
		p->b[14 + 2] = (label >> 8) & 0xff;
		p->b[14 + 3] = label & 0xff;
		p->b[14 + 7] = 64;
	} else {
		size_t l3 = p->len;
		uint16_t c;

		pkt_ip4(p, local, backend, gue ? IPPROTO_UDP : 4, outer_payload, 0x4000);
		/* same id as the inner header (pkt_ip4 always writes 0x12) and TTL 64 */
		p->b[l3 + 8] = 64;
		p->b[l3 + 10] = p->b[l3 + 11] = 0;
		c = pkt_csum(p->b + l3, 20);
		p->b[l3 + 10] = c >> 8;
		p->b[l3 + 11] = c & 0xff;
	}
	if (gue)
		pkt_udp(p, 0x8000 | LPORT, GUE_PORT, inner.len);
	pkt_put(p, inner.b, inner.len);
}

static void stats_read(uint64_t out[SL_PROBE_STAT_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t vals[ncpu];
	uint32_t i;
	int c;

	for (i = 0; i < SL_PROBE_STAT_MAX; i++) {
		assert_int_equal(
			bpf_map_lookup_elem(bpf_map__fd(skel->maps.sl_probe_stats), &i, vals), 0);
		out[i] = 0;
		for (c = 0; c < ncpu; c++)
			out[i] += vals[c];
	}
}

/* Run @in with skb->mark = @mark; assert @verdict, output == @want, +1 on @stat only. */
static void run(const struct pkt *in, uint32_t mark, int verdict, const struct pkt *want,
		enum sl_probe_stat stat)
{
	uint64_t before[SL_PROBE_STAT_MAX], after[SL_PROBE_STAT_MAX];
	struct __sk_buff ctx = {.mark = mark};
	uint8_t out[PKT_MAX];
	uint32_t i;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in->b, .data_size_in = in->len,
		    .data_out = out, .data_size_out = sizeof(out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	stats_read(before);
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.sluice_probe), &opts),
			 0);
	stats_read(after);
	assert_int_equal(opts.retval, verdict);
	if (want) {
		assert_int_equal(opts.data_size_out, want->len);
		assert_memory_equal(out, want->b, want->len);
	}
	for (i = 0; i < SL_PROBE_STAT_MAX; i++)
		assert_int_equal(after[i] - before[i], i == (uint32_t)stat ? 1 : 0);
}

static void tunnel_case(int v6, uint8_t proto, int gue)
{
	const char *local = v6 ? LOCAL6 : LOCAL4, *backend = v6 ? BACKEND6 : BACKEND4;
	struct pkt in = {0}, want = {0};

	probe_put(local, LPORT, proto, backend, v6 ? VIP6 : VIP4,
		  gue ? SL_PROBE_ENCAP_GUE : SL_PROBE_ENCAP_IPIP, SL_PROBE_F_TUNNEL);
	probe_pkt(&in, v6, proto, local, backend, HC_PORT);
	tunnel_pkt(&want, v6, proto, gue);
	run(&in, SL_PROBE_MARK, TC_ACT_OK, &want, gue ? SL_PROBE_TUNNEL_GUE : SL_PROBE_TUNNEL_IPIP);
}

static void test_tcp4_ipip(void **state)
{
	(void)state;
	tunnel_case(0, IPPROTO_TCP, 0);
}

static void test_udp4_gue(void **state)
{
	(void)state;
	tunnel_case(0, IPPROTO_UDP, 1);
}

static void test_tcp6_ip6ip6(void **state)
{
	(void)state;
	tunnel_case(1, IPPROTO_TCP, 0);
}

static void test_udp6_gue(void **state)
{
	(void)state;
	tunnel_case(1, IPPROTO_UDP, 1);
}

static void test_tcp4_gue(void **state)
{
	(void)state;
	tunnel_case(0, IPPROTO_TCP, 1);
}

/* UDP over IPv4 without a checksum keeps "no checksum" through the rewrite. */
static void test_udp4_no_checksum(void **state)
{
	struct pkt in = {0}, want = {0};
	size_t l4 = 14 + 20 + 20 + 6; /* in @want: eth, outer, inner IPv4, UDP checksum */

	(void)state;
	probe_put(LOCAL4, LPORT, IPPROTO_UDP, BACKEND4, VIP4, SL_PROBE_ENCAP_IPIP,
		  SL_PROBE_F_TUNNEL);
	probe_pkt(&in, 0, IPPROTO_UDP, LOCAL4, BACKEND4, HC_PORT);
	in.b[14 + 20 + 6] = in.b[14 + 20 + 7] = 0;
	tunnel_pkt(&want, 0, IPPROTO_UDP, 0);
	want.b[l4] = want.b[l4 + 1] = 0;
	run(&in, SL_PROBE_MARK, TC_ACT_OK, &want, SL_PROBE_TUNNEL_IPIP);
}

static void test_unmarked(void **state)
{
	struct pkt in = {0};

	(void)state;
	probe_put(LOCAL4, LPORT, IPPROTO_TCP, BACKEND4, VIP4, SL_PROBE_ENCAP_IPIP,
		  SL_PROBE_F_TUNNEL);
	probe_pkt(&in, 0, IPPROTO_TCP, LOCAL4, BACKEND4, HC_PORT);
	run(&in, 0, TC_ACT_OK, &in, SL_PROBE_PASS_UNMARKED);
	run(&in, SL_PROBE_MARK + 1, TC_ACT_OK, &in, SL_PROBE_PASS_UNMARKED);
}

static void test_marked_unknown(void **state)
{
	struct pkt in = {0};

	(void)state;
	probe_pkt(&in, 0, IPPROTO_TCP, LOCAL4, BACKEND4, HC_PORT);
	in.b[14 + 20 + 1] ^= 1; /* source port LPORT ^ 1: not in the map */
	run(&in, SL_PROBE_MARK, TC_ACT_OK, &in, SL_PROBE_PASS_NOT_PROBE);
}

static void test_marked_other_proto(void **state)
{
	struct pkt in = {0};

	(void)state;
	probe_put(LOCAL4, LPORT, IPPROTO_TCP, BACKEND4, VIP4, SL_PROBE_ENCAP_IPIP,
		  SL_PROBE_F_TUNNEL);
	probe_pkt(&in, 0, IPPROTO_UDP, LOCAL4, BACKEND4, HC_PORT); /* same port, UDP */
	run(&in, SL_PROBE_MARK, TC_ACT_OK, &in, SL_PROBE_PASS_NOT_PROBE);
}

static void test_marked_arp(void **state)
{
	static const uint8_t arp[28] = {0, 1, 8, 0, 6, 4, 0, 1};
	struct pkt in = {0};

	(void)state;
	pkt_eth(&in, 0x0806);
	pkt_put(&in, arp, sizeof(arp));
	run(&in, SL_PROBE_MARK, TC_ACT_OK, &in, SL_PROBE_PASS_NOT_PROBE);
}

static void test_direct_probe(void **state)
{
	struct pkt in = {0};

	(void)state;
	probe_put(LOCAL6, LPORT, IPPROTO_TCP, NULL, NULL, 0, 0);
	probe_pkt(&in, 1, IPPROTO_TCP, LOCAL6, BACKEND6, HC_PORT);
	run(&in, SL_PROBE_MARK, TC_ACT_OK, &in, SL_PROBE_PASS_DIRECT);
}

static void test_other_destination(void **state)
{
	struct pkt in = {0};

	(void)state;
	probe_put(LOCAL4, LPORT, IPPROTO_TCP, BACKEND4, VIP4, SL_PROBE_ENCAP_IPIP,
		  SL_PROBE_F_TUNNEL);
	probe_pkt(&in, 0, IPPROTO_TCP, LOCAL4, "198.18.1.12", HC_PORT);
	run(&in, SL_PROBE_MARK, TC_ACT_OK, &in, SL_PROBE_PASS_OTHER_DST);
	memset(&in, 0, sizeof(in));
	probe_pkt(&in, 0, IPPROTO_TCP, LOCAL4, BACKEND4, HC_PORT + 1);
	run(&in, SL_PROBE_MARK, TC_ACT_OK, &in, SL_PROBE_PASS_OTHER_DST);
}

static void test_bad_entry(void **state)
{
	struct pkt in = {0};

	(void)state;
	/* an IPv4 probe whose VIP is IPv6: cannot be rewritten in place */
	probe_put(LOCAL4, LPORT, IPPROTO_TCP, BACKEND4, VIP6, SL_PROBE_ENCAP_IPIP,
		  SL_PROBE_F_TUNNEL);
	probe_pkt(&in, 0, IPPROTO_TCP, LOCAL4, BACKEND4, HC_PORT);
	run(&in, SL_PROBE_MARK, TC_ACT_SHOT, NULL, SL_PROBE_DROP_BAD_ENTRY);
	/* no encapsulation named */
	probe_put(LOCAL4, LPORT, IPPROTO_TCP, BACKEND4, VIP4, SL_PROBE_ENCAP_NONE,
		  SL_PROBE_F_TUNNEL);
	run(&in, SL_PROBE_MARK, TC_ACT_SHOT, NULL, SL_PROBE_DROP_BAD_ENTRY);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_tcp4_ipip, clear_probes),
		cmocka_unit_test_setup(test_udp4_gue, clear_probes),
		cmocka_unit_test_setup(test_tcp6_ip6ip6, clear_probes),
		cmocka_unit_test_setup(test_udp6_gue, clear_probes),
		cmocka_unit_test_setup(test_tcp4_gue, clear_probes),
		cmocka_unit_test_setup(test_udp4_no_checksum, clear_probes),
		cmocka_unit_test_setup(test_unmarked, clear_probes),
		cmocka_unit_test_setup(test_marked_unknown, clear_probes),
		cmocka_unit_test_setup(test_marked_other_proto, clear_probes),
		cmocka_unit_test_setup(test_marked_arp, clear_probes),
		cmocka_unit_test_setup(test_direct_probe, clear_probes),
		cmocka_unit_test_setup(test_other_destination, clear_probes),
		cmocka_unit_test_setup(test_bad_entry, clear_probes),
	};
	const struct tl_group groups[] = {
		{"sluice_probe", "kernel", TL_TESTS(tests), setup, teardown, TL_NEED_BPF},
	};

	return tl_suite_run(argc, argv, groups, 1);
}
