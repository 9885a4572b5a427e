// SPDX-License-Identifier: BSD-3-Clause
/*
 * BPF_PROG_TEST_RUN fixtures for sluice_xdp: each packet goes through the
 * loaded program; the test asserts the verdict, that the bytes come out
 * unchanged, and that exactly one counter (the expected verdict's) moved by
 * one. With an empty xsks_map a packet steered to the dataplane gets
 * XDP_PASS from the helper's fallback and counts pass_no_xsk, which no
 * other branch counts; the last test binds a real AF_XDP socket to lo in a
 * private network namespace and sees XDP_REDIRECT under each redirect
 * counter. Needs root (BPF, unshare).
 */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/xsk.h>

#include "sl_bpf_types.h"
#include "sl_parse_limits.h"
#include "sl_pkt_test.h"
#include "sluice_xdp.skel.h"
#include "tl_netns.h"
#include "tl_suite.h"

#define VIP4 "198.18.100.1"	/* TCP 80 */
#define VIP4_ANY "198.18.100.2" /* UDP, any port */
#define VIP6 "2001:2:0:100::1"	/* UDP 53 */
#define CLIENT4 "198.18.0.10"
#define CLIENT6 "2001:2::10"
#define LOCAL4 "198.18.0.2" /* a probe socket's address on this host */
#define LOCAL6 "2001:2::2"
#define BACKEND4 "198.18.1.11"
#define BACKEND6 "2001:2:0:1::11"
#define NAT4 "198.18.1.50" /* a full-NAT source, ports NAT4_MIN..NAT4_MAX */
#define NAT4_MIN 2000
#define NAT4_MAX 3000
#define NAT6 "2001:2:0:1::50" /* a full-NAT source, ports 1024..65535 */
#define LPORT 40001	      /* the probe socket's port */
#define HC_PORT 8080	      /* the backend port the probe socket is connected to */

static struct sluice_xdp *skel;

static void vip_add(const char *addr, uint16_t port, uint8_t proto, uint32_t index)
{
	struct sl_xdp_vip_key k = {0};
	struct sl_xdp_vip_value v = {.vip_index = index};

	if (inet_pton(AF_INET6, addr, k.addr) != 1) {
		k.addr[10] = 0xff;
		k.addr[11] = 0xff;
		assert_int_equal(inet_pton(AF_INET, addr, k.addr + 12), 1);
	}
	k.port = htons(port);
	k.proto = proto;
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.sl_vips), &k, &v, BPF_ANY), 0);
}

static void addr16(uint8_t out[16], const char *text)
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET6, text, out) == 1)
		return;
	out[10] = 0xff;
	out[11] = 0xff;
	assert_int_equal(inet_pton(AF_INET, text, out + 12), 1);
}

/* sl_probes entry for the socket local:lport; tunnel through @vip:vip_port if @backend */
static void probe_put(const char *local, uint16_t lport, uint8_t proto, const char *backend,
		      const char *vip, uint16_t vip_port)
{
	struct sl_probe_key k;
	struct sl_probe_value v;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	addr16(k.addr, local);
	k.port = htons(lport);
	k.proto = proto;
	if (backend) {
		addr16(v.backend, backend);
		addr16(v.vip, vip);
		v.backend_port = htons(HC_PORT);
		v.vip_port = htons(vip_port);
		v.encap = SL_PROBE_ENCAP_IPIP;
		v.flags = SL_PROBE_F_TUNNEL;
	}
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.sl_probes), &k, &v, BPF_ANY),
			 0);
}

/* The address entry sluiced keeps for every VIP address (SL_XDP_ADDR_F_* in @flags). */
static void vip_addr_add(const char *addr, uint32_t flags)
{
	struct sl_xdp_vip_key k = {0};
	struct sl_xdp_vip_value v = {.flags = flags};

	addr16(k.addr, addr);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.sl_vips), &k, &v, BPF_ANY), 0);
}

/* The address entry of a full-NAT source, its port range @pmin..@pmax. */
static void nat_source_add(const char *addr, uint16_t pmin, uint16_t pmax, uint32_t index)
{
	struct sl_xdp_vip_key k = {0};
	struct sl_xdp_vip_value v = {
		.vip_index = index,
		.flags = SL_XDP_ADDR_F_NAT,
		.nat_port_min = pmin,
		.nat_port_max = pmax,
	};

	addr16(k.addr, addr);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.sl_vips), &k, &v, BPF_ANY), 0);
}

static void probe_del(const char *local, uint16_t lport, uint8_t proto)
{
	struct sl_probe_key k;

	memset(&k, 0, sizeof(k));
	addr16(k.addr, local);
	k.port = htons(lport);
	k.proto = proto;
	assert_int_equal(bpf_map_delete_elem(bpf_map__fd(skel->maps.sl_probes), &k), 0);
}

