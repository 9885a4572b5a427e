/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SYN proxy's own segments, as pure functions over frame bytes (the
 * caller sets the mbuf's length to what they return):
 *
 *   client SYN        -> dp_sp_answer_syn: the SYN-ACK with a cookie, in
 *                        place; nothing is stored
 *   client ACK        -> dp_sp_check_ack: is it a cookie's answer, and what
 *                        did the SYN offer (struct dp_sp_open)
 *                     -> dp_sp_client_syn: the SYN the client would have
 *                        sent, rebuilt from the ACK, which full NAT then
 *                        opens towards an instance like any client SYN
 *   backend SYN-ACK   -> dp_sp_splice_of: the two halves' translation
 *                     -> dp_sp_synack_to_ack: the window update the client
 *                        gets instead, in place (still backend -> NAT
 *                        source: full NAT rewrites its addresses)
 *   failure           -> dp_sp_rst: the RST a client packet is answered
 *                        with, in place
 *
 * Frames are Ethernet with the VLAN tags dp_parse() accepted; the replies
 * keep the tags, swap the MAC addresses and carry a plain IP header (no
 * IPv4 options, no IPv6 extension headers), TTL or hop limit DP_SEG_TTL (dp_seg.h).
 * A rewritten segment keeps its IPv4 identification. Every checksum of a
 * built segment is computed in full (they are small);
 * nothing here relies on checksum offload.
 */
#ifndef DP_SYNPROXY_H
#define DP_SYNPROXY_H

#include <stdint.h>

#include "dp_cookie.h"
#include "dp_parse.h"
#include "dp_tcp.h"
#include "sl_shm_types.h"

#define DP_SP_WINDOW 65535   /* the window of the appliance's SYN-ACK (a SYN's is never scaled) */
#define DP_SP_WSCALE 7	     /* the scale offered to a client that offers one */
#define DP_SP_SYN_OPT_MAX 20 /* MSS, SACK-permitted, timestamps, window scale */

/* What a valid cookie ACK proves about the client's SYN, and what opening the backend needs. */
struct dp_sp_open {
	struct dp_cookie_opts o; /* what the SYN offered (o.mss rounded to the cookie's table) */
	uint32_t client_isn;	 /* host order */
	uint32_t cookie;	 /* the appliance's ISN towards the client */
	uint32_t tsval;		 /* the ACK's TSval (o.ts) */
	uint32_t tsecr;		 /* the ACK's TSecr: the TSval the appliance's SYN-ACK sent */
	uint16_t window;	 /* the ACK's window field (in the client's scale) */
	uint16_t pad;
};

/*
 * Turn the client SYN in @f (parsed into @pkt; the frame has @room bytes of
 * buffer from its start) into the SYN-ACK that answers it: seq = the
 * cookie made under @sec's current key at @minute, ack = ISN + 1, window
 * DP_SP_WINDOW, MSS @mss, and SACK-permitted, timestamps (TSval @tsval,
 * TSecr the client's) and window scale DP_SP_WSCALE only where the client
 * offered them. Data on the SYN is not acknowledged. Returns the frame's
 * new length, or -ENOSPC if @room is too small.
 */
int dp_sp_answer_syn(uint8_t *f, uint32_t room, const struct dp_pkt *pkt,
		     const struct sl_synproxy_secrets *sec, uint8_t minute, uint32_t tsval,
		     uint16_t mss);

/*
 * Is the client segment in @f (an ACK without SYN or RST) the answer to a
 * SYN-ACK with a cookie: its ack - 1 a cookie for its tuple and seq - 1,
 * made at most DP_COOKIE_MAX_AGE minutes before @minute under either key
 * of @sec? Returns 1 and fills *@op, or 0.
 */
int dp_sp_check_ack(const uint8_t *f, const struct dp_pkt *pkt,
		    const struct sl_synproxy_secrets *sec, uint8_t minute, struct dp_sp_open *op);

/*
 * Build in @syn (@room bytes) the SYN the client sent before the cookie ACK
 * in @ack (parsed into @pkt) answered it: the ACK's Ethernet header,
 * addresses, ports, TTL and traffic class, seq = ISN, the ACK's window
 * (unscaled, at most 65535), and the options the cookie says it offered
 * (MSS, SACK-permitted, timestamps with TSval = the ACK's, window scale).
 * Returns its length, or -ENOSPC.
 */
int dp_sp_client_syn(uint8_t *syn, uint32_t room, const uint8_t *ack, const struct dp_pkt *pkt,
		     const struct dp_sp_open *op);

/* The window scale the appliance promised a client whose SYN offered @o (0: none). */
static inline uint8_t dp_sp_client_wscale(const struct dp_cookie_opts *o)
{
	return o->wscale == DP_COOKIE_WS_NONE ? 0 : DP_SP_WSCALE;
}

/*
 * The translation between the halves, from the backend's SYN-ACK @th
 * (options @o) to the connection opened by @op: the sequence delta, both
 * window scales (the backend's counts only if both halves negotiated
 * scaling; if the client's did and the backend's did not, the client's
 * windows go to the backend in bytes), and the timestamp offset when both
 * halves use timestamps.
 */
void dp_sp_splice_of(const struct rte_tcp_hdr *th, const struct dp_tcpopt *o,
		     const struct dp_sp_open *op, struct dp_splice *s);

/*
 * Turn the backend SYN-ACK in @f (parsed into @pkt) into the ACK the client
 * gets, spliced by @s: seq = cookie + 1, its ack, its window in the
 * client's scale, only a timestamp option (translated). Addresses and ports
 * stay the backend half's. Returns the new length.
 */
int dp_sp_synack_to_ack(uint8_t *f, const struct dp_pkt *pkt, const struct dp_splice *s);

/*
 * Turn the client segment in @f (parsed into @pkt) into the RST that
 * answers it (RFC 9293 3.10.7.1: seq = its ack if it has one, else seq 0
 * with an ack of everything it carried). Returns the new length, or
 * -ENOSPC.
 */
int dp_sp_rst(uint8_t *f, uint32_t room, const struct dp_pkt *pkt);

#endif /* DP_SYNPROXY_H */
