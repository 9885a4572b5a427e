/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The endpoint's wiring: metrics.listen "off" starts nothing; an address
 * in use stops the start with -EADDRINUSE; a page names the running
 * config's instance, counts the publisher's publications and ends with
 * the histogram families handed in.
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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "cp_metrics_wire.h"
#include "cp_test_util.h"

static const double le[] = {0.01};
static const uint64_t counts[] = {4, 1};
static const struct cp_metrics_hist_series series[] = {
	{.vip = "web", .backend = "be1", .h = {.n = 1, .le = le, .counts = counts, .sum = 0.5}},
};
static const struct cp_metrics_hist_family fam = {
	.name = "sluice_flow_duration_seconds", .help = "Flows.", .series = series, .n = 1};

static uint32_t hists(void *ctx, const struct cp_metrics_hist_family **out)
{
	(*(int *)ctx)++;
	*out = &fam;
	return 1;
}

static void test_wire(void **state)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	struct cp_loop *l = cp_loop_new();
	struct cfg c = {0}, *cp = &c;
	struct cp_publisher pub;
	struct cp_metrics_wire w;
	struct cp_shm shm = {0};
	const char *tail;
	char *page = NULL;
	size_t n = 0;
	int held, calls = 0;
	FILE *out;
	(void)state;

	snprintf(c.instance, sizeof(c.instance), "edge1");
	shm.hdr = cpt_segment(2, 8, 13);
	cp_publish_init(&pub, shm.hdr, 50);
	pub.stats.acked = 2;
	pub.stats.ack_ns_sum = 3000;
	cp_metrics_wire_init(&w, l, &shm, NULL, &cp, &pub);

	snprintf(c.metrics.listen, sizeof(c.metrics.listen), "off");
	assert_int_equal(cp_metrics_wire_start(&w), 0);
	assert_null(w.http);

	/* a port someone else listens on */
	held = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(held, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(held, 1), 0);
	assert_int_equal(getsockname(held, (struct sockaddr *)&sa, &len), 0);
	c.metrics.enabled = 1;
	c.metrics.af = SL_AF_INET;
	c.metrics.port = ntohs(sa.sin_port);
	sl_addr_from_v4(&c.metrics.addr, htonl(INADDR_LOOPBACK));
	assert_int_equal(cp_metrics_wire_start(&w), -EADDRINUSE);
	assert_null(w.http);
	close(held);

	cp_metrics_wire_set_hists(&w, hists, &calls);
	out = open_memstream(&page, &n);
	assert_int_equal(cp_metrics_wire_render(&w, out), 0);
	fclose(out);
	assert_int_equal(calls, 1);
	assert_non_null(strstr(page, "\nsluice_info{segment=\"edge1\",abi_version=\"6\"} 1\n"));
	assert_non_null(strstr(page, "\nsluice_publishes_total{result=\"acked\"} 2\n"));
	assert_non_null(strstr(page, "\nsluice_publish_ack_seconds_sum 0.000003\n"));
	assert_non_null(strstr(page, "\nsluice_dataplane_up 0\n"));
	/* no model: no health families; the histograms last */
	assert_null(strstr(page, "sluice_backend_health"));
	tail = "\nsluice_flow_duration_seconds_count{vip=\"web\",backend=\"be1\"} 5\n";
	assert_true(n > strlen(tail));
	assert_string_equal(page + n - strlen(tail), tail);
	free(page);
	cp_metrics_wire_stop(&w);
	cp_loop_free(l);
	free(shm.hdr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
