/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Incremental Internet checksum updates (RFC 1624, eqn. 3: HC' = ~(~HC + ~m
 * + m')) for programs without the skb checksum helpers (XDP), and the full
 * sum of an IPv4 header. Values stay in wire order: a ones' complement sum
 * is the same whichever byte order both sides are read in.
 */
#ifndef SL_CSUM_H
#define SL_CSUM_H

#include <linux/types.h>

static __always_inline __u16 sl_csum_fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/* *csum after a 32-bit field covered by it changed from @from to @to */
static __always_inline void sl_csum_replace4(__sum16 *csum, __be32 from, __be32 to)
{
	__u32 s = (__u16) ~*csum;

	s += (~from & 0xffff) + (~from >> 16);
	s += (to & 0xffff) + (to >> 16);
	*csum = ~sl_csum_fold(s);
}

/* *csum after a 16-bit field covered by it changed from @from to @to */
static __always_inline void sl_csum_replace2(__sum16 *csum, __be16 from, __be16 to)
{
	__u32 s = (__u16) ~*csum;

	s += (__u16)~from;
	s += to;
	*csum = ~sl_csum_fold(s);
}

/* The header checksum of a 20-byte IPv4 header whose check field is zero. */
static __always_inline __sum16 sl_csum_ip4(const void *hdr)
{
	const __u16 *w = hdr;
	__u32 s = 0;
	int i;

#pragma unroll
	for (i = 0; i < 10; i++)
		s += w[i];
	return ~sl_csum_fold(s);
}

#endif /* SL_CSUM_H */
