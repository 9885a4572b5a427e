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

#include "cp_core_test.h"
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

/*
 * A segment someone truncated under sluiced: the scrape gets no page (the
 * endpoint answers 500) and the reason is logged, where reading the
 * segment would have been SIGBUS.
 */
static void test_truncated_segment(void **state)
{
	static const struct sl_shm_geometry geo = {.max_workers = 2,
						   .max_ports = 2,
						   .max_vips = 4,
						   .max_pools = 4,
						   .max_backends = 8,
						   .maglev_size = 13,
						   .max_nat_sources = 2,
						   .max_routes = 4};
	struct cfg c = {0}, *cp = &c;
	struct cp_publisher pub;
	struct cp_metrics_wire w;
	struct cpt_log log;
	struct cp_shm shm;
	char why[256], instance[32], *page = NULL, *r;
	size_t n = 0;
	FILE *out;
	(void)state;

	snprintf(instance, sizeof(instance), "slmw-test-%d", (int)getpid());
	snprintf(c.instance, sizeof(c.instance), "%s", instance);
	assert_int_equal(cp_shm_open(&shm, instance, &geo, why, sizeof(why)), 0);
	cp_publish_init(&pub, shm.hdr, 50);
	cp_metrics_wire_init(&w, NULL, &shm, NULL, &cp, &pub);
	out = open_memstream(&page, &n);
	assert_int_equal(cp_metrics_wire_render(&w, out), 0);
	fclose(out);
	assert_non_null(strstr(page, "sluice_info{segment=\""));
	free(page);
	page = NULL;

	assert_int_equal(ftruncate(shm.fd, 4096), 0);
	cpt_log_begin(&log);
	out = open_memstream(&page, &n);
	assert_int_equal(cp_metrics_wire_render(&w, out), -EIO);
	fclose(out);
	r = cpt_log_end(&log);
	assert_non_null(strstr(r, " ERROR shm: metrics: no page: /dev/shm/sluice-"));
	assert_non_null(strstr(r, "shrank to 4096 bytes under us"));
	free(r);
	free(page);
	cp_shm_close(&shm);
	cp_shm_unlink(instance);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire),
		cmocka_unit_test(test_truncated_segment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
