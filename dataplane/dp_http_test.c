/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP framing parser: requests and responses as they come from real
 * clients and servers, every smuggling-prone form refused with its reason,
 * and the differential check that matters for a parser fed TCP segments:
 * the same bytes split at every point (and byte by byte) give exactly the
 * same result as fed whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dp_http.h"

struct fx {
	const char *name;
	const char *bytes;
	int response, head_req, connect_req;
	/* expected */
	enum dp_http_status end; /* DONE (message ends in the bytes) or MORE (close-delimited) */
	unsigned int error;	 /* DP_HTTP_E_*, NONE when it parses */
	uint16_t flags;		 /* every DP_HTTP_F_* expected */
	const char *method, *path, *host, *cookie;
	uint16_t status;
	uint64_t length;
	uint64_t body; /* bytes of body consumed at the end */
	uint32_t tail; /* bytes after the message (the next one's) */
};

#define CRLF "\r\n"

static const struct fx fixtures[] = {
	{"get",
	 "GET /login?next=/ HTTP/1.1" CRLF "Host: api.example" CRLF "User-Agent: curl/7.88" CRLF
	 "Accept: */*" CRLF CRLF,
	 0, 0, 0, DP_HTTP_DONE, DP_HTTP_E_NONE, DP_HTTP_F_HOST, "GET", "/login?next=/",
	 "api.example"},
	{"post length",
	 "POST /profile HTTP/1.1" CRLF "Host: api.example:8080 " CRLF "Content-Length: 11" CRLF CRLF
	 "hello world",
	 0, 0, 0, DP_HTTP_DONE, DP_HTTP_E_NONE, DP_HTTP_F_HOST | DP_HTTP_F_LENGTH, "POST",
	 "/profile", "api.example:8080", NULL, 0, 11, 11},
	{"post chunked",
	 "POST /up HTTP/1.1" CRLF "Host: h" CRLF "Transfer-Encoding: chunked" CRLF CRLF
	 "5;name=v" CRLF "hello" CRLF "0" CRLF "X-Sum: 1" CRLF CRLF,
	 0, 0, 0, DP_HTTP_DONE, DP_HTTP_E_NONE, DP_HTTP_F_HOST | DP_HTTP_F_CHUNKED, "POST", "/up",
	 "h", NULL, 0, 0, 32},
	{"pipelined",
	 "GET /a HTTP/1.1" CRLF "Host: h" CRLF CRLF "GET /b HTTP/1.1" CRLF "Host: h" CRLF CRLF, 0,
	 0, 0, DP_HTTP_DONE, DP_HTTP_E_NONE, DP_HTTP_F_HOST, "GET", "/a", "h", NULL, 0, 0, 0, 28},
	{"http10 close", "GET / HTTP/1.0" CRLF CRLF, 0, 0, 0, DP_HTTP_DONE, DP_HTTP_E_NONE,
	 DP_HTTP_F_HTTP10 | DP_HTTP_F_CLOSE, "GET", "/", ""},
	{"http10 keep-alive", "GET / HTTP/1.0" CRLF "Connection: Keep-Alive" CRLF CRLF, 0, 0, 0,
	 DP_HTTP_DONE, DP_HTTP_E_NONE, DP_HTTP_F_HTTP10, "GET", "/", ""},
	{"connection close", "GET / HTTP/1.1" CRLF "Host: h" CRLF "Connection: te, close" CRLF CRLF,
	 0, 0, 0, DP_HTTP_DONE, DP_HTTP_E_NONE, DP_HTTP_F_HOST | DP_HTTP_F_CLOSE, "GET", "/", "h"},
	{"sticky cookie",
	 "GET /p HTTP/1.1" CRLF "Host: h" CRLF
	 "Cookie: a=1; SLUICE_INSTANCE=b7c1; SLUICE_INSTANCEx=9" CRLF CRLF,
	 0, 0, 0, DP_HTTP_DONE, DP_HTTP_E_NONE, DP_HTTP_F_HOST | DP_HTTP_F_COOKIE, "GET", "/p", "h",
	 "b7c1"},
	{"upgrade",
	 "GET /ws HTTP/1.1" CRLF "Host: h" CRLF "Connection: Upgrade" CRLF
	 "Upgrade: websocket" CRLF CRLF,
	 0, 0, 0, DP_HTTP_DONE, DP_HTTP_E_NONE, DP_HTTP_F_HOST | DP_HTTP_F_UPGRADE, "GET", "/ws",
	 "h"},
	{"connect", "CONNECT db:5432 HTTP/1.1" CRLF "Host: db:5432" CRLF CRLF, 0, 0, 0,
	 DP_HTTP_DONE, DP_HTTP_E_NONE, DP_HTTP_F_HOST | DP_HTTP_F_CONNECT, "CONNECT", "db:5432",
	 "db:5432"},
	{"absolute form",
	 "GET http://Other.example:81/x/y?q HTTP/1.1" CRLF "Host: ignored" CRLF CRLF, 0, 0, 0,
	 DP_HTTP_DONE, DP_HTTP_E_NONE, DP_HTTP_F_HOST, "GET", "/x/y?q", "Other.example:81"},
	{"expect continue",
	 "PUT /f HTTP/1.1" CRLF "Host: h" CRLF "Expect: 100-continue" CRLF
	 "Content-Length: 3" CRLF CRLF "abc",
	 0, 0, 0, DP_HTTP_DONE, DP_HTTP_E_NONE,
	 DP_HTTP_F_HOST | DP_HTTP_F_LENGTH | DP_HTTP_F_CONTINUE, "PUT", "/f", "h", NULL, 0, 3, 3},
	{"same length twice",
	 "POST / HTTP/1.1" CRLF "Host: h" CRLF "Content-Length: 2" CRLF
	 "Content-Length: 2" CRLF CRLF "ok",
	 0, 0, 0, DP_HTTP_DONE, DP_HTTP_E_NONE, DP_HTTP_F_HOST | DP_HTTP_F_LENGTH, "POST", "/", "h",
	 NULL, 0, 2, 2},

	/* responses */
	{"200 length", "HTTP/1.1 200 OK" CRLF "Content-Length: 4" CRLF CRLF "be1\n", 1, 0, 0,
	 DP_HTTP_DONE, DP_HTTP_E_NONE, DP_HTTP_F_LENGTH, NULL, NULL, NULL, NULL, 200, 4, 4},
	{"200 chunked",
	 "HTTP/1.1 200 OK" CRLF "Transfer-Encoding: gzip, chunked" CRLF CRLF "a" CRLF
	 "0123456789" CRLF "0" CRLF CRLF,
	 1, 0, 0, DP_HTTP_DONE, DP_HTTP_E_NONE, DP_HTTP_F_CHUNKED, NULL, NULL, NULL, NULL, 200, 0,
	 20},
	{"200 close-delimited", "HTTP/1.0 200 OK" CRLF CRLF "until the end", 1, 0, 0, DP_HTTP_MORE,
	 DP_HTTP_E_NONE, DP_HTTP_F_EOF_BODY | DP_HTTP_F_CLOSE | DP_HTTP_F_HTTP10, NULL, NULL, NULL,
	 NULL, 200, 0, 13},
	{"204", "HTTP/1.1 204 No Content" CRLF CRLF "GET", 1, 0, 0, DP_HTTP_DONE, DP_HTTP_E_NONE, 0,
	 NULL, NULL, NULL, NULL, 204, 0, 0, 3},
	{"304 with length", "HTTP/1.1 304 Not Modified" CRLF "Content-Length: 100" CRLF CRLF, 1, 0,
	 0, DP_HTTP_DONE, DP_HTTP_E_NONE, DP_HTTP_F_LENGTH, NULL, NULL, NULL, NULL, 304, 100},
	{"head response", "HTTP/1.1 200 OK" CRLF "Content-Length: 100" CRLF CRLF, 1, 1, 0,
	 DP_HTTP_DONE, DP_HTTP_E_NONE, DP_HTTP_F_LENGTH | DP_HTTP_F_HEAD_REQ, NULL, NULL, NULL,
	 NULL, 200, 100},
	{"100 continue", "HTTP/1.1 100 Continue" CRLF CRLF "HTTP/1.1 200 OK" CRLF, 1, 0, 0,
	 DP_HTTP_DONE, DP_HTTP_E_NONE, DP_HTTP_F_INTERIM, NULL, NULL, NULL, NULL, 100, 0, 0, 17},
	{"101", "HTTP/1.1 101 Switching Protocols" CRLF "Upgrade: websocket" CRLF CRLF "\x81\x05",
	 1, 0, 0, DP_HTTP_DONE, DP_HTTP_E_NONE, DP_HTTP_F_UPGRADE, NULL, NULL, NULL, NULL, 101, 0,
	 0, 2},
	{"connect 200", "HTTP/1.1 200 Connection established" CRLF CRLF "raw", 1, 0, 1,
	 DP_HTTP_DONE, DP_HTTP_E_NONE, DP_HTTP_F_UPGRADE, NULL, NULL, NULL, NULL, 200, 0, 0, 3},
	{"no reason", "HTTP/1.1 404" CRLF "Content-Length: 0" CRLF CRLF, 1, 0, 0, DP_HTTP_DONE,
	 DP_HTTP_E_NONE, DP_HTTP_F_LENGTH, NULL, NULL, NULL, NULL, 404},
	{"response te not chunked", "HTTP/1.1 200 OK" CRLF "Transfer-Encoding: gzip" CRLF CRLF "zz",
	 1, 0, 0, DP_HTTP_MORE, DP_HTTP_E_NONE, DP_HTTP_F_EOF_BODY | DP_HTTP_F_CLOSE, NULL, NULL,
	 NULL, NULL, 200, 0, 2},

	/* refused, each for its reason */
	{"te and length",
	 "POST / HTTP/1.1" CRLF "Host: h" CRLF "Content-Length: 3" CRLF
	 "Transfer-Encoding: chunked" CRLF CRLF "0" CRLF CRLF,
	 0, 0, 0, DP_HTTP_ERROR, DP_HTTP_E_TE_AND_LENGTH},
	{"two lengths",
	 "POST / HTTP/1.1" CRLF "Host: h" CRLF "Content-Length: 3" CRLF
	 "Content-Length: 4" CRLF CRLF,
	 0, 0, 0, DP_HTTP_ERROR, DP_HTTP_E_LENGTH_CONFLICT},
	{"length list", "POST / HTTP/1.1" CRLF "Host: h" CRLF "Content-Length: 3, 3" CRLF CRLF, 0,
	 0, 0, DP_HTTP_ERROR, DP_HTTP_E_BAD_LENGTH},
	{"length sign", "POST / HTTP/1.1" CRLF "Host: h" CRLF "Content-Length: +3" CRLF CRLF, 0, 0,
	 0, DP_HTTP_ERROR, DP_HTTP_E_BAD_LENGTH},
	{"length empty", "POST / HTTP/1.1" CRLF "Host: h" CRLF "Content-Length: " CRLF CRLF, 0, 0,
	 0, DP_HTTP_ERROR, DP_HTTP_E_BAD_LENGTH},
	{"length huge",
	 "POST / HTTP/1.1" CRLF "Host: h" CRLF "Content-Length: 99999999999999999999999" CRLF CRLF,
	 0, 0, 0, DP_HTTP_ERROR, DP_HTTP_E_BAD_LENGTH},
	{"request te gzip",
	 "POST / HTTP/1.1" CRLF "Host: h" CRLF "Transfer-Encoding: gzip" CRLF CRLF, 0, 0, 0,
	 DP_HTTP_ERROR, DP_HTTP_E_BAD_TE},
	{"bad chunk size",
	 "POST / HTTP/1.1" CRLF "Host: h" CRLF "Transfer-Encoding: chunked" CRLF CRLF "zz" CRLF, 0,
	 0, 0, DP_HTTP_ERROR, DP_HTTP_E_BAD_CHUNK},
	{"chunk without crlf",
	 "POST / HTTP/1.1" CRLF "Host: h" CRLF "Transfer-Encoding: chunked" CRLF CRLF "2" CRLF
	 "abX",
	 0, 0, 0, DP_HTTP_ERROR, DP_HTTP_E_BAD_CHUNK},
	{"space before colon", "GET / HTTP/1.1" CRLF "Host : h" CRLF CRLF, 0, 0, 0, DP_HTTP_ERROR,
	 DP_HTTP_E_BAD_HEADER},
	{"obs fold", "GET / HTTP/1.1" CRLF "Host: h" CRLF "X-A: 1" CRLF " 2" CRLF CRLF, 0, 0, 0,
	 DP_HTTP_ERROR, DP_HTTP_E_OBS_FOLD},
	{"bare lf", "GET / HTTP/1.1\nHost: h" CRLF CRLF, 0, 0, 0, DP_HTTP_ERROR,
	 DP_HTTP_E_BAD_VERSION},
	{"bare lf in header", "GET / HTTP/1.1" CRLF "Host: h\n" CRLF, 0, 0, 0, DP_HTTP_ERROR,
	 DP_HTTP_E_BAD_EOL},
	{"cr without lf", "GET / HTTP/1.1" CRLF "Host: h\rX" CRLF CRLF, 0, 0, 0, DP_HTTP_ERROR,
	 DP_HTTP_E_BAD_EOL},
	{"no host", "GET / HTTP/1.1" CRLF CRLF, 0, 0, 0, DP_HTTP_ERROR, DP_HTTP_E_NO_HOST},
	{"two hosts", "GET / HTTP/1.1" CRLF "Host: a" CRLF "Host: b" CRLF CRLF, 0, 0, 0,
	 DP_HTTP_ERROR, DP_HTTP_E_NO_HOST},
	{"http2", "GET / HTTP/2.0" CRLF CRLF, 0, 0, 0, DP_HTTP_ERROR, DP_HTTP_E_BAD_VERSION},
	{"h2 preface", "PRI * HTTP/2.0" CRLF CRLF "SM" CRLF CRLF, 0, 0, 0, DP_HTTP_ERROR,
	 DP_HTTP_E_BAD_VERSION},
	{"tls hello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 0, 0, 0, DP_HTTP_ERROR,
	 DP_HTTP_E_BAD_START_LINE},
	{"space in target", "GET /a b HTTP/1.1" CRLF CRLF, 0, 0, 0, DP_HTTP_ERROR,
	 DP_HTTP_E_BAD_START_LINE},
	{"ctl in value", "GET / HTTP/1.1" CRLF "Host: h\x01" CRLF CRLF, 0, 0, 0, DP_HTTP_ERROR,
	 DP_HTTP_E_BAD_HEADER},
	{"bad status", "HTTP/1.1 2x0 OK" CRLF CRLF, 1, 0, 0, DP_HTTP_ERROR,
	 DP_HTTP_E_BAD_START_LINE},
};

