// SPDX-License-Identifier: BSD-3-Clause
/*
 * cp_xdp against the real kernel: in a network namespace of this process,
 * sluice_xdp is attached to lo (generic mode) and to a veth (native mode),
 * and cp_xdp_sync_vips()/cp_xdp_read_stats() must find it through the
 * interface, make sl_vips exactly the given set, and sum the counters;
 * cp_xdp_probe_add()/del() must edit sl_probes, and follow a replaced
 * program to its new map. Needs root (suite kernel); the counters' names are
 * checked without (suite unit).
 */
#include <errno.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cp_xdp.h"
#include "sluice_xdp.skel.h"
#include "tl_netns.h"
#include "tl_suite.h"

#define VETH "sl-bpfx0"
#define VETH_PEER "sl-bpfx1"

static struct sluice_xdp *skel;

static int setup(void **state)
{
	(void)state;
	skel = tl_netns_enter_xdp(VETH, VETH_PEER);
	return skel ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	cp_xdp_cache_flush();
	sluice_xdp__destroy(skel); /* the namespace goes with the process */
	return 0;
}

static struct sl_vip vip(const char *addr, uint16_t port, uint8_t proto)
{
	struct sl_vip v;

	memset(&v, 0, sizeof(v));
	if (inet_pton(AF_INET6, addr, v.addr.a8) != 1) {
		v.addr.a8[10] = 0xff;
		v.addr.a8[11] = 0xff;
		assert_int_equal(inet_pton(AF_INET, addr, v.addr.a8 + 12), 1);
	}
	v.port = htons(port);
	v.proto = proto;
	return v;
}

struct addr_entry {
	const char *addr;
	uint32_t flags;	       /* SL_XDP_ADDR_F_* */
	uint16_t pmin, pmax;   /* SL_XDP_ADDR_F_NAT: the source's port range */
	uint32_t source_index; /* SL_XDP_ADDR_F_NAT: its index in the table */
};

static struct sl_nat_source nat_source(const char *addr, uint16_t pmin, uint16_t pmax)
{
	struct sl_nat_source s;

	memset(&s, 0, sizeof(s));
	s.addr = vip(addr, 0, 0).addr;
	s.af = strchr(addr, ':') ? SL_AF_INET6 : SL_AF_INET;
	s.port_min = pmin;
	s.port_max = pmax;
	return s;
}

/*
 * sl_vips must hold exactly @want[0..n), with vip_index = position, and the
 * address entries @addrs[0..n_addrs) (port 0, proto 0, the protocols' flags).
 */
static void assert_map_is(int map_fd, const struct sl_vip *want, uint32_t n,
			  const struct addr_entry *addrs, uint32_t n_addrs)
{
	struct sl_xdp_vip_key k, next;
	struct sl_xdp_vip_value val;
	uint32_t i, count = 0;
	int has;

	for (has = bpf_map_get_next_key(map_fd, NULL, &next) == 0; has;
	     has = bpf_map_get_next_key(map_fd, &k, &next) == 0) {
		k = next;
		count++;
	}
	assert_int_equal(count, n + n_addrs);
	for (i = 0; i < n; i++) {
		memset(&k, 0, sizeof(k));
		memcpy(k.addr, want[i].addr.a8, 16);
		k.port = want[i].port;
		k.proto = want[i].proto;
		assert_int_equal(bpf_map_lookup_elem(map_fd, &k, &val), 0);
		assert_int_equal(val.vip_index, i);
		assert_int_equal(val.flags, 0);
	}
	for (i = 0; i < n_addrs; i++) {
		struct sl_vip a = vip(addrs[i].addr, 0, 0);

		memset(&k, 0, sizeof(k));
		memcpy(k.addr, a.addr.a8, 16);
		assert_int_equal(bpf_map_lookup_elem(map_fd, &k, &val), 0);
		assert_int_equal(val.flags, addrs[i].flags);
		assert_int_equal(val.nat_port_min, addrs[i].pmin);
		assert_int_equal(val.nat_port_max, addrs[i].pmax);
		if (addrs[i].flags & SL_XDP_ADDR_F_NAT)
			assert_int_equal(val.vip_index, addrs[i].source_index);
	}
}

static void test_no_interface(void **state)
{
	struct sl_vip v = vip("198.18.100.1", 80, IPPROTO_TCP);
	uint64_t st[SL_XDP_STAT_MAX];

	(void)state;
	assert_int_equal(cp_xdp_sync_vips("sl-bpf-none", &v, 1, NULL, 0), -ENODEV);
	assert_int_equal(cp_xdp_read_stats("sl-bpf-none", st), -ENODEV);
}

