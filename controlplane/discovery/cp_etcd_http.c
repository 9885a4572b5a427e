/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Incremental HTTP/1.1 response parser for the etcd provider: just what
 * etcd's JSON gateway sends (status, Content-Length or chunked, maybe
 * Connection: close). Lines are gathered byte by byte into a bounded
 * buffer, so a response split at any byte parses the same as a whole one.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cp_etcd_http.h"

void cp_etcd_http_init(struct cp_etcd_http *h)
{
	memset(h, 0, sizeof(*h));
	h->content_length = -1;
}

void cp_etcd_http_reset(struct cp_etcd_http *h)
{
	h->state = CP_ETCD_HTTP_STATUS;
	h->status = 0;
	h->chunked = 0;
	h->close = 0;
	h->content_length = -1;
	h->remaining = 0;
	h->line_len = 0;
	h->why[0] = '\0';
}

void cp_etcd_http_fini(struct cp_etcd_http *h)
{
	free(h->body);
	h->body = NULL;
	h->body_len = h->body_cap = 0;
}

static int fail(struct cp_etcd_http *h, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct cp_etcd_http *h, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->why, sizeof(h->why), fmt, ap);
	va_end(ap);
	return err;
}

void cp_etcd_http_consume(struct cp_etcd_http *h, size_t n)
{
	if (n >= h->body_len) {
		h->body_len = 0;
	} else {
		memmove(h->body, h->body + n, h->body_len - n);
		h->body_len -= n;
	}
	if (h->body)
		h->body[h->body_len] = '\0';
}

static int body_append(struct cp_etcd_http *h, const char *p, size_t n)
{
	if (h->body_len + n > CP_ETCD_HTTP_MAX_BODY)
		return fail(h, -EMSGSIZE, "body over %u bytes", CP_ETCD_HTTP_MAX_BODY);
	if (h->body_len + n + 1 > h->body_cap) {
		size_t cap = h->body_cap ? h->body_cap : 4096;
		char *nb;

		while (cap < h->body_len + n + 1)
			cap *= 2;
		nb = realloc(h->body, cap);
		if (!nb)
			return fail(h, -ENOMEM, "out of memory");
		h->body = nb;
		h->body_cap = cap;
	}
	memcpy(h->body + h->body_len, p, n);
	h->body_len += n;
	h->body[h->body_len] = '\0';
	return 0;
}

static int parse_status(struct cp_etcd_http *h, const char *l)
{
	int st = 0;

	if (strncmp(l, "HTTP/1.", 7) != 0 || (l[7] != '0' && l[7] != '1') || l[8] != ' ')
		return fail(h, -EPROTO, "bad status line \"%.40s\"", l);
	for (int i = 9; i < 12; i++) {
		if (!isdigit((unsigned char)l[i]))
			return fail(h, -EPROTO, "bad status code in \"%.40s\"", l);
		st = st * 10 + (l[i] - '0');
	}
	if (l[12] != ' ' && l[12] != '\0')
		return fail(h, -EPROTO, "bad status code in \"%.40s\"", l);
	if (st < 200)
		return fail(h, -EPROTO, "unexpected status %d", st);
	h->status = st;
	if (l[7] == '0')
		h->close = 1;
	h->state = CP_ETCD_HTTP_HEADERS;
	return 0;
}

static int parse_header(struct cp_etcd_http *h, const char *l)
{
	const char *colon = strchr(l, ':'), *v;
	size_t nlen;

	if (!colon || colon == l)
		return fail(h, -EPROTO, "bad header line \"%.40s\"", l);
	nlen = (size_t)(colon - l);
	v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	if (nlen == 14 && strncasecmp(l, "Content-Length", 14) == 0) {
		char *end;
		unsigned long long n;

		if (!isdigit((unsigned char)*v))
			return fail(h, -EPROTO, "bad Content-Length \"%.20s\"", v);
		errno = 0;
		n = strtoull(v, &end, 10);
		while (*end == ' ' || *end == '\t')
			end++;
		if (errno || *end || n > CP_ETCD_HTTP_MAX_BODY)
			return fail(h, -EPROTO, "bad Content-Length \"%.20s\"", v);
		if (h->content_length >= 0 && (uint64_t)h->content_length != n)
			return fail(h, -EPROTO, "conflicting Content-Length");
		h->content_length = (int64_t)n;
	} else if (nlen == 17 && strncasecmp(l, "Transfer-Encoding", 17) == 0) {
		if (strcasestr(v, "chunked"))
			h->chunked = 1;
		else if (strcasecmp(v, "identity") != 0)
			return fail(h, -EPROTO, "unsupported Transfer-Encoding \"%.20s\"", v);
	} else if (nlen == 10 && strncasecmp(l, "Connection", 10) == 0) {
		if (strcasestr(v, "close"))
			h->close = 1;
	}
	return 0;
}

