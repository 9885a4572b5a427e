/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cp_health_http: the exact verdict and reason for status lines good and
 * malformed, header ends (CRLF and bare LF), body substrings, responses cut
 * by the peer or the read limit; every response split at every byte reads
 * the same as whole; the exact request bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cp_health_http.h"
#include "cp_test_util.h"

struct resp_case {
	const char *resp;
	uint16_t lo, hi; /* accepted status range */
	const char *body;
	enum cp_health_http_verdict verdict; /* after the whole response */
	const char *why;		     /* of the verdict, or of a close (MORE) */
};

static const struct resp_case cases[] = {
	{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nready", 200, 399, "", CP_HEALTH_HTTP_PASS,
	 "status 200"},
	{"HTTP/1.0 503 Service Unavailable\r\n\r\ndown", 200, 399, "", CP_HEALTH_HTTP_FAIL,
	 "status 503"},
	{"HTTP/1.1 302 Found\r\nLocation: /x\r\n\r\n", 200, 399, "", CP_HEALTH_HTTP_PASS,
	 "status 302"},
	{"HTTP/1.1 302 Found\r\nLocation: /x\r\n\r\n", 200, 299, "", CP_HEALTH_HTTP_FAIL,
	 "status 302"},
	{"HTTP/1.1 404 Not Found\r\n\r\n", 404, 404, "", CP_HEALTH_HTTP_PASS, "status 404"},
	/* no reason phrase, bare LF */
	{"HTTP/1.1 200\n\n", 200, 399, "", CP_HEALTH_HTTP_PASS, "status 200"},
	{"HTTP/2 204 x\r\n", 200, 399, "", CP_HEALTH_HTTP_PASS, "status 204"},
	/* a status line longer than the kept 32 bytes is judged on those */
	{"HTTP/1.1 200 A very long reason phrase indeed\r\n\r\n", 200, 399, "", CP_HEALTH_HTTP_PASS,
	 "status 200"},
	{"HTTX/1.1 200 OK\r\n\r\n", 200, 399, "", CP_HEALTH_HTTP_FAIL, "malformed status line"},
	{"HTTP/1.1 2x0 OK\r\n\r\n", 200, 399, "", CP_HEALTH_HTTP_FAIL, "malformed status line"},
	{"HTTP/1.1 20\r\n\r\n", 200, 399, "", CP_HEALTH_HTTP_FAIL, "malformed status line"},
	{"HTTP/1.1 2000 OK\r\n\r\n", 200, 399, "", CP_HEALTH_HTTP_FAIL, "malformed status line"},
	{"HTTP/1.1 099 Low\r\n\r\n", 0, 599, "", CP_HEALTH_HTTP_FAIL, "malformed status line"},
	{"SSH-2.0-OpenSSH_9.2\r\n", 200, 399, "", CP_HEALTH_HTTP_FAIL, "malformed status line"},
	{"\r\n", 200, 399, "", CP_HEALTH_HTTP_FAIL, "malformed status line"},
	/* cut before the status line ends */
	{"HTTP/1.1 200", 200, 399, "", CP_HEALTH_HTTP_MORE, "connection closed before status line"},
	{"", 200, 399, "", CP_HEALTH_HTTP_MORE, "connection closed before status line"},
	/* the body substring */
	{"HTTP/1.1 200 OK\r\n\r\n{\"status\":\"ready\"}", 200, 399, "ready", CP_HEALTH_HTTP_PASS,
	 "status 200"},
	{"HTTP/1.1 200 OK\nA: b\n\nready", 200, 399, "ready", CP_HEALTH_HTTP_PASS, "status 200"},
	{"HTTP/1.1 200 OK\r\nX-State: ready\r\n\r\nstarting", 200, 399, "ready",
	 CP_HEALTH_HTTP_MORE, "body lacks \"ready\""},
	/* headers not ended: "ready" is still a header */
	{"HTTP/1.1 200 OK\r\nX-State: ready\r\n", 200, 399, "ready", CP_HEALTH_HTTP_MORE,
	 "body lacks \"ready\""},
	/* a line of only "\r" between ends is still a blank line */
	{"HTTP/1.1 200 OK\r\n\r\r\nready", 200, 399, "ready", CP_HEALTH_HTTP_PASS, "status 200"},
	/* status out of range: the body does not matter */
	{"HTTP/1.1 503 x\r\n\r\nready", 200, 399, "ready", CP_HEALTH_HTTP_FAIL, "status 503"},
	{"HTTP/1.1 200 OK\r\n\r\n!", 200, 399, "!", CP_HEALTH_HTTP_PASS, "status 200"},
	{"HTTP/1.1 200 OK\r\n\r\nrea", 200, 399, "ready", CP_HEALTH_HTTP_MORE,
	 "body lacks \"ready\""},
};