static int setup(void **state)
{
	(void)state;
	skel = sluice_xdp__open_and_load();
	if (!skel) {
		fprintf(stderr, "sluice_xdp: load failed: %s\n", strerror(errno));
		return -1;
	}
	vip_add(VIP4, 80, IPPROTO_TCP, 0);
	vip_add(VIP4_ANY, 0, IPPROTO_UDP, 1);
	vip_add(VIP6, 53, IPPROTO_UDP, 2);
	vip_addr_add(VIP4, SL_XDP_ADDR_F_TCP);
	vip_addr_add(VIP4_ANY, SL_XDP_ADDR_F_UDP);
	vip_addr_add(VIP6, SL_XDP_ADDR_F_UDP);
	nat_source_add(NAT4, NAT4_MIN, NAT4_MAX, 0);
	nat_source_add(NAT6, 1024, 65535, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sluice_xdp__destroy(skel);
	return 0;
}

static void stats_read(uint64_t out[SL_XDP_STAT_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t vals[ncpu];
	uint32_t i;
	int c;

	for (i = 0; i < SL_XDP_STAT_MAX; i++) {
		assert_int_equal(
			bpf_map_lookup_elem(bpf_map__fd(skel->maps.sl_xdp_stats), &i, vals), 0);
		out[i] = 0;
		for (c = 0; c < ncpu; c++)
			out[i] += vals[c];
	}
}

/* Run @p; assert @verdict, output bytes @want, and +1 on counter @stat only. */
static void run_want(const struct pkt *p, int verdict, const struct pkt *want,
		     enum sl_xdp_stat stat)
{
	uint64_t before[SL_XDP_STAT_MAX], after[SL_XDP_STAT_MAX];
	uint8_t out[PKT_MAX];
	uint32_t i;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->b, .data_size_in = p->len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	stats_read(before);
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.sluice_xdp), &opts), 0);
	stats_read(after);
	assert_int_equal(opts.retval, verdict);
	assert_int_equal(opts.data_size_out, want->len);
	assert_memory_equal(out, want->b, want->len);
	for (i = 0; i < SL_XDP_STAT_MAX; i++)
		assert_int_equal(after[i] - before[i], i == (uint32_t)stat ? 1 : 0);
}

/* Run @p; assert @verdict, unchanged bytes, and +1 on counter @stat only. */
static void run(const struct pkt *p, int verdict, enum sl_xdp_stat stat)
{
	run_want(p, verdict, p, stat);
}

static void tcp4(struct pkt *p, const char *dst, uint16_t dport)
{
	pkt_eth(p, 0x0800);
	pkt_ip4(p, CLIENT4, dst, IPPROTO_TCP, PKT_TCP_LEN, 0);
	pkt_tcp(p, 40000, dport);
}

static void test_vip_tcp4(void **state)
{
	struct pkt p = {0};

	(void)state;
	tcp4(&p, VIP4, 80);
	run(&p, XDP_PASS, SL_XDP_PASS_NO_XSK);
}

static void test_vip_any_port(void **state)
{
	struct pkt p = {0};

	(void)state;
	pkt_eth(&p, 0x0800);
	pkt_ip4(&p, CLIENT4, VIP4_ANY, IPPROTO_UDP, PKT_UDP_LEN + 4, 0);
	pkt_udp(&p, 5000, 12345, 4);
	pkt_put(&p, "ping", 4);
	run(&p, XDP_PASS, SL_XDP_PASS_NO_XSK);
}

static void test_vip_any_port_other_proto(void **state)
{
	struct pkt p = {0};

	(void)state;
	tcp4(&p, VIP4_ANY, 12345); /* the wildcard VIP is UDP only */
	run(&p, XDP_PASS, SL_XDP_PASS_HOST);
}

static void test_vip_udp6(void **state)
{
	struct pkt p = {0};

	(void)state;
	pkt_eth(&p, 0x86dd);
	pkt_ip6(&p, CLIENT6, VIP6, IPPROTO_UDP, PKT_UDP_LEN);
	pkt_udp(&p, 5000, 53, 0);
	run(&p, XDP_PASS, SL_XDP_PASS_NO_XSK);
}

static void test_vip_udp6_exthdrs(void **state)
{
	/* hop-by-hop (8 bytes) then destination options (16 bytes) before UDP */
	static const uint8_t hbh[8] = {60, 0, 1, 4, 0, 0, 0, 0};
	static const uint8_t dst[16] = {IPPROTO_UDP, 1, 1, 12};
	struct pkt p = {0};

	(void)state;
	pkt_eth(&p, 0x86dd);
	pkt_ip6(&p, CLIENT6, VIP6, 0, 8 + 16 + PKT_UDP_LEN);
	pkt_put(&p, hbh, sizeof(hbh));
	pkt_put(&p, dst, sizeof(dst));
	pkt_udp(&p, 5000, 53, 0);
	run(&p, XDP_PASS, SL_XDP_PASS_NO_XSK);
}