/* Feed @b in the pieces @cuts gives (sorted offsets), as segments would come. */
static enum dp_http_status feed_split(struct dp_http_msg *m, const uint8_t *b, uint32_t len,
				      const uint32_t *cuts, unsigned int n_cuts, uint32_t *end)
{
	uint32_t off = 0;

	for (unsigned int c = 0; c <= n_cuts; c++) {
		uint32_t to = c < n_cuts ? cuts[c] : len, used;

		while (off < to) {
			enum dp_http_status st = dp_http_feed(m, b + off, to - off, &used);

			off += used;
			if (st == DP_HTTP_ERROR || st == DP_HTTP_DONE) {
				*end = off;
				return st;
			}
			if (st == DP_HTTP_MORE && used != to - (off - used))
				fail_msg("MORE consumed %u of %u", used, to - (off - used));
		}
	}
	*end = off;
	return DP_HTTP_MORE;
}

static void init_for(struct dp_http_msg *m, const struct fx *f)
{
	if (f->response)
		dp_http_resp_init(m, 0, f->head_req, f->connect_req);
	else
		dp_http_req_init(m, 0, "SLUICE_INSTANCE");
}

static void check(const struct fx *f, const struct dp_http_msg *m, enum dp_http_status st,
		  uint32_t end, const char *how)
{
	uint32_t len = (uint32_t)strlen(f->bytes);

	if (st != f->end || m->error != f->error)
		fail_msg("%s (%s): status %d error %s, expected %d %s", f->name, how, st,
			 dp_http_error_name(m->error), f->end, dp_http_error_name(f->error));
	if (f->error)
		return;
	if ((m->flags & f->flags) != f->flags ||
	    (m->flags & (DP_HTTP_F_CLOSE | DP_HTTP_F_UPGRADE)) !=
		    (f->flags & (DP_HTTP_F_CLOSE | DP_HTTP_F_UPGRADE)))
		fail_msg("%s (%s): flags 0x%x, expected 0x%x", f->name, how, m->flags, f->flags);
	if (end != len - f->tail || m->status != f->status || m->length != f->length ||
	    m->body_seen != f->body)
		fail_msg(
			"%s (%s): end %u status %u length %llu body %llu, expected %u %u %llu %llu",
			f->name, how, end, m->status, (unsigned long long)m->length,
			(unsigned long long)m->body_seen, len - f->tail, f->status,
			(unsigned long long)f->length, (unsigned long long)f->body);
	if (f->method)
		assert_string_equal(m->method, f->method);
	if (f->path)
		assert_string_equal(m->path, f->path);
	if (f->host)
		assert_string_equal(m->host, f->host);
	if (f->cookie)
		assert_string_equal(m->cookie, f->cookie);
}

