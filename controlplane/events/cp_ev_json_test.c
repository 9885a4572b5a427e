/* SPDX-License-Identifier: BSD-3-Clause */
/* Event records as JSON lines: the exact line of each kind, the clock's conversion. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "cp_ev_json.h"
#include "sl_addr.h"

/* 1 GHz TSC, TSC 1000000000 is 2026-12-02T04:40:00.000Z */
static const struct cp_ev_clock clk = {
	.hz = 1000000000ull,
	.ref_tsc = 1000000000ull,
	.ref_ns = 1796186400ull * 1000000000ull,
};

static struct sl_flow_key client_key(void)
{
	struct sl_flow_key k;

	memset(&k, 0, sizeof(k));
	sl_addr_from_v4(&k.src, htonl(0xc6120002)); /* 198.18.0.2 */
	sl_addr_from_v4(&k.dst, htonl(0xc6126401)); /* 198.18.100.1 */
	k.sport = htons(40001);
	k.dport = htons(80);
	k.proto = IPPROTO_TCP;
	k.af = SL_AF_INET;
	return k;
}

static void test_clock(void **state)
{
	(void)state;
	assert_int_equal(cp_ev_clock_ns(&clk, 1000000000ull), clk.ref_ns);
	assert_int_equal(cp_ev_clock_ns(&clk, 3500000001ull), clk.ref_ns + 2500000001ull);
	assert_int_equal(cp_ev_clock_ns(&clk, 999999999ull), clk.ref_ns - 1);
	assert_int_equal(cp_ev_clock_us(&clk, 10, 12345678), 12345);
	assert_int_equal(cp_ev_clock_us(&clk, 20, 10), 0);
	/* a 2.4 GHz clock over a day does not overflow */
	{
		struct cp_ev_clock c = {.hz = 2400000000ull, .ref_tsc = 0, .ref_ns = 0};

		assert_int_equal(cp_ev_clock_us(&c, 0, 2400000000ull * 86400ull), 86400000000ull);
	}
}

static void test_flow_client_side(void **state)
{
	struct sl_addr be;
	struct cp_ev_names n = {.vip = "web",
				.instance = "b1",
				.instance_addr = &be,
				.instance_af = SL_AF_INET,
				.mode = SL_MODE_TUNNEL};
	struct sl_ev_flow f;
	char line[1024];
	int len;

	(void)state;
	sl_addr_from_v4(&be, htonl(0xc612010b));
	memset(&f, 0, sizeof(f));
	f.kind = SL_EV_FLOW;
	f.end = SL_EV_END_FIN;
	f.seen = SL_EV_SEEN_CLIENT;
	f.backend = 0;
	f.key = client_key();
	f.worker = 1;
	f.start_tsc = 1000000000ull + 5000000ull; /* 5 ms after the reference */
	f.last_tsc = f.start_tsc + 12345678ull;
	f.packets[SL_EV_DIR_CLIENT] = 6;
	f.bytes[SL_EV_DIR_CLIENT] = 412;
	len = cp_ev_json_flow(&f, &clk, &n, line, sizeof(line));
	assert_string_equal(
		line,
		"{\"ts\":\"2026-12-02T04:40:00.017Z\",\"kind\":\"flow\",\"vip\":\"web\","
		"\"mode\":\"tunnel\",\"instance\":\"b1\",\"instance_addr\":\"198.18.1.11\","
		"\"client\":\"198.18.0.2\",\"client_port\":40001,\"vip_addr\":\"198.18.100.1\","
		"\"vip_port\":80,\"proto\":\"tcp\",\"worker\":1,\"start\":\"2026-12-02T04:40:00."
		"005Z\","
		"\"duration_us\":12345,\"end\":\"fin\",\"seen\":\"client\",\"packets\":{\"client\":"
		"6},"
		"\"bytes\":{\"client\":412}}");
	assert_int_equal(len, (int)strlen(line));
	assert_int_equal(cp_ev_json_flow(&f, &clk, &n, line, 100), -ENOSPC);
}

