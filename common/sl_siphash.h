/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SipHash-2-4, the keyed hash both sides use where a value must not be
 * guessable without a secret of the segment: the SYN proxy's cookies
 * (dataplane) and the sticky cookie's instance ids (sluiced writes them,
 * the dataplane only compares them).
 */
#ifndef SL_SIPHASH_H
#define SL_SIPHASH_H

#include <stdint.h>

/* SipHash-2-4 of @len bytes at @p under @key (two 64-bit halves, little-endian words). */
uint64_t sl_siphash24(const uint64_t key[2], const void *p, uint32_t len);

#endif /* SL_SIPHASH_H */