static void test_fixtures_whole(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const struct fx *f = &fixtures[i];
		struct dp_http_msg m;
		uint32_t end;
		enum dp_http_status st;

		init_for(&m, f);
		st = feed_split(&m, (const uint8_t *)f->bytes, (uint32_t)strlen(f->bytes), NULL, 0,
				&end);
		check(f, &m, st, end, "whole");
	}
}

/* Split at every point into two, and byte by byte: the same result. */
static void test_fixtures_split(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const struct fx *f = &fixtures[i];
		uint32_t len = (uint32_t)strlen(f->bytes), cuts[1024], end;
		struct dp_http_msg m;
		enum dp_http_status st;
		char how[32];

		for (uint32_t c = 1; c < len; c++) {
			init_for(&m, f);
			cuts[0] = c;
			st = feed_split(&m, (const uint8_t *)f->bytes, len, cuts, 1, &end);
			snprintf(how, sizeof(how), "split at %u", c);
			check(f, &m, st, end, how);
		}
		assert_true(len < 1024);
		for (uint32_t c = 1; c < len; c++)
			cuts[c - 1] = c;
		init_for(&m, f);
		st = feed_split(&m, (const uint8_t *)f->bytes, len, cuts, len - 1, &end);
		check(f, &m, st, end, "byte by byte");
	}
}

