/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluicectl nat and show's nat VIPs on a segment whose tables the real
 * builder wrote (cp_tables_build: nat VIPs, their sources) and whose
 * workers' statistics are set as two dataplane workers would leave them:
 * the exact text and JSON, each worker's counters and their sums, ports
 * in use against each worker's slice, and the output before any table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cp_tables.h"
#include "cp_test_util.h"
#include "ctl_nat.h"

static int nh_all(void *ctx, const struct sl_addr *addr, struct cp_nexthop *nh)
{
	(void)ctx;
	memset(nh, 0, sizeof(*nh));
	nh->mac[5] = addr->a8[15];
	return 0;
}

/* IPv4 sources on port 1, IPv6 ones on port 0 */
static int nat_port(void *ctx, const struct sl_addr *addr, uint16_t *tx_port)
{
	(void)ctx;
	*tx_port = sl_addr_is_v4(addr) ? 1 : 0;
	return 0;
}

/* nat.sources .50 .51 ::50 (ports 2000-3000); web (synproxy, mss 1400), web6; a tunnel VIP. */
static void publish(struct sl_shm_header *h)
{
	struct cp_tables *t = cp_tables_new(16);
	struct cp_tables_summary sum;
	struct cfg c = {0};
	struct cfg_vip *v;
	char why[256] = "";

	assert_non_null(t);
	c.nat.port_min = 2000;
	c.nat.port_max = 3000;
	cpt_nat_source(&c.nat.sources, "198.18.1.50");
	cpt_nat_source(&c.nat.sources, "2001:2:0:1::50");
	cpt_nat_source(&c.nat.sources, "198.18.1.51");
	v = cpt_vip(&c, "web", "198.18.100.1", 80, "web");
	v->mode = SL_MODE_NAT;
	v->synproxy = 1;
	v->mss = 1400;
	v = cpt_vip(&c, "web6", "2001:2:0:100::1", 80, "web6");
	v->mode = SL_MODE_NAT;
	cpt_vip(&c, "tun", "198.18.100.2", 80, "web");
	cpt_backend(cpt_pool(&c, "web"), "198.18.1.11", 8080, 1);
	cpt_backend(cpt_pool(&c, "web6"), "2001:2:0:1::11", 0, 1);
	cp_tables_set_nat_port(t, nat_port, NULL);
	if (cp_tables_build(t, &c, nh_all, NULL, h, 0, 7, 0, &sum, why, sizeof(why)))
		fail_msg("build: %s", why);
	h->published = SL_GEN_WORD(7, 0);
	cp_tables_free(t);
	cpt_config_free(&c);
}

/* Two workers' counters, as the dataplane leaves them. */
static void count(struct sl_shm_header *h)
{
	struct sl_worker_stats *w0 = sl_shm_worker_stats(h, 0), *w1 = sl_shm_worker_stats(h, 1);
	uint64_t *p0 = sl_stats_nat_ports(h, w0), *p1 = sl_stats_nat_ports(h, w1);

	h->dp_workers = 2;
	w0->nat.conns[SL_NAT_SYN_SENT] = 1;
	w0->nat.conns[SL_NAT_ESTABLISHED] = 3;
	w0->nat.conns_active = 4;
	w0->nat.conns_opened = 10;
	w0->nat.conns_expired = 5;
	w0->nat.conns_reused = 1;
	w0->nat.handoff_sent = 2;
	w0->nat.icmp_translated = 1;
	w0->nat.mss_clamped = 7;
	w0->nat.connect_failures = 2;
	w0->nat.synproxy_cookies = 100;
	w0->nat.synproxy_valid = 9;
	w0->nat.synproxy_syn_retries = 3;
	w0->nat.synproxy_stale_acks = 2;
	w0->nat.synproxy_rsts = 1;
	w0->drops[SL_DROP_NAT_PORT_EXHAUSTED] = 4;
	w0->drops[SL_DROP_SYNPROXY_BAD_COOKIE] = 91;
	w0->drops[SL_DROP_NOT_VIP] = 1000; /* not full NAT's: not shown */
	w1->nat.conns[SL_NAT_UDP] = 2;
	w1->nat.conns[SL_NAT_TIME_WAIT] = 1;
	w1->nat.conns_active = 3;
	w1->nat.conns_opened = 6;
	w1->nat.handoff_received = 2;
	w1->drops[SL_DROP_NAT_HANDOFF_FULL] = 1;
	w1->drops[SL_DROP_SYNPROXY_ABANDONED] = 2;
	p0[0] = 3; /* 198.18.1.50 */
	p0[1] = 1; /* 198.18.1.51 */
	p1[1] = 2;
	p1[2] = 1; /* 2001:2:0:1::50 */
}

