/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN-proxy fixtures on the full-NAT ones (dp_nat_fixture.h): the frames a
 * test takes off the harness's TX rings, the options of the handshake's
 * segments, and the client's SYN answered with a cookie, every field of
 * the SYN-ACK checked. Shared by the SYN proxy's and HTTP's worker tests.
 */
#ifndef DP_SP_FIXTURE_H
#define DP_SP_FIXTURE_H

#include <stdint.h>

#include "dp_nat_fixture.h"

#define DPT_CLIENT_ISN 1000u
#define DPT_BACKEND_ISN 5000u
#define DPT_CLIENT_TS 0x1234u
#define DPT_BACKEND_TS 0x9000u

uint32_t dpt_get32(const uint8_t *p);
void dpt_put32(uint8_t *p, uint32_t v);

/* NOP NOP TS at @o (12 bytes): the options of every segment after the handshake. */
const uint8_t *dpt_ts_opts(uint8_t *o, uint32_t val, uint32_t ecr);

/* A SYN's options as dpt_syn_opts() lays them out, with its TSval and TSecr. */
const uint8_t *dpt_syn_opts_ts(uint8_t *o, uint16_t mss, uint32_t val, uint32_t ecr);

/* Nothing left on either port. */
void dpt_assert_nothing_sent(void);

/* The next frame on port @p is exactly @f. */
void dpt_take_exact(int p, struct dpt_frame f);
/*
 * A backend's bare ACK @ack for @c's source port, acknowledging an older
 * connection's bytes: it must come back as <SEQ=ack><CTL=RST> (the
 * appliance's, no options, unpadded), then @c's SYN @syn again.
 */
void dpt_expect_stale_ack_reset(const struct dpt_conn *c, uint32_t ack, struct dpt_frame syn);

/* @f as it leaves to @c's backend, and as it leaves to its client. */
struct dpt_frame dpt_at_backend(const struct dpt_conn *c, struct dpt_frame f);
struct dpt_frame dpt_at_client(const struct dpt_conn *c, struct dpt_frame f);

/* The pseudo-header sum of the IP header at @ip (version by its first nibble). */
uint32_t dpt_pseudo_sum(const uint8_t *ip, uint32_t l4_len);

/* The minute of the TSC clock, as the worker makes cookies with. */
uint8_t dpt_minute_now(void);

struct dpt_synack {
	uint32_t cookie, tsval;
};

/*
 * The client's SYN (MSS 1460, SACK, TS DPT_CLIENT_TS, WS 7) is answered on
 * port 0 by a SYN-ACK whose cookie this worker's keys accept, and nothing
 * is stored: the cookie and the SYN-ACK's TSval.
 */
struct dpt_synack dpt_syn_cookie(const struct dpt_conn *c);

/* The next Maglev instance of @c's VIP after its own, as the worker tries it. */
struct dpt_conn dpt_next_instance(const struct dpt_conn *c);

#endif /* DP_SP_FIXTURE_H */
