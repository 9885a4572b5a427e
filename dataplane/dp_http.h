/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.x message framing for the dataplane's request routing: an
 * incremental, bounded parser with no allocation, fed the bytes of a TCP
 * stream as they arrive, segment by segment, in any split. For a request it
 * keeps what routing and events need (method, path, Host, the sticky
 * cookie's value, Connection, Upgrade) and for both directions where the
 * message ends (Content-Length, chunked, close-delimited, no body), so the
 * worker knows when the next request begins. It never buffers the stream:
 * the caller holds the segments.
 *
 * Strict where two parsers could disagree on a message's end (RFC 9112
 * §6.3, the request-smuggling cases): both Content-Length and
 * Transfer-Encoding, two different Content-Lengths, a Transfer-Encoding
 * that is not exactly "chunked" last, a bad chunk size, bare CR or LF
 * where CRLF belongs, obsolete line folding, whitespace before a header's
 * colon, and a head over the bound are errors with a named reason; the
 * caller answers 400 and closes.
 */
#ifndef DP_HTTP_H
#define DP_HTTP_H

#include <stdint.h>

#define DP_HTTP_HEAD_MAX_DEFAULT 8192 /* bytes of request head accepted by default */
#define DP_HTTP_PATH_MAX 256	      /* bytes of the path kept for routing (longer: cut) */
#define DP_HTTP_HOST_MAX 128	      /* bytes of the Host kept (port and case as sent) */
#define DP_HTTP_COOKIE_MAX 64	      /* bytes of the sticky cookie's value kept */
#define DP_HTTP_NAME_MAX 32	      /* bytes of the sticky cookie's name matched */
#define DP_HTTP_METHOD_MAX 16
#define DP_HTTP_RID_MAX 56 /* bytes of X-Request-Id kept, NUL included */

/* What a feed returns. */
enum dp_http_status {
	DP_HTTP_MORE = 0,  /* everything consumed, the message goes on */
	DP_HTTP_HEAD = 1,  /* the head is complete: *used bytes consumed, up to its end */
	DP_HTTP_DONE = 2,  /* the message is complete: *used bytes consumed, up to its end */
	DP_HTTP_ERROR = 3, /* malformed: dp_http_msg.error says why; stop feeding */
};

#define DP_HTTP_ERRORS(X)                                                                          \
	X(NONE, "none")                                                                            \
	X(HEAD_TOO_LONG, "head_too_long")     /* head over its bound */                            \
	X(BAD_START_LINE, "bad_start_line")   /* method, target, version or status malformed */    \
	X(BAD_VERSION, "bad_version")	      /* not HTTP/1.0 or HTTP/1.1 */                       \
	X(BAD_HEADER, "bad_header")	      /* a header line malformed (no colon, space, ...) */ \
	X(BAD_EOL, "bad_eol")		      /* CR not followed by LF, or a bare LF */            \
	X(OBS_FOLD, "obs_fold")		      /* a continuation line (obsolete folding) */         \
	X(BAD_LENGTH, "bad_content_length")   /* Content-Length not digits, or too big */          \
	X(LENGTH_CONFLICT, "length_conflict") /* two different Content-Lengths */                  \
	X(TE_AND_LENGTH, "te_and_length")     /* Transfer-Encoding and Content-Length both */      \
	X(BAD_TE, "bad_transfer_encoding")    /* a Transfer-Encoding other than chunked last */    \
	X(BAD_CHUNK, "bad_chunk")     /* a chunk size line, or a chunk's CRLF, malformed */        \
	X(EARLY_CLOSE, "early_close") /* the stream ended inside a framed message */               \
	X(NO_HOST, "no_host")	      /* an HTTP/1.1 request without Host, or with two */

enum dp_http_error {
#define DP_HTTP_ERROR_ENUM(sym, str) DP_HTTP_E_##sym,
	DP_HTTP_ERRORS(DP_HTTP_ERROR_ENUM)
#undef DP_HTTP_ERROR_ENUM
		DP_HTTP_E_MAX
};

const char *dp_http_error_name(unsigned int e);

/* dp_http_msg.flags */
#define DP_HTTP_F_CLOSE (1u << 0)     /* the connection closes after this message */
#define DP_HTTP_F_UPGRADE (1u << 1)   /* an Upgrade (request) / 101 Switching Protocols */
#define DP_HTTP_F_CHUNKED (1u << 2)   /* the body is chunked */
#define DP_HTTP_F_LENGTH (1u << 3)    /* the body has a Content-Length */
#define DP_HTTP_F_EOF_BODY (1u << 4)  /* response body delimited by the connection's end */
#define DP_HTTP_F_HEAD_REQ (1u << 5)  /* response to a HEAD request: no body */
#define DP_HTTP_F_CONNECT (1u << 6)   /* a CONNECT request */
#define DP_HTTP_F_CONTINUE (1u << 7)  /* Expect: 100-continue */
#define DP_HTTP_F_HOST (1u << 8)      /* a Host header was seen */
#define DP_HTTP_F_COOKIE (1u << 9)    /* the sticky cookie was found */
#define DP_HTTP_F_HTTP10 (1u << 10)   /* HTTP/1.0 */
#define DP_HTTP_F_INTERIM (1u << 11)  /* a 1xx response (not 101): another one follows */
#define DP_HTTP_F_PATH_CUT (1u << 12) /* the path was longer than DP_HTTP_PATH_MAX */
#define DP_HTTP_F_RID (1u << 13)      /* an X-Request-Id was seen: request_id holds it */
#define DP_HTTP_F_RID_CUT (1u << 14)  /* ... longer than DP_HTTP_RID_MAX - 1 bytes */