/* What @fn printed on a segment @h. */
static char *printed(struct sl_shm_header *h, int (*fn)(const struct ctl_segment *, FILE *, int),
		     int json)
{
	struct ctl_segment s = {.hdr = h};
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	snprintf(s.path, sizeof(s.path), "/dev/shm/sluice-edge1");
	snprintf(s.instance, sizeof(s.instance), "edge1");
	assert_int_equal(fn(&s, out, json), 0);
	fclose(out);
	return text;
}

static int show(const struct ctl_segment *s, FILE *out, int json)
{
	(void)json;
	return ctl_show(s, out);
}

static struct sl_shm_header *segment(void)
{
	struct sl_shm_geometry g = {2, 2, 8, 4, 16, 251, 8};

	return cpt_segment_of(&g);
}

static void test_nat_text(void **state)
{
	struct sl_shm_header *h = segment();
	char *text;

	(void)state;
	publish(h);
	count(h);
	text = printed(h, ctl_nat, 0);
	assert_string_equal(text,
			    "instance edge1, generation 7, 2 workers\n"
			    "\n"
			    "  COUNTER                          W0           W1          ALL\n"
			    "connections\n"
			    "  syn_sent                          1            0            1\n"
			    "  syn_recv                          0            0            0\n"
			    "  established                       3            0            3\n"
			    "  fin_wait                          0            0            0\n"
			    "  closing                           0            0            0\n"
			    "  time_wait                         0            1            1\n"
			    "  close                             0            0            0\n"
			    "  udp                               0            2            2\n"
			    "  sp_syn_sent                       0            0            0\n"
			    "  active                            4            3            7\n"
			    "  opened                           10            6           16\n"
			    "  expired                           5            0            5\n"
			    "  reused                            1            0            1\n"
			    "counters\n"
			    "  handoff_sent                      2            0            2\n"
			    "  handoff_received                  0            2            2\n"
			    "  icmp_translated                   1            0            1\n"
			    "  mss_clamped                       7            0            7\n"
			    "  connect_failures                  2            0            2\n"
			    "  synproxy_cookies                100            0          100\n"
			    "  synproxy_valid                    9            0            9\n"
			    "  synproxy_syn_retries              3            0            3\n"
			    "  synproxy_stale_acks               2            0            2\n"
			    "  synproxy_rsts                     1            0            1\n"
			    "drops\n"
			    "  nat_no_conn                       0            0            0\n"
			    "  nat_mid_stream                    0            0            0\n"
			    "  nat_port_exhausted                4            0            4\n"
			    "  nat_conn_full                     0            0            0\n"
			    "  nat_handoff_full                  0            1            1\n"
			    "  nat_backend_gone                  0            0            0\n"
			    "  nat_family                        0            0            0\n"
			    "  nat_fragment                      0            0            0\n"
			    "  synproxy_bad_cookie              91            0           91\n"
			    "  synproxy_held_full                0            0            0\n"
			    "  synproxy_abandoned                0            2            2\n"
			    "  synproxy_backend                  0            0            0\n"
			    "\n"
			    "sources (ports in use / the worker's slice)\n"
			    "  INDEX ADDRESS                    PORT RANGE                 W0      "
			    "     W1          ALL\n"
			    "  0     198.18.1.50                1    2000-3000          3/501      "
			    "  0/500       3/1001\n"
			    "  1     198.18.1.51                1    2000-3000          1/501      "
			    "  2/500       3/1001\n"
			    "  2     2001:2:0:1::50             0    2000-3000          0/501      "
			    "  1/500       1/1001\n");
	free(text);
	free(h);
}

