/* SPDX-License-Identifier: BSD-3-Clause */
/* sluicectl events: the filters, and each kind's line of the table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ctl_events.h"

static const char *const flow =
	"{\"ts\":\"2026-12-02T04:40:00.017Z\",\"kind\":\"flow\",\"vip\":\"web\",\"mode\":"
	"\"tunnel\","
	"\"instance\":\"b1\",\"instance_addr\":\"198.18.1.11\",\"client\":\"198.18.0.2\","
	"\"client_port\":40001,\"vip_addr\":\"198.18.100.1\",\"vip_port\":80,\"proto\":\"tcp\","
	"\"worker\":1,\"start\":\"2026-12-02T04:40:00.005Z\",\"duration_us\":12345,\"end\":\"fin\","
	"\"seen\":\"client\",\"packets\":{\"client\":6},\"bytes\":{\"client\":412}}";
static const char *const request =
	"{\"ts\":\"2026-12-02T04:40:01.001Z\",\"kind\":\"request\",\"vip\":\"shop\",\"mode\":"
	"\"http\","
	"\"instance\":\"login2\",\"instance_addr\":\"198.18.1.22\",\"client\":\"198.18.0.2\","
	"\"client_port\":40001,\"vip_addr\":\"198.18.100.1\",\"vip_port\":80,\"proto\":\"tcp\","
	"\"worker\":0,\"start\":\"2026-12-02T04:40:01.000Z\",\"method\":\"GET\","
	"\"host\":\"shop.example\",\"path\":\"/login\\u001b[2J\",\"path_cut\":false,"
	"\"route\":\"/login\",\"status\":200,\"answer\":null,\"request_id\":null,\"req_bytes\":78,"
	"\"resp_bytes\":321,\"connect_us\":250,\"ttfb_us\":1500,\"duration_us\":1750,\"retries\":"
	"0}";
static const char *const health =
	"{\"ts\":\"2026-12-02T04:40:00.020Z\",\"kind\":\"health\",\"event\":\"instance\","
	"\"pool\":\"web\",\"instance\":\"be2\",\"old\":\"healthy\",\"new\":\"unhealthy\","
	"\"reason\":\"tcp: connect refused (2/2 failed)\"}";

static json_t *parse(const char *s)
{
	json_t *o = json_loads(s, 0, NULL);

	assert_non_null(o);
	return o;
}

static void test_filters(void **state)
{
	json_t *f = parse(flow), *r = parse(request), *h = parse(health);
	struct ctl_events_filter all = {0}, flows = {.kind = "flow"}, web = {.vip = "web"},
				 be2 = {.instance = "be2"},
				 login2 = {.kind = "request", .instance = "login2"};

	(void)state;
	assert_true(ctl_events_match(&all, f) && ctl_events_match(&all, r) &&
		    ctl_events_match(&all, h));
	assert_true(ctl_events_match(&flows, f));
	assert_false(ctl_events_match(&flows, r) || ctl_events_match(&flows, h));
	/* a health line names a pool, not a VIP */
	assert_true(ctl_events_match(&web, f));
	assert_false(ctl_events_match(&web, r) || ctl_events_match(&web, h));
	assert_true(ctl_events_match(&be2, h));
	assert_false(ctl_events_match(&be2, f));
	assert_true(ctl_events_match(&login2, r));
	assert_false(ctl_events_match(&login2, f));
	json_decref(f);
	json_decref(r);
	json_decref(h);
}

static void expect_print(const char *line, const char *want)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	json_t *o = parse(line);

	assert_non_null(out);
	ctl_events_print(out, o);
	fclose(out);
	assert_string_equal(buf, want);
	free(buf);
	json_decref(o);
}

static void test_table(void **state)
{
	(void)state;
	expect_print(flow, "2026-12-02T04:40:00.017Z flow    web          b1           "
			   "198.18.0.2:40001 tunnel 12.345 ms end fin seen client packets 6/0 "
			   "bytes 412/0\n");
	/* what the client sent reaches the terminal escaped */
	expect_print(request, "2026-12-02T04:40:01.001Z request shop         login2       "
			      "198.18.0.2:40001 GET /login\\x1b[2J 200 1.750 ms ttfb 1.500 ms "
			      "route /login\n");
	expect_print(health, "2026-12-02T04:40:00.020Z health  web          be2          "
			     "instance healthy -> unhealthy: tcp: connect refused (2/2 failed)\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
