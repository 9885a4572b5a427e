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
	uint16_t pad; /* zero (the key is hashed and compared as bytes): the dataplane's
		       * flow table marks keys of its own that are not 5-tuples here */
};
_Static_assert(sizeof(struct sl_flow_key) == 40, "flow key is five 8-byte words");

/*
 * A key read as five 64-bit words: may_alias, so a key just written field
 * by field (a port set, then the key hashed) is read as written and not
 * from before the stores, which strict aliasing would allow.
 */
typedef uint64_t __attribute__((may_alias)) sl_key_word;

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
 * CRC32C of one 8-byte word, least significant byte first, no inversion:
 * the crc32q instruction (SSE4.2) where the build has it, else the same
 * function from a table (sl_hash.c). Both give the same bits for the same
 * input: the unit test checks it.
 */
extern const uint32_t sl_crc32c_table[256];

static inline uint32_t sl_crc32c_u64_sw(uint32_t crc, uint64_t w)
{
	for (unsigned int i = 0; i < 8; i++, w >>= 8)
		crc = sl_crc32c_table[(crc ^ (uint32_t)w) & 0xff] ^ (crc >> 8);
	return crc;
}

#ifdef __SSE4_2__
static inline uint32_t sl_crc32c_u64(uint32_t crc, uint64_t w)
{
	return (uint32_t)__builtin_ia32_crc32di(crc, w);
}
#else
#define sl_crc32c_u64 sl_crc32c_u64_sw
#endif

#define SL_FLOW_SEED0 0x736c7569u /* "slui" */
#define SL_FLOW_SEED1 0x63650000u /* "ce" */

/*
 * The flow hash with a given CRC step (inlined: the step is a constant).
 * Two CRC chains over the five words run in parallel; CRC is linear over
 * GF(2), so the 64-bit concatenation is multiplied by an odd constant and
 * the high half taken: every input bit reaches every output bit, and the
 * result is fit for Maglev's hash % M and the flow table's low bits.
 */
static inline __attribute__((always_inline)) uint32_t
sl_flow_hash_with(const struct sl_flow_key *k, int three_tuple, uint32_t (*crc)(uint32_t, uint64_t))
{
	const sl_key_word *w = (const sl_key_word *)k;
	uint64_t last = three_tuple ? (uint64_t)k->proto << 40 | (uint64_t)k->af << 48 : w[4];
	uint32_t c0 = crc(SL_FLOW_SEED0, w[0]), c1 = crc(SL_FLOW_SEED1, w[1]);

	c0 = crc(c0, w[2]);
	c1 = crc(c1, w[3]);
	c0 = crc(c0, last);
	return (uint32_t)((((uint64_t)c0 << 32 | c1) * SL_HASH_K1) >> 32);
}

/*
 * Flow hash. With @three_tuple the ports are ignored, so every connection
 * of one client to one VIP lands on one backend (and fragments could too).
 * Every appliance must compute the same value for the same key (Maglev
 * consistency between them): pinned by common/sl_hash_test.c.
 */
static inline uint32_t sl_flow_hash(const struct sl_flow_key *k, int three_tuple)
{
	return sl_flow_hash_with(k, three_tuple, sl_crc32c_u64);
}

#endif /* SL_HASH_H */