/* Feed @r in pieces cut at @cuts[0..n); the verdict, reason in @why (a close if MORE). */
static enum cp_health_http_verdict run(const struct resp_case *c, const size_t *cuts, int n,
				       char *why, size_t why_len)
{
	size_t len = strlen(c->resp), from = 0;
	struct cp_health_http p;
	enum cp_health_http_verdict v = CP_HEALTH_HTTP_MORE;

	cp_health_http_init(&p, c->lo, c->hi, c->body);
	for (int i = 0; i <= n && v == CP_HEALTH_HTTP_MORE; i++) {
		size_t to = i < n ? cuts[i] : len;

		v = cp_health_http_feed(&p, c->resp + from, (uint32_t)(to - from), why, why_len);
		from = to;
	}
	if (v == CP_HEALTH_HTTP_MORE)
		assert_int_equal(cp_health_http_cut(&p, 0, why, why_len), CP_HEALTH_HTTP_FAIL);
	return v;
}

static void test_verdicts(void **state)
{
	char why[CP_HEALTH_HTTP_WHY_LEN];
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strcpy(why, "unset");
		if (run(&cases[i], NULL, 0, why, sizeof(why)) != cases[i].verdict)
			fail_msg("case %zu (%s): verdict", i, cases[i].resp);
		assert_string_equal(why, cases[i].why);
	}
}

static void test_every_split(void **state)
{
	char why[CP_HEALTH_HTTP_WHY_LEN];
	size_t cuts[2];
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].resp);

		for (cuts[0] = 0; cuts[0] <= len; cuts[0]++)
			for (cuts[1] = cuts[0]; cuts[1] <= len; cuts[1]++) {
				strcpy(why, "unset");
				if (run(&cases[i], cuts, 2, why, sizeof(why)) != cases[i].verdict)
					fail_msg("case %zu cut at %zu, %zu: verdict", i, cuts[0],
						 cuts[1]);
				assert_string_equal(why, cases[i].why);
			}
	}
}

/* The body substring across reads of every size, far beyond the headers. */
static void test_body_across_reads(void **state)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n";
	char *resp = malloc(20000), why[CP_HEALTH_HTTP_WHY_LEN];
	const char *want = "the service is ready";
	size_t hl = strlen(head), len;
	(void)state;

	memcpy(resp, head, hl);
	memset(resp + hl, 'x', 10000);
	memcpy(resp + hl + 10000, want, strlen(want));
	len = hl + 10000 + strlen(want);
	for (size_t chunk = 1; chunk <= 4096; chunk = chunk * 3 + 1) {
		struct cp_health_http p;
		enum cp_health_http_verdict v = CP_HEALTH_HTTP_MORE;
		size_t off = 0;

		cp_health_http_init(&p, 200, 399, want);
		for (; off < len && v == CP_HEALTH_HTTP_MORE; off += chunk) {
			size_t n = len - off < chunk ? len - off : chunk;

			v = cp_health_http_feed(&p, resp + off, (uint32_t)n, why, sizeof(why));
			/* only the tail a split substring can start in is kept */
			assert_true(p.carry_len < strlen(want));
		}
		assert_int_equal(v, CP_HEALTH_HTTP_PASS);
		assert_int_equal(off >= len, 1);
		assert_string_equal(why, "status 200");
	}
	free(resp);
}