/* A close-delimited body ends with the stream; a framed one cut short is an error. */
static void test_eof(void **state)
{
	static const char framed[] = "HTTP/1.1 200 OK" CRLF "Content-Length: 10" CRLF CRLF "abc";
	static const char open_[] = "HTTP/1.1 200 OK" CRLF CRLF "abc";
	struct dp_http_msg m;
	uint32_t used;

	(void)state;
	dp_http_resp_init(&m, 0, 0, 0);
	assert_int_equal(dp_http_feed(&m, (const uint8_t *)open_, sizeof(open_) - 1, &used),
			 DP_HTTP_HEAD);
	assert_int_equal(
		dp_http_feed(&m, (const uint8_t *)open_ + used, sizeof(open_) - 1 - used, &used),
		DP_HTTP_MORE);
	assert_int_equal(dp_http_eof(&m), DP_HTTP_DONE);
	assert_int_equal(m.body_seen, 3);

	dp_http_resp_init(&m, 0, 0, 0);
	assert_int_equal(dp_http_feed(&m, (const uint8_t *)framed, sizeof(framed) - 1, &used),
			 DP_HTTP_HEAD);
	assert_int_equal(
		dp_http_feed(&m, (const uint8_t *)framed + used, sizeof(framed) - 1 - used, &used),
		DP_HTTP_MORE);
	assert_int_equal(dp_http_eof(&m), DP_HTTP_ERROR);
	assert_int_equal(m.error, DP_HTTP_E_EARLY_CLOSE);

	/* a clean close between two messages is no error */
	dp_http_req_init(&m, 0, NULL);
	assert_int_equal(dp_http_eof(&m), DP_HTTP_MORE);
}

