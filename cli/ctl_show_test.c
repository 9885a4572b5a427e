/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `sluicectl show` of a table sluiced built: an http VIP's routes in the
 * order the dataplane tries them (id, host, path, pool), its default
 * route, its options, and each pool's balance; `sluicectl stats` of an
 * http VIP, text and JSON, over two workers' counters: its routes'
 * requests, status classes and answers, and its instances' requests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "cp_tables.h"
#include "cp_test_util.h"
#include "ctl_show.h"

static int nh_lookup(void *ctx, const struct sl_addr *addr, struct cp_nexthop *nh)
{
	(void)ctx;
	(void)addr;
	memset(nh, 0, sizeof(*nh));
	return 0;
}

/* The table of @c in slot 0 of @h (its http VIPs with their own NAT source), published. */
static void publish(struct cfg *c, struct sl_shm_header *h)
{
	struct cp_tables *t = cp_tables_new(h->max_backends);
	struct cp_tables_summary sum;
	char why[256] = "";

	cp_tables_set_nat_port(t, cpt_nat_port, NULL);
	if (cp_tables_build(t, c, nh_lookup, NULL, h, 0, 1, 0, &sum, why, sizeof(why)))
		fail_msg("build: %s", why);
	h->published = SL_GEN_WORD(1, 0);
	cp_tables_free(t);
}

/* The segment of both tests: two workers' statistics blocks */
static const struct sl_shm_geometry geometry = {.max_workers = 2,
						.max_ports = 2,
						.max_vips = 4,
						.max_pools = 4,
						.max_backends = 8,
						.maglev_size = 13,
						.max_nat_sources = 2,
						.max_routes = 4};

static void test_show_http(void **state)
{
	static const char want[] =
		"\nVIPs\n"
		"  NAME             ADDRESS                            PROTO  MODE    ENCAP    "
		"POOL\n"
		"  api              198.18.0.10:80                     tcp    http    -        "
		"web\n"
		"  bare             198.18.0.12:80                     tcp    http    -        -\n"
		"\n"
		"nat VIPs\n"
		"  NAME             FLAGS                SOURCES\n"
		"  api              synproxy             198.18.1.50:1024-65535\n"
		"  bare             synproxy             198.18.1.50:1024-65535\n"
		"\n"
		"vip api: http, head_max 8192, head_timeout_ms 5000, cookie SLUICE_INSTANCE, "
		"x-forwarded-for\n"
		"  ID    HOST                             PATH                                     "
		"POOL\n"
		"  0     admin.example                    /admin                                   "
		"web\n"
		"  1     *.example                        /                                        "
		"login\n"
		"  2     *                                /login                                   "
		"login\n"
		"  -     *                                (default)                                "
		"web\n"
		"\n"
		"vip bare: http, head_max 8192, head_timeout_ms 100\n"
		"  ID    HOST                             PATH                                     "
		"POOL\n"
		"  -     *                                (default)                                "
		"- (404)\n"
		"\n"
		"pool web: 1 backends, 1 in the Maglev table, balance maglev\n"
		"  SLOT  NAME                     ADDRESS                    WEIGHT STATE      "
		"NEXT-HOP-MAC      PORT\n"
		"  0     198.18.1.11:0            198.18.1.11                1      active     "
		"00:00:00:00:00:00 0\n"
		"\n"
		"pool login: 2 backends, 2 in the Maglev table, balance round-robin over 2 "
		"members\n"
		"  SLOT  NAME                     ADDRESS                    WEIGHT STATE      "
		"NEXT-HOP-MAC      PORT\n"
		"  1     198.18.1.21:0            198.18.1.21                2      active     "
		"00:00:00:00:00:00 0\n"
		"  2     198.18.1.22:0            198.18.1.22                1      active     "
		"00:00:00:00:00:00 0\n";
	struct ctl_segment s = {.path = "test", .instance = "t"};
	struct sl_shm_header *h = cpt_segment_of(&geometry);
	struct cfg c = {0};
	struct cfg_pool *p;
	struct cfg_vip *v;
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	(void)state;

	p = cpt_pool(&c, "web");
	cpt_backend(p, "198.18.1.11", 0, 1);
	p = cpt_pool(&c, "login");
	p->balance = SL_BALANCE_RR;
	cpt_backend(p, "198.18.1.21", 0, 2);
	cpt_backend(p, "198.18.1.22", 0, 1);
	v = cpt_http_vip(&c, "api", "198.18.0.10", "web");
	cpt_route(v, NULL, "/login", "login");
	cpt_route(v, "*.example", "/", "login");
	cpt_route(v, "admin.example", "/admin", "web");
	snprintf(v->http.sticky_cookie, sizeof(v->http.sticky_cookie), "SLUICE_INSTANCE");
	v->http.x_forwarded_for = 1;
	v = cpt_http_vip(&c, "bare", "198.18.0.12", "");
	v->http.head_timeout_ms = 100;
	publish(&c, h);

	s.hdr = h;
	out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(ctl_show(&s, out), 0);
	fclose(out);
	assert_non_null(strstr(text, "\nVIPs"));
	assert_string_equal(strstr(text, "\nVIPs"), want);
	free(text);
	cpt_config_free(&c);
	free(h);
}

