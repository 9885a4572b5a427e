/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bytes of an http health check: the GET request a probe sends, and an
 * incremental verdict on the response (fed as it arrives, split anywhere):
 * the status line "HTTP/1.x NNN" within the accepted range, then, when a
 * body substring is wanted, that substring after the end of the headers,
 * found across reads. The probe engine (cp_health.c) owns the socket, the
 * read limit and the clock; this module only judges bytes.
 */
#ifndef CP_HEALTH_HTTP_H
#define CP_HEALTH_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "cp_health.h"

#define CP_HEALTH_HTTP_LINE_MAX 32 /* bytes of the status line kept: "HTTP/1.1 200" is 12 */
#define CP_HEALTH_HTTP_WHY_LEN 160 /* a verdict's reason, NUL included */

enum cp_health_http_verdict {
	CP_HEALTH_HTTP_MORE = 0, /* no verdict yet: feed more */
	CP_HEALTH_HTTP_PASS = 1, /* healthy */
	CP_HEALTH_HTTP_FAIL = 2, /* not healthy */
};

/* One response being read. */
struct cp_health_http {
	const char *body;    /* substring the body must hold; "": the status decides */
	uint16_t status_min; /* accepted status range */
	uint16_t status_max;
	uint16_t status; /* 0: status line not complete yet */
	uint8_t line_len;
	uint8_t nl_run; /* consecutive line ends, '\r' ignored: 2 ends the headers */
	uint8_t hdr_done;
	uint8_t carry_len;
	char line[CP_HEALTH_HTTP_LINE_MAX];
	char carry[CP_HEALTH_EXPECT_LEN]; /* tail of the body seen so far */
};

/*
 * Start reading a response: status within [@status_min, @status_max], and
 * @body (kept by reference, fewer than CP_HEALTH_EXPECT_LEN bytes; "" for
 * none) somewhere in the body.
 */
void cp_health_http_init(struct cp_health_http *p, uint16_t status_min, uint16_t status_max,
			 const char *body);

/*
 * Feed @n response bytes. Returns CP_HEALTH_HTTP_MORE, or a verdict with
 * its reason in @why: PASS "status 200"; FAIL "malformed status line",
 * "status 503" (out of range). Feed nothing after a verdict.
 */
enum cp_health_http_verdict cp_health_http_feed(struct cp_health_http *p, const char *b, uint32_t n,
						char *why, size_t why_len);

/*
 * The response ended before a verdict: the peer closed (@limit 0) or
 * @limit bytes were read. Always FAIL, with @why "connection closed before
 * status line", "body lacks \"ready\"", "no status line within 16384
 * bytes" or "body lacks \"ready\" within 16384 bytes".
 */
enum cp_health_http_verdict cp_health_http_cut(const struct cp_health_http *p, uint32_t limit,
					       char *why, size_t why_len);

/*
 * The request for @spec towards @addr (IPv4-mapped for IPv4, @af) port
 * @port (host order): "GET PATH HTTP/1.0" with Host (spec's, else the
 * address and port), User-Agent, Accept and Connection: close. Returns a
 * string to free() with its length in *@len, or NULL (ENOMEM).
 */
char *cp_health_http_request(const struct cp_health_spec *spec, const struct sl_addr *addr,
			     uint8_t af, uint16_t port, uint32_t *len);

#endif /* CP_HEALTH_HTTP_H */