static void test_no_program(void **state)
{
	struct sl_vip v = vip("198.18.100.1", 80, IPPROTO_TCP);

	(void)state;
	assert_int_equal(cp_xdp_sync_vips("lo", &v, 1, NULL, 0), -ENOENT);
}

static void test_foreign_program(void **state)
{
	/* r0 = XDP_PASS; exit */
	const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
		{.code = BPF_JMP | BPF_EXIT},
	};
	struct sl_vip v = vip("198.18.100.1", 80, IPPROTO_TCP);
	uint64_t st[SL_XDP_STAT_MAX];
	int fd, lo = if_nametoindex("lo");

	(void)state;
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "sl_foreign", "GPL", insns, 2, NULL);
	assert_true(fd >= 0);
	assert_int_equal(bpf_xdp_attach(lo, fd, XDP_FLAGS_SKB_MODE, NULL), 0);
	assert_int_equal(cp_xdp_sync_vips("lo", &v, 1, NULL, 0), -ENOENT);
	assert_int_equal(cp_xdp_read_stats("lo", st), -ENOENT);
	assert_int_equal(bpf_xdp_detach(lo, XDP_FLAGS_SKB_MODE, NULL), 0);
	close(fd);
}

static void sync_cycle(const char *ifname)
{
	struct sl_vip a[4] = {
		vip("198.18.100.1", 80, IPPROTO_TCP), vip("198.18.100.2", 0, IPPROTO_UDP),
		vip("2001:2:0:100::1", 443, IPPROTO_TCP),
		vip("198.18.100.1", 53, IPPROTO_UDP), /* a second protocol on one address */
	};
	const struct addr_entry a_addrs[3] = {
		{"198.18.100.1", SL_XDP_ADDR_F_TCP | SL_XDP_ADDR_F_UDP},
		{"198.18.100.2", SL_XDP_ADDR_F_UDP},
		{"2001:2:0:100::1", SL_XDP_ADDR_F_TCP},
	};
	struct sl_vip b[2] = {
		vip("2001:2:0:100::1", 443, IPPROTO_TCP), /* kept, moved to index 0 */
		vip("198.18.100.3", 53, IPPROTO_UDP),	  /* new */
	};
	const struct addr_entry b_addrs[2] = {
		{"2001:2:0:100::1", SL_XDP_ADDR_F_TCP},
		{"198.18.100.3", SL_XDP_ADDR_F_UDP},
	};
	/* full-NAT sources: an address entry each, with its range and index */
	struct sl_nat_source na[2] = {
		nat_source("198.18.1.50", 1024, 65535),
		nat_source("2001:2:0:1::50", 2000, 3000),
	};
	const struct addr_entry na_addrs[5] = {
		a_addrs[0],
		a_addrs[1],
		a_addrs[2],
		{"198.18.1.50", SL_XDP_ADDR_F_NAT, 1024, 65535, 0},
		{"2001:2:0:1::50", SL_XDP_ADDR_F_NAT, 2000, 3000, 1},
	};
	struct sl_nat_source nb[1] = {nat_source("2001:2:0:1::50", 4000, 5000)};
	const struct addr_entry nb_addrs[3] = {
		b_addrs[0],
		b_addrs[1],
		{"2001:2:0:1::50", SL_XDP_ADDR_F_NAT, 4000, 5000, 0},
	};
	int map_fd = bpf_map__fd(skel->maps.sl_vips);

	assert_int_equal(cp_xdp_sync_vips(ifname, a, 4, NULL, 0), 0);
	assert_map_is(map_fd, a, 4, a_addrs, 3);
	assert_int_equal(cp_xdp_sync_vips(ifname, a, 4, NULL, 0), 0); /* idempotent */
	assert_map_is(map_fd, a, 4, a_addrs, 3);
	assert_int_equal(cp_xdp_sync_vips(ifname, b, 2, NULL, 0), 0);
	assert_map_is(map_fd, b, 2, b_addrs, 2);
	assert_int_equal(cp_xdp_sync_vips(ifname, a, 4, na, 2), 0);
	assert_map_is(map_fd, a, 4, na_addrs, 5);
	/* one source leaves, the other's index and range change */
	assert_int_equal(cp_xdp_sync_vips(ifname, b, 2, nb, 1), 0);
	assert_map_is(map_fd, b, 2, nb_addrs, 3);
	assert_int_equal(cp_xdp_sync_vips(ifname, NULL, 0, NULL, 0), 0);
	assert_map_is(map_fd, NULL, 0, NULL, 0);
}

