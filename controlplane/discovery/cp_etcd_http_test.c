/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The etcd provider's HTTP/1.1 response parser: real etcd 3.4 responses
 * (captured from the JSON gateway) split at every byte boundary parse the
 * same as whole; malformed input is refused with a reason.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cp_etcd_http.h"

/* etcd 3.4.23: POST /v3/kv/range */
static const char range_resp[] = "HTTP/1.1 200 OK\r\n"
				 "Access-Control-Allow-Origin: *\r\n"
				 "Content-Type: application/json\r\n"
				 "Grpc-Metadata-Content-Type: application/grpc\r\n"
				 "Date: Wed, 25 Nov 2026 12:44:35 GMT\r\n"
				 "Content-Length: 114\r\n"
				 "\r\n"
				 "{\"header\":{\"cluster_id\":\"15118495548433857066\",\"member_"
				 "id\":\"13668033151171901709\","
				 "\"revision\":\"2\",\"raft_term\":\"2\"}}";

/* etcd 3.4.23: POST /v3/watch, two messages, then (added) the last chunk */
static const char watch_msg1[] =
	"{\"result\":{\"header\":{\"cluster_id\":\"15118495548433857066\",\"member_id\":"
	"\"13668033151171901709\",\"revision\":\"4\",\"raft_term\":\"2\"},\"created\":true}}\n";
static const char watch_msg2[] =
	"{\"result\":{\"header\":{\"cluster_id\":\"15118495548433857066\",\"member_id\":"
	"\"13668033151171901709\",\"revision\":\"5\",\"raft_term\":\"2\"},\"events\":[{\"type\":"
	"\"DELETE\",\"kv\":{\"key\":\"L3NsdWljZS9wb29scy93ZWIvYQ==\",\"mod_revision\":\"5\"}}]}}\n";

static char watch_resp[2048];

static void build_watch_resp(int with_end)
{
	snprintf(watch_resp, sizeof(watch_resp),
		 "HTTP/1.1 200 OK\r\n"
		 "Content-Type: application/json\r\n"
		 "Transfer-Encoding: chunked\r\n"
		 "\r\n"
		 "%zx\r\n%s\r\n"
		 "%zX;ext=1\r\n%s\r\n"
		 "%s",
		 strlen(watch_msg1), watch_msg1, strlen(watch_msg2), watch_msg2,
		 with_end ? "0\r\nX-Trailer: y\r\n\r\n" : "");
}

/* Feed @s in pieces cut at @cuts[0..n) and return the total used. */
static long feed_split(struct cp_etcd_http *h, const char *s, size_t len, const size_t *cuts, int n)
{
	size_t from = 0;
	long total = 0;

	for (int i = 0; i <= n; i++) {
		size_t to = i < n ? cuts[i] : len;
		long r = cp_etcd_http_feed(h, s + from, to - from);

		if (r < 0)
			return r;
		total += r;
		if ((size_t)r != to - from)
			return total;
		from = to;
	}
	return total;
}

static void test_content_length_every_split(void **state)
{
	size_t len = strlen(range_resp);

	(void)state;
	for (size_t a = 0; a <= len; a++) {
		struct cp_etcd_http h;
		size_t cut[1] = {a};

		cp_etcd_http_init(&h);
		assert_int_equal(feed_split(&h, range_resp, len, cut, 1), (long)len);
		assert_true(cp_etcd_http_done(&h));
		assert_int_equal(h.status, 200);
		assert_int_equal(h.content_length, 114);
		assert_int_equal(h.body_len, 114);
		assert_memory_equal(h.body, range_resp + len - 114, 114);
		assert_int_equal(h.body[114], '\0');
		cp_etcd_http_fini(&h);
	}
}

static void test_chunked_every_two_splits(void **state)
{
	size_t len, want = strlen(watch_msg1) + strlen(watch_msg2);
	char expect[1024];

	(void)state;
	build_watch_resp(1);
	len = strlen(watch_resp);
	snprintf(expect, sizeof(expect), "%s%s", watch_msg1, watch_msg2);
	for (size_t a = 0; a <= len; a++) {
		for (size_t b = a; b <= len; b += 7) {
			struct cp_etcd_http h;
			size_t cut[2] = {a, b};

			cp_etcd_http_init(&h);
			assert_int_equal(feed_split(&h, watch_resp, len, cut, 2), (long)len);
			assert_true(cp_etcd_http_done(&h));
			assert_int_equal(h.chunked, 1);
			assert_int_equal(h.body_len, want);
			assert_string_equal(h.body, expect);
			cp_etcd_http_fini(&h);
		}
	}
}

