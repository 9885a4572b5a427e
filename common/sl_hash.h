/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hashes both processes must compute identically: the flow hash that indexes
 * Maglev tables (so every appliance with the same tables sends a flow to the
 * same instance) and the byte hash that seeds each backend's Maglev
 * permutation. Fixed constants, no per-process seed, host-independent input.
 */
#ifndef SL_HASH_H
#define SL_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sl_shm_types.h"

/* The 5-tuple as parsed from the wire; addresses IPv4-mapped for IPv4. */
struct sl_flow_key {
	struct sl_addr src;
	struct sl_addr dst;
	__be16 sport;
	__be16 dport;
	uint8_t proto;
	uint8_t af;
	uint16_t pad; /* always zero: the key is hashed and compared as bytes */
};
_Static_assert(sizeof(struct sl_flow_key) == 40, "flow key is five 8-byte words");

#define SL_HASH_K1 0x9e3779b97f4a7c15ull
#define SL_HASH_K2 0xc2b2ae3d27d4eb4full

static inline uint64_t sl_hash_mix(uint64_t h)
{
	/* murmur3 finaliser: every input bit affects every output bit */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static inline uint64_t sl_hash_word(uint64_t h, uint64_t w)
{
	w *= SL_HASH_K2;
	w = (w << 31) | (w >> 33);
	h ^= w * SL_HASH_K1;
	return ((h << 27) | (h >> 37)) * 5 + 0x52dce729;
}

/* Hash @len bytes at @p (any alignment) with @seed. */
static inline uint64_t sl_hash_bytes(const void *p, size_t len, uint64_t seed)
{
	const uint8_t *b = p;
	uint64_t h = seed ^ (len * SL_HASH_K1);
	uint64_t w;

	for (; len >= 8; len -= 8, b += 8) {
		memcpy(&w, b, 8);
		h = sl_hash_word(h, w);
	}
	if (len) {
		w = 0;
		memcpy(&w, b, len);
		h = sl_hash_word(h, w);
	}
	return sl_hash_mix(h);
}

/*
 * Flow hash. With @three_tuple the ports are ignored, so every connection
 * of one client to one VIP lands on one backend (and fragments could too).
 */
static inline uint32_t sl_flow_hash(const struct sl_flow_key *k, int three_tuple)
{
	const uint64_t *w = (const uint64_t *)k;
	uint64_t h = 0x736c756963650000ull; /* "sluice" */

	h = sl_hash_word(h, w[0]);
	h = sl_hash_word(h, w[1]);
	h = sl_hash_word(h, w[2]);
	h = sl_hash_word(h, w[3]);
	if (three_tuple)
		h = sl_hash_word(h, (uint64_t)k->proto << 40 | (uint64_t)k->af << 48);
	else
		h = sl_hash_word(h, w[4]);
	return (uint32_t)sl_hash_mix(h);
}

#endif /* SL_HASH_H */
