/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluiced's exposition of a segment whose two workers left counters
 * everywhere (ports, workers, NAT states, drops, VIPs, backends, a NAT
 * source's ports, an http VIP and its routes), with a model of two pools
 * (one instance healthy by its probe, one still probing, one drained) and
 * one histogram family: the whole page, byte for byte, against
 * testdata/metrics.prom, and the sums that matter spelled out here too.
 * Before a first table there are no names: the per-VIP families are not
 * written at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cp_metrics.h"
#include "cp_tables.h"
#include "cp_test_util.h"

static int nh_lookup(void *ctx, const struct sl_addr *addr, struct cp_nexthop *nh)
{
	(void)ctx;
	(void)addr;
	memset(nh, 0, sizeof(*nh));
	return 0;
}

static const struct sl_shm_geometry geometry = {.max_workers = 2,
						.max_ports = 2,
						.max_vips = 4,
						.max_pools = 4,
						.max_backends = 8,
						.maglev_size = 13,
						.max_nat_sources = 2,
						.max_routes = 4};

struct fixture {
	struct sl_shm_header *h;
	struct cfg c;
	struct cp_model *m;
};

/*
 * VIP web (tunnel, pool web: .11 and .12, TCP checks, rise 1) and http VIP
 * api (default pool web, routes /login and *.example/ to login: .21, no
 * checks); published as generation 1; two workers' counters.
 */
static void make(struct fixture *f)
{
	struct cp_model_hooks hooks = {0};
	struct cp_model_inst *const *in;
	struct cp_tables_summary sum;
	struct cp_tables *t;
	struct cfg_pool *p;
	struct cfg_vip *v;
	char why[256] = "";

	memset(f, 0, sizeof(*f));
	f->h = cpt_segment_of(&geometry);
	p = cpt_pool(&f->c, "web");
	p->health.type = CFG_HEALTH_CHECK_TCP;
	p->health.rise = 1;
	p->health.fall = 1;
	p->health.interval_ms = 1000;
	p->health.timeout_ms = 500;
	cpt_backend(p, "198.18.1.11", 80, 1);
	cpt_backend(p, "198.18.1.12", 80, 1);
	p = cpt_pool(&f->c, "login");
	cpt_backend(p, "198.18.1.21", 80, 1);
	cpt_vip(&f->c, "web", "198.18.0.1", 80, "web");
	v = cpt_http_vip(&f->c, "api", "198.18.0.10", "web");
	cpt_route(v, NULL, "/login", "login");
	cpt_route(v, "*.example", "/", "login");

	t = cp_tables_new(f->h->max_backends);
	cp_tables_set_nat_port(t, cpt_nat_port, NULL);
	if (cp_tables_build(t, &f->c, nh_lookup, NULL, f->h, 0, 1, 0, &sum, why, sizeof(why)))
		fail_msg("build: %s", why);
	cp_tables_free(t);
	f->h->published = SL_GEN_WORD(1, 0);

	f->m = cp_model_new(&hooks);
	assert_non_null(f->m);
	assert_int_equal(cp_model_configure(f->m, &f->c), 0);
	assert_int_equal(cp_model_pool_instances(f->m, 0, &in), 2);
	cp_model_health_result(f->m, in[0], true, "connected");
	assert_int_equal(cp_model_pool_instances(f->m, 1, &in), 1);
	assert_int_equal(cp_model_drain(f->m, "login", "198.18.1.21:80", true, why, sizeof(why)),
			 0);
}

/* Every counter a worker keeps, from @base up: worker 1 has 10 more than worker 0. */
static void count(struct sl_shm_header *h)
{
	h->dp_pid = 4242;
	h->dp_workers = 2;
	h->dp_start_ns = 1700000000123456789ull;
	h->dp_rejected = 1;
	for (uint32_t k = 0; k < 2; k++) {
		struct sl_worker_stats *ws = sl_shm_worker_stats(h, k);
		uint64_t d = 10 * k;
		struct sl_route_counter *rc = sl_stats_routes(h, ws);
		struct sl_http_counter *hc = &sl_stats_http(h, ws)[1];

		sl_shm_ack(h, k)->word = SL_GEN_WORD(1, 0);
		ws->lcore_id = k + 1;
		ws->queue_id = k;
		ws->rx_packets = 100 + d;
		ws->rx_bytes = 6400 + d;
		ws->tx_packets = 99 + d;
		ws->tx_bytes = 6300 + d;
		ws->flow_hits = 80 + d;
		ws->flow_misses = 20 + d;
		ws->flows_active = 5 + d;
		ws->nat.conns[SL_NAT_ESTABLISHED] = 3 + d;
		ws->nat.conns[SL_NAT_HTTP_HEAD] = 1;
		ws->nat.conns_active = 4 + d;
		ws->nat.synproxy_cookies = 30 + d;
		ws->drops[SL_DROP_NOT_VIP] = 2 + d;
		ws->drops[SL_DROP_NAT_CONN_FULL] = 1;
		sl_stats_vips(ws)[0] =
			(struct sl_counter){.packets = 50 + d, .bytes = 3200, .flows = 7};
		sl_stats_vips(ws)[1] =
			(struct sl_counter){.packets = 40 + d, .bytes = 2600, .flows = 9};
		sl_stats_backends(h, ws)[0] = (struct sl_counter){.packets = 25, .flows = 4};
		sl_stats_backends(h, ws)[1] = (struct sl_counter){.packets = 25 + d, .flows = 3};
		sl_stats_backends(h, ws)[2] = (struct sl_counter){
			.packets = 40, .connect_failures = 1, .requests = 6 + d};
		sl_stats_nat_ports(h, ws)[0] = 2 + k;
		hc->requests = 12 + d;
		hc->answered[SL_HTTP_NO_ROUTE] = 1;
		hc->rebinds = k;
		hc->sticky_hit = 0;
		rc[0].requests = 8 + d;
		rc[0].status[1] = 7 + d;
		rc[0].answered[SL_HTTP_NO_INSTANCE] = 1;
		rc[1].requests = 3;
		rc[1].status[3] = 3;
	}
	{
		struct sl_port_stats *ps = sl_shm_port_stats(h, 0);

		snprintf(ps->name, sizeof(ps->name), "ext0");
		ps->in_use = 1;
		ps->ipackets = 210;
		ps->opackets = 208;
		ps->ibytes = 13000;
		ps->obytes = 12800;
		ps->imissed = 2;
	}
}

static char *render(const struct fixture *f, int with_model)
{
	static const double le[] = {0.005, 0.05};
	static const uint64_t counts[] = {3, 4, 1};
	static const struct cp_metrics_hist_series series[] = {
		{.vip = "api",
		 .route = "/login",
		 .backend = "198.18.1.21:80",
		 .h = {.n = 2, .le = le, .counts = counts, .sum = 0.25}},
	};
	static const struct cp_metrics_hist_family hist = {
		.name = "sluice_request_duration_seconds",
		.help = "Time from a request's head to its response's end.",
		.series = series,
		.n = 1,
	};
	struct cp_metrics_publish pub = {.acked = 3,
					 .timeouts = 1,
					 .unattached = 2,
					 .ack_ns_sum = 4500000,
					 .last_ack_ns = 1250000};
	struct cp_metrics_src src = {.instance = "edge1",
				     .hdr = f->h,
				     .dataplane_alive = true,
				     .model = with_model ? f->m : NULL,
				     .cfg = &f->c,
				     .publish = &pub,
				     .hists = &hist,
				     .n_hists = 1};
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	assert_int_equal(cp_metrics_write(out, &src), 0);
	fclose(out);
	return text;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static void has(const char *text, const char *line)
{
	char want[512];

	snprintf(want, sizeof(want), "\n%s\n", line);
	if (!strstr(text, want))
		fail_msg("no line \"%s\"", line);
}

static void test_page(void **state)
{
	struct fixture f;
	char *text, *want;
	(void)state;

	make(&f);
	count(f.h);
	text = render(&f, 1);
	want = slurp(TESTDATA_DIR "/metrics.prom");
	if (strcmp(text, want) != 0) {
		FILE *o = fopen("cp_metrics_got.prom", "w");

		if (o) {
			fputs(text, o);
			fclose(o);
		}
		fail_msg("the page differs from testdata/metrics.prom (got: cp_metrics_got.prom)");
	}
	/* the sums over the workers, and what the model says */
	has(text, "sluice_publish_generation 1");
	has(text, "sluice_publishes_total{result=\"acked\"} 3");
	has(text, "sluice_publish_ack_seconds_sum 0.0045");
	has(text, "sluice_dataplane_start_time_seconds 1700000000.123456789");
	has(text, "sluice_port_rx_packets_total{port=\"ext0\"} 210");
	has(text, "sluice_worker_rx_packets_total{worker=\"1\"} 110");
	has(text, "sluice_nat_connections{worker=\"1\",state=\"established\"} 13");
	has(text, "sluice_drops_total{reason=\"not_vip\"} 14");
	has(text, "sluice_drops_total{reason=\"nat_conn_full\"} 2");
	has(text, "sluice_vip_packets_total{vip=\"web\"} 110");
	has(text, "sluice_vip_flows_total{vip=\"api\"} 18");
	has(text, "sluice_backend_packets_total{pool=\"web\",backend=\"198.18.1.12:80\"} 60");
	has(text, "sluice_backend_requests_total{pool=\"login\",backend=\"198.18.1.21:80\"} 22");
	has(text, "sluice_nat_source_ports{source=\"198.18.1.50\"} 64512");
	has(text, "sluice_nat_source_ports_in_use{source=\"198.18.1.50\"} 5");
	has(text, "sluice_http_requests_total{vip=\"api\"} 34");
	has(text, "sluice_http_answered_total{vip=\"api\",reason=\"no_route\"} 2");
	/* ids follow the routes' order: the host route first (id 0), then /login (id 1) */
	has(text, "sluice_route_requests_total{vip=\"api\",route=\"*.example/\"} 26");
	has(text, "sluice_route_requests_total{vip=\"api\",route=\"/login\"} 6");
	has(text,
	    "sluice_route_responses_total{vip=\"api\",route=\"*.example/\",class=\"2xx\"} 24");
	has(text, "sluice_route_responses_total{vip=\"api\",route=\"/login\",class=\"4xx\"} 6");
	has(text, "sluice_route_answered_total{vip=\"api\",route=\"*.example/\","
		  "reason=\"no_instance\"} 2");
	has(text,
	    "sluice_backend_health{pool=\"web\",backend=\"198.18.1.11:80\",state=\"healthy\"} 1");
	has(text,
	    "sluice_backend_health{pool=\"web\",backend=\"198.18.1.12:80\",state=\"probing\"} 1");
	has(text, "sluice_backend_drained{pool=\"login\",backend=\"198.18.1.21:80\"} 1");
	has(text, "sluice_backend_serving{pool=\"login\",backend=\"198.18.1.21:80\"} 0");
	has(text, "sluice_request_duration_seconds_bucket{vip=\"api\",route=\"/login\","
		  "backend=\"198.18.1.21:80\",le=\"0.05\"} 7");
	free(want);
	free(text);
	cp_model_free(f.m);
	cpt_config_free(&f.c);
	free(f.h);
}

/* Nothing published, no model: no per-VIP family at all, the rest as it is. */
static void test_before_first_table(void **state)
{
	struct fixture f;
	char *text;
	(void)state;

	make(&f);
	f.h->published = 0;
	text = render(&f, 0);
	has(text, "sluice_publish_generation 0");
	has(text, "sluice_dataplane_workers 0");
	assert_null(strstr(text, "sluice_vip_"));
	assert_null(strstr(text, "sluice_backend_"));
	assert_null(strstr(text, "sluice_route_"));
	assert_non_null(strstr(text, "# TYPE sluice_drops_total counter\n"));
	free(text);
	cp_model_free(f.m);
	cpt_config_free(&f.c);
	free(f.h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page),
		cmocka_unit_test(test_before_first_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