/* The longest substring a spec holds, split at every byte of it. */
static void test_longest_body(void **state)
{
	char want[CP_HEALTH_EXPECT_LEN], resp[512], why[CP_HEALTH_HTTP_WHY_LEN];
	int hl = snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\n\r\nzz");
	(void)state;

	for (size_t i = 0; i < sizeof(want) - 1; i++)
		want[i] = (char)('a' + i % 26);
	want[sizeof(want) - 1] = '\0';
	memcpy(resp + hl, want, sizeof(want));
	for (size_t cut = (size_t)hl; cut <= (size_t)hl + sizeof(want) - 1; cut++) {
		struct cp_health_http p;

		cp_health_http_init(&p, 200, 399, want);
		assert_int_equal(cp_health_http_feed(&p, resp, (uint32_t)cut, why, sizeof(why)),
				 cut == (size_t)hl + sizeof(want) - 1 ? CP_HEALTH_HTTP_PASS
								      : CP_HEALTH_HTTP_MORE);
		if (cut == (size_t)hl + sizeof(want) - 1)
			continue;
		assert_int_equal(cp_health_http_feed(&p, resp + cut, (uint32_t)strlen(resp + cut),
						     why, sizeof(why)),
				 CP_HEALTH_HTTP_PASS);
	}
}

/* The read limit: before the status line, and after it while the body is wanted. */
static void test_limit(void **state)
{
	static const char part[] = "HTTP/1.1 200 OK\r\nServer: x\r\n\r\nstill booting";
	struct cp_health_http p;
	char why[CP_HEALTH_HTTP_WHY_LEN];
	(void)state;

	cp_health_http_init(&p, 200, 399, "ready");
	assert_int_equal(cp_health_http_feed(&p, "HTTP/1.1", 8, why, sizeof(why)),
			 CP_HEALTH_HTTP_MORE);
	assert_int_equal(cp_health_http_cut(&p, 8, why, sizeof(why)), CP_HEALTH_HTTP_FAIL);
	assert_string_equal(why, "no status line within 8 bytes");

	cp_health_http_init(&p, 200, 399, "ready");
	assert_int_equal(cp_health_http_feed(&p, part, sizeof(part) - 1, why, sizeof(why)),
			 CP_HEALTH_HTTP_MORE);
	assert_int_equal(cp_health_http_cut(&p, 16384, why, sizeof(why)), CP_HEALTH_HTTP_FAIL);
	assert_string_equal(why, "body lacks \"ready\" within 16384 bytes");
	assert_int_equal(p.status, 200);
}

static void test_request(void **state)
{
	struct cp_health_spec s;
	struct sl_addr a;
	uint32_t len = 0;
	uint8_t af;
	char *r;
	(void)state;

	memset(&s, 0, sizeof(s));
	cpt_addr(&a, &af, "198.18.1.11");
	r = cp_health_http_request(&s, &a, af, 8080, &len);
	assert_non_null(r);
	assert_string_equal(r, "GET / HTTP/1.0\r\nHost: 198.18.1.11:8080\r\n"
			       "User-Agent: sluice-health\r\nAccept: */*\r\n"
			       "Connection: close\r\n\r\n");
	assert_int_equal(len, strlen(r));
	free(r);

	snprintf(s.http_path, sizeof(s.http_path), "/healthz?full=1");
	cpt_addr(&a, &af, "2001:2::11");
	r = cp_health_http_request(&s, &a, af, 80, &len);
	assert_string_equal(r, "GET /healthz?full=1 HTTP/1.0\r\nHost: [2001:2::11]:80\r\n"
			       "User-Agent: sluice-health\r\nAccept: */*\r\n"
			       "Connection: close\r\n\r\n");
	free(r);

	snprintf(s.http_host, sizeof(s.http_host), "login.svc.example");
	r = cp_health_http_request(&s, &a, af, 80, &len);
	assert_string_equal(r, "GET /healthz?full=1 HTTP/1.0\r\nHost: login.svc.example\r\n"
			       "User-Agent: sluice-health\r\nAccept: */*\r\n"
			       "Connection: close\r\n\r\n");
	assert_int_equal(len, strlen(r));
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_body_across_reads),
		cmocka_unit_test(test_longest_body),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
