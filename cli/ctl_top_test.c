/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `sluicectl top`'s frame, byte for byte: two snapshots of a segment two
 * seconds apart, in which two workers counted requests, answers, 5xx,
 * new flows and connect failures; the rates per VIP (http and tunnel),
 * per route and per instance, "-" where a row has no such count and in
 * the latency columns. A row matched by name across a new generation that
 * moved it; a frame before any table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cp_tables.h"
#include "cp_test_util.h"
#include "ctl_top.h"

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

/* The config of @c into slot @slot of @h as generation @gen, published. */
static void publish(struct cfg *c, struct sl_shm_header *h, unsigned int slot, uint64_t gen)
{
	struct cp_tables *t = cp_tables_new(h->max_backends);
	struct cp_tables_summary sum;
	char why[256] = "";

	cp_tables_set_nat_port(t, cpt_nat_port, NULL);
	if (cp_tables_build(t, c, nh_lookup, NULL, h, slot, gen, 0, &sum, why, sizeof(why)))
		fail_msg("build: %s", why);
	h->published = SL_GEN_WORD(gen, slot);
	cp_tables_free(t);
}

static char *frame(const struct ctl_segment *s, const struct ctl_top_snap *a,
		   const struct ctl_top_snap *b)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	ctl_top_render(s, a, b, out);
	fclose(out);
	return text;
}

static void test_rates(void **state)
{
	static const char want[] =
		"sluice t: generation 1, 2 workers, over 2.0 s; active: 9 flows, 4 full-NAT "
		"connections\n"
		"  REQ/S: http requests, else new flows; ERR/S: the appliance's answers, 5xx, "
		"connect failures\n"
		"\n"
		"  VIP                                      MODE                  REQ/S      ERR/S"
		"      P50      P99\n"
		"  web                                      tunnel                  3.0          -"
		"        -        -\n"
		"  api                                      http                   12.5        1.5"
		"        -        -\n"
		"\n"
		"  ROUTE                                                          REQ/S      ERR/S"
		"      P50      P99\n"
		"  api /login                                                      10.0        1.0"
		"        -        -\n"
		"\n"
		"  INSTANCE                                 POOL                  REQ/S      ERR/S"
		"      P50      P99\n"
		"  198.18.1.11:0                            web                     3.0        0.0"
		"        -        -\n"
		"  198.18.1.21:0                            login                   7.5        0.5"
		"        -        -\n"
		"  198.18.1.22:0                            login                   2.5        0.0"
		"        -        -\n";
	struct ctl_segment s = {.path = "test", .instance = "t"};
	struct sl_shm_header *h = cpt_segment_of(&geometry);
	struct ctl_top_snap a, b;
	struct cfg c = {0};
	struct cfg_pool *p;
	struct cfg_vip *v;
	char *text;
	(void)state;

	cpt_backend(cpt_pool(&c, "web"), "198.18.1.11", 0, 1);
	p = cpt_pool(&c, "login");
	cpt_backend(p, "198.18.1.21", 0, 1);
	cpt_backend(p, "198.18.1.22", 0, 1);
	cpt_vip(&c, "web", "198.18.0.1", 80, "web");
	v = cpt_http_vip(&c, "api", "198.18.0.10", "login");
	cpt_route(v, NULL, "/login", "login");
	publish(&c, h, 0, 1);
	h->dp_workers = 2;
	s.hdr = h;

	assert_int_equal(ctl_top_take(&s, 1000000000ull, &a), 0);
	for (uint32_t w = 0; w < 2; w++) {
		struct sl_worker_stats *ws = sl_shm_worker_stats(h, w);
		struct sl_http_counter *hc = &sl_stats_http(h, ws)[1];
		struct sl_route_counter *rc = &sl_stats_routes(h, ws)[0];

		ws->flows_active = 4 + w;
		ws->nat.conns_active = 2;
		sl_stats_vips(ws)[0].flows = 3;		    /* web: 6 new flows in 2 s */
		hc->requests = 12 + w;			    /* api: 25 heads */
		hc->answered[SL_HTTP_NO_ROUTE] = 1;	    /* 2 answers */
		hc->answered[SL_HTTP_HEAD_TIMEOUT] = w;	    /* and 1 */
		rc->requests = 10;			    /* /login: 20 */
		rc->status[4] = w;			    /* one 5xx */
		rc->answered[SL_HTTP_NO_INSTANCE] = 1 - w;  /* one answer */
		sl_stats_backends(h, ws)[0].flows = 3;	    /* web's instance: 6 flows */
		sl_stats_backends(h, ws)[0].requests = 100; /* not an http pool: not counted */
		sl_stats_backends(h, ws)[1].requests = 7 + w;
		sl_stats_backends(h, ws)[1].connect_failures = w;
		sl_stats_backends(h, ws)[2].requests = 2 + w;
	}
	assert_int_equal(ctl_top_take(&s, 3000000000ull, &b), 0);
	text = frame(&s, &a, &b);
	assert_string_equal(text, want);
	free(text);
	ctl_top_free(&a);
	ctl_top_free(&b);
	cpt_config_free(&c);
	free(h);
}

/* A new generation puts api first: its row still takes its own counts. */
static void test_reordered(void **state)
{
	struct ctl_segment s = {.path = "test", .instance = "t"};
	struct sl_shm_header *h = cpt_segment_of(&geometry);
	struct ctl_top_snap a, b;
	struct cfg c = {0}, d = {0};
	char *text;
	(void)state;

	cpt_backend(cpt_pool(&c, "web"), "198.18.1.11", 0, 1);
	cpt_vip(&c, "web", "198.18.0.1", 80, "web");
	cpt_vip(&c, "other", "198.18.0.2", 80, "web");
	publish(&c, h, 0, 1);
	h->dp_workers = 1;
	s.hdr = h;
	sl_stats_vips(sl_shm_worker_stats(h, 0))[0].flows = 10; /* web */
	assert_int_equal(ctl_top_take(&s, 0, &a), 0);

	cpt_backend(cpt_pool(&d, "web"), "198.18.1.11", 0, 1);
	cpt_vip(&d, "other", "198.18.0.2", 80, "web");
	cpt_vip(&d, "web", "198.18.0.1", 80, "web");
	publish(&d, h, 1, 2);
	sl_stats_vips(sl_shm_worker_stats(h, 0))[1].flows = 14; /* web, at its new index */
	sl_stats_vips(sl_shm_worker_stats(h, 0))[0].flows = 0;
	assert_int_equal(ctl_top_take(&s, 1000000000ull, &b), 0);
	text = frame(&s, &a, &b);
	assert_non_null(strstr(text, "\n  web                                      tunnel      "
				     "            4.0          -"));
	free(text);
	ctl_top_free(&a);
	ctl_top_free(&b);
	cpt_config_free(&c);
	cpt_config_free(&d);
	free(h);
}

static void test_no_table(void **state)
{
	struct ctl_segment s = {.path = "test", .instance = "t"};
	struct sl_shm_header *h = cpt_segment_of(&geometry);
	struct ctl_top_snap a;
	char *text;
	(void)state;

	s.hdr = h;
	assert_int_equal(ctl_top_take(&s, 0, &a), 0);
	text = frame(&s, NULL, &a);
	assert_string_equal(text, "sluice t: generation 0, 0 workers, over 0.0 s; active: 0 flows, "
				  "0 full-NAT connections\n"
				  "  REQ/S: http requests, else new flows; ERR/S: the appliance's "
				  "answers, 5xx, connect failures\n"
				  "\n  no table published yet\n");
	free(text);
	ctl_top_free(&a);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_reordered),
		cmocka_unit_test(test_no_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