/* Fragments to a VIP address go to the dataplane, which places them by datagram. */
static void test_vip6_fragment(void **state)
{
	static const uint8_t frag[8] = {IPPROTO_UDP, 0, 0, 1, 0, 0, 0, 7}; /* first, M */
	static const uint8_t later[8] = {IPPROTO_UDP, 0, 0x05, 0xa8, 0, 0, 0, 7};
	struct pkt p = {0};

	(void)state;
	pkt_eth(&p, 0x86dd);
	pkt_ip6(&p, CLIENT6, VIP6, 44, 8 + PKT_UDP_LEN);
	pkt_put(&p, frag, sizeof(frag));
	pkt_udp(&p, 5000, 53, 0);
	run(&p, XDP_PASS, SL_XDP_PASS_NO_XSK);
	memset(&p, 0, sizeof(p));
	pkt_eth(&p, 0x86dd);
	pkt_ip6(&p, CLIENT6, VIP6, 44, 8 + 16);
	pkt_put(&p, later, sizeof(later));
	pkt_put(&p, "0123456789abcdef", 16);
	run(&p, XDP_PASS, SL_XDP_PASS_NO_XSK);
}

/* An atomic fragment is an ordinary packet: matched by its VIP and port. */
static void test_vip6_atomic_fragment(void **state)
{
	static const uint8_t frag[8] = {IPPROTO_UDP, 0, 0, 0, 0, 0, 0, 7};
	struct pkt p = {0};

	(void)state;
	pkt_eth(&p, 0x86dd);
	pkt_ip6(&p, CLIENT6, VIP6, 44, 8 + PKT_UDP_LEN);
	pkt_put(&p, frag, sizeof(frag));
	pkt_udp(&p, 5000, 54, 0); /* port 54: no VIP */
	run(&p, XDP_PASS, SL_XDP_PASS_HOST);
}

static void test_vip4_fragment(void **state)
{
	struct pkt p = {0};

	(void)state;
	pkt_eth(&p, 0x0800);
	pkt_ip4(&p, CLIENT4, VIP4, IPPROTO_TCP, PKT_TCP_LEN, 0x2000); /* MF */
	pkt_tcp(&p, 40000, 80);
	run(&p, XDP_PASS, SL_XDP_PASS_NO_XSK);
	memset(&p, 0, sizeof(p));
	pkt_eth(&p, 0x0800);
	pkt_ip4(&p, CLIENT4, VIP4, IPPROTO_TCP, 8, 0x0010); /* offset 128 */
	pkt_put(&p, "01234567", 8);
	run(&p, XDP_PASS, SL_XDP_PASS_NO_XSK);
}

/* Fragments of a protocol without a VIP at that address, or to another address: the kernel's. */
static void test_fragment_not_vip(void **state)
{
	struct pkt p = {0};

	(void)state;
	pkt_eth(&p, 0x0800);
	pkt_ip4(&p, CLIENT4, VIP4, IPPROTO_UDP, PKT_UDP_LEN, 0x2000); /* VIP4 is TCP */
	pkt_udp(&p, 5000, 80, 0);
	run(&p, XDP_PASS, SL_XDP_PASS_FRAGMENT);
	memset(&p, 0, sizeof(p));
	pkt_eth(&p, 0x0800);
	pkt_ip4(&p, CLIENT4, "198.18.0.1", IPPROTO_TCP, PKT_TCP_LEN, 0x2000);
	pkt_tcp(&p, 40000, 80);
	run(&p, XDP_PASS, SL_XDP_PASS_FRAGMENT);
}

/*
 * SL_IP6_EXT_MAX extension headers reach the VIP lookup, one more is over
 * the limit (the dataplane's parser has the same limit).
 */
static void test_ip6_ext_limit(void **state)
{
	uint8_t ext[8] = {60, 0, 1, 4, 0, 0, 0, 0};
	struct pkt p = {0};
	int n;

	(void)state;
	for (n = SL_IP6_EXT_MAX - 3; n <= SL_IP6_EXT_MAX + 1; n++) {
		memset(&p, 0, sizeof(p));
		pkt_eth(&p, 0x86dd);
		pkt_ip6(&p, CLIENT6, VIP6, 60, 8 * n + PKT_UDP_LEN);
		for (int i = 0; i < n; i++) {
			ext[0] = i == n - 1 ? IPPROTO_UDP : 60;
			pkt_put(&p, ext, sizeof(ext));
		}
		pkt_udp(&p, 5000, 53, 0);
		run(&p, XDP_PASS,
		    n <= SL_IP6_EXT_MAX ? SL_XDP_PASS_NO_XSK : SL_XDP_PASS_IP6_EXT_LIMIT);
	}
}

/* An ICMP error quoting a packet from a VIP, addressed to the VIP: the dataplane's. */
static void icmp_error4(struct pkt *p, const char *dst, uint8_t type)
{
	uint8_t icmp[8 + 20 + 8] = {type, 4, 0, 0, 0, 0, 0x05, 0x78};

	pkt_eth(p, 0x0800);
	pkt_ip4(p, "198.18.0.1", dst, IPPROTO_ICMP, sizeof(icmp), 0);
	pkt_put(p, icmp, sizeof(icmp));
}

