/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cp_nat_addr against the real kernel, in a network namespace of this
 * process: ports slna0 (198.18.240.1/24, 2001:2:0:240::1/64) and slnb0
 * (198.18.241.1/24), and slnc0 (198.18.242.1/24), an interface that is no
 * port. Checks name FILE:LINE: KEY and why; a committed config's sources
 * are on their ports' interfaces (IPv4 /32, IPv6 /128 nodad deprecated),
 * the ones that leave are removed, an address someone else added is
 * refused and never removed, a second instance of the module (sluiced
 * after a kill -9) takes the addresses the first added as its own, and
 * clear removes exactly those. Needs root (exit 77 without).
 */
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

#include "cp_nat_addr.h"
#include "cp_test_util.h"
#include "tl_suite.h"

static int group_setup(void **state)
{
	(void)state;
	if (geteuid() != 0)
		exit(77);
	if (unshare(CLONE_NEWNET)) {
		perror("unshare(CLONE_NEWNET)");
		return -1;
	}
	return cpt_sh("set -e; ip link set lo up;"
		      "for i in a b c; do ip link add sln${i}0 type veth peer name sln${i}1;"
		      " ip link set sln${i}0 up; ip link set sln${i}1 up; done;"
		      "ip addr add 198.18.240.1/24 dev slna0;"
		      "ip addr add 2001:2:0:240::1/64 dev slna0 nodad;"
		      "ip addr add 198.18.241.1/24 dev slnb0;"
		      "ip addr add 198.18.242.1/24 dev slnc0") == 0
		       ? 0
		       : -1;
}

/* Ports slna0 and slnb0, nat.sources @n of @srcs (lines 10, 11, ...). */
static struct cfg *cfg_with(const char *const *srcs, uint32_t n)
{
	struct cfg *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	snprintf(c->file, sizeof(c->file), "test.conf");
	snprintf(c->dataplane.ports[0].iface, IF_NAMESIZE, "slna0");
	snprintf(c->dataplane.ports[1].iface, IF_NAMESIZE, "slnb0");
	c->dataplane.n_ports = 2;
	for (uint32_t i = 0; i < n; i++) {
		cpt_nat_source(&c->nat.sources, srcs[i]);
		c->nat.sources.a[i].line = 10 + (int)i;
	}
	return c;
}

/* Whether `ip -o addr show dev @dev` has a line with @what. */
static int ip_has(const char *dev, const char *what)
{
	return cpt_sh("ip -o addr show dev %s | grep -q -- '%s'", dev, what) == 0;
}

static uint16_t port_of(struct cp_nat_addr *na, const char *addr)
{
	struct sl_addr a;
	uint16_t port = 0xffff;
	uint8_t af;

	cpt_addr(&a, &af, addr);
	assert_int_equal(cp_nat_addr_port(na, &a, &port), 0);
	return port;
}

