/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tests' reference Internet checksum: 16-bit big-endian words summed
 * with end-around carry, byte by byte, independent of DPDK's and of the
 * dataplane's incremental helpers. ~sum is what a header carries; a header
 * summed with its checksum gives 0xffff.
 */
#ifndef DP_REF_SUM_H
#define DP_REF_SUM_H

#include <stddef.h>
#include <stdint.h>

/* Sum of @n bytes at @p onto @s, folded to 16 bits, not complemented. */
static inline uint32_t dpt_ref_sum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

#endif /* DP_REF_SUM_H */