static void test_icmp_error_to_vip(void **state)
{
	static const uint8_t too_big[8 + 40 + 8] = {2, 0, 0, 0, 0, 0, 0x05, 0x78, 0x60};
	struct pkt p = {0};

	(void)state;
	icmp_error4(&p, VIP4, 3);
	run(&p, XDP_PASS, SL_XDP_PASS_NO_XSK);
	memset(&p, 0, sizeof(p));
	icmp_error4(&p, VIP4_ANY, 11);
	run(&p, XDP_PASS, SL_XDP_PASS_NO_XSK);
	memset(&p, 0, sizeof(p));
	icmp_error4(&p, "198.18.0.1", 3); /* the host's own */
	run(&p, XDP_PASS, SL_XDP_PASS_NOT_L4);
	memset(&p, 0, sizeof(p));
	pkt_eth(&p, 0x86dd);
	pkt_ip6(&p, "2001:2::1", VIP6, IPPROTO_ICMPV6, sizeof(too_big));
	pkt_put(&p, too_big, sizeof(too_big));
	run(&p, XDP_PASS, SL_XDP_PASS_NO_XSK);
	memset(&p, 0, sizeof(p));
	pkt_eth(&p, 0x86dd);
	pkt_ip6(&p, "2001:2::1", CLIENT6, IPPROTO_ICMPV6, sizeof(too_big));
	pkt_put(&p, too_big, sizeof(too_big));
	run(&p, XDP_PASS, SL_XDP_PASS_ICMP6);
}

static void test_non_vip_port(void **state)
{
	struct pkt p = {0};

	(void)state;
	tcp4(&p, VIP4, 22);
	run(&p, XDP_PASS, SL_XDP_PASS_HOST);
}

static void test_non_vip_addr(void **state)
{
	struct pkt p = {0};

	(void)state;
	tcp4(&p, "198.18.0.1", 80);
	run(&p, XDP_PASS, SL_XDP_PASS_HOST);
}

static void test_arp(void **state)
{
	static const uint8_t arp[28] = {0, 1, 8, 0, 6, 4, 0, 1};
	struct pkt p = {0};

	(void)state;
	pkt_eth(&p, 0x0806);
	pkt_put(&p, arp, sizeof(arp));
	run(&p, XDP_PASS, SL_XDP_PASS_NON_IP);
}

static void test_icmp6_nd(void **state)
{
	static const uint8_t ns[24] = {135, 0}; /* neighbour solicitation */
	struct pkt p = {0};

	(void)state;
	pkt_eth(&p, 0x86dd);
	pkt_ip6(&p, "fe80::1", "ff02::1:ff00:1", IPPROTO_ICMPV6, sizeof(ns));
	pkt_put(&p, ns, sizeof(ns));
	run(&p, XDP_PASS, SL_XDP_PASS_ICMP6);
}

static void test_icmp4_to_vip(void **state)
{
	static const uint8_t echo[8] = {8, 0};
	struct pkt p = {0};

	(void)state;
	pkt_eth(&p, 0x0800);
	pkt_ip4(&p, CLIENT4, VIP4, IPPROTO_ICMP, sizeof(echo), 0);
	pkt_put(&p, echo, sizeof(echo));
	run(&p, XDP_PASS, SL_XDP_PASS_NOT_L4);
}

static void test_truncated_ip4(void **state)
{
	struct pkt p = {0};

	(void)state;
	tcp4(&p, VIP4, 80);
	p.len = 14 + 12; /* half an IPv4 header */
	run(&p, XDP_PASS, SL_XDP_PASS_TRUNCATED);
}

static void test_truncated_l4(void **state)
{
	struct pkt p = {0};

	(void)state;
	tcp4(&p, VIP4, 80);
	p.len = 14 + 20 + 3; /* destination port cut */
	run(&p, XDP_PASS, SL_XDP_PASS_TRUNCATED);
}

static void test_bad_ihl(void **state)
{
	struct pkt p = {0};

	(void)state;
	tcp4(&p, VIP4, 80);
	p.b[14] = 0x44; /* IHL 4 */
	run(&p, XDP_PASS, SL_XDP_PASS_TRUNCATED);
}

static void test_ihl_beyond_frame(void **state)
{
	struct pkt p = {0};

	(void)state;
	tcp4(&p, VIP4, 80);
	p.b[14] = 0x4f; /* 60-byte header in a 54-byte frame */
	run(&p, XDP_PASS, SL_XDP_PASS_TRUNCATED);
}

static void test_ip4_options(void **state)
{
	static const uint8_t nops[4] = {1, 1, 1, 0};
	struct pkt p = {0};

	(void)state;
	pkt_eth(&p, 0x0800);
	pkt_ip4(&p, CLIENT4, VIP4, IPPROTO_TCP, 4 + PKT_TCP_LEN, 0);
	p.b[14] = 0x46;
	p.b[17] += 4; /* total length counts the options (checksum not checked here) */
	pkt_put(&p, nops, sizeof(nops));
	pkt_tcp(&p, 40000, 80);
	run(&p, XDP_PASS, SL_XDP_PASS_NO_XSK);
}

static void test_truncated_eth(void **state)
{
	struct pkt p = {0};

	(void)state;
	pkt_eth(&p, 0x8100);
	pkt_put16(&p, 7); /* VLAN tag cut after the TCI */
	run(&p, XDP_PASS, SL_XDP_PASS_TRUNCATED);
}