static void refused(const struct cfg *c, const char *want)
{
	struct cp_nat_addr *na = cp_nat_addr_new();
	char why[512];

	assert_non_null(na);
	assert_int_equal(cp_nat_addr_check(na, c, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, want);
	cp_nat_addr_free(na);
}

/* Each source on its port's subnet; off every subnet, or the kernel's own: refused, exactly. */
static void test_check(void **state)
{
	static const char *const ok[] = {"198.18.240.50", "2001:2:0:240::50", "198.18.241.50"};
	static const char *const off[] = {"198.18.240.50", "198.18.242.50"};
	static const char *const off6[] = {"2001:2:0:241::50"};
	static const char *const own[] = {"198.18.241.1"};
	struct cp_nat_addr *na = cp_nat_addr_new();
	struct cfg *c = cfg_with(ok, 3);
	struct sl_addr a;
	uint16_t port;
	char why[512];
	uint8_t af;

	(void)state;
	assert_non_null(na);
	assert_int_equal(cp_nat_addr_check(na, c, why, sizeof(why)), 0);
	assert_int_equal(port_of(na, "198.18.240.50"), 0);
	assert_int_equal(port_of(na, "2001:2:0:240::50"), 0);
	assert_int_equal(port_of(na, "198.18.241.50"), 1);
	cpt_addr(&a, &af, "198.18.241.51");
	assert_int_equal(cp_nat_addr_port(na, &a, &port), -ENOENT);
	/* checking changes nothing in the kernel */
	assert_false(ip_has("slna0", "198.18.240.50"));
	cpt_config_free(c);
	free(c);
	cp_nat_addr_free(na);

	c = cfg_with(off, 2); /* slnc0's subnet is no port's */
	refused(c, "test.conf:11: nat.sources[1]: 198.18.242.50 is on no dataplane port's subnet "
		   "(198.18.240.1/24 on slna0, 198.18.241.1/24 on slnb0)");
	cpt_config_free(c);
	free(c);
	c = cfg_with(off6, 1);
	refused(c, "test.conf:10: nat.sources[0]: 2001:2:0:241::50 is on no dataplane port's "
		   "subnet (2001:2:0:240::1/64 on slna0)");
	cpt_config_free(c);
	free(c);
	c = cfg_with(own, 1);
	refused(c, "test.conf:10: nat.sources[0]: 198.18.241.1 is an address the kernel already "
		   "has on slnb0 (not one sluiced added): name an unused address of the subnet");
	cpt_config_free(c);
	free(c);
}

/* A nat VIP's own list is checked under its own key; a VIP of another mode is not. */
static void test_check_vip_list(void **state)
{
	struct cfg *c = cfg_with(NULL, 0);
	struct cfg_vip *v;

	(void)state;
	cpt_vip(c, "tun", "198.18.100.1", 80, "web"); /* tunnel: no sources of its own */
	v = cpt_vip(c, "web", "198.18.100.2", 80, "web");
	v->mode = SL_MODE_NAT;
	cpt_nat_source(&v->nat_sources, "198.18.240.60");
	cpt_nat_source(&v->nat_sources, "198.18.250.60");
	v->nat_sources.a[1].line = 21;
	refused(c, "test.conf:21: vips[1].nat.sources[1]: 198.18.250.60 is on no dataplane "
		   "port's subnet (198.18.240.1/24 on slna0, 198.18.241.1/24 on slnb0)");
	cpt_config_free(c);
	free(c);
}

/*
 * Commit puts the sources on their interfaces; a reload staged keeps the
 * old and adds the new until it is committed (the old that left go) or
 * discarded (the new go); an address someone else added is refused and
 * stays; a second instance (after a kill -9) takes over the first's
 * addresses, removes the stale one, and clear removes what is marked.
 */
static void test_add_remove_restart(void **state)
{
	static const char *const one[] = {"198.18.240.50", "2001:2:0:240::50", "198.18.241.50"};
	static const char *const two[] = {"198.18.240.51", "2001:2:0:240::50"};
	static const char *const other[] = {"198.18.240.70"};
	struct cp_nat_addr *na = cp_nat_addr_new(), *again;
	struct cfg *c1 = cfg_with(one, 3), *c2 = cfg_with(two, 2), *c3 = cfg_with(other, 1);
	char why[512];

	(void)state;
	assert_non_null(na);
	assert_int_equal(cp_nat_addr_check(na, c1, why, sizeof(why)), 0);
	assert_int_equal(cp_nat_addr_commit(na), 0);
	assert_true(ip_has("slna0", "inet 198.18.240.50/32 "));
	assert_true(ip_has("slna0", "inet6 2001:2:0:240::50/128 .*nodad.*deprecated"));
	assert_true(ip_has("slnb0", "inet 198.18.241.50/32 "));
	assert_int_equal(cp_nat_addr_commit(na), 0); /* idempotent */

	/* a reload staged: both sets are on the interfaces */
	assert_int_equal(cp_nat_addr_check(na, c2, why, sizeof(why)), 0);
	assert_int_equal(cp_nat_addr_stage(na), 0);
	assert_true(ip_has("slna0", "inet 198.18.240.50/32 "));
	assert_true(ip_has("slna0", "inet 198.18.240.51/32 "));
	assert_true(ip_has("slnb0", "inet 198.18.241.50/32 "));
	/* discarded: the new one goes */
	assert_int_equal(cp_nat_addr_discard(na), 0);
	assert_false(ip_has("slna0", "198.18.240.51"));
	assert_true(ip_has("slna0", "inet 198.18.240.50/32 "));
	/* committed: the old that left go, the one in both stays */
	assert_int_equal(cp_nat_addr_check(na, c2, why, sizeof(why)), 0);
	assert_int_equal(cp_nat_addr_stage(na), 0);
	assert_int_equal(cp_nat_addr_commit(na), 0);
	assert_false(ip_has("slna0", "198.18.240.50/"));
	assert_false(ip_has("slnb0", "198.18.241.50"));
	assert_true(ip_has("slna0", "inet 198.18.240.51/32 "));
	assert_true(ip_has("slna0", "inet6 2001:2:0:240::50/128 "));

	/* someone else's address: refused while it is there, never removed */
	assert_int_equal(cpt_sh("ip addr add 198.18.240.70/32 dev slna0"), 0);
	assert_int_equal(cp_nat_addr_check(na, c3, why, sizeof(why)), -EINVAL);
	assert_int_equal(cp_nat_addr_commit(na), 0);
	assert_true(ip_has("slna0", "inet 198.18.240.70/32 "));

	/* killed: a new instance knows its addresses by their mark */
	again = cp_nat_addr_new();
	assert_non_null(again);
	assert_int_equal(cp_nat_addr_check(again, c2, why, sizeof(why)), 0);
	cp_nat_addr_free(na);
	assert_int_equal(cp_nat_addr_check(again, c1, why, sizeof(why)), 0);
	assert_int_equal(cp_nat_addr_commit(again), 0);
	assert_false(ip_has("slna0", "198.18.240.51")); /* the leak of the dead one, gone */
	assert_true(ip_has("slna0", "inet 198.18.240.50/32 "));
	assert_true(ip_has("slnb0", "inet 198.18.241.50/32 "));
	assert_true(ip_has("slna0", "inet6 2001:2:0:240::50/128 "));
	/* exit: what is marked goes, the rest stays */
	assert_int_equal(cp_nat_addr_clear(again), 0);
	assert_false(ip_has("slna0", "198.18.240.50"));
	assert_false(ip_has("slnb0", "198.18.241.50"));
	assert_false(ip_has("slna0", "2001:2:0:240::50"));
	assert_true(ip_has("slna0", "inet 198.18.240.70/32 "));
	assert_true(ip_has("slna0", "inet 198.18.240.1/24 "));
	assert_true(ip_has("slna0", "inet6 2001:2:0:240::1/64 "));
	cp_nat_addr_free(again);
	assert_int_equal(cpt_sh("ip addr del 198.18.240.70/32 dev slna0"), 0);
	for (struct cfg **c = (struct cfg *[]){c1, c2, c3, NULL}; *c; c++) {
		cpt_config_free(*c);
		free(*c);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_check_vip_list),
		cmocka_unit_test(test_add_remove_restart),
	};

	const struct tl_group groups[] = {
		{"cp_nat_addr", "kernel", TL_TESTS(tests), group_setup, NULL,
		 .needs = TL_NEED_NETNS},
	};

	return tl_suite_run(argc, argv, groups, 1);
}