static void test_flow_both_sides_gone_instance(void **state)
{
	struct cp_ev_names n = {.vip = "db", .mode = SL_MODE_NAT};
	struct sl_ev_flow f;
	char line[1024];

	(void)state;
	memset(&f, 0, sizeof(f));
	f.kind = SL_EV_FLOW;
	f.mode = SL_MODE_NAT;
	f.end = SL_EV_END_RST;
	f.seen = SL_EV_SEEN_BOTH;
	f.key = client_key();
	f.start_tsc = 1000000000ull;
	f.last_tsc = 1000000000ull + 1000ull;
	f.packets[0] = 3;
	f.packets[1] = 2;
	f.bytes[0] = 180;
	f.bytes[1] = 120;
	assert_true(cp_ev_json_flow(&f, &clk, &n, line, sizeof(line)) > 0);
	/* the instance left the table since: no name is made up */
	assert_string_equal(
		line,
		"{\"ts\":\"2026-12-02T04:40:00.000Z\",\"kind\":\"flow\",\"vip\":\"db\","
		"\"mode\":\"nat\",\"instance\":null,\"instance_addr\":null,"
		"\"client\":\"198.18.0.2\",\"client_port\":40001,\"vip_addr\":\"198.18.100.1\","
		"\"vip_port\":80,\"proto\":\"tcp\",\"worker\":0,\"start\":\"2026-12-02T04:40:00."
		"000Z\","
		"\"duration_us\":1,\"end\":\"rst\",\"seen\":\"both\","
		"\"packets\":{\"client\":3,\"instance\":2},\"bytes\":{\"client\":180,\"instance\":"
		"120}}");
}

static struct sl_ev_request http_request(void)
{
	struct sl_ev_request r;

	memset(&r, 0, sizeof(r));
	r.kind = SL_EV_REQUEST;
	r.mode = SL_MODE_HTTP;
	r.backend = 4;
	r.key = client_key();
	r.route = 7;
	r.start_tsc = 2000000000ull;
	r.connect_tsc = r.start_tsc + 250000ull;
	r.first_byte_tsc = r.start_tsc + 1500000ull;
	r.end_tsc = r.start_tsc + 1750000ull;
	r.req_bytes = 78;
	r.resp_bytes = 321;
	r.status = 200;
	memcpy(r.method, "GET", 3);
	r.method_len = 3;
	memcpy(r.host, "shop.example", 12);
	r.host_len = 12;
	memcpy(r.path, "/login?user=a", 13);
	r.path_len = 13;
	return r;
}

static void test_request(void **state)
{
	struct sl_addr be;
	struct cp_ev_names n = {.vip = "shop",
				.instance = "login2",
				.instance_addr = &be,
				.instance_af = SL_AF_INET,
				.route = "/login"};
	struct sl_ev_request r = http_request();
	char line[2048];

	(void)state;
	sl_addr_from_v4(&be, htonl(0xc6120116));
	assert_true(cp_ev_json_request(&r, &clk, &n, 1, line, sizeof(line)) > 0);
	assert_string_equal(
		line,
		"{\"ts\":\"2026-12-02T04:40:01.001Z\",\"kind\":\"request\",\"vip\":\"shop\","
		"\"mode\":\"http\",\"instance\":\"login2\",\"instance_addr\":\"198.18.1.22\","
		"\"client\":\"198.18.0.2\",\"client_port\":40001,\"vip_addr\":\"198.18.100.1\","
		"\"vip_port\":80,\"proto\":\"tcp\",\"worker\":0,\"start\":\"2026-12-02T04:40:01."
		"000Z\","
		"\"method\":\"GET\",\"host\":\"shop.example\",\"path\":\"/login?user=a\","
		"\"path_cut\":false,\"route\":\"/login\",\"status\":200,\"answer\":null,"
		"\"request_id\":null,\"req_bytes\":78,\"resp_bytes\":321,\"connect_us\":250,"
		"\"ttfb_us\":1500,\"duration_us\":1750,\"retries\":0}");
	/* without the query, and a path that was cut says so */
	r.flags = SL_EV_F_PATH_CUT;
	assert_true(cp_ev_json_request(&r, &clk, &n, 0, line, sizeof(line)) > 0);
	assert_non_null(strstr(line, "\"path\":\"/login\",\"path_cut\":true,"));
}

