/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NAT sources through sluiced's life, on a daemon of the real parts
 * from config files, with its port on veth slrn0 (198.18.235.1/24,
 * 2001:2:0:235::1/64) in a network namespace of this process: at start
 * the sources are checked (a bad one stops the start with FILE:LINE: KEY),
 * put on the interface and published with their port; a reload naming a
 * source off the subnet or the kernel's own address is refused with the
 * file's line and key, and the running config, tables and addresses stay;
 * a good reload adds the new source and removes the one that left; the
 * daemon's stop removes what it added. Needs root (exit 77 without).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cp_core_test.h"
#include "cp_reload.h"
#include "tl_netns.h"
#include "tl_suite.h"

#define IFACE "slrn0"

static int group_setup(void **state)
{
	(void)state;
	if (geteuid() != 0)
		exit(77);
	if (tl_netns_enter(IFACE, "slrn1", "198.18.235.1/24"))
		return -1;
	return system("ip addr add 2001:2:0:235::1/64 dev " IFACE " nodad") == 0 ? 0 : -1;
}

static int setup(void **state)
{
	return cpt_fix_setup(state, "slrn");
}

static int teardown(void **state)
{
	return cpt_fix_teardown(state);
}

/* A config file with one port on IFACE and a nat VIP; @sources on line 6 (nat.sources). */
static void write_conf(const struct cpt_fix *f, const char *sources)
{
	FILE *o = fopen(f->s.conf, "w");

	assert_non_null(o);
	fprintf(o,
		"instance = \"%s\";\n"
		"dataplane = { ports = ( { name = \"ext0\"; devargs = \"net_af_xdp0,iface=" IFACE
		"\"; } ); };\n"
		"tables = { max_workers = 2; max_vips = 8; max_pools = 4; max_backends = 16;\n"
		"           maglev_size = 251; };\n"
		"controlplane = { neigh_timeout_ms = 0; };\n"
		"nat = { sources = ( %s ); };\n"
		"vips = ( { name = \"web\"; address = \"198.18.100.1\"; port = 80; pool = "
		"\"web\";\n"
		"           mode = \"nat\"; } );\n"
		"pools = ( { name = \"web\"; backends = ( { address = \"198.18.235.11\"; } ); } "
		");\n",
		f->s.instance, sources);
	fclose(o);
}

static int ip_has(const char *what)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "ip -o addr show dev " IFACE " | grep -q -- '%s'", what);
	return system(cmd) == 0;
}

/* The published slot's NAT sources, as "addr/port ..." */
static void published_sources(const struct cpt_fix *f, char *out, size_t len)
{
	const struct sl_shm_header *h = f->d.shm.hdr;
	unsigned int slot = SL_SLOT_OF(h->published);
	const struct sl_nat_source *src = sl_slot_nat_sources(h, slot);
	char text[INET6_ADDRSTRLEN];
	size_t used = 0;

	out[0] = '\0';
	for (uint32_t i = 0; i < sl_slot_hdr(h, slot)->n_nat_sources; i++) {
		if (sl_addr_is_v4(&src[i].addr))
			inet_ntop(AF_INET, &src[i].addr.a32[3], text, sizeof(text));
		else
			inet_ntop(AF_INET6, src[i].addr.a8, text, sizeof(text));
		used += (size_t)snprintf(out + used, len - used, "%s%s/%u", used ? " " : "", text,
					 src[i].tx_port);
	}
}

static void start(struct cpt_fix *f)
{
	struct cfg *c = NULL;

	assert_int_equal(cp_reload_first(f->s.conf, &c), 0);
	assert_int_equal(cpt_daemon_start(&f->d, c, f->s.conf, f->s.events), 0);
	assert_true(cpt_daemon_until_gen(&f->d, 1));
}

