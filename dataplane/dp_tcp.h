/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP header work the stateful modes share (full NAT, the SYN proxy):
 * parsing the options the handshake negotiates (MSS, window scale,
 * SACK-permitted, timestamps) and the SACK blocks of an ACK, clamping the
 * MSS, and translating a spliced segment between the two halves of a
 * proxied connection (sequence delta, SACK blocks, timestamp offset, window
 * rescale), every change with an incremental checksum fix. Bounds are
 * checked against the header's data offset; a malformed option list stops
 * the walk and is reported, never read past.
 */
#ifndef DP_TCP_H
#define DP_TCP_H

#include <stdint.h>

#include <rte_tcp.h>

#define DP_TCPOPT_EOL 0
#define DP_TCPOPT_NOP 1
#define DP_TCPOPT_MSS 2
#define DP_TCPOPT_WS 3
#define DP_TCPOPT_SACK_PERM 4
#define DP_TCPOPT_SACK 5
#define DP_TCPOPT_TS 8

#define DP_TCP_WS_NONE 0xff /* dp_tcpopt.wscale when the option is absent */
#define DP_TCP_WS_MAX 14    /* RFC 7323: larger shifts are taken as 14 */
#define DP_TCP_SACK_MAX 4   /* blocks an option holds (40 bytes of options) */

/* What a segment's options say, and where the rewritable ones sit. */
struct dp_tcpopt {
	uint16_t mss;	 /* host order, 0: absent */
	uint8_t wscale;	 /* shift, DP_TCP_WS_NONE: absent */
	uint8_t sack_ok; /* SACK-permitted present */
	uint8_t ts_ok;	 /* timestamps present */
	uint8_t n_sack;	 /* SACK blocks */
	uint8_t bad;	 /* the list was malformed: the walk stopped there */
	uint8_t pad;
	uint32_t tsval; /* host order */
	uint32_t tsecr; /* host order */
	/* offsets from the TCP header of each option's value; 0: absent */
	uint16_t mss_off, ts_off, sack_off;
};

/* Parse the options of @th (whose data offset was checked against the packet). */
void dp_tcpopt_parse(const struct rte_tcp_hdr *th, struct dp_tcpopt *o);

/* Lower the MSS option to @mss if it is larger (checksum fixed). Returns 1 if changed. */
int dp_tcp_clamp_mss(struct rte_tcp_hdr *th, const struct dp_tcpopt *o, uint16_t mss);

/*
 * A spliced connection's translation state. Sequence numbers towards the
 * client are the appliance's (the SYN cookie), towards the backend the
 * backend's; timestamps towards the client continue the appliance's clock.
 */
struct dp_splice {
	uint32_t delta;	    /* appliance ISN - backend ISN: s->c seq +=, c->s ack and SACK -= */
	uint32_t ts_off;    /* backend TSval - appliance TSval: s->c TSval -=, c->s TSecr += */
	uint8_t ws_backend; /* the backend's window scale (its SYN-ACK), 0..14 */
	uint8_t ws_client;  /* the scale the appliance promised the client (its SYN-ACK), 0..14 */
	uint8_t ts;	    /* timestamps in use on both halves */
	uint8_t ws_up;	    /* the client's own scale if the backend half has none, else 0 */
};

/*
 * Client -> backend: ack and SACK blocks -= delta, TSecr += ts_off, and
 * when the backend half negotiated no window scaling, the client's window
 * in bytes (saturating at 0xffff).
 */
void dp_tcp_splice_to_backend(struct rte_tcp_hdr *th, const struct dp_splice *s);

/*
 * Backend -> client: seq += delta, TSval -= ts_off, window from the
 * backend's scale to the client's (saturating at 0xffff).
 */
void dp_tcp_splice_to_client(struct rte_tcp_hdr *th, const struct dp_splice *s);

/* The header's options length in bytes (data offset - 20). */
static inline uint32_t dp_tcp_opt_len(const struct rte_tcp_hdr *th)
{
	return (uint32_t)(th->data_off >> 4) * 4 - sizeof(*th);
}

#endif /* DP_TCP_H */
