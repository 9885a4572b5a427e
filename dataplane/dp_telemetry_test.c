/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-dp's telemetry commands through the real telemetry socket of an
 * EAL started here, as dpdk-telemetry.py talks to it: the commands are
 * listed, and /sluice/info, /sluice/workers, /sluice/flows, /sluice/vips
 * and /sluice/drops answer exactly the counters two workers left in a
 * segment; with no segment they answer empty.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <cmocka.h>

#include <rte_eal.h>

#include "dp_telemetry.h"
#include "sl_drop.h"
#include "tl_shm.h"

static int sock = -1;
static char buf[16384];

/* One reply of the telemetry socket, NUL-terminated in buf. */
static const char *reply(void)
{
	ssize_t n = recv(sock, buf, sizeof(buf) - 1, 0);

	assert_true(n > 0);
	buf[n] = '\0';
	return buf;
}

static const char *ask(const char *cmd)
{
	assert_int_equal(send(sock, cmd, strlen(cmd), 0), (ssize_t)strlen(cmd));
	return reply();
}

static int setup(void **state)
{
	char prefix[64], *argv[] = {"dp_telemetry_test",
				    "--no-huge",
				    "-m",
				    "64",
				    "--no-pci",
				    "-l",
				    "0",
				    "--file-prefix",
				    prefix,
				    "--log-level",
				    "4",
				    NULL};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	(void)state;

	snprintf(prefix, sizeof(prefix), "sl-tele-%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0)
		return -1;
	if (dp_telemetry_register("edge1") != 0)
		return -1;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/dpdk_telemetry.v2",
		 rte_eal_get_runtime_dir());
	sock = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return -1;
	reply(); /* the greeting: version, pid, max_output_len */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	close(sock);
	rte_eal_cleanup();
	return 0;
}

static void test_listed(void **state)
{
	const char *r = ask("/");
	(void)state;

	for (const char *c = "/sluice/info\0/sluice/workers\0/sluice/flows\0/sluice/vips\0"
			     "/sluice/drops\0";
	     *c; c += strlen(c) + 1) {
		char quoted[40];

		snprintf(quoted, sizeof(quoted), "\"%s\"", c);
		assert_non_null(strstr(r, quoted));
	}
	assert_string_equal(ask("/help,/sluice/flows"),
			    "{\"/help\":{\"/sluice/flows\":\"Per worker: flow table entries, hits, "
			    "misses, evictions; full-NAT connections.\"}}");
}

static void test_no_segment(void **state)
{
	char want[160];
	(void)state;

	dp_telemetry_set_segment(NULL, 0);
	assert_string_equal(ask("/sluice/workers"), "{\"/sluice/workers\":{}}");
	assert_string_equal(ask("/sluice/vips"), "{\"/sluice/vips\":{}}");
	snprintf(want, sizeof(want),
		 "{\"/sluice/info\":{\"instance\":\"edge1\",\"pid\":%d,\"attached\":0,"
		 "\"workers\":0}}",
		 (int)getpid());
	assert_string_equal(ask("/sluice/info"), want);
}

static void test_counters(void **state)
{
	static const struct sl_shm_geometry g = {.max_workers = 4,
						 .max_ports = 1,
						 .max_vips = 4,
						 .max_pools = 2,
						 .max_backends = 4,
						 .maglev_size = 13};
	struct sl_shm_header *h = tl_shm_segment(&g);
	char want[1024];
	const char *r;
	(void)state;

	assert_non_null(h);
	tl_shm_fill_slot(h, 1, 7, 1);
	h->published = SL_GEN_WORD(7, 1);
	for (unsigned int w = 0; w < 2; w++) {
		struct sl_worker_stats *ws = sl_shm_worker_stats(h, w);

		sl_shm_ack(h, w)->word = SL_GEN_WORD(7 - w, 1);
		ws->lcore_id = w + 1;
		ws->queue_id = w;
		ws->rx_packets = 100 + w;
		ws->rx_bytes = 6400 + w;
		ws->tx_packets = 90 + w;
		ws->tx_bytes = 5400 + w;
		ws->flows_active = 3 + w;
		ws->flow_hits = 50;
		ws->flow_misses = 5 + w;
		ws->nat.conns_active = 2 * w;
		ws->drops[SL_DROP_NOT_VIP] = 4 + w;
		sl_stats_vips(ws)[0] =
			(struct sl_counter){.packets = 60 + w, .bytes = 3000, .flows = 6};
	}
	/* a third worker's block is not counted: the dataplane has two */
	sl_shm_worker_stats(h, 2)->rx_packets = 999;
	sl_stats_vips(sl_shm_worker_stats(h, 2))[0].packets = 999;
	dp_telemetry_set_segment(h, 2);

	assert_string_equal(ask("/sluice/workers"),
			    "{\"/sluice/workers\":{\"lcore_id\":[1,2],\"queue_id\":[0,1],"
			    "\"rx_packets\":[100,101],\"rx_bytes\":[6400,6401],"
			    "\"tx_packets\":[90,91],\"tx_bytes\":[5400,5401],"
			    "\"table_switches\":[0,0],\"icmp_forwarded\":[0,0],"
			    "\"frag_forwarded\":[0,0],\"frag_split\":[0,0],\"generation\":[7,6]}}");
	assert_string_equal(ask("/sluice/flows"),
			    "{\"/sluice/flows\":{\"flows_active\":[3,4],\"flows_embryonic\":[0,0],"
			    "\"flow_hits\":[50,50],\"flow_misses\":[5,6],\"flow_evictions\":[0,0],"
			    "\"flow_expired\":[0,0],\"flow_embryonic_evictions\":[0,0],"
			    "\"flow_untracked\":[0,0],\"nat_connections_active\":[0,2],"
			    "\"nat_connections_opened\":[0,0],\"nat_connections_expired\":[0,0]}}");
	assert_string_equal(ask("/sluice/vips"),
			    "{\"/sluice/vips\":{\"name\":[\"web\"],\"packets\":[121],"
			    "\"bytes\":[6000],\"flows\":[12],\"http_requests\":[0]}}");
	snprintf(want, sizeof(want),
		 "{\"/sluice/info\":{\"instance\":\"edge1\",\"pid\":%d,\"attached\":1,"
		 "\"workers\":2,\"generation\":7,\"tables_refused\":0}}",
		 (int)getpid());
	assert_string_equal(ask("/sluice/info"), want);
	r = ask("/sluice/drops");
	assert_non_null(strstr(r, "\"not_vip\":9,"));
	assert_non_null(strstr(r, "{\"/sluice/drops\":{\"eth_truncated\":0,"));
	dp_telemetry_set_segment(NULL, 0);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listed),
		cmocka_unit_test(test_no_segment),
		cmocka_unit_test(test_counters),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
