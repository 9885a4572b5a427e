// SPDX-License-Identifier: BSD-3-Clause
/*
 * cp_probe against the real kernel, in a network namespace of this process:
 * sluice_xdp on a veth (as the af_xdp PMD would load it), sluice_probe
 * attached to its egress on that very sl_probes map, re-attached when the
 * XDP program is replaced; a probe socket prepared and registered with
 * cp_xdp_probe_add() sends a real datagram, which is captured on the peer
 * encapsulated towards the backend and addressed to the VIP. Needs root
 * (suite kernel); the counters' names are checked without (suite unit).
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <cmocka.h>

#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sl_bpf.h"
#include "cp_probe_tc.h"
#include "cp_xdp.h"
#include "sl_shm.h"
#include "sluice_decap.skel.h"
#include "sluice_xdp.skel.h"
#include "tl_netns.h"
#include "tl_suite.h"

#define VETH "sl-bpf4p0"
#define VETH_PEER "sl-bpf4p1"
#define LOCAL4 "198.18.0.2"
#define BACKEND4 "198.18.0.11"
#define VIP4 "198.18.100.1"
#define LOCAL6 "2001:2::2"
#define BACKEND6 "2001:2::11"

static struct sluice_xdp *skel;

static struct sl_addr addr(const char *text)
{
	struct sl_addr a;
	uint32_t v4;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET6, text, a.a8) == 1)
		return a;
	assert_int_equal(inet_pton(AF_INET, text, &v4), 1);
	sl_addr_from_v4(&a, v4);
	return a;
}

static int setup(void **state)
{
	(void)state;
	skel = tl_netns_enter_xdp(VETH, VETH_PEER);
	if (!skel)
		return -1;
	if (system("ip addr add " LOCAL4 "/24 dev " VETH " && "
		   "ip addr add " LOCAL6 "/64 dev " VETH " nodad && "
		   "ip neigh add " BACKEND4 " lladdr 02:00:00:00:00:11 dev " VETH)) {
		fprintf(stderr, "cannot address the veth pair in the private namespace\n");
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cp_xdp_cache_flush();
	sluice_xdp__destroy(skel); /* the namespace goes with the process */
	return 0;
}

static uint32_t map_id(int fd)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	return info.id;
}

/* map id of the sl_probes the attached sluice_probe reads */
static uint32_t tc_probes_map_id(void)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = if_nametoindex(VETH),
			    .attach_point = BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, tc, .handle = CP_PROBE_TC_HANDLE,
			    .priority = CP_PROBE_TC_PRIO);
	uint32_t id;
	int fd;

	assert_int_equal(bpf_tc_query(&hook, &tc), 0);
	fd = sl_bpf_prog_map(tc.prog_id, SL_PROBES_MAP, sizeof(struct sl_probe_key),
			     sizeof(struct sl_probe_value));
	assert_true(fd >= 0);
	id = map_id(fd);
	close(fd);
	return id;
}

static void xdp_attach(struct sluice_xdp *s)
{
	assert_int_equal(bpf_xdp_attach(if_nametoindex(VETH), bpf_program__fd(s->progs.sluice_xdp),
					XDP_FLAGS_DRV_MODE, NULL),
			 0);
}

static void test_no_xdp(void **state)
{
	uint64_t st[SL_PROBE_STAT_MAX];

	(void)state;
	assert_int_equal(cp_probe_tc_attach("sl-bpf4-none"), -ENODEV);
	assert_int_equal(cp_probe_tc_detach("sl-bpf4-none"), -ENODEV);
	assert_int_equal(cp_probe_tc_attach(VETH), -ENOENT);
	assert_int_equal(cp_probe_tc_detach(VETH), -ENOENT);
	assert_int_equal(cp_probe_tc_read_stats(VETH, st), -ENOENT);
}

static void test_attach_follows_xdp(void **state)
{
	uint64_t st[SL_PROBE_STAT_MAX];
	struct sluice_xdp *second;
	unsigned int i;

	(void)state;
	xdp_attach(skel);
	assert_int_equal(cp_probe_tc_attach(VETH), 1);
	assert_int_equal(tc_probes_map_id(), map_id(bpf_map__fd(skel->maps.sl_probes)));
	assert_int_equal(cp_probe_tc_attach(VETH), 0); /* current: nothing to do */
	assert_int_equal(cp_probe_tc_read_stats(VETH, st), 0);
	/* the kernel's own IPv6 autoconfiguration may leave by the veth: unmarked */
	for (i = 0; i < SL_PROBE_STAT_MAX; i++)
		if (i != SL_PROBE_PASS_UNMARKED)
			assert_int_equal(st[i], 0);

	/* the dataplane restarted: a new XDP program, a new sl_probes */
	second = sluice_xdp__open_and_load();
	assert_non_null(second);
	xdp_attach(second);
	assert_int_equal(cp_probe_tc_attach(VETH), 1);
	assert_int_equal(tc_probes_map_id(), map_id(bpf_map__fd(second->maps.sl_probes)));
	assert_int_equal(cp_probe_tc_attach(VETH), 0);

	assert_int_equal(cp_probe_tc_detach(VETH), 0);
	assert_int_equal(cp_probe_tc_detach(VETH), -ENOENT);
	assert_int_equal(bpf_xdp_detach(if_nametoindex(VETH), XDP_FLAGS_DRV_MODE, NULL), 0);
	sluice_xdp__destroy(second);
}

