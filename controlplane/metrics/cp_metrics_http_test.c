/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The endpoint on a loop, through real sockets on loopback: GET /metrics
 * is 200 with the Prometheus content type and exactly what the render
 * callback wrote (a page of 1 MB too, which takes many turns of the loop
 * to send), each scrape renders again; another path 404, POST 405, a
 * failing render 500; an address in use is refused with its reason.
 */
#include <errno.h>
#include <fcntl.h>
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

#include "cp_loop.h"
#include "cp_metrics_http.h"

struct page {
	int calls;
	int fail;
	size_t big; /* bytes of filler after the first line */
};

static int render(void *ctx, FILE *out)
{
	struct page *p = ctx;

	p->calls++;
	if (p->fail)
		return -EIO;
	fprintf(out, "sluice_scrapes %d\n", p->calls);
	for (size_t i = 0; i < p->big; i++)
		fputc(i % 64 == 63 ? '\n' : 'x', out);
	return 0;
}

static struct sockaddr_in loopback(uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sa;
}

/*
 * Send @req to @port and turn the loop until the server closes (every
 * request says Connection: close): the whole response, malloc'd.
 */
static char *exchange(struct cp_loop *l, uint16_t port, const char *req, size_t *len)
{
	struct sockaddr_in sa = loopback(port);
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int turns = 0;

	assert_non_null(buf);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (;;) {
		ssize_t r;

		assert_true(cp_loop_run_once(l, 10) >= 0);
		while ((r = read(fd, buf + n, cap - n - 1)) > 0) {
			n += (size_t)r;
			if (cap - n < 4096) {
				cap *= 2;
				buf = realloc(buf, cap);
				assert_non_null(buf);
			}
		}
		if (r == 0)
			break;
		assert_true(errno == EAGAIN);
		assert_true(++turns < 100000);
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

#define GET(path) "GET " path " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"

static const char *body_of(const char *resp)
{
	const char *b = strstr(resp, "\r\n\r\n");

	assert_non_null(b);
	return b + 4;
}

static void test_serves(void **state)
{
	struct cp_loop *l = cp_loop_new();
	struct sockaddr_in sa = loopback(0);
	struct page p = {0};
	struct cp_metrics_http *m;
	char why[160] = "", *r;
	size_t len;
	(void)state;

	assert_non_null(l);
	m = cp_metrics_http_new(l, (struct sockaddr *)&sa, sizeof(sa), render, &p, why,
				sizeof(why));
	assert_non_null(m);
	assert_true(cp_metrics_http_port(m) != 0);

	r = exchange(l, cp_metrics_http_port(m), GET("/metrics"), &len);
	assert_int_equal(strncmp(r, "HTTP/1.1 200 OK\r\n", 17), 0);
	assert_non_null(
		strstr(r, "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
	assert_string_equal(body_of(r), "sluice_scrapes 1\n");
	free(r);
	r = exchange(l, cp_metrics_http_port(m), GET("/metrics"), &len);
	assert_string_equal(body_of(r), "sluice_scrapes 2\n");
	free(r);
	assert_int_equal(cp_metrics_http_served(m), 2);

	r = exchange(l, cp_metrics_http_port(m), GET("/"), &len);
	assert_int_equal(strncmp(r, "HTTP/1.1 404 ", 13), 0);
	free(r);
	r = exchange(l, cp_metrics_http_port(m),
		     "POST /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
		     "Content-Length: 3\r\n\r\nabc",
		     &len);
	assert_int_equal(strncmp(r, "HTTP/1.1 405 ", 13), 0);
	assert_non_null(strstr(r, "\r\nAllow: GET, HEAD\r\n"));
	free(r);
	p.fail = 1;
	r = exchange(l, cp_metrics_http_port(m), GET("/metrics"), &len);
	assert_int_equal(strncmp(r, "HTTP/1.1 500 ", 13), 0);
	free(r);
	assert_int_equal(p.calls, 3); /* neither 404 nor 405 rendered */

	/* a page larger than any socket buffer: the loop sends it over many turns */
	p.fail = 0;
	p.big = 1 << 20;
	r = exchange(l, cp_metrics_http_port(m), GET("/metrics"), &len);
	assert_int_equal(strncmp(r, "HTTP/1.1 200 OK\r\n", 17), 0);
	assert_int_equal(strlen(body_of(r)), strlen("sluice_scrapes 4\n") + (1 << 20));
	assert_int_equal(strncmp(body_of(r), "sluice_scrapes 4\nxxx", 20), 0);
	free(r);
	cp_metrics_http_free(m);
	cp_loop_free(l);
}

static void test_address_in_use(void **state)
{
	struct cp_loop *l = cp_loop_new();
	struct sockaddr_in sa = loopback(0);
	struct cp_metrics_http *a, *b;
	struct page p = {0};
	char why[160] = "", want[64];
	(void)state;

	a = cp_metrics_http_new(l, (struct sockaddr *)&sa, sizeof(sa), render, &p, why,
				sizeof(why));
	assert_non_null(a);
	sa = loopback(cp_metrics_http_port(a));
	b = cp_metrics_http_new(l, (struct sockaddr *)&sa, sizeof(sa), render, &p, why,
				sizeof(why));
	assert_null(b);
	assert_int_equal(errno, EADDRINUSE);
	snprintf(want, sizeof(want), "127.0.0.1:%u: Address already in use",
		 cp_metrics_http_port(a));
	assert_string_equal(why, want);
	cp_metrics_http_free(a);
	cp_loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serves),
		cmocka_unit_test(test_address_in_use),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