static void test_sync_generic_mode(void **state)
{
	int lo = if_nametoindex("lo");

	(void)state;
	assert_int_equal(bpf_xdp_attach(lo, bpf_program__fd(skel->progs.sluice_xdp),
					XDP_FLAGS_SKB_MODE, NULL),
			 0);
	sync_cycle("lo");
	assert_int_equal(bpf_xdp_detach(lo, XDP_FLAGS_SKB_MODE, NULL), 0);
}

static void test_sync_native_mode(void **state)
{
	int ifindex = if_nametoindex(VETH);

	(void)state;
	assert_true(ifindex > 0);
	assert_int_equal(bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.sluice_xdp),
					XDP_FLAGS_DRV_MODE, NULL),
			 0);
	sync_cycle(VETH);
	assert_int_equal(bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL), 0);
}

static void test_read_stats(void **state)
{
	struct sl_vip v = vip("198.18.100.1", 80, IPPROTO_TCP);
	uint8_t pkt[14 + 20 + 20] = {0};
	uint64_t st[SL_XDP_STAT_MAX], before[SL_XDP_STAT_MAX];
	int lo = if_nametoindex("lo");
	uint32_t i;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = 3);

	(void)state;
	pkt[12] = 0x08; /* IPv4 */
	pkt[14] = 0x45; /* version 4, IHL 5 */
	pkt[17] = 40;	/* total length */
	pkt[23] = IPPROTO_TCP;
	memcpy(pkt + 30, v.addr.a8 + 12, 4); /* destination */
	memcpy(pkt + 36, &v.port, 2);	     /* TCP destination port */
	assert_int_equal(bpf_xdp_attach(lo, bpf_program__fd(skel->progs.sluice_xdp),
					XDP_FLAGS_SKB_MODE, NULL),
			 0);
	/*
	 * The counters belong to the program, which earlier tests attached to
	 * the veth, where IPv6 autoconfiguration (DAD, RS, MLD) may have passed
	 * through it: count from here.
	 */
	assert_int_equal(cp_xdp_read_stats("lo", before), 0);
	assert_int_equal(cp_xdp_sync_vips("lo", &v, 1, NULL, 0), 0);
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.sluice_xdp), &opts), 0);
	assert_int_equal(cp_xdp_read_stats("lo", st), 0);
	for (i = 0; i < SL_XDP_STAT_MAX; i++)
		assert_int_equal(st[i] - before[i], i == SL_XDP_PASS_NO_XSK ? 3 : 0);
	assert_int_equal(bpf_xdp_detach(lo, XDP_FLAGS_SKB_MODE, NULL), 0);
}

static struct sl_addr addr(const char *text)
{
	struct sl_vip v = vip(text, 0, 0);

	return v.addr;
}

static void assert_probe(int map_fd, const char *local, uint16_t port, uint8_t proto,
			 const struct sl_probe_value *want)
{
	struct sl_probe_key k;
	struct sl_probe_value got;
	struct sl_addr a = addr(local);

	memset(&k, 0, sizeof(k));
	memcpy(k.addr, a.a8, 16);
	k.port = htons(port);
	k.proto = proto;
	if (!want) {
		assert_int_equal(bpf_map_lookup_elem(map_fd, &k, &got), -ENOENT);
		return;
	}
	assert_int_equal(bpf_map_lookup_elem(map_fd, &k, &got), 0);
	assert_memory_equal(&got, want, sizeof(got));
}

static uint32_t map_count(int map_fd)
{
	struct sl_probe_key k, next;
	uint32_t n = 0;
	int has;

	for (has = bpf_map_get_next_key(map_fd, NULL, &next) == 0; has;
	     has = bpf_map_get_next_key(map_fd, &k, &next) == 0) {
		k = next;
		n++;
	}
	return n;
}