static void test_vlan_vip(void **state)
{
	struct pkt p = {0};

	(void)state;
	pkt_eth(&p, 0x8100);
	pkt_vlan(&p, 100, 0x0800);
	pkt_ip4(&p, CLIENT4, VIP4, IPPROTO_TCP, PKT_TCP_LEN, 0);
	pkt_tcp(&p, 40000, 80);
	run(&p, XDP_PASS, SL_XDP_PASS_NO_XSK);
}

static void test_qinq_vip6(void **state)
{
	struct pkt p = {0};

	(void)state;
	pkt_eth(&p, 0x88a8);
	pkt_vlan(&p, 10, 0x8100);
	pkt_vlan(&p, 100, 0x86dd);
	pkt_ip6(&p, CLIENT6, VIP6, IPPROTO_UDP, PKT_UDP_LEN);
	pkt_udp(&p, 5000, 53, 0);
	run(&p, XDP_PASS, SL_XDP_PASS_NO_XSK);
}

/* A probe socket bound to the VIP's own address and port: its replies are the host's. */
static void test_probe_reply_on_vip_tuple(void **state)
{
	struct pkt p = {0};

	(void)state;
	probe_put(VIP4, 80, IPPROTO_TCP, NULL, NULL, 0);
	tcp4(&p, VIP4, 80);
	run(&p, XDP_PASS, SL_XDP_PASS_PROBE);
	probe_del(VIP4, 80, IPPROTO_TCP);
	run(&p, XDP_PASS, SL_XDP_PASS_NO_XSK); /* VIP traffic again */
}

/* Probes present, but not this tuple: the VIP branch as before. */
static void test_vip_not_a_probe(void **state)
{
	struct pkt p = {0};

	(void)state;
	probe_put(VIP4, 81, IPPROTO_TCP, NULL, NULL, 0);
	probe_put(VIP4, 80, IPPROTO_UDP, NULL, NULL, 0);
	tcp4(&p, VIP4, 80);
	run(&p, XDP_PASS, SL_XDP_PASS_NO_XSK);
	probe_del(VIP4, 81, IPPROTO_TCP);
	probe_del(VIP4, 80, IPPROTO_UDP);
}

/* A reply to a direct probe on a wildcard VIP's address is the host's too. */
static void test_probe_reply_on_wildcard_vip6(void **state)
{
	struct pkt p = {0};

	(void)state;
	probe_put(VIP6, 53, IPPROTO_UDP, NULL, NULL, 0);
	pkt_eth(&p, 0x86dd);
	pkt_ip6(&p, BACKEND6, VIP6, IPPROTO_UDP, PKT_UDP_LEN);
	pkt_udp(&p, 5000, 53, 0);
	run(&p, XDP_PASS, SL_XDP_PASS_PROBE);
	probe_del(VIP6, 53, IPPROTO_UDP);
}

/* Reply src:sport -> dst:LPORT, checksums computed from scratch. */
static void reply(struct pkt *p, int v6, uint8_t proto, const char *src, uint16_t sport,
		  const char *dst)
{
	size_t l3;

	pkt_eth(p, v6 ? 0x86dd : 0x0800);
	l3 = p->len;
	if (v6)
		pkt_ip6(p, src, dst, proto, proto == IPPROTO_TCP ? PKT_TCP_LEN : PKT_UDP_LEN + 4);
	else
		pkt_ip4(p, src, dst, proto, proto == IPPROTO_TCP ? PKT_TCP_LEN : PKT_UDP_LEN + 4,
			0x4000);
	if (proto == IPPROTO_TCP) {
		pkt_tcp(p, sport, LPORT);
		p->b[p->len - 20 + 13] = 0x12; /* SYN-ACK */
	} else {
		pkt_udp(p, sport, LPORT, 4);
		pkt_put(p, "pong", 4);
	}
	pkt_l4_csum(p, l3);
}

/* The reply to a tunnel probe comes from the VIP; the socket must see its backend. */
static void tunnel_reply_case(int v6, uint8_t proto)
{
	const char *local = v6 ? LOCAL6 : LOCAL4, *backend = v6 ? BACKEND6 : BACKEND4;
	const char *vip = v6 ? VIP6 : VIP4;
	struct pkt in = {0}, want = {0};

	probe_put(local, LPORT, proto, backend, vip, 80);
	reply(&in, v6, proto, vip, 80, local);
	reply(&want, v6, proto, backend, HC_PORT, local);
	run_want(&in, XDP_PASS, &want, SL_XDP_PASS_PROBE_TUNNEL);
	/* the same reply straight from the backend (not through the VIP) is left alone */
	run(&want, XDP_PASS, SL_XDP_PASS_PROBE);
	probe_del(local, LPORT, proto);
	/* no probe any more: the host's */
	run(&in, XDP_PASS, SL_XDP_PASS_HOST);
}

static void test_tunnel_reply_tcp4(void **state)
{
	(void)state;
	tunnel_reply_case(0, IPPROTO_TCP);
}

static void test_tunnel_reply_udp4(void **state)
{
	(void)state;
	tunnel_reply_case(0, IPPROTO_UDP);
}