static void test_nat_json(void **state)
{
	struct sl_shm_header *h = segment();
	char *text;

	(void)state;
	publish(h);
	count(h);
	text = printed(h, ctl_nat, 1);
	assert_string_equal(
		text,
		"{\"instance\":\"edge1\",\"generation\":7,\"workers\":[{\"worker\":0,"
		"\"syn_sent\":1,\"syn_recv\":0,\"established\":3,\"fin_wait\":0,\"closing\":0,"
		"\"time_wait\":0,\"close\":0,\"udp\":0,\"sp_syn_sent\":0,\"active\":4,"
		"\"opened\":10,\"expired\":5,\"reused\":1,\"handoff_sent\":2,"
		"\"handoff_received\":0,\"icmp_translated\":1,\"mss_clamped\":7,"
		"\"connect_failures\":2,\"synproxy_cookies\":100,\"synproxy_valid\":9,"
		"\"synproxy_syn_retries\":3,\"synproxy_stale_acks\":2,\"synproxy_rsts\":1,\"nat_no_"
		"conn\":0,"
		"\"nat_mid_stream\":0,\"nat_port_exhausted\":4,\"nat_conn_full\":0,"
		"\"nat_handoff_full\":0,\"nat_backend_gone\":0,\"nat_family\":0,"
		"\"nat_fragment\":0,\"synproxy_bad_cookie\":91,\"synproxy_held_full\":0,"
		"\"synproxy_abandoned\":0,\"synproxy_backend\":0},{\"worker\":1,\"syn_sent\":0,"
		"\"syn_recv\":0,\"established\":0,\"fin_wait\":0,\"closing\":0,\"time_wait\":1,"
		"\"close\":0,\"udp\":2,\"sp_syn_sent\":0,\"active\":3,\"opened\":6,\"expired\":0,"
		"\"reused\":0,\"handoff_sent\":0,\"handoff_received\":2,\"icmp_translated\":0,"
		"\"mss_clamped\":0,\"connect_failures\":0,\"synproxy_cookies\":0,"
		"\"synproxy_valid\":0,\"synproxy_syn_retries\":0,\"synproxy_stale_acks\":0,"
		"\"synproxy_rsts\":0,"
		"\"nat_no_conn\":0,\"nat_mid_stream\":0,\"nat_port_exhausted\":0,"
		"\"nat_conn_full\":0,\"nat_handoff_full\":1,\"nat_backend_gone\":0,"
		"\"nat_family\":0,\"nat_fragment\":0,\"synproxy_bad_cookie\":0,"
		"\"synproxy_held_full\":0,\"synproxy_abandoned\":2,\"synproxy_backend\":0}],"
		"\"total\":{\"syn_sent\":1,\"syn_recv\":0,\"established\":3,\"fin_wait\":0,"
		"\"closing\":0,\"time_wait\":1,\"close\":0,\"udp\":2,\"sp_syn_sent\":0,"
		"\"active\":7,\"opened\":16,\"expired\":5,\"reused\":1,\"handoff_sent\":2,"
		"\"handoff_received\":2,\"icmp_translated\":1,\"mss_clamped\":7,"
		"\"connect_failures\":2,\"synproxy_cookies\":100,\"synproxy_valid\":9,"
		"\"synproxy_syn_retries\":3,\"synproxy_stale_acks\":2,\"synproxy_rsts\":1,\"nat_no_"
		"conn\":0,"
		"\"nat_mid_stream\":0,\"nat_port_exhausted\":4,\"nat_conn_full\":0,"
		"\"nat_handoff_full\":1,\"nat_backend_gone\":0,\"nat_family\":0,"
		"\"nat_fragment\":0,\"synproxy_bad_cookie\":91,\"synproxy_held_full\":0,"
		"\"synproxy_abandoned\":2,\"synproxy_backend\":0},\"sources\":[{\"index\":0,"
		"\"address\":\"198.18.1.50\",\"tx_port\":1,\"port_min\":2000,\"port_max\":3000,"
		"\"workers\":[{\"in_use\":3,\"slice_first\":2000,\"slice_ports\":501},"
		"{\"in_use\":0,\"slice_first\":2501,\"slice_ports\":500}],\"in_use\":3,"
		"\"ports\":1001},{\"index\":1,\"address\":\"198.18.1.51\",\"tx_port\":1,"
		"\"port_min\":2000,\"port_max\":3000,\"workers\":[{\"in_use\":1,"
		"\"slice_first\":2000,\"slice_ports\":501},{\"in_use\":2,\"slice_first\":2501,"
		"\"slice_ports\":500}],\"in_use\":3,\"ports\":1001},{\"index\":2,"
		"\"address\":\"2001:2:0:1::50\",\"tx_port\":0,\"port_min\":2000,"
		"\"port_max\":3000,\"workers\":[{\"in_use\":0,\"slice_first\":2000,"
		"\"slice_ports\":501},{\"in_use\":1,\"slice_first\":2501,\"slice_ports\":500}],"
		"\"in_use\":1,\"ports\":1001}]}\n");
	free(text);
	free(h);
}