/* The head bound counts every byte of the head, and the trailers count like one. */
static void test_head_bound(void **state)
{
	char buf[600];
	struct dp_http_msg m;
	uint32_t used;
	int n;

	(void)state;
	n = snprintf(buf, sizeof(buf),
		     "GET / HTTP/1.1" CRLF "Host: h" CRLF "X-Pad: %0400d" CRLF CRLF, 0);
	dp_http_req_init(&m, (uint32_t)n, NULL);
	assert_int_equal(dp_http_feed(&m, (const uint8_t *)buf, (uint32_t)n, &used), DP_HTTP_DONE);
	dp_http_req_init(&m, (uint32_t)n - 1, NULL);
	assert_int_equal(dp_http_feed(&m, (const uint8_t *)buf, (uint32_t)n, &used), DP_HTTP_ERROR);
	assert_int_equal(m.error, DP_HTTP_E_HEAD_TOO_LONG);
	assert_int_equal(m.head_len, (uint32_t)n);
	/* the default bound */
	dp_http_req_init(&m, 0, NULL);
	assert_int_equal(m.head_max, DP_HTTP_HEAD_MAX_DEFAULT);
}

/* A path longer than kept is cut, and says so; routing sees its beginning. */
static void test_long_path(void **state)
{
	char buf[1024];
	struct dp_http_msg m;
	uint32_t used;
	int n;

	(void)state;
	n = snprintf(buf, sizeof(buf), "GET /login/%0500d HTTP/1.1" CRLF "Host: h" CRLF CRLF, 7);
	dp_http_req_init(&m, 0, NULL);
	assert_int_equal(dp_http_feed(&m, (const uint8_t *)buf, (uint32_t)n, &used), DP_HTTP_DONE);
	assert_true(m.flags & DP_HTTP_F_PATH_CUT);
	assert_int_equal(m.path_len, DP_HTTP_PATH_MAX - 1);
	assert_memory_equal(m.path, "/login/000", 10);
}