static void test_tunnel_reply_tcp6(void **state)
{
	(void)state;
	tunnel_reply_case(1, IPPROTO_TCP);
}

static void test_tunnel_reply_udp6(void **state)
{
	(void)state;
	tunnel_reply_case(1, IPPROTO_UDP);
}

/* UDP over IPv4 without a checksum: rewritten, and still without one. */
static void test_tunnel_reply_udp4_no_checksum(void **state)
{
	struct pkt in = {0}, want = {0};
	size_t csum = 14 + 20 + 6;

	(void)state;
	probe_put(LOCAL4, LPORT, IPPROTO_UDP, BACKEND4, VIP4, 80);
	reply(&in, 0, IPPROTO_UDP, VIP4, 80, LOCAL4);
	reply(&want, 0, IPPROTO_UDP, BACKEND4, HC_PORT, LOCAL4);
	in.b[csum] = in.b[csum + 1] = want.b[csum] = want.b[csum + 1] = 0;
	run_want(&in, XDP_PASS, &want, SL_XDP_PASS_PROBE_TUNNEL);
	probe_del(LOCAL4, LPORT, IPPROTO_UDP);
}

/* From the VIP's address but another port: not the probe's peer, left alone. */
static void test_tunnel_reply_other_port(void **state)
{
	struct pkt in = {0};

	(void)state;
	probe_put(LOCAL4, LPORT, IPPROTO_TCP, BACKEND4, VIP4, 80);
	reply(&in, 0, IPPROTO_TCP, VIP4, 443, LOCAL4);
	run(&in, XDP_PASS, SL_XDP_PASS_PROBE);
	probe_del(LOCAL4, LPORT, IPPROTO_TCP);
}

/* A tunnel reply cut before the TCP checksum: passed as it is, never rewritten in part. */
static void test_tunnel_reply_truncated(void **state)
{
	struct pkt in = {0};

	(void)state;
	probe_put(LOCAL4, LPORT, IPPROTO_TCP, BACKEND4, VIP4, 80);
	reply(&in, 0, IPPROTO_TCP, VIP4, 80, LOCAL4);
	in.len = 14 + 20 + 16; /* up to, not including, the checksum */
	run(&in, XDP_PASS, SL_XDP_PASS_PROBE);
	probe_del(LOCAL4, LPORT, IPPROTO_TCP);
}

static void l4_to(struct pkt *p, int v6, uint8_t proto, const char *dst, uint16_t dport)
{
	pkt_eth(p, v6 ? 0x86dd : 0x0800);
	if (v6)
		pkt_ip6(p, BACKEND6, dst, proto, proto == IPPROTO_TCP ? PKT_TCP_LEN : PKT_UDP_LEN);
	else
		pkt_ip4(p, BACKEND4, dst, proto, proto == IPPROTO_TCP ? PKT_TCP_LEN : PKT_UDP_LEN,
			0);
	if (proto == IPPROTO_TCP)
		pkt_tcp(p, 8080, dport);
	else
		pkt_udp(p, 8080, dport, 0);
}

/* A backend's reply to a NAT source within its port range is the dataplane's, at both ends. */
static void test_nat_reply_in_range(void **state)
{
	static const uint16_t ports4[3] = {NAT4_MIN, 2500, NAT4_MAX};
	static const uint16_t ports6[2] = {1024, 65535};
	struct pkt p;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		memset(&p, 0, sizeof(p));
		l4_to(&p, 0, IPPROTO_TCP, NAT4, ports4[i]);
		run(&p, XDP_PASS, SL_XDP_PASS_NO_XSK);
		memset(&p, 0, sizeof(p));
		l4_to(&p, 0, IPPROTO_UDP, NAT4, ports4[i]);
		run(&p, XDP_PASS, SL_XDP_PASS_NO_XSK);
	}
	for (i = 0; i < 2; i++) {
		memset(&p, 0, sizeof(p));
		l4_to(&p, 1, IPPROTO_TCP, NAT6, ports6[i]);
		run(&p, XDP_PASS, SL_XDP_PASS_NO_XSK);
		memset(&p, 0, sizeof(p));
		l4_to(&p, 1, IPPROTO_UDP, NAT6, ports6[i]);
		run(&p, XDP_PASS, SL_XDP_PASS_NO_XSK);
	}
}

/* Ports of a NAT source outside its range are the kernel's, counted apart from other hosts'. */
static void test_nat_outside_range(void **state)
{
	struct pkt p = {0};

	(void)state;
	l4_to(&p, 0, IPPROTO_TCP, NAT4, NAT4_MIN - 1);
	run(&p, XDP_PASS, SL_XDP_PASS_NAT_PORT);
	memset(&p, 0, sizeof(p));
	l4_to(&p, 0, IPPROTO_UDP, NAT4, NAT4_MAX + 1);
	run(&p, XDP_PASS, SL_XDP_PASS_NAT_PORT);
	memset(&p, 0, sizeof(p));
	l4_to(&p, 1, IPPROTO_TCP, NAT6, 22);
	run(&p, XDP_PASS, SL_XDP_PASS_NAT_PORT);
	memset(&p, 0, sizeof(p));
	l4_to(&p, 0, IPPROTO_TCP, "198.18.1.51", 2500); /* the next address: no source */
	run(&p, XDP_PASS, SL_XDP_PASS_HOST);
}

