/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cp_neigh against the real kernel, in network namespaces this test creates
 * (slneigh-nl-PID with the "port" slneigh-a, slneigh-np-PID holding the peer that
 * answers ARP/ND) and removes again, also when an assertion fails.
 */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cp_neigh.h"
#include "cp_test_util.h"
#include "tl_suite.h"

static char ns[64], peer_ns[64];
static int orig_ns = -1;

static void cleanup(void)
{
	cpt_sh("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null", ns, peer_ns);
}

static int setup(void **state)
{
	char path[128];
	int fd;
	(void)state;

	snprintf(ns, sizeof(ns), "slneigh-nl-%d", (int)getpid());
	snprintf(peer_ns, sizeof(peer_ns), "slneigh-np-%d", (int)getpid());
	cleanup();
	if (cpt_sh("set -e; ip netns add %1$s; ip netns add %2$s;"
		   "ip -n %1$s link add slneigh-a type veth peer name slneigh-b;"
		   "ip -n %1$s link set slneigh-b netns %2$s;"
		   "ip -n %1$s link add slneigh-c type veth peer name slneigh-d;"
		   "ip -n %1$s link set lo up; ip -n %1$s link set slneigh-a up;"
		   "ip -n %1$s link set slneigh-c up; ip -n %1$s link set slneigh-d up;"
		   "ip -n %2$s link set lo up; ip -n %2$s link set slneigh-b up;"
		   "ip -n %1$s addr add 198.18.210.1/24 dev slneigh-a;"
		   "ip -n %1$s addr add 2001:2:0:210::1/64 dev slneigh-a nodad;"
		   "ip -n %1$s addr add 198.18.211.1/24 dev slneigh-c;"
		   "ip -n %2$s addr add 198.18.210.12/24 dev slneigh-b;"
		   "ip -n %2$s addr add 2001:2:0:210::12/64 dev slneigh-b nodad;"
		   "ip -n %1$s neigh replace 198.18.210.11 lladdr 02:00:00:00:00:11 dev slneigh-a"
		   " nud permanent",
		   ns, peer_ns) != 0) {
		cleanup();
		return -1;
	}
	orig_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
		cleanup();
		return -1;
	}
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (orig_ns >= 0) {
		setns(orig_ns, CLONE_NEWNET);
		close(orig_ns);
		orig_ns = -1;
	}
	cleanup();
	return 0;
}

static void peer_mac(uint8_t mac[6])
{
	char cmd[256];
	unsigned int m[6];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ip netns exec %s cat /sys/class/net/slneigh-b/address",
		 peer_ns);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]),
			 6);
	pclose(f);
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)m[i];
}

/* Process events until @addr resolves or @ms pass; returns the lookup result. */
static int wait_resolved(struct cp_neigh *n, const char *addr, struct cp_nexthop *nh, int ms)
{
	struct pollfd pfd = {.fd = cp_neigh_fd(n), .events = POLLIN};
	struct sl_addr a;
	uint8_t af;

	cpt_addr(&a, &af, addr);
	for (int waited = 0; waited < ms; waited += 20) {
		if (cp_neigh_lookup(n, &a, nh) == 0)
			return 0;
		poll(&pfd, 1, 20);
		assert_true(cp_neigh_process(n) >= 0);
		/* a route change starts a pass: sluiced steps it on its tick */
		if (cp_neigh_in_pass(n))
			cp_neigh_refresh_step(n, 256);
	}
	return cp_neigh_lookup(n, &a, nh);
}