static void test_probe_errors(void **state)
{
	struct sl_addr l4 = addr("198.18.0.2"), l6 = addr("2001:2::2");
	struct sl_probe_value t;

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_int_equal(cp_xdp_probe_add("sl-bpf-none", &l4, 40000, IPPROTO_TCP, NULL), -ENODEV);
	assert_int_equal(cp_xdp_probe_del("sl-bpf-none", &l4, 40000, IPPROTO_TCP), -ENODEV);
	assert_int_equal(cp_xdp_probe_add("lo", &l4, 40000, IPPROTO_TCP, NULL), -ENOENT);
	assert_int_equal(cp_xdp_probe_add("lo", &l4, 40000, IPPROTO_ICMP, NULL), -EINVAL);
	/* a tunnel value without the flag, or without an encapsulation */
	assert_int_equal(cp_xdp_probe_add("lo", &l4, 40000, IPPROTO_TCP, &t), -EINVAL);
	t.flags = SL_PROBE_F_TUNNEL;
	assert_int_equal(cp_xdp_probe_add("lo", &l4, 40000, IPPROTO_TCP, &t), -EINVAL);
	t.encap = SL_PROBE_ENCAP_GUE; /* GUE without a port */
	assert_int_equal(cp_xdp_probe_add("lo", &l4, 40000, IPPROTO_TCP, &t), -EINVAL);
	t.encap = SL_PROBE_ENCAP_IPIP;
	memcpy(t.backend, l6.a8, 16); /* IPv6 backend for an IPv4 socket */
	memcpy(t.vip, l6.a8, 16);
	assert_int_equal(cp_xdp_probe_add("lo", &l4, 40000, IPPROTO_TCP, &t), -EAFNOSUPPORT);
}

static void test_probe_add_del(void **state)
{
	struct sl_addr l4 = addr("198.18.0.2"), l6 = addr("2001:2::2");
	struct sl_addr b6 = addr("2001:2:0:1::11"), v6 = addr("2001:2:0:100::1");
	int ifindex = if_nametoindex(VETH), map_fd = bpf_map__fd(skel->maps.sl_probes);
	struct sl_probe_value zero, t;

	(void)state;
	memset(&zero, 0, sizeof(zero));
	memset(&t, 0, sizeof(t));
	memcpy(t.backend, b6.a8, 16);
	memcpy(t.vip, v6.a8, 16);
	t.backend_port = htons(8080);
	t.vip_port = htons(80);
	t.gue_port = htons(6080);
	t.encap = SL_PROBE_ENCAP_GUE;
	t.flags = SL_PROBE_F_TUNNEL;
	assert_int_equal(bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.sluice_xdp),
					XDP_FLAGS_DRV_MODE, NULL),
			 0);
	assert_int_equal(cp_xdp_probe_add(VETH, &l4, 40000, IPPROTO_TCP, NULL), 0);
	assert_int_equal(cp_xdp_probe_add(VETH, &l4, 40000, IPPROTO_UDP, NULL), 0);
	assert_int_equal(cp_xdp_probe_add(VETH, &l6, 40001, IPPROTO_TCP, &t), 0);
	assert_int_equal(map_count(map_fd), 3);
	assert_probe(map_fd, "198.18.0.2", 40000, IPPROTO_TCP, &zero);
	assert_probe(map_fd, "198.18.0.2", 40000, IPPROTO_UDP, &zero);
	assert_probe(map_fd, "2001:2::2", 40001, IPPROTO_TCP, &t);
	/* the same socket again: replaced, not doubled */
	assert_int_equal(cp_xdp_probe_add(VETH, &l6, 40001, IPPROTO_TCP, NULL), 0);
	assert_probe(map_fd, "2001:2::2", 40001, IPPROTO_TCP, &zero);
	assert_int_equal(map_count(map_fd), 3);

	assert_int_equal(cp_xdp_probe_del(VETH, &l4, 40000, IPPROTO_TCP), 0);
	assert_probe(map_fd, "198.18.0.2", 40000, IPPROTO_TCP, NULL);
	assert_probe(map_fd, "198.18.0.2", 40000, IPPROTO_UDP, &zero);
	assert_int_equal(cp_xdp_probe_del(VETH, &l4, 40000, IPPROTO_TCP), -ENOENT);
	assert_int_equal(cp_xdp_probe_del(VETH, &l4, 40000, IPPROTO_UDP), 0);
	assert_int_equal(cp_xdp_probe_del(VETH, &l6, 40001, IPPROTO_TCP), 0);
	assert_int_equal(map_count(map_fd), 0);
	assert_int_equal(bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL), 0);
	/* the program is gone: the cached fd must not be used any more */
	assert_int_equal(cp_xdp_probe_add(VETH, &l4, 40000, IPPROTO_TCP, NULL), -ENOENT);
}

