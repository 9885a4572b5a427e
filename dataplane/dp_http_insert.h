/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bytes the appliance writes into a spliced HTTP connection's streams:
 * X-Forwarded-For and X-Request-Id into request heads (as the VIP asks),
 * Set-Cookie with the instance's opaque sticky id into the head of a
 * response to a request that named no valid cookie of that instance. Each
 * insertion moves the sequence numbers after it (dp_seqadj.h, one change
 * point per direction): every spliced segment is translated, its seq in
 * the direction of the insertion, its acknowledgement and SACK blocks the
 * other way; the segment that holds an insertion's point gets its bytes,
 * the same bytes each time it comes again, and is split in two when it
 * grows past what the receiver or the port takes. A new insertion is made
 * only once the one before is acknowledged: the worker holds a request
 * until then (dp_http_ins_ready).
 *
 * Nothing here allocates but an mbuf for a split's second part, locks or
 * logs; what could not be inserted is counted by reason, per worker and
 * per VIP (sl_http_counter.insert_failed).
 */
#ifndef DP_HTTP_INSERT_H
#define DP_HTTP_INSERT_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "dp_http.h"
#include "dp_http_ctx.h"
#include "dp_http_insert_types.h"
#include "dp_parse.h"
#include "dp_types.h"

struct dp_conn;
struct dp_nat_out;

/* Fresh corrections both ways: @s's connection is bound to an instance that has nothing yet. */
void dp_http_ins_bound(struct dp_http_ins *s);

/*
 * The bound instance's SYN-ACK: its MSS (@mss, 0: none), the splice's
 * delta, and its acknowledgement @ack (the first byte it expects).
 */
void dp_http_ins_opened(struct dp_http_ins *s, uint16_t mss, uint32_t delta, uint32_t ack);

/*
 * May the next request go (to the same instance) with its insertions?
 * Only when each way the point before is acknowledged: by the instance
 * (its highest ack) and by the client (@c_acked, the client's numbers).
 */
int dp_http_ins_ready(const struct dp_http_ins *s, uint32_t c_acked);

/*
 * The request @x waits with goes to @c's instance now: its X-Request-Id
 * made (x->ins.request_id), its headers placed before its head's empty
 * line (or after the value of its last X-Forwarded-For), and whether its
 * response gets a Set-Cookie, by @c's VIP in @t. Returns 1 when the
 * X-Request-Id went in, else 0.
 */
int dp_http_ins_request(struct dp_worker *w, const struct dp_table *t, const struct dp_conn *c,
			struct dp_http_ctx *x);

/*
 * @c's x->resp returned @st for @used bytes from the instance's number
 * @seq: a Set-Cookie waiting for the response is placed where its head
 * ends.
 */
void dp_http_ins_response_fed(struct dp_worker *w, const struct dp_conn *c, struct dp_http_ctx *x,
			      enum dp_http_status st, uint32_t seq, uint32_t used);

/*
 * Client segment @m (@pkt) of spliced connection @c, before full NAT
 * translates it: seq by the request's corrections (the insertion's bytes
 * where it holds the point), acknowledgement and SACK blocks by the
 * response's; @pkt parsed again if the segment changed. A second part is
 * *@tail, already translated to @c's instance (port *@tail_port), else
 * NULL. Returns DP_FWD_OK, or the drop reason for @m.
 */
unsigned int dp_http_ins_to_backend(struct dp_worker *w, const struct dp_table *t,
				    struct dp_conn *c, struct dp_http_ctx *x, struct rte_mbuf *m,
				    struct dp_pkt *pkt, struct rte_mbuf **tail,
				    uint16_t *tail_port);

/*
 * Instance segment @m (@pkt) of @c after full NAT translated it to the
 * client: seq by the response's corrections (a Set-Cookie where it holds
 * the point), acknowledgement and SACK blocks by the request's. A second
 * part goes into @out after it. *@end is the client's number after what
 * leaves (its FIN included). Returns DP_FWD_OK, or the drop reason for @m.
 */
unsigned int dp_http_ins_to_client(struct dp_worker *w, struct dp_conn *c, struct dp_http_ctx *x,
				   struct rte_mbuf *m, const struct dp_pkt *pkt, uint32_t *end,
				   struct dp_nat_out *out);

/*
 * An ICMP error's quote of a segment of HTTP connection @c, going to the
 * instance (@to_backend: a segment to the client) or to the client: its
 * seq and ack moved (*@seq_add, *@ack_add, beside the splice's delta) by
 * the insertions, as of the current points (a quote is of a recent
 * segment).
 */
void dp_http_ins_icmp(const struct dp_worker *w, const struct dp_conn *c, int to_backend,
		      uint32_t *seq_add, uint32_t *ack_add);

#endif /* DP_HTTP_INSERT_H */