/* ICMP errors and fragments to a NAT source: the dataplane's; echo, ND and ARP the kernel's. */
static void test_nat_icmp_and_fragments(void **state)
{
	static const uint8_t too_big[8 + 40 + 8] = {2, 0, 0, 0, 0, 0, 0x05, 0x78, 0x60};
	static const uint8_t echo[8] = {8, 0};
	static const uint8_t ns[24] = {135, 0};
	static const uint8_t frag6[8] = {IPPROTO_TCP, 0, 0x05, 0xa8, 0, 0, 0, 7};
	struct pkt p = {0};

	(void)state;
	icmp_error4(&p, NAT4, 3);
	run(&p, XDP_PASS, SL_XDP_PASS_NO_XSK);
	memset(&p, 0, sizeof(p));
	pkt_eth(&p, 0x86dd);
	pkt_ip6(&p, "2001:2:0:1::1", NAT6, IPPROTO_ICMPV6, sizeof(too_big));
	pkt_put(&p, too_big, sizeof(too_big));
	run(&p, XDP_PASS, SL_XDP_PASS_NO_XSK);
	memset(&p, 0, sizeof(p));
	pkt_eth(&p, 0x0800);
	pkt_ip4(&p, BACKEND4, NAT4, IPPROTO_UDP, 8, 0x0010); /* a later fragment */
	pkt_put(&p, "01234567", 8);
	run(&p, XDP_PASS, SL_XDP_PASS_NO_XSK);
	memset(&p, 0, sizeof(p));
	pkt_eth(&p, 0x86dd);
	pkt_ip6(&p, BACKEND6, NAT6, 44, 8 + 16);
	pkt_put(&p, frag6, sizeof(frag6));
	pkt_put(&p, "0123456789abcdef", 16);
	run(&p, XDP_PASS, SL_XDP_PASS_NO_XSK);
	memset(&p, 0, sizeof(p));
	pkt_eth(&p, 0x0800);
	pkt_ip4(&p, BACKEND4, NAT4, IPPROTO_ICMP, sizeof(echo), 0);
	pkt_put(&p, echo, sizeof(echo));
	run(&p, XDP_PASS, SL_XDP_PASS_NOT_L4);
	memset(&p, 0, sizeof(p));
	pkt_eth(&p, 0x86dd);
	pkt_ip6(&p, BACKEND6, NAT6, IPPROTO_ICMPV6, sizeof(ns));
	pkt_put(&p, ns, sizeof(ns));
	run(&p, XDP_PASS, SL_XDP_PASS_ICMP6);
}

/*
 * A probe socket's replies stay the host's: on the kernel's own address,
 * and even on a NAT source's address within the range (sl_probes first).
 */
static void test_nat_probe_replies(void **state)
{
	struct pkt p = {0};

	(void)state;
	probe_put(LOCAL4, 2500, IPPROTO_TCP, NULL, NULL, 0);
	l4_to(&p, 0, IPPROTO_TCP, LOCAL4, 2500);
	run(&p, XDP_PASS, SL_XDP_PASS_PROBE);
	probe_del(LOCAL4, 2500, IPPROTO_TCP);
	probe_put(NAT4, 2500, IPPROTO_TCP, NULL, NULL, 0);
	memset(&p, 0, sizeof(p));
	l4_to(&p, 0, IPPROTO_TCP, NAT4, 2500);
	run(&p, XDP_PASS, SL_XDP_PASS_PROBE);
	probe_del(NAT4, 2500, IPPROTO_TCP);
	run(&p, XDP_PASS, SL_XDP_PASS_NO_XSK);
}

/*
 * A real AF_XDP socket on queue 0 of lo, in a network namespace of this
 * process only: the VIP packet is now XDP_REDIRECT and counts "redirected".
 * (Without a ctx, BPF_PROG_TEST_RUN runs on lo's queue 0.)
 */