/* The first X-Request-Id is kept (trailing blanks off), a long one cut and flagged. */
static void test_request_id(void **state)
{
	char buf[1024];
	struct dp_http_msg m;
	uint32_t used;
	int n;

	(void)state;
	n = snprintf(buf, sizeof(buf),
		     "GET / HTTP/1.1" CRLF "Host: h" CRLF "X-Request-ID:  f00d-1 \t" CRLF
		     "x-request-id: second" CRLF CRLF);
	dp_http_req_init(&m, 0, NULL);
	assert_int_equal(dp_http_feed(&m, (const uint8_t *)buf, (uint32_t)n, &used), DP_HTTP_DONE);
	assert_true(m.flags & DP_HTTP_F_RID);
	assert_false(m.flags & DP_HTTP_F_RID_CUT);
	assert_int_equal(m.rid_len, 6);
	assert_string_equal(m.request_id, "f00d-1");
	n = snprintf(buf, sizeof(buf),
		     "GET / HTTP/1.1" CRLF "Host: h" CRLF "X-Request-Id: %060d" CRLF CRLF, 5);
	dp_http_req_init(&m, 0, NULL);
	assert_int_equal(dp_http_feed(&m, (const uint8_t *)buf, (uint32_t)n, &used), DP_HTTP_DONE);
	assert_true(m.flags & DP_HTTP_F_RID_CUT);
	assert_int_equal(m.rid_len, DP_HTTP_RID_MAX - 1);
	/* none: nothing kept */
	n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1" CRLF "Host: h" CRLF CRLF);
	dp_http_req_init(&m, 0, NULL);
	assert_int_equal(dp_http_feed(&m, (const uint8_t *)buf, (uint32_t)n, &used), DP_HTTP_DONE);
	assert_false(m.flags & DP_HTTP_F_RID);
	assert_int_equal(m.rid_len, 0);
}

/* Two requests in one buffer: the first ends where the second begins. */
static void test_pipelined(void **state)
{
	static const char two[] =
		"POST /a HTTP/1.1" CRLF "Host: h" CRLF "Content-Length: 1" CRLF CRLF "x"
		"GET /b HTTP/1.1" CRLF "Host: h" CRLF CRLF;
	struct dp_http_msg m;
	uint32_t used, off = 0;

	(void)state;
	dp_http_req_init(&m, 0, NULL);
	assert_int_equal(dp_http_feed(&m, (const uint8_t *)two, sizeof(two) - 1, &used),
			 DP_HTTP_HEAD);
	off += used;
	assert_int_equal(dp_http_feed(&m, (const uint8_t *)two + off, sizeof(two) - 1 - off, &used),
			 DP_HTTP_DONE);
	off += used;
	assert_string_equal(m.path, "/a");
	dp_http_req_init(&m, 0, NULL);
	assert_int_equal(dp_http_feed(&m, (const uint8_t *)two + off, sizeof(two) - 1 - off, &used),
			 DP_HTTP_DONE);
	assert_int_equal(off + used, sizeof(two) - 1);
	assert_string_equal(m.path, "/b");
}

static void test_error_names(void **state)
{
	(void)state;
	assert_string_equal(dp_http_error_name(DP_HTTP_E_TE_AND_LENGTH), "te_and_length");
	assert_string_equal(dp_http_error_name(DP_HTTP_E_MAX), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures_whole),
		cmocka_unit_test(test_fixtures_split),
		cmocka_unit_test(test_eof),
		cmocka_unit_test(test_head_bound),
		cmocka_unit_test(test_long_path),
		cmocka_unit_test(test_request_id),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_error_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