/* Our handle and priority, another program there: left alone, -EEXIST. */
static void test_foreign_filter_kept(void **state)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = if_nametoindex(VETH),
			    .attach_point = BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, tc, .handle = CP_PROBE_TC_HANDLE,
			    .priority = CP_PROBE_TC_PRIO);
	struct sluice_decap *other = sluice_decap__open_and_load();
	uint32_t id;

	(void)state;
	assert_non_null(other);
	xdp_attach(skel);
	assert_int_equal(cp_probe_tc_attach(VETH), 1); /* creates the clsact qdisc */
	assert_int_equal(cp_probe_tc_detach(VETH), 0);
	tc.prog_fd = bpf_program__fd(other->progs.sluice_decap);
	assert_int_equal(bpf_tc_attach(&hook, &tc), 0);
	id = tc.prog_id;
	assert_int_equal(cp_probe_tc_attach(VETH), -EEXIST);
	memset(&tc, 0, sizeof(tc));
	tc.sz = sizeof(tc);
	tc.handle = CP_PROBE_TC_HANDLE;
	tc.priority = CP_PROBE_TC_PRIO;
	assert_int_equal(bpf_tc_query(&hook, &tc), 0);
	assert_int_equal(tc.prog_id, id);
	assert_int_equal(cp_probe_tc_detach(VETH), 0); /* detach removes it all the same */
	assert_int_equal(cp_probe_tc_attach(VETH), 1);
	assert_int_equal(cp_probe_tc_detach(VETH), 0);
	assert_int_equal(bpf_xdp_detach(if_nametoindex(VETH), XDP_FLAGS_DRV_MODE, NULL), 0);
	sluice_decap__destroy(other);
}

static void test_tunnel_value(void **state)
{
	struct sl_addr b4 = addr(BACKEND4), v4 = addr(VIP4), b6 = addr(BACKEND6);
	struct sl_probe_value v;

	(void)state;
	assert_int_equal(cp_probe_tc_tunnel_value(&v, &b4, 8080, &v4, 80, htons(6080)), 0);
	assert_memory_equal(v.backend, b4.a8, 16);
	assert_memory_equal(v.vip, v4.a8, 16);
	assert_int_equal(v.backend_port, htons(8080));
	assert_int_equal(v.vip_port, htons(80));
	assert_int_equal(v.gue_port, htons(6080));
	assert_int_equal(v.encap, SL_PROBE_ENCAP_GUE);
	assert_int_equal(v.flags, SL_PROBE_F_TUNNEL);
	assert_int_equal(cp_probe_tc_tunnel_value(&v, &b4, 8080, &v4, 80, 0), 0);
	assert_int_equal(v.encap, SL_PROBE_ENCAP_IPIP);
	assert_int_equal(v.gue_port, 0);
	assert_int_equal(cp_probe_tc_tunnel_value(&v, &b6, 8080, &v4, 80, 0), -EAFNOSUPPORT);
}

static void test_socket_prepare(void **state)
{
	struct sl_addr b4 = addr(BACKEND4), b6 = addr(BACKEND6), unrouted = addr("198.19.200.1");
	struct sl_addr local, want4 = addr(LOCAL4), want6 = addr(LOCAL6);
	uint16_t port = 0;
	uint32_t mark;
	socklen_t len = sizeof(mark);
	int fd;

	(void)state;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(cp_probe_tc_socket_prepare(fd, &b4, 8080, 1, &local, &port), 0);
	assert_memory_equal(local.a8, want4.a8, 16);
	assert_true(port >= 1024);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_MARK, &mark, &len), 0);
	assert_int_equal(mark, SL_PROBE_MARK);
	close(fd);

	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	port = 0;
	assert_int_equal(cp_probe_tc_socket_prepare(fd, &b6, 53, 0, &local, &port), 0);
	assert_memory_equal(local.a8, want6.a8, 16);
	assert_true(port >= 1024);
	len = sizeof(mark);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_MARK, &mark, &len), 0);
	assert_int_equal(mark, 0);
	close(fd);

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(cp_probe_tc_socket_prepare(fd, &unrouted, 80, 0, &local, &port),
			 -ENETUNREACH);
	close(fd);
}