/* The dataplane restarted: a new program with a new, empty sl_probes. */
static void test_probe_program_replaced(void **state)
{
	struct sl_addr l4 = addr("198.18.0.2");
	int ifindex = if_nametoindex(VETH);
	struct sluice_xdp *second;
	struct bpf_prog_info info;
	uint32_t id, len = sizeof(info);

	(void)state;
	second = sluice_xdp__open_and_load();
	assert_non_null(second);
	assert_int_equal(bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.sluice_xdp),
					XDP_FLAGS_DRV_MODE, NULL),
			 0);
	assert_int_equal(cp_xdp_probe_add(VETH, &l4, 40000, IPPROTO_TCP, NULL), 0);
	assert_int_equal(map_count(bpf_map__fd(skel->maps.sl_probes)), 1);
	memset(&info, 0, sizeof(info));
	assert_int_equal(
		bpf_obj_get_info_by_fd(bpf_program__fd(skel->progs.sluice_xdp), &info, &len), 0);
	assert_int_equal(cp_xdp_prog_id(VETH, &id), 0);
	assert_int_equal(id, info.id);

	assert_int_equal(bpf_xdp_attach(ifindex, bpf_program__fd(second->progs.sluice_xdp),
					XDP_FLAGS_DRV_MODE, NULL),
			 0);
	assert_int_equal(cp_xdp_prog_id(VETH, &id), 0);
	assert_int_not_equal(id, info.id);
	assert_int_equal(cp_xdp_probe_del(VETH, &l4, 40000, IPPROTO_TCP), -ENOENT);
	assert_int_equal(cp_xdp_probe_add(VETH, &l4, 40001, IPPROTO_TCP, NULL), 0);
	assert_int_equal(map_count(bpf_map__fd(second->maps.sl_probes)), 1);
	assert_int_equal(map_count(bpf_map__fd(skel->maps.sl_probes)), 1); /* untouched */
	assert_int_equal(bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL), 0);
	cp_xdp_cache_flush();
	sluice_xdp__destroy(second);
}

/* A restarted sluiced empties what the killed one left in sl_probes. */
static void test_probes_clear(void **state)
{
	struct sl_addr l4 = addr("198.18.0.2"), l6 = addr("2001:2::2");
	int ifindex = if_nametoindex(VETH), map_fd = bpf_map__fd(skel->maps.sl_probes);

	(void)state;
	assert_int_equal(cp_xdp_probes_clear("sl-bpf-none"), -ENODEV);
	assert_int_equal(cp_xdp_probes_clear(VETH), -ENOENT);
	assert_int_equal(bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.sluice_xdp),
					XDP_FLAGS_DRV_MODE, NULL),
			 0);
	/* test_probe_program_replaced left one entry in this program's map */
	assert_int_equal(cp_xdp_probes_clear(VETH), 1);
	assert_int_equal(cp_xdp_probes_clear(VETH), 0);
	for (uint16_t p = 0; p < 40; p++)
		assert_int_equal(
			cp_xdp_probe_add(VETH, p & 1 ? &l6 : &l4, 40000 + p, IPPROTO_TCP, NULL), 0);
	assert_int_equal(map_count(map_fd), 40);
	assert_int_equal(cp_xdp_probes_clear(VETH), 40);
	assert_int_equal(map_count(map_fd), 0);
	assert_int_equal(bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL), 0);
	cp_xdp_cache_flush();
}

static void test_stat_names(void **state)
{
	(void)state;
	assert_string_equal(cp_xdp_stat_name(SL_XDP_REDIRECTED), "redirected");
	assert_string_equal(cp_xdp_stat_name(SL_XDP_PASS_HOST), "pass_host");
	assert_string_equal(cp_xdp_stat_name(SL_XDP_PASS_TRUNCATED), "pass_truncated");
	assert_string_equal(cp_xdp_stat_name(SL_XDP_PASS_PROBE), "pass_probe");
	assert_string_equal(cp_xdp_stat_name(SL_XDP_PASS_PROBE_TUNNEL), "pass_probe_tunnel");
	assert_string_equal(cp_xdp_stat_name(SL_XDP_STAT_MAX), "unknown");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_interface),
		cmocka_unit_test(test_no_program),
		cmocka_unit_test(test_foreign_program),
		cmocka_unit_test(test_sync_generic_mode),
		cmocka_unit_test(test_sync_native_mode),
		cmocka_unit_test(test_read_stats),
		cmocka_unit_test(test_probe_errors),
		cmocka_unit_test(test_probe_add_del),
		cmocka_unit_test(test_probe_program_replaced),
		cmocka_unit_test(test_probes_clear),
	};
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_stat_names),
	};
	const struct tl_group groups[] = {
		{"cp_xdp_names", "unit", TL_TESTS(pure)},
		{"cp_xdp", "kernel", TL_TESTS(tests), setup, teardown, TL_NEED_NETNS | TL_NEED_BPF},
	};

	return tl_suite_run(argc, argv, groups, 2);
}
