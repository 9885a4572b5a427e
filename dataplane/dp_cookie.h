/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies for the SYN proxy: the initial sequence number the appliance
 * answers a client's SYN with, from which the client's ACK proves it saw
 * that SYN-ACK, and which carries the options the client offered (MSS,
 * window scale, SACK, timestamps), so nothing is stored for a SYN.
 *
 *   cookie = H1(key, tuple, client ISN) + (t << 24)
 *            + ((H2(key, tuple, t) + data) & 0xffffff)
 *
 * H1, H2: SipHash-2-4 keyed with a 128-bit secret sluiced writes into the
 * shared memory (and rotates, keeping the previous one valid), over the
 * client's 4-tuple; t: the minute of the appliance's clock (mod 256); data:
 * the options (DP_COOKIE_DATA_BITS bits). A cookie is valid for
 * DP_COOKIE_MAX_AGE minutes under the current or the previous secret; a
 * random ACK passes with a probability of about 2^-13 per secret and
 * minute. The construction is Linux's (net/ipv4/syncookies.c) with a keyed
 * PRF for its hashes.
 */
#ifndef DP_COOKIE_H
#define DP_COOKIE_H

#include <stdint.h>

#include "sl_shm_types.h"

#define DP_COOKIE_MAX_AGE 2   /* minutes a cookie stays valid */
#define DP_COOKIE_DATA_BITS 9 /* bits of options in a cookie */
#define DP_COOKIE_WS_NONE 15  /* no window scale offered */
#define DP_COOKIE_N_MSS 8

/* The MSS values a cookie can say; a client's MSS is rounded down to one of them. */
extern const uint16_t dp_cookie_mss[DP_COOKIE_N_MSS];

/* What the client's SYN offered, as a cookie keeps it. */
struct dp_cookie_opts {
	uint16_t mss;	/* one of dp_cookie_mss */
	uint8_t wscale; /* 0-14, DP_COOKIE_WS_NONE */
	uint8_t sack;	/* SACK-permitted */
	uint8_t ts;	/* timestamps */
};

/* The 4-tuple a cookie is bound to: the client's packet as it came. */
struct dp_cookie_tuple {
	struct sl_addr src;
	struct sl_addr dst;
	uint16_t sport; /* wire order, as in the packet */
	uint16_t dport;
};

/*
 * The cookie for a SYN of @tuple with sequence number @isn (host order),
 * at minute @t, offering @o (the MSS rounded down to dp_cookie_mss; a
 * client MSS below the smallest is taken as the smallest).
 */
uint32_t dp_cookie_make(const uint64_t key[2], const struct dp_cookie_tuple *tuple, uint32_t isn,
			uint8_t t, const struct dp_cookie_opts *o);

/*
 * Check @cookie (the client's ACK number - 1) for @tuple, whose client ISN
 * is @isn (the ACK's sequence number - 1), at minute @now, under @key.
 * Returns 1 and fills *@o if it is valid, 0 if not.
 */
int dp_cookie_check(const uint64_t key[2], const struct dp_cookie_tuple *tuple, uint32_t isn,
		    uint32_t cookie, uint8_t now, struct dp_cookie_opts *o);

#endif /* DP_COOKIE_H */