static void test_request_answered(void **state)
{
	struct cp_ev_names n = {.vip = "shop", .instance = "ignored", .route = "default"};
	struct sl_ev_request r = http_request();
	char line[2048];

	(void)state;
	r.backend = SL_BACKEND_NONE;
	r.answer = SL_HTTP_NO_ROUTE + 1;
	r.status = 404;
	r.connect_tsc = 0;
	r.first_byte_tsc = 0;
	r.resp_bytes = 0;
	r.host_len = 0;
	r.path[0] = '/';
	r.path[1] = '\xff'; /* not UTF-8: written as '?' */
	r.path_len = 2;
	assert_true(cp_ev_json_request(&r, &clk, &n, 1, line, sizeof(line)) > 0);
	assert_string_equal(
		line,
		"{\"ts\":\"2026-12-02T04:40:01.001Z\",\"kind\":\"request\",\"vip\":\"shop\","
		"\"mode\":\"http\",\"instance\":null,\"instance_addr\":null,"
		"\"client\":\"198.18.0.2\",\"client_port\":40001,\"vip_addr\":\"198.18.100.1\","
		"\"vip_port\":80,\"proto\":\"tcp\",\"worker\":0,\"start\":\"2026-12-02T04:40:01."
		"000Z\","
		"\"method\":\"GET\",\"host\":null,\"path\":\"/"
		"?\",\"path_cut\":false,\"route\":null,"
		"\"status\":404,\"answer\":\"no_route\",\"request_id\":null,\"req_bytes\":78,"
		"\"resp_bytes\":0,\"connect_us\":null,\"ttfb_us\":null,\"duration_us\":1750,"
		"\"retries\":0}");
}

static void test_nat_connection(void **state)
{
	struct sl_addr be;
	struct cp_ev_names n = {.vip = "db", .instance = "pg1", .instance_addr = &be};
	struct sl_ev_request r = http_request();
	char line[2048];

	(void)state;
	sl_addr_from_v4(&be, htonl(0xc612011f));
	r.mode = SL_MODE_NAT;
	r.flags = SL_EV_F_CONN;
	r.route = SL_EV_NO_ROUTE;
	r.status = 0;
	assert_true(cp_ev_json_request(&r, &clk, &n, 1, line, sizeof(line)) > 0);
	assert_string_equal(
		line,
		"{\"ts\":\"2026-12-02T04:40:01.001Z\",\"kind\":\"request\",\"vip\":\"db\","
		"\"mode\":\"nat\",\"instance\":\"pg1\",\"instance_addr\":\"198.18.1.31\","
		"\"client\":\"198.18.0.2\",\"client_port\":40001,\"vip_addr\":\"198.18.100.1\","
		"\"vip_port\":80,\"proto\":\"tcp\",\"worker\":0,\"start\":\"2026-12-02T04:40:01."
		"000Z\","
		"\"req_bytes\":78,\"resp_bytes\":321,\"connect_us\":250,\"ttfb_us\":1500,"
		"\"duration_us\":1750,\"retries\":0}");
}

static void test_health(void **state)
{
	char line[512];

	(void)state;
	assert_true(cp_ev_json_health(clk.ref_ns + 20000000ull, "instance", "web", "be2", "healthy",
				      "unhealthy", "tcp: connect refused (2/2 failed)", line,
				      sizeof(line)) > 0);
	assert_string_equal(line, "{\"ts\":\"2026-12-02T04:40:00.020Z\",\"kind\":\"health\","
				  "\"event\":\"instance\",\"pool\":\"web\",\"instance\":\"be2\","
				  "\"old\":\"healthy\",\"new\":\"unhealthy\","
				  "\"reason\":\"tcp: connect refused (2/2 failed)\"}");
	assert_true(cp_ev_json_health(clk.ref_ns, "pool", "web", NULL, "normal", "panic", NULL,
				      line, sizeof(line)) > 0);
	assert_string_equal(line, "{\"ts\":\"2026-12-02T04:40:00.000Z\",\"kind\":\"health\","
				  "\"event\":\"pool\",\"pool\":\"web\",\"instance\":null,"
				  "\"old\":\"normal\",\"new\":\"panic\",\"reason\":\"\"}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_flow_client_side),
		cmocka_unit_test(test_flow_both_sides_gone_instance),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_request_answered),
		cmocka_unit_test(test_nat_connection),
		cmocka_unit_test(test_health),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
