/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance's own HTTP answers. When a request cannot go to an instance
 * (malformed, no route, no serving instance, a head that never completes),
 * the appliance is the client's server for one short response: HTTP/1.1,
 * Connection: close, a one-line text body, in one segment with FIN, from
 * the VIP, written over a segment of the client's connection (in place,
 * its VLAN tags kept). It acknowledges what the client sent: having
 * answered, the appliance has consumed it.
 */
#ifndef DP_HTTP_ANSWER_H
#define DP_HTTP_ANSWER_H

#include <stdint.h>

#include "dp_parse.h"

/*
 * The answers: status, reason phrase (also the body, with a newline), the
 * body's length as Content-Length says it (the unit test checks it), why
 * (the counter's name).
 */
#define DP_HTTP_ANSWERS(X)                                                                         \
	X(BAD_REQUEST, 400, "Bad Request", "12", "bad_request")                                    \
	X(NO_ROUTE, 404, "Not Found", "10", "no_route")                                            \
	X(HEAD_TIMEOUT, 408, "Request Timeout", "16", "head_timeout")                              \
	X(NO_INSTANCE, 503, "Service Unavailable", "20", "no_instance")

enum dp_http_answer {
#define DP_HTTP_ANSWER_ENUM(sym, code, phrase, clen, name) DP_HTTP_ANSWER_##sym,
	DP_HTTP_ANSWERS(DP_HTTP_ANSWER_ENUM)
#undef DP_HTTP_ANSWER_ENUM
		DP_HTTP_ANSWER_MAX
};

/* The answer's status code, and its name for counters (NULL/0 for an unknown one). */
unsigned int dp_http_answer_status(unsigned int a);
const char *dp_http_answer_name(unsigned int a);

/* The bytes of answer @a's response, *@len of them (NULL for an unknown one). */
const char *dp_http_answer_text(unsigned int a, uint32_t *len);

/* Where the answer sits in the client's connection. */
struct dp_http_answer_pos {
	uint32_t seq;	 /* the appliance's next sequence number towards the client */
	uint32_t ack;	 /* the client's next sequence number: all before it is answered */
	uint16_t window; /* in the scale the appliance promised the client */
	uint8_t ts;	 /* timestamps in use: TSval @tsval, TSecr @tsecr */
	uint8_t pad;
	uint32_t tsval, tsecr;
};

/*
 * Turn the client segment in @f (parsed into @pkt; the frame has @room
 * bytes of buffer from its start) into answer @a at @pos: FIN, PSH, ACK,
 * TTL DP_SEG_TTL. Returns the frame's length, -EINVAL for an unknown
 * answer, -ENOSPC if @room is too small. The answer takes the sequence
 * numbers @pos->seq .. + its length, and its FIN the one after.
 */
int dp_http_answer_write(uint8_t *f, uint32_t room, const struct dp_pkt *pkt, unsigned int a,
			 const struct dp_http_answer_pos *pos);

#endif /* DP_HTTP_ANSWER_H */
