/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VIP index: (address, port, protocol) -> index into the table's VIP array.
 * Built on the main lcore for each published table; looked up per packet:
 * the exact (address, port, protocol) first, then the same address with
 * port 0 (a VIP for every port of that protocol).
 */
#ifndef DP_VIP_H
#define DP_VIP_H

#include <stdint.h>
#include <string.h>

#include "sl_hash.h"
#include "sl_shm_types.h"

struct dp_vip_slot {
	struct sl_addr addr;
	__be16 port;
	uint8_t proto;
	uint8_t used;
	int32_t vip; /* index into sl_vip[] */
	uint8_t pad[8];
};
_Static_assert(sizeof(struct dp_vip_slot) == 32, "two slots per cache line");

struct dp_vip_index {
	uint32_t mask;	/* slots - 1, slots a power of two, at most half full */
	uint32_t n_any; /* VIPs with port 0: skip the second probe when none */
	struct dp_vip_slot slots[];
};

/*
 * Build the index over @n VIPs. Returns NULL and sets errno: EINVAL (@n over
 * SL_MAX_VIPS_LIMIT), EEXIST (two VIPs with the same address, port and
 * protocol), ENOMEM. Main lcore only.
 */
struct dp_vip_index *dp_vip_index_build(const struct sl_vip *vips, uint32_t n);

void dp_vip_index_free(struct dp_vip_index *idx);

/*
 * Index slot hash: two CRC32C steps (one instruction each with SSE4.2).
 * Built and probed by the same build, so it need not match other builds;
 * the flow hash cannot be reused because it covers the source too.
 */
static inline uint32_t dp_vip_hash(const struct sl_addr *a, __be16 port, uint8_t proto)
{
	uint32_t h = sl_crc32c_u64(0x76697000u, a->a64[0]);

	h = sl_crc32c_u64(h, a->a64[1] ^ ((uint64_t)port << 8 | proto));
	return h ^ h >> 16;
}

static inline int32_t dp_vip_probe(const struct dp_vip_index *idx, const struct sl_addr *a,
				   __be16 port, uint8_t proto)
{
	for (uint32_t i = dp_vip_hash(a, port, proto) & idx->mask;; i = (i + 1) & idx->mask) {
		const struct dp_vip_slot *s = &idx->slots[i];

		if (!s->used)
			return -1;
		if (s->port == port && s->proto == proto && s->addr.a64[0] == a->a64[0] &&
		    s->addr.a64[1] == a->a64[1])
			return s->vip;
	}
}

/* VIP index for the packet's destination, or -1. */
static inline int32_t dp_vip_lookup(const struct dp_vip_index *idx, const struct sl_flow_key *k)
{
	int32_t v = dp_vip_probe(idx, &k->dst, k->dport, k->proto);

	if (v < 0 && idx->n_any)
		v = dp_vip_probe(idx, &k->dst, 0, k->proto);
	return v;
}

#endif /* DP_VIP_H */