static void test_resolve(void **state)
{
	struct cfg c = {0};
	struct cfg_pool *p;
	struct cp_neigh *n;
	struct cp_nexthop nh;
	struct sl_addr a, src;
	uint8_t af, mac[6];
	(void)state;

	c.dataplane.n_ports = 2;
	snprintf(c.dataplane.ports[0].iface, IF_NAMESIZE, "slneigh-pci"); /* not here */
	snprintf(c.dataplane.ports[1].iface, IF_NAMESIZE, "slneigh-a");
	p = cpt_pool(&c, "web");
	cpt_backend(p, "198.18.210.11", 0, 1); /* static neighbour */
	cpt_backend(p, "198.18.210.12", 0, 1); /* answers ARP from the peer namespace */
	cpt_backend(p, "198.18.211.5", 0, 1);  /* route through slneigh-c: not a port */
	cpt_backend(p, "198.18.99.1", 0, 1);   /* no route */
	cpt_backend(p, "2001:2:0:210::12", 0, 1);
	p = cpt_pool(&c, "other");
	cpt_backend(p, "198.18.210.11", 8080, 1); /* same address in two pools: one entry */

	n = cp_neigh_new();
	assert_non_null(n);
	assert_int_equal(cp_neigh_configure(n, &c), 0);
	assert_int_equal(cp_neigh_refresh(n), 1);
	assert_int_equal(cp_neigh_unresolved(n), 4);

	cpt_addr(&a, &af, "198.18.210.11");
	assert_int_equal(cp_neigh_lookup(n, &a, &nh), 0);
	assert_int_equal(nh.tx_port, 1);
	assert_memory_equal(nh.mac, "\x02\x00\x00\x00\x00\x11", 6);
	cpt_addr(&src, &af, "198.18.210.1");
	assert_memory_equal(&nh.src, &src, sizeof(src));

	peer_mac(mac);
	assert_int_equal(wait_resolved(n, "198.18.210.12", &nh, 3000), 0);
	assert_memory_equal(nh.mac, mac, 6);
	assert_int_equal(nh.tx_port, 1);
	assert_int_equal(wait_resolved(n, "2001:2:0:210::12", &nh, 3000), 0);
	assert_memory_equal(nh.mac, mac, 6);
	cpt_addr(&src, &af, "2001:2:0:210::1");
	assert_memory_equal(&nh.src, &src, sizeof(src));

	cpt_addr(&a, &af, "198.18.211.5");
	assert_int_equal(cp_neigh_lookup(n, &a, &nh), -EHOSTUNREACH);
	cpt_addr(&a, &af, "198.18.99.1");
	assert_int_equal(cp_neigh_lookup(n, &a, &nh), -EHOSTUNREACH);
	assert_int_equal(cp_neigh_unresolved(n), 2);

	/* a MAC change arrives as an event */
	assert_int_equal(
		cpt_sh("ip neigh replace 198.18.210.11 lladdr 02:00:00:00:00:22 dev slneigh-a "
		       "nud permanent"),
		0);
	cpt_addr(&a, &af, "198.18.210.11");
	for (int i = 0; i < 100; i++) {
		assert_int_equal(cp_neigh_lookup(n, &a, &nh), 0);
		if (nh.mac[5] == 0x22)
			break;
		usleep(10000);
		assert_true(cp_neigh_process(n) >= 0);
	}
	assert_memory_equal(nh.mac, "\x02\x00\x00\x00\x00\x22", 6);

	/* a new route makes an unreachable backend reachable through a gateway */
	assert_int_equal(cpt_sh("ip route add 198.18.99.0/24 via 198.18.210.12"), 0);
	assert_int_equal(wait_resolved(n, "198.18.99.1", &nh, 3000), 0);
	assert_memory_equal(nh.mac, mac, 6);
	assert_int_equal(cp_neigh_unresolved(n), 1);

	/* a pass in steps of 2 over the 5 addresses: bounded work per call */
	cp_neigh_refresh_start(n);
	assert_true(cp_neigh_in_pass(n));
	assert_int_equal(cp_neigh_refresh_step(n, 2), 0);
	assert_true(cp_neigh_in_pass(n));
	assert_int_equal(cp_neigh_refresh_step(n, 2), 0);
	assert_true(cp_neigh_in_pass(n));
	assert_int_equal(cp_neigh_refresh_step(n, 2), 0);
	assert_false(cp_neigh_in_pass(n));
	assert_int_equal(cp_neigh_refresh_step(n, 2), 0);
	assert_int_equal(cp_neigh_unresolved(n), 1);

	cp_neigh_free(n);
	cpt_config_free(&c);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
	};
	const struct tl_group groups[] = {
		{"cp_neigh", "kernel", TL_TESTS(tests), .needs = TL_NEED_NETNS},
	};

	return tl_suite_run(argc, argv, groups, 1);
}