/*
 * The whole egress path on a real socket: prepared, registered, sent; the
 * peer sees IPIP to the backend carrying UDP to the VIP's port.
 */
static void test_probe_leaves_encapsulated(void **state)
{
	struct sl_addr b4 = addr(BACKEND4), v4 = addr(VIP4), local;
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(8080)};
	struct sockaddr_ll ll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	uint64_t st[SL_PROBE_STAT_MAX];
	struct sl_probe_value v;
	struct pollfd pfd;
	uint8_t frame[256];
	uint16_t port;
	int fd, cap, found = 0, tries;
	ssize_t n;

	(void)state;
	xdp_attach(skel);
	assert_int_equal(cp_probe_tc_attach(VETH), 1);
	cap = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	assert_true(cap >= 0);
	ll.sll_ifindex = if_nametoindex(VETH_PEER);
	assert_int_equal(bind(cap, (struct sockaddr *)&ll, sizeof(ll)), 0);

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(cp_probe_tc_socket_prepare(fd, &b4, 8080, 1, &local, &port), 0);
	assert_int_equal(cp_probe_tc_tunnel_value(&v, &b4, 8080, &v4, 80, 0), 0);
	assert_int_equal(cp_xdp_probe_add(VETH, &local, port, IPPROTO_UDP, &v), 0);
	memcpy(&to.sin_addr, b4.a8 + 12, 4);
	assert_int_equal(sendto(fd, "ping", 4, 0, (struct sockaddr *)&to, sizeof(to)), 4);

	pfd.fd = cap;
	pfd.events = POLLIN;
	for (tries = 0; tries < 20 && !found; tries++) {
		if (poll(&pfd, 1, 100) != 1)
			continue;
		n = recv(cap, frame, sizeof(frame), 0);
		/* Ethernet, outer IPv4 (proto 4), inner IPv4 (UDP), UDP, "ping" */
		if (n != 14 + 20 + 20 + 8 + 4 || frame[12] != 0x08 || frame[23] != 4)
			continue;
		found = 1;
		assert_memory_equal(frame + 14 + 12, local.a8 + 12, 4); /* outer src: the probe's */
		assert_memory_equal(frame + 14 + 16, b4.a8 + 12, 4);	/* outer dst: backend */
		assert_int_equal(frame[34 + 9], IPPROTO_UDP);
		assert_memory_equal(frame + 34 + 12, local.a8 + 12, 4); /* inner src */
		assert_memory_equal(frame + 34 + 16, v4.a8 + 12, 4);	/* inner dst: the VIP */
		assert_int_equal(frame[54] << 8 | frame[55], port);
		assert_int_equal(frame[56] << 8 | frame[57], 80);
		assert_memory_equal(frame + 62, "ping", 4);
	}
	assert_true(found);
	assert_int_equal(cp_probe_tc_read_stats(VETH, st), 0);
	assert_int_equal(st[SL_PROBE_TUNNEL_IPIP], 1);
	assert_int_equal(cp_xdp_probe_del(VETH, &local, port, IPPROTO_UDP), 0);
	close(fd);
	close(cap);
	assert_int_equal(cp_probe_tc_detach(VETH), 0);
	assert_int_equal(bpf_xdp_detach(if_nametoindex(VETH), XDP_FLAGS_DRV_MODE, NULL), 0);
}

static void test_stat_names(void **state)
{
	(void)state;
	assert_string_equal(cp_probe_tc_stat_name(SL_PROBE_TUNNEL_IPIP), "tunnel_ipip");
	assert_string_equal(cp_probe_tc_stat_name(SL_PROBE_PASS_UNMARKED), "pass_unmarked");
	assert_string_equal(cp_probe_tc_stat_name(SL_PROBE_DROP_ADJUST), "drop_adjust");
	assert_string_equal(cp_probe_tc_stat_name(SL_PROBE_STAT_MAX), "unknown");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_xdp),
		cmocka_unit_test(test_attach_follows_xdp),
		cmocka_unit_test(test_foreign_filter_kept),
		cmocka_unit_test(test_tunnel_value),
		cmocka_unit_test(test_socket_prepare),
		cmocka_unit_test(test_probe_leaves_encapsulated),
	};
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_stat_names),
	};
	const struct tl_group groups[] = {
		{"cp_probe_tc_names", "unit", TL_TESTS(pure)},
		{"cp_probe_tc", "kernel", TL_TESTS(tests), setup, teardown,
		 TL_NEED_NETNS | TL_NEED_BPF},
	};

	return tl_suite_run(argc, argv, groups, 2);
}
