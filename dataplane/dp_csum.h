/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Incremental Internet checksum updates (RFC 1624, eqn. 3: HC' = ~(~HC +
 * ~m + m')) for rewriting headers in place: addresses, ports, sequence
 * numbers, options. Values are taken as they sit in the packet (wire
 * order): the ones' complement sum does not care about byte order as long
 * as every word is treated alike. Checksum fields are read and written
 * through memcpy: packet headers (packed DPDK structs, quoted headers inside
 * an ICMP error) have no alignment to rely on.
 *
 * Two ways to use it: dp_csum_set16/32() change one field and its checksum;
 * a delta (dp_csum_delta*()) collects the changes of several fields, to be
 * applied with dp_csum_apply() to each checksum that covers them (an IPv4
 * address is in the IP header checksum and in the TCP/UDP pseudo-header).
 * A UDP checksum of zero over IPv4 means "none" and is left alone by the
 * callers; dp_csum_apply_udp() keeps a computed zero from reading as "none".
 */
#ifndef DP_CSUM_H
#define DP_CSUM_H

#include <stdint.h>
#include <string.h>

/* Fold a 32-bit ones' complement sum to 16 bits. */
static inline uint16_t dp_csum_fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Load and store of a 16/32-bit field at any alignment (packet bytes). */
static inline uint16_t dp_ld16(const void *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static inline uint32_t dp_ld32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static inline void dp_st16(void *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static inline void dp_st32(void *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/*
 * A delta: the sum of ~old + new over the changed 16-bit words. Each step
 * adds less than 2^17, so a delta holds thousands of steps before it could
 * overflow; dp_csum_apply() folds it.
 */
static inline uint32_t dp_csum_delta16(uint32_t d, uint16_t from, uint16_t to)
{
	return d + (uint16_t)~from + to;
}

static inline uint32_t dp_csum_delta32(uint32_t d, uint32_t from, uint32_t to)
{
	d += (uint16_t) ~(from & 0xffff);
	d += (uint16_t) ~(from >> 16);
	d += to & 0xffff;
	return d + (to >> 16);
}

/* The delta of @n bytes (even) at @from becoming the @n bytes at @to (an IPv6 address). */
static inline uint32_t dp_csum_delta(uint32_t d, const void *from, const void *to, unsigned int n)
{
	for (unsigned int i = 0; i < n; i += 2)
		d = dp_csum_delta16(d, dp_ld16((const uint8_t *)from + i),
				    dp_ld16((const uint8_t *)to + i));
	return d;
}

/* The checksum at @ck (any alignment) after the changes @d sums up. */
static inline void dp_csum_apply(void *ck, uint32_t d)
{
	uint32_t s = (uint16_t)~dp_ld16(ck);

	s += dp_csum_fold(d);
	dp_st16(ck, (uint16_t)~dp_csum_fold(s));
}

/*
 * The same for a UDP checksum: zero stays zero (IPv4 "none"), and a result
 * of zero is sent as 0xffff (RFC 768), its ones' complement equal.
 */
static inline void dp_csum_apply_udp(void *ck, uint32_t d)
{
	if (dp_ld16(ck) == 0)
		return;
	dp_csum_apply(ck, d);
	if (dp_ld16(ck) == 0)
		dp_st16(ck, 0xffff);
}

/*
 * Store the 16-bit field at @p (covered by the checksum at @ck) as @v,
 * fixing the checksum. @v and the field are in the packet's byte order.
 */
static inline void dp_csum_set16(void *ck, void *p, uint16_t v)
{
	dp_csum_apply(ck, dp_csum_delta16(0, dp_ld16(p), v));
	dp_st16(p, v);
}

static inline void dp_csum_set32(void *ck, void *p, uint32_t v)
{
	dp_csum_apply(ck, dp_csum_delta32(0, dp_ld32(p), v));
	dp_st32(p, v);
}

#endif /* DP_CSUM_H */
