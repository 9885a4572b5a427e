/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The http health check's request and response verdict (see
 * cp_health_http.h). The response is judged byte by byte, so a status line
 * or a body substring split between two reads reads the same as whole, and
 * only a bounded tail of the body is kept between reads.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_health_http.h"

void cp_health_http_init(struct cp_health_http *p, uint16_t status_min, uint16_t status_max,
			 const char *body)
{
	memset(p, 0, sizeof(*p));
	p->body = body;
	p->status_min = status_min;
	p->status_max = status_max;
}

/* "HTTP/1.x NNN": the status, or 0 when malformed. */
static uint16_t parse_status(const char *line, uint32_t len)
{
	uint32_t i = 5;
	uint16_t st = 0;

	if (len < 12 || memcmp(line, "HTTP/", 5) != 0)
		return 0;
	while (i < len && line[i] != ' ')
		i++;
	if (i + 4 > len)
		return 0;
	for (uint32_t k = i + 1; k < i + 4; k++) {
		if (line[k] < '0' || line[k] > '9')
			return 0;
		st = (uint16_t)(st * 10 + (line[k] - '0'));
	}
	if (i + 4 < len && line[i + 4] != ' ' && line[i + 4] != '\r' && line[i + 4] != '\n')
		return 0;
	return st < 100 ? 0 : st;
}

/*
 * Body bytes: is the substring in the tail kept so far followed by @b?
 * Keeps the last (length - 1) bytes for the next read. 1: found.
 */
static int body_feed(struct cp_health_http *p, const char *b, uint32_t n)
{
	uint32_t wlen = (uint32_t)strlen(p->body), keep = wlen - 1;
	uint32_t head = n < keep ? n : keep, jlen = p->carry_len + head;
	char join[2 * CP_HEALTH_EXPECT_LEN];

	memcpy(join, p->carry, p->carry_len);
	memcpy(join + p->carry_len, b, head);
	if (memmem(join, jlen, p->body, wlen) || memmem(b, n, p->body, wlen))
		return 1;
	if (n >= keep) {
		memcpy(p->carry, b + n - keep, keep);
		p->carry_len = (uint8_t)keep;
		return 0;
	}
	/* @b is all in join: its tail is the new carry */
	if (jlen > keep) {
		memmove(p->carry, join + jlen - keep, keep);
		p->carry_len = (uint8_t)keep;
	} else {
		memcpy(p->carry, join, jlen);
		p->carry_len = (uint8_t)jlen;
	}
	return 0;
}

/* A complete status line: out of range fails, in range passes unless a body is wanted. */
static enum cp_health_http_verdict status_verdict(struct cp_health_http *p, char *why,
						  size_t why_len)
{
	p->status = parse_status(p->line, p->line_len);
	if (!p->status) {
		snprintf(why, why_len, "malformed status line");
		return CP_HEALTH_HTTP_FAIL;
	}
	snprintf(why, why_len, "status %u", p->status);
	if (p->status < p->status_min || p->status > p->status_max)
		return CP_HEALTH_HTTP_FAIL;
	return p->body[0] ? CP_HEALTH_HTTP_MORE : CP_HEALTH_HTTP_PASS;
}

enum cp_health_http_verdict cp_health_http_feed(struct cp_health_http *p, const char *b, uint32_t n,
						char *why, size_t why_len)
{
	enum cp_health_http_verdict v;
	uint32_t i = 0;

	for (; i < n && !p->hdr_done; i++) {
		char c = b[i];

		if (!p->status) {
			if (c != '\n' && p->line_len < CP_HEALTH_HTTP_LINE_MAX)
				p->line[p->line_len++] = c;
			if (c == '\n' || p->line_len == CP_HEALTH_HTTP_LINE_MAX) {
				v = status_verdict(p, why, why_len);
				if (v != CP_HEALTH_HTTP_MORE)
					return v;
			}
		}
		if (c == '\n') {
			if (++p->nl_run == 2)
				p->hdr_done = 1;
		} else if (c != '\r') {
			p->nl_run = 0;
		}
	}
	if (p->hdr_done && i < n && body_feed(p, b + i, n - i)) {
		snprintf(why, why_len, "status %u", p->status);
		return CP_HEALTH_HTTP_PASS;
	}
	return CP_HEALTH_HTTP_MORE;
}

enum cp_health_http_verdict cp_health_http_cut(const struct cp_health_http *p, uint32_t limit,
					       char *why, size_t why_len)
{
	if (!limit && !p->status)
		snprintf(why, why_len, "connection closed before status line");
	else if (!limit)
		snprintf(why, why_len, "body lacks \"%s\"", p->body);
	else if (!p->status)
		snprintf(why, why_len, "no status line within %u bytes", limit);
	else
		snprintf(why, why_len, "body lacks \"%s\" within %u bytes", p->body, limit);
	return CP_HEALTH_HTTP_FAIL;
}

char *cp_health_http_request(const struct cp_health_spec *spec, const struct sl_addr *addr,
			     uint8_t af, uint16_t port, uint32_t *len)
{
	char host[CP_HEALTH_HOST_LEN + 64], *req;
	int n;

	if (spec->http_host[0]) {
		snprintf(host, sizeof(host), "%s", spec->http_host);
	} else {
		char a[INET6_ADDRSTRLEN];

		if (af == SL_AF_INET)
			inet_ntop(AF_INET, &addr->a32[3], a, sizeof(a));
		else
			inet_ntop(AF_INET6, addr->a8, a, sizeof(a));
		snprintf(host, sizeof(host), af == SL_AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
	}
	n = asprintf(&req,
		     "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: sluice-health\r\n"
		     "Accept: */*\r\nConnection: close\r\n\r\n",
		     spec->http_path[0] ? spec->http_path : "/", host);
	if (n < 0) {
		errno = ENOMEM;
		return NULL;
	}
	*len = (uint32_t)n;
	return req;
}