/* One message being parsed, a request or a response. */
struct dp_http_msg {
	/* configuration, set before the first feed */
	uint8_t response;    /* 0: a request, 1: a response */
	uint8_t head_req;    /* response: to a HEAD request (no body) */
	uint8_t connect_req; /* response: to a CONNECT (2xx: a tunnel follows) */
	uint8_t cookie_name_len;
	uint32_t head_max;		    /* bytes of head accepted */
	char cookie_name[DP_HTTP_NAME_MAX]; /* sticky cookie to look for, "" for none */

	/* results */
	uint16_t flags;	 /* DP_HTTP_F_* */
	uint16_t status; /* response: the status code */
	uint8_t error;	 /* enum dp_http_error */
	uint8_t method_len, host_len, cookie_len;
	uint16_t path_len;
	uint32_t head_len;  /* bytes of head (start line to the empty line included) */
	uint32_t xff_end;   /* request: offset in the head of the CR ending the last
			     * X-Forwarded-For line with a value, 0: none */
	uint64_t length;    /* Content-Length */
	uint64_t body_seen; /* bytes of body consumed (chunked: framing included) */
	char method[DP_HTTP_METHOD_MAX];
	char path[DP_HTTP_PATH_MAX]; /* the target's path and query, as sent */
	char host[DP_HTTP_HOST_MAX];
	char cookie[DP_HTTP_COOKIE_MAX];  /* the sticky cookie's value */
	char request_id[DP_HTTP_RID_MAX]; /* the first X-Request-Id (DP_HTTP_F_RID) */
	uint8_t rid_len;

	/* parser state */
	uint8_t state, hdr, hdr_match, chunk_state;
	uint32_t pos;	     /* bytes into the current token */
	uint64_t chunk_left; /* bytes of the current chunk's data still to come */
	uint64_t cl_value;   /* the Content-Length being read */
	uint8_t cl_seen, te_seen, te_last_chunked, in_value;
	char hname[24]; /* the current header's name, lower case, cut */
	uint8_t hname_len, cookie_state, keep_alive, pad;
};

/*
 * Start a message. @head_max bounds the head (0: the default); @cookie
 * names the sticky cookie to look for in a request (NULL: none). A
 * response is told whether it answers a HEAD (no body) or a CONNECT (a 2xx
 * opens a tunnel).
 */
void dp_http_req_init(struct dp_http_msg *m, uint32_t head_max, const char *cookie);
void dp_http_resp_init(struct dp_http_msg *m, uint32_t head_max, int head_req, int connect_req);

/*
 * Feed @len bytes of the stream at @p. Returns DP_HTTP_MORE (all consumed),
 * DP_HTTP_HEAD when the head ends within them (*@used: bytes up to and
 * including the empty line; feed the rest again for the body), DP_HTTP_DONE
 * when the message ends within them (*@used: up to its last byte; what
 * follows is the next message), or DP_HTTP_ERROR. A message without a body
 * returns DP_HTTP_DONE right at the end of its head (never DP_HTTP_HEAD).
 * After DP_HTTP_HEAD of a close-delimited response every further byte is
 * body: DP_HTTP_MORE until dp_http_eof(). For a tunnel (101, a CONNECT's
 * 2xx) the framing ends at the head: DP_HTTP_DONE with
 * DP_HTTP_F_UPGRADE, and the caller splices the rest unparsed.
 */
enum dp_http_status dp_http_feed(struct dp_http_msg *m, const uint8_t *p, uint32_t len,
				 uint32_t *used);

/* The stream ended: DP_HTTP_DONE if that ends the message, DP_HTTP_ERROR (early close) if not. */
enum dp_http_status dp_http_eof(struct dp_http_msg *m);

/*
 * Is the last byte fed the CR of the head's empty line (its LF still to
 * come)? Where the head ends is known from that byte on.
 */
int dp_http_head_ending(const struct dp_http_msg *m);

/* Does the message's head say a body follows? (Valid from DP_HTTP_HEAD or DONE on.) */
int dp_http_has_body(const struct dp_http_msg *m);

#endif /* DP_HTTP_H */