/* Before the first table: the counters, no sources. */
static void test_nat_unpublished(void **state)
{
	struct sl_shm_header *h = segment();
	char *text;

	(void)state;
	h->dp_workers = 1;
	sl_shm_worker_stats(h, 0)->drops[SL_DROP_NAT_NO_CONN] = 5;
	text = printed(h, ctl_nat, 0);
	assert_string_equal(text, "instance edge1, generation 0, 1 workers\n"
				  "\n"
				  "  COUNTER                          W0          ALL\n"
				  "connections\n"
				  "  syn_sent                          0            0\n"
				  "  syn_recv                          0            0\n"
				  "  established                       0            0\n"
				  "  fin_wait                          0            0\n"
				  "  closing                           0            0\n"
				  "  time_wait                         0            0\n"
				  "  close                             0            0\n"
				  "  udp                               0            0\n"
				  "  sp_syn_sent                       0            0\n"
				  "  active                            0            0\n"
				  "  opened                            0            0\n"
				  "  expired                           0            0\n"
				  "  reused                            0            0\n"
				  "counters\n"
				  "  handoff_sent                      0            0\n"
				  "  handoff_received                  0            0\n"
				  "  icmp_translated                   0            0\n"
				  "  mss_clamped                       0            0\n"
				  "  connect_failures                  0            0\n"
				  "  synproxy_cookies                  0            0\n"
				  "  synproxy_valid                    0            0\n"
				  "  synproxy_syn_retries              0            0\n"
				  "  synproxy_stale_acks               0            0\n"
				  "  synproxy_rsts                     0            0\n"
				  "drops\n"
				  "  nat_no_conn                       5            5\n"
				  "  nat_mid_stream                    0            0\n"
				  "  nat_port_exhausted                0            0\n"
				  "  nat_conn_full                     0            0\n"
				  "  nat_handoff_full                  0            0\n"
				  "  nat_backend_gone                  0            0\n"
				  "  nat_family                        0            0\n"
				  "  nat_fragment                      0            0\n"
				  "  synproxy_bad_cookie               0            0\n"
				  "  synproxy_held_full                0            0\n"
				  "  synproxy_abandoned                0            0\n"
				  "  synproxy_backend                  0            0\n"
				  "\n"
				  "sources: no table published yet\n");
	free(text);
	text = printed(h, ctl_nat, 1);
	assert_string_equal(
		text,
		"{\"instance\":\"edge1\",\"generation\":0,\"workers\":[{\"worker\":0,"
		"\"syn_sent\":0,\"syn_recv\":0,\"established\":0,\"fin_wait\":0,\"closing\":0,"
		"\"time_wait\":0,\"close\":0,\"udp\":0,\"sp_syn_sent\":0,\"active\":0,\"opened\":0,"
		"\"expired\":0,\"reused\":0,\"handoff_sent\":0,\"handoff_received\":0,"
		"\"icmp_translated\":0,\"mss_clamped\":0,\"connect_failures\":0,"
		"\"synproxy_cookies\":0,\"synproxy_valid\":0,\"synproxy_syn_retries\":0,"
		"\"synproxy_stale_acks\":0,\"synproxy_rsts\":0,\"nat_no_conn\":5,\"nat_mid_"
		"stream\":0,"
		"\"nat_port_exhausted\":0,\"nat_conn_full\":0,\"nat_handoff_full\":0,"
		"\"nat_backend_gone\":0,\"nat_family\":0,\"nat_fragment\":0,"
		"\"synproxy_bad_cookie\":0,\"synproxy_held_full\":0,\"synproxy_abandoned\":0,"
		"\"synproxy_backend\":0}],\"total\":{\"syn_sent\":0,\"syn_recv\":0,"
		"\"established\":0,\"fin_wait\":0,\"closing\":0,\"time_wait\":0,\"close\":0,"
		"\"udp\":0,\"sp_syn_sent\":0,\"active\":0,\"opened\":0,\"expired\":0,\"reused\":0,"
		"\"handoff_sent\":0,\"handoff_received\":0,\"icmp_translated\":0,"
		"\"mss_clamped\":0,\"connect_failures\":0,\"synproxy_cookies\":0,"
		"\"synproxy_valid\":0,\"synproxy_syn_retries\":0,\"synproxy_stale_acks\":0,"
		"\"synproxy_rsts\":0,"
		"\"nat_no_conn\":5,\"nat_mid_stream\":0,\"nat_port_exhausted\":0,"
		"\"nat_conn_full\":0,\"nat_handoff_full\":0,\"nat_backend_gone\":0,"
		"\"nat_family\":0,\"nat_fragment\":0,\"synproxy_bad_cookie\":0,"
		"\"synproxy_held_full\":0,\"synproxy_abandoned\":0,\"synproxy_backend\":0},"
		"\"sources\":[]}\n");
	free(text);
	free(h);
}