static void test_vip_redirect_to_xsk(void **state)
{
	const size_t frames = 64, fsize = XSK_UMEM__DEFAULT_FRAME_SIZE;
	struct xsk_socket_config cfg = {
		.rx_size = XSK_RING_CONS__DEFAULT_NUM_DESCS,
		.tx_size = XSK_RING_PROD__DEFAULT_NUM_DESCS,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_COPY,
	};
	struct xsk_ring_prod fq, tx;
	struct xsk_ring_cons cq, rx;
	struct xsk_umem *umem = NULL;
	struct xsk_socket *xsk = NULL;
	struct pkt p = {0};
	uint32_t q = 0;
	int xsk_fd;
	void *buf;

	(void)state;
	assert_int_equal(tl_netns_enter(NULL, NULL, NULL), 0); /* lo up */
	buf = mmap(NULL, frames * fsize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		   0);
	assert_true(buf != MAP_FAILED);
	assert_int_equal(xsk_umem__create(&umem, buf, frames * fsize, &fq, &cq, NULL), 0);
	assert_int_equal(xsk_socket__create(&xsk, "lo", 0, umem, &rx, &tx, &cfg), 0);
	xsk_fd = xsk_socket__fd(xsk);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(skel->maps.xsks_map), &q, &xsk_fd, 0), 0);

	tcp4(&p, VIP4, 80);
	run(&p, XDP_REDIRECT, SL_XDP_REDIRECTED);
	memset(&p, 0, sizeof(p));
	tcp4(&p, VIP4, 443); /* still the host's */
	run(&p, XDP_PASS, SL_XDP_PASS_HOST);
	memset(&p, 0, sizeof(p));
	pkt_eth(&p, 0x0800);
	pkt_ip4(&p, CLIENT4, VIP4, IPPROTO_TCP, 8, 0x0010);
	pkt_put(&p, "01234567", 8);
	run(&p, XDP_REDIRECT, SL_XDP_REDIRECTED_FRAGMENT);
	memset(&p, 0, sizeof(p));
	icmp_error4(&p, VIP4, 3);
	run(&p, XDP_REDIRECT, SL_XDP_REDIRECTED_ICMP);
	memset(&p, 0, sizeof(p));
	l4_to(&p, 0, IPPROTO_TCP, NAT4, NAT4_MIN);
	run(&p, XDP_REDIRECT, SL_XDP_REDIRECTED_NAT);
	memset(&p, 0, sizeof(p));
	l4_to(&p, 1, IPPROTO_UDP, NAT6, 65535);
	run(&p, XDP_REDIRECT, SL_XDP_REDIRECTED_NAT);
	memset(&p, 0, sizeof(p));
	l4_to(&p, 0, IPPROTO_TCP, NAT4, NAT4_MAX + 1); /* the host's port */
	run(&p, XDP_PASS, SL_XDP_PASS_NAT_PORT);
	memset(&p, 0, sizeof(p));
	icmp_error4(&p, NAT4, 3);
	run(&p, XDP_REDIRECT, SL_XDP_REDIRECTED_NAT_ICMP);
	memset(&p, 0, sizeof(p));
	pkt_eth(&p, 0x0800);
	pkt_ip4(&p, BACKEND4, NAT4, IPPROTO_TCP, 8, 0x0010);
	pkt_put(&p, "01234567", 8);
	run(&p, XDP_REDIRECT, SL_XDP_REDIRECTED_NAT_FRAGMENT);

	assert_int_equal(bpf_map_delete_elem(bpf_map__fd(skel->maps.xsks_map), &q), 0);
	xsk_socket__delete(xsk);
	xsk_umem__delete(umem);
	munmap(buf, frames * fsize);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vip_tcp4),
		cmocka_unit_test(test_vip_any_port),
		cmocka_unit_test(test_vip_any_port_other_proto),
		cmocka_unit_test(test_vip_udp6),
		cmocka_unit_test(test_vip_udp6_exthdrs),
		cmocka_unit_test(test_vip6_fragment),
		cmocka_unit_test(test_vip6_atomic_fragment),
		cmocka_unit_test(test_vip4_fragment),
		cmocka_unit_test(test_fragment_not_vip),
		cmocka_unit_test(test_ip6_ext_limit),
		cmocka_unit_test(test_icmp_error_to_vip),
		cmocka_unit_test(test_non_vip_port),
		cmocka_unit_test(test_non_vip_addr),
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_icmp6_nd),
		cmocka_unit_test(test_icmp4_to_vip),
		cmocka_unit_test(test_truncated_ip4),
		cmocka_unit_test(test_truncated_l4),
		cmocka_unit_test(test_bad_ihl),
		cmocka_unit_test(test_ihl_beyond_frame),
		cmocka_unit_test(test_ip4_options),
		cmocka_unit_test(test_truncated_eth),
		cmocka_unit_test(test_vlan_vip),
		cmocka_unit_test(test_qinq_vip6),
		cmocka_unit_test(test_probe_reply_on_vip_tuple),
		cmocka_unit_test(test_vip_not_a_probe),
		cmocka_unit_test(test_probe_reply_on_wildcard_vip6),
		cmocka_unit_test(test_tunnel_reply_tcp4),
		cmocka_unit_test(test_tunnel_reply_udp4),
		cmocka_unit_test(test_tunnel_reply_tcp6),
		cmocka_unit_test(test_tunnel_reply_udp6),
		cmocka_unit_test(test_tunnel_reply_udp4_no_checksum),
		cmocka_unit_test(test_tunnel_reply_other_port),
		cmocka_unit_test(test_tunnel_reply_truncated),
		cmocka_unit_test(test_nat_reply_in_range),
		cmocka_unit_test(test_nat_outside_range),
		cmocka_unit_test(test_nat_icmp_and_fragments),
		cmocka_unit_test(test_nat_probe_replies),
		cmocka_unit_test(test_vip_redirect_to_xsk),
	};
	const struct tl_group groups[] = {
		{"sluice_xdp", "kernel", TL_TESTS(tests), setup, teardown,
		 TL_NEED_BPF | TL_NEED_NETNS},
	};

	return tl_suite_run(argc, argv, groups, 1);
}