static void end_headers(struct cp_etcd_http *h)
{
	if (h->status == 204 || h->status == 304) {
		h->state = CP_ETCD_HTTP_DONE;
	} else if (h->chunked) {
		h->state = CP_ETCD_HTTP_CHUNK_SIZE;
	} else if (h->content_length >= 0) {
		h->remaining = (uint64_t)h->content_length;
		h->state = h->remaining ? CP_ETCD_HTTP_BODY_LENGTH : CP_ETCD_HTTP_DONE;
	} else {
		h->state = CP_ETCD_HTTP_BODY_EOF;
	}
}

static int parse_chunk_size(struct cp_etcd_http *h, const char *l)
{
	uint64_t n = 0;
	const char *p = l;

	if (!isxdigit((unsigned char)*p))
		return fail(h, -EPROTO, "bad chunk size \"%.20s\"", l);
	for (; isxdigit((unsigned char)*p); p++) {
		int d = isdigit((unsigned char)*p) ? *p - '0'
						   : (tolower((unsigned char)*p) - 'a' + 10);

		if (n > (CP_ETCD_HTTP_MAX_BODY >> 4))
			return fail(h, -EMSGSIZE, "chunk over %u bytes", CP_ETCD_HTTP_MAX_BODY);
		n = n * 16 + (uint64_t)d;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '\0' && *p != ';')
		return fail(h, -EPROTO, "bad chunk size \"%.20s\"", l);
	h->remaining = n;
	h->state = n ? CP_ETCD_HTTP_CHUNK_DATA : CP_ETCD_HTTP_TRAILERS;
	return 0;
}

/* A complete line (without CRLF) in h->line for the current state. */
static int on_line(struct cp_etcd_http *h)
{
	const char *l = h->line;

	switch (h->state) {
	case CP_ETCD_HTTP_STATUS:
		return parse_status(h, l);
	case CP_ETCD_HTTP_HEADERS:
		if (*l == '\0') {
			end_headers(h);
			return 0;
		}
		return parse_header(h, l);
	case CP_ETCD_HTTP_CHUNK_SIZE:
		return parse_chunk_size(h, l);
	case CP_ETCD_HTTP_CHUNK_CRLF:
		if (*l != '\0')
			return fail(h, -EPROTO, "no CRLF after chunk data");
		h->state = CP_ETCD_HTTP_CHUNK_SIZE;
		return 0;
	case CP_ETCD_HTTP_TRAILERS:
		if (*l == '\0')
			h->state = CP_ETCD_HTTP_DONE;
		return 0;
	default:
		return fail(h, -EPROTO, "line in state %d", h->state);
	}
}

long cp_etcd_http_feed(struct cp_etcd_http *h, const char *data, size_t len)
{
	size_t i = 0;
	int rc;

	while (i < len && h->state != CP_ETCD_HTTP_DONE) {
		switch (h->state) {
		case CP_ETCD_HTTP_BODY_LENGTH:
		case CP_ETCD_HTTP_CHUNK_DATA: {
			size_t n = len - i;

			if (n > h->remaining)
				n = (size_t)h->remaining;
			rc = body_append(h, data + i, n);
			if (rc)
				return rc;
			i += n;
			h->remaining -= n;
			if (h->remaining == 0)
				h->state = h->state == CP_ETCD_HTTP_BODY_LENGTH
						   ? CP_ETCD_HTTP_DONE
						   : CP_ETCD_HTTP_CHUNK_CRLF;
			break;
		}
		case CP_ETCD_HTTP_BODY_EOF:
			rc = body_append(h, data + i, len - i);
			if (rc)
				return rc;
			i = len;
			break;
		default: {
			char c = data[i++];

			if (c == '\n') {
				if (h->line_len && h->line[h->line_len - 1] == '\r')
					h->line_len--;
				h->line[h->line_len] = '\0';
				h->line_len = 0;
				rc = on_line(h);
				if (rc)
					return rc;
			} else {
				if (c == '\0')
					return fail(h, -EPROTO, "NUL byte in a header line");
				if (h->line_len + 1 >= sizeof(h->line))
					return fail(h, -EMSGSIZE, "line over %d bytes",
						    CP_ETCD_HTTP_MAX_LINE);
				h->line[h->line_len++] = c;
			}
		}
		}
	}
	return (long)i;
}

int cp_etcd_http_eof(struct cp_etcd_http *h)
{
	if (h->state == CP_ETCD_HTTP_BODY_EOF) {
		h->state = CP_ETCD_HTTP_DONE;
		return 0;
	}
	if (h->state == CP_ETCD_HTTP_DONE)
		return 0;
	fail(h, -EPIPE, "connection closed in the middle of the response");
	return -EPIPE;
}