/* show: the VIP table, then each nat VIP's flags and sources. */
static void test_show_nat_vips(void **state)
{
	struct sl_shm_header *h = segment();
	char *text, *vips;

	(void)state;
	publish(h);
	text = printed(h, show, 0);
	vips = strstr(text, "\nVIPs\n");
	assert_non_null(vips);
	*strstr(vips, "\npool ") = '\0';
	assert_string_equal(vips,
			    "\n"
			    "VIPs\n"
			    "  NAME             ADDRESS                            PROTO  MODE    E"
			    "NCAP    POOL\n"
			    "  web              198.18.100.1:80                    tcp    nat     -"
			    "        web\n"
			    "  web6             [2001:2:0:100::1]:80               tcp    nat     -"
			    "        web6\n"
			    "  tun              198.18.100.2:80                    tcp    tunnel  i"
			    "pip     web\n"
			    "\n"
			    "nat VIPs\n"
			    "  NAME             FLAGS                SOURCES\n"
			    "  web              synproxy mss=1400    198.18.1.50:2000-3000 198.18.1"
			    ".51:2000-3000\n"
			    "  web6             -                    [2001:2:0:1::50]:2000-3000\n");
	free(text);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nat_text),
		cmocka_unit_test(test_nat_json),
		cmocka_unit_test(test_nat_unpublished),
		cmocka_unit_test(test_show_nat_vips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
