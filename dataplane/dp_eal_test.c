/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Start-up arguments sluice-dp derives from the config: the EAL command line
 * (dp_eal_args_build) and the devargs a port is probed with (dp_port_devargs).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dp_eal.h"
#include "dp_port.h"

static struct cfg cfg;
static char *eal_none[] = {NULL};

static void config(char **eal, const char *devargs0, const char *devargs1)
{
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.file, sizeof(cfg.file), "t.conf");
	snprintf(cfg.instance, sizeof(cfg.instance), "edge1");
	for (uint32_t i = 0; eal[i]; i++)
		cfg.dataplane.eal[cfg.dataplane.n_eal++] = eal[i];
	snprintf(cfg.dataplane.ports[0].devargs, CFG_DEVARGS_LEN, "%s", devargs0);
	cfg.dataplane.n_ports = 1;
	if (devargs1) {
		snprintf(cfg.dataplane.ports[1].devargs, CFG_DEVARGS_LEN, "%s", devargs1);
		cfg.dataplane.n_ports = 2;
	}
}

/* The built command line as one string, for exact comparison. */
static const char *line(void)
{
	static char buf[1024];
	struct dp_eal_args a;
	size_t off = 0;

	assert_int_equal(dp_eal_args_build(&cfg, "sluice-dp", &a), 0);
	assert_null(a.argv[a.argc]);
	buf[0] = '\0';
	for (int i = 0; i < a.argc; i++)
		off += snprintf(buf + off, sizeof(buf) - off, "%s%s", i ? " " : "", a.argv[i]);
	return buf;
}

static void test_vdev_only(void **state)
{
	char *eal[] = {"-l", "0-1", "--no-huge", "-m", "512", NULL};

	(void)state;
	config(eal, "net_af_xdp0,iface=sl-lb0", NULL);
	assert_string_equal(line(), "sluice-dp -l 0-1 --no-huge -m 512 --file-prefix sluice-edge1 "
				    "--no-pci");
}

static void test_own_file_prefix_kept(void **state)
{
	char *eal[] = {"-l", "0-1", "--file-prefix=mine", NULL};

	(void)state;
	config(eal, "net_null0", NULL);
	assert_string_equal(line(), "sluice-dp -l 0-1 --file-prefix=mine --no-pci");
}

static void test_pci_allowed(void **state)
{
	(void)state;
	config(eal_none, "0000:01:00.0", "net_ring0");
	assert_string_equal(line(), "sluice-dp --file-prefix sluice-edge1 -a 0000:01:00.0");
}

static void test_pci_with_own_allow_list(void **state)
{
	char *eal[] = {"-a", "0000:02:00.0", NULL};

	(void)state;
	config(eal, "0000:02:00.0", NULL);
	assert_string_equal(line(), "sluice-dp -a 0000:02:00.0 --file-prefix sluice-edge1");
}

static void test_is_vdev(void **state)
{
	(void)state;
	assert_int_equal(dp_eal_is_vdev("net_af_xdp0,iface=x"), 1);
	assert_int_equal(dp_eal_is_vdev("net_null0"), 1);
	assert_int_equal(dp_eal_is_vdev("0000:01:00.0"), 0);
	assert_int_equal(dp_eal_is_vdev("01:00.0,rxq_pkt_fill=1"), 0);
}

static void test_af_xdp_devargs(void **state)
{
	char out[DP_PORT_DEVARGS_LEN];

	(void)state;
	assert_int_equal(dp_port_devargs("net_af_xdp0,iface=sl-lb0", "/run/sluice/e-xdp.o", 1, out,
					 sizeof(out)),
			 0);
	assert_string_equal(out, "net_af_xdp0,iface=sl-lb0,xdp_prog=/run/sluice/e-xdp.o");

	/* the config's own program and queue count win */
	assert_int_equal(dp_port_devargs("net_af_xdp1,iface=a,xdp_prog=/x.o,queue_count=4",
					 "/run/sluice/e-xdp.o", 2, out, sizeof(out)),
			 0);
	assert_string_equal(out, "net_af_xdp1,iface=a,xdp_prog=/x.o,queue_count=4");

	/* two workers: two queues */
	assert_int_equal(dp_port_devargs("net_af_xdp0,iface=a", "", 2, out, sizeof(out)), 0);
	assert_string_equal(out, "net_af_xdp0,iface=a,queue_count=2");

	/* not af_xdp: untouched; too long: -E2BIG */
	assert_int_equal(dp_port_devargs("net_null0", "/p.o", 2, out, sizeof(out)), 0);
	assert_string_equal(out, "net_null0");
	assert_int_equal(dp_port_devargs("net_af_xdp0,iface=a", "/run/sluice/e-xdp.o", 1, out, 20),
			 -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vdev_only),   cmocka_unit_test(test_own_file_prefix_kept),
		cmocka_unit_test(test_pci_allowed), cmocka_unit_test(test_pci_with_own_allow_list),
		cmocka_unit_test(test_is_vdev),	    cmocka_unit_test(test_af_xdp_devargs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