/* Two workers' http counters, as the dataplane leaves them: the sums, exactly. */
static void test_stats_http(void **state)
{
	static const char want_text[] =
		"\nhttp vip api: requests 20, rebinds 3, sticky hits 2, misses 1\n"
		"  answered: bad_request 1, head_too_long 0, no_route 0, no_instance 2, "
		"head_timeout 1\n"
		"  inserted: headers 7, cookies 3; not inserted: busy 0, no_mbuf 2, no_room 0, "
		"no_id 1\n"
		"  ID    HOST                     PATH                     POOL               "
		"REQUESTS      1XX      2XX      3XX      4XX      5XX ANSWERED\n"
		"  0     *                        /profile                 profile            "
		"       5        1        5        0        0        0        0\n"
		"  1     *                        /login                   login              "
		"      12        0       10        0        1        0        2\n"
		"  INSTANCE                 POOL               REQUESTS\n"
		"  198.18.1.11:0            web                       3\n"
		"  198.18.1.21:0            login                     6\n"
		"  198.18.1.22:0            login                     4\n"
		"  198.18.1.31:0            profile                   5\n"
		"\ndrops\n"
		"  none\n";
	static const char want_json[] =
		"\"http\":{\"api\":{\"requests\":20,\"rebinds\":3,\"sticky_hit\":2,"
		"\"sticky_miss\":1,\"answered\":{\"bad_request\":1,\"head_too_long\":0,"
		"\"no_route\":0,\"no_instance\":2,\"head_timeout\":1},\"inserted\":{\"headers\":7,"
		"\"cookies\":3},\"not_inserted\":{\"busy\":0,\"no_mbuf\":2,\"no_room\":0,"
		"\"no_id\":1},\"routes\":[{\"id\":0,"
		"\"host\":\"*\",\"path\":\"/profile\",\"pool\":\"profile\",\"requests\":5,"
		"\"status\":{\"1xx\":1,\"2xx\":5,\"3xx\":0,\"4xx\":0,\"5xx\":0},\"answered\":{"
		"\"bad_request\":0,\"head_too_long\":0,\"no_route\":0,\"no_instance\":0,"
		"\"head_timeout\":0}},{\"id\":1,\"host\":\"*\",\"path\":\"/login\","
		"\"pool\":\"login\",\"requests\":12,"
		"\"status\":{\"1xx\":0,\"2xx\":10,\"3xx\":0,\"4xx\":1,\"5xx\":0},"
		"\"answered\":{\"bad_request\":0,\"head_too_long\":0,\"no_route\":0,"
		"\"no_instance\":2,\"head_timeout\":0}}],\"instances\":[{\"slot\":0,\"name\":\"198."
		"18.1.11:0\","
		"\"pool\":\"web\",\"requests\":3},{\"slot\":1,\"name\":\"198.18.1.21:0\","
		"\"pool\":\"login\",\"requests\":6},{\"slot\":2,\"name\":\"198.18.1.22:0\","
		"\"pool\":\"login\",\"requests\":4},{\"slot\":3,\"name\":\"198.18.1.31:0\","
		"\"pool\":\"profile\",\"requests\":5}]}},\"drops\"";
	struct ctl_segment s = {.path = "test", .instance = "t"};
	struct sl_shm_header *h = cpt_segment_of(&geometry);
	struct sl_worker_stats *w0, *w1;
	struct sl_route_counter *r0, *r1;
	struct sl_http_counter *v0, *v1;
	struct cfg c = {0};
	struct cfg_pool *p;
	struct cfg_vip *v;
	char *text = NULL, *json;
	size_t len = 0;
	FILE *out;
	(void)state;

	cpt_backend(cpt_pool(&c, "web"), "198.18.1.11", 0, 1);
	p = cpt_pool(&c, "login");
	cpt_backend(p, "198.18.1.21", 0, 1);
	cpt_backend(p, "198.18.1.22", 0, 1);
	cpt_backend(cpt_pool(&c, "profile"), "198.18.1.31", 0, 1);
	v = cpt_http_vip(&c, "api", "198.18.0.10", "web");
	cpt_route(v, NULL, "/login", "login");
	cpt_route(v, NULL, "/profile", "profile");
	publish(&c, h);
	h->dp_workers = 2;
	w0 = sl_shm_worker_stats(h, 0);
	w1 = sl_shm_worker_stats(h, 1);
	v0 = &sl_stats_http(h, w0)[0];
	v1 = &sl_stats_http(h, w1)[0];
	r0 = sl_stats_routes(h, w0);
	r1 = sl_stats_routes(h, w1);
	*v1 = (struct sl_http_counter){.requests = 5, .rebinds = 1, .sticky_miss = 1};
	*v0 = (struct sl_http_counter){.requests = 15,
				       .rebinds = 2,
				       .sticky_hit = 2,
				       .inserted_headers = 5,
				       .inserted_cookies = 3};
	v1->inserted_headers = 2;
	v0->insert_failed[SL_HTTP_INS_NO_MBUF] = 2;
	v1->insert_failed[SL_HTTP_INS_NO_ID] = 1;
	v0->answered[SL_HTTP_BAD_REQUEST] = 1;
	v0->answered[SL_HTTP_NO_INSTANCE] = 1;
	v1->answered[SL_HTTP_NO_INSTANCE] = 1;
	v1->answered[SL_HTTP_HEAD_TIMEOUT] = 1;
	r0[1].requests = 8;
	r0[1].status[1] = 7;
	r0[1].answered[SL_HTTP_NO_INSTANCE] = 1;
	r1[1].requests = 4;
	r1[1].status[1] = 3;
	r1[1].status[3] = 1;
	r1[1].answered[SL_HTTP_NO_INSTANCE] = 1;
	r0[0].requests = 5;
	r0[0].status[0] = 1;
	r0[0].status[1] = 5;
	sl_stats_backends(h, w0)[0].requests = 3;
	sl_stats_backends(h, w0)[1].requests = 4;
	sl_stats_backends(h, w1)[1].requests = 2;
	sl_stats_backends(h, w1)[2].requests = 4;
	sl_stats_backends(h, w0)[3].requests = 5;

	s.hdr = h;
	out = open_memstream(&text, &len);
	assert_non_null(out);
	assert_int_equal(ctl_stats(&s, out, 0), 0);
	fclose(out);
	assert_non_null(strstr(text, "\nhttp vip"));
	assert_string_equal(strstr(text, "\nhttp vip"), want_text);
	free(text);
	out = open_memstream(&text, &len);
	assert_int_equal(ctl_stats(&s, out, 1), 0);
	fclose(out);
	json = strstr(text, "\"http\":");
	assert_non_null(json);
	assert_int_equal(strncmp(json, want_json, strlen(want_json)), 0);
	/* the backends carry their requests too */
	assert_non_null(strstr(text, "\"198.18.1.22:0\":{\"packets\":0,\"bytes\":0,\"flows\":0,"
				     "\"requests\":4,"));
	free(text);
	cpt_config_free(&c);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_show_http),
		cmocka_unit_test(test_stats_http),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