static void test_chunked_byte_by_byte_stream_and_consume(void **state)
{
	struct cp_etcd_http h;
	size_t len;

	(void)state;
	build_watch_resp(0);
	len = strlen(watch_resp);
	cp_etcd_http_init(&h);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(cp_etcd_http_feed(&h, watch_resp + i, 1), 1);
	/* a stream: never done, both messages in the body */
	assert_false(cp_etcd_http_done(&h));
	assert_int_equal(h.state, CP_ETCD_HTTP_CHUNK_SIZE);
	cp_etcd_http_consume(&h, strlen(watch_msg1));
	assert_string_equal(h.body, watch_msg2);
	cp_etcd_http_consume(&h, 100000);
	assert_int_equal(h.body_len, 0);
	assert_int_equal(cp_etcd_http_eof(&h), -EPIPE);
	cp_etcd_http_fini(&h);
}

static void test_bytes_after_response_not_used(void **state)
{
	static const char two[] =
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 500 X\r\n";
	struct cp_etcd_http h;

	(void)state;
	cp_etcd_http_init(&h);
	assert_int_equal(cp_etcd_http_feed(&h, two, strlen(two)), 40);
	assert_true(cp_etcd_http_done(&h));
	assert_string_equal(h.body, "ok");
	/* the next response on the same connection */
	cp_etcd_http_reset(&h);
	cp_etcd_http_consume(&h, h.body_len);
	assert_int_equal(cp_etcd_http_feed(&h, two + 40, strlen(two) - 40), (long)strlen(two) - 40);
	assert_int_equal(h.status, 500);
	assert_int_equal(h.state, CP_ETCD_HTTP_HEADERS);
	cp_etcd_http_fini(&h);
}

static void test_body_until_eof(void **state)
{
	static const char r[] = "HTTP/1.0 404 Not Found\r\n\r\n{\"error\":\"x\"}";
	struct cp_etcd_http h;

	(void)state;
	cp_etcd_http_init(&h);
	assert_int_equal(cp_etcd_http_feed(&h, r, strlen(r)), (long)strlen(r));
	assert_int_equal(h.status, 404);
	assert_int_equal(h.close, 1);
	assert_false(cp_etcd_http_done(&h));
	assert_int_equal(cp_etcd_http_eof(&h), 0);
	assert_true(cp_etcd_http_done(&h));
	assert_string_equal(h.body, "{\"error\":\"x\"}");
	cp_etcd_http_fini(&h);
}

static void test_garbage_refused(void **state)
{
	static const struct {
		const char *in;
		long rc;
		const char *why;
	} bad[] = {
		{"FOO/1.1 200 OK\r\n", -EPROTO, "bad status line"},
		{"HTTP/1.1 2x0 OK\r\n", -EPROTO, "bad status code"},
		{"HTTP/1.1 100 Continue\r\n", -EPROTO, "unexpected status 100"},
		{"HTTP/1.1 200 OK\r\nno colon here\r\n", -EPROTO, "bad header line"},
		{"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n", -EPROTO, "bad Content-Length"},
		{"HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n", -EPROTO, "bad Content-Length"},
		{"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n", -EPROTO,
		 "bad Content-Length"},
		{"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n", -EPROTO,
		 "conflicting Content-Length"},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n", -EPROTO,
		 "unsupported Transfer-Encoding"},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", -EPROTO,
		 "bad chunk size"},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2 x\r\n", -EPROTO,
		 "bad chunk size"},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n", -EPROTO,
		 "no CRLF after chunk data"},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffff\r\n", -EMSGSIZE,
		 "chunk over"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cp_etcd_http h;

		cp_etcd_http_init(&h);
		assert_int_equal(cp_etcd_http_feed(&h, bad[i].in, strlen(bad[i].in)), bad[i].rc);
		if (strstr(h.why, bad[i].why) == NULL)
			fail_msg("case %zu: why \"%s\" lacks \"%s\"", i, h.why, bad[i].why);
		cp_etcd_http_fini(&h);
	}
}

static void test_overlong_line_and_nul(void **state)
{
	static char big[CP_ETCD_HTTP_MAX_LINE + 10];
	struct cp_etcd_http h;

	(void)state;
	memset(big, 'a', sizeof(big));
	cp_etcd_http_init(&h);
	assert_int_equal(cp_etcd_http_feed(&h, big, sizeof(big)), -EMSGSIZE);
	cp_etcd_http_fini(&h);
	cp_etcd_http_init(&h);
	assert_int_equal(cp_etcd_http_feed(&h, "HTTP/1.1\0 200", 13), -EPROTO);
	assert_string_equal(h.why, "NUL byte in a header line");
	cp_etcd_http_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_length_every_split),
		cmocka_unit_test(test_chunked_every_two_splits),
		cmocka_unit_test(test_chunked_byte_by_byte_stream_and_consume),
		cmocka_unit_test(test_bytes_after_response_not_used),
		cmocka_unit_test(test_body_until_eof),
		cmocka_unit_test(test_garbage_refused),
		cmocka_unit_test(test_overlong_line_and_nul),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
