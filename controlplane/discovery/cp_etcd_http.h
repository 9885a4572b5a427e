/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The etcd provider's HTTP/1.1 response parser: incremental (bytes are fed
 * as they arrive, split anywhere), status line, headers (Content-Length,
 * Transfer-Encoding: chunked, Connection: close), and the body decoded into
 * one growing buffer the caller consumes from the front (a watch streams
 * one JSON object per line for as long as the connection lives).
 */
#ifndef CP_ETCD_HTTP_H
#define CP_ETCD_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define CP_ETCD_HTTP_MAX_LINE 8192	  /* bytes in a status/header/chunk-size line */
#define CP_ETCD_HTTP_MAX_BODY (64u << 20) /* bytes of body not yet consumed */

enum cp_etcd_http_state {
	CP_ETCD_HTTP_STATUS = 0,
	CP_ETCD_HTTP_HEADERS,
	CP_ETCD_HTTP_BODY_LENGTH, /* Content-Length bytes */
	CP_ETCD_HTTP_BODY_EOF,	  /* until the connection closes */
	CP_ETCD_HTTP_CHUNK_SIZE,
	CP_ETCD_HTTP_CHUNK_DATA,
	CP_ETCD_HTTP_CHUNK_CRLF,
	CP_ETCD_HTTP_TRAILERS,
	CP_ETCD_HTTP_DONE,
};

struct cp_etcd_http {
	enum cp_etcd_http_state state;
	int status; /* 200... once the status line is in */
	int chunked;
	int close;		/* Connection: close */
	int64_t content_length; /* -1: none given */
	uint64_t remaining;	/* of the current chunk or of Content-Length */
	char line[CP_ETCD_HTTP_MAX_LINE];
	size_t line_len;
	char *body; /* decoded body bytes not yet consumed, NUL-terminated */
	size_t body_len, body_cap;
	char why[128]; /* after an error: what was wrong */
};

void cp_etcd_http_init(struct cp_etcd_http *h);
/* Ready for the next response on the same connection (keeps the buffer). */
void cp_etcd_http_reset(struct cp_etcd_http *h);
void cp_etcd_http_fini(struct cp_etcd_http *h);

/*
 * Feed @len received bytes. Returns the number of bytes used (less than
 * @len only when the response ended inside them: state DONE), or -EPROTO
 * (malformed; h->why says what) / -EMSGSIZE (a limit above) / -ENOMEM.
 */
long cp_etcd_http_feed(struct cp_etcd_http *h, const char *data, size_t len);

/* The peer closed: 0 if that ends the response (state DONE), else -EPIPE. */
int cp_etcd_http_eof(struct cp_etcd_http *h);

/* Drop the first @n bytes of the body buffer (the caller has used them). */
void cp_etcd_http_consume(struct cp_etcd_http *h, size_t n);

static inline int cp_etcd_http_done(const struct cp_etcd_http *h)
{
	return h->state == CP_ETCD_HTTP_DONE;
}

static inline int cp_etcd_http_in_body(const struct cp_etcd_http *h)
{
	return h->state >= CP_ETCD_HTTP_BODY_LENGTH;
}

#endif /* CP_ETCD_HTTP_H */