/* A reload refused with @want (after "reload refused: FILE"): nothing changes. */
static void expect_refused(struct cpt_fix *f, const char *want)
{
	const struct cfg *before = f->d.cfg;
	uint64_t pub = f->d.shm.hdr->published;
	char why[1024], full[1100], line[1200], *text;
	struct cpt_log log;

	snprintf(full, sizeof(full), "reload refused: %s%s", f->s.conf, want);
	cpt_log_begin(&log);
	assert_int_equal(cp_reload(&f->d.sched, f->s.conf, why, sizeof(why)), -EINVAL);
	text = cpt_log_end(&log);
	assert_string_equal(why, full);
	snprintf(line, sizeof(line), " ERROR config: %s", full);
	assert_int_equal(cpt_lines_with(text, line), 1);
	free(text);
	assert_ptr_equal(f->d.cfg, before);
	assert_int_equal(f->d.shm.hdr->published, pub);
}

static void test_start_reload_stop(void **state)
{
	struct cpt_fix *f = *state;
	char got[256], why[1024];

	write_conf(f, "\"198.18.235.50\", \"2001:2:0:235::50\"");
	start(f);
	assert_true(ip_has("inet 198.18.235.50/32 "));
	assert_true(ip_has("inet6 2001:2:0:235::50/128 "));
	published_sources(f, got, sizeof(got));
	assert_string_equal(got, "198.18.235.50/0 2001:2:0:235::50/0");

	write_conf(f, "\"198.18.235.50\", \"198.18.236.50\"");
	expect_refused(f, ":6: nat.sources[1]: 198.18.236.50 is on no dataplane port's subnet "
			  "(198.18.235.1/24 on " IFACE ")");
	write_conf(f, "\"198.18.235.1\"");
	expect_refused(f, ":6: nat.sources[0]: 198.18.235.1 is an address the kernel already has "
			  "on " IFACE " (not one sluiced added): name an unused address of the "
			  "subnet");
	assert_true(ip_has("inet 198.18.235.50/32 "));
	assert_true(ip_has("inet6 2001:2:0:235::50/128 "));

	write_conf(f, "\"198.18.235.51\", \"2001:2:0:235::50\"");
	assert_int_equal(cp_reload(&f->d.sched, f->s.conf, why, sizeof(why)), 0);
	assert_true(cpt_daemon_until_gen(&f->d, 2));
	assert_null(f->d.sched.prev);
	published_sources(f, got, sizeof(got));
	assert_string_equal(got, "198.18.235.51/0 2001:2:0:235::50/0");
	assert_true(ip_has("inet 198.18.235.51/32 "));
	assert_false(ip_has("198.18.235.50/"));
	assert_true(ip_has("inet6 2001:2:0:235::50/128 "));

	cpt_daemon_stop(&f->d);
	f->d.loop = NULL;
	assert_false(ip_has("198.18.235.51"));
	assert_false(ip_has("2001:2:0:235::50"));
	assert_true(ip_has("inet 198.18.235.1/24 "));
}

/* A bad source stops the start, named by file, line and key; nothing is added. */
static void test_start_refused(void **state)
{
	struct cpt_fix *f = *state;
	struct cfg *c = NULL;
	struct cpt_log log;
	char *text, want[512];

	write_conf(f, "\"198.18.235.52\", \"198.18.9.9\"");
	assert_int_equal(cp_reload_first(f->s.conf, &c), 0);
	cpt_log_begin(&log);
	assert_int_equal(cpt_daemon_start(&f->d, c, f->s.conf, f->s.events), -EINVAL);
	text = cpt_log_end(&log);
	snprintf(want, sizeof(want),
		 " ERROR config: %s:6: nat.sources[1]: 198.18.9.9 is on no dataplane port's "
		 "subnet (198.18.235.1/24 on " IFACE ")",
		 f->s.conf);
	assert_int_equal(cpt_lines_with(text, want), 1);
	free(text);
	assert_false(ip_has("198.18.235.52"));
	assert_null(f->d.loop); /* nothing else made */
	cp_daemon_nat_stop(&f->d);
	cfg_free(c);
	free(c);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_start_reload_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_refused, setup, teardown),
	};

	const struct tl_group groups[] = {
		{"cp_reload_nat", "kernel", TL_TESTS(tests), group_setup, NULL,
		 .needs = TL_NEED_NETNS},
	};

	return tl_suite_run(argc, argv, groups, 1);
}
