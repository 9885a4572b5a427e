/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VIP index: (address, port, protocol) -> index into the table's VIP array.
 * Built on the main lcore for each published table; looked up per packet:
 * the exact (address, port, protocol) first, then the same address with
 * port 0 (a VIP for every port of that protocol). A full-NAT VIP's slot
 * holds DP_VIP_NAT(index), a negative number: the one test the fast path
 * makes for "no ordinary VIP" sends it to full NAT's path too, so dsr and
 * tunnel VIPs pay nothing for it. The same structure indexes a table's NAT
 * source addresses (for the replies of full NAT).
 */
#ifndef DP_VIP_H
#define DP_VIP_H

#include <stdint.h>
#include <string.h>

#include "sl_hash.h"
#include "sl_shm_types.h"

#define DP_VIP_NONE (-1)		     /* dp_vip_lookup(): no VIP */
#define DP_VIP_NAT(v) (-2 - (int32_t)(v))    /* dp_vip_lookup(): NAT VIP v */
#define DP_VIP_NAT_INDEX(code) (-2 - (code)) /* and back */

struct dp_vip_slot {
	struct sl_addr addr;
	__be16 port;
	uint8_t proto;
	uint8_t used;
	int32_t vip; /* index into sl_vip[], or DP_VIP_NAT(index) */
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

/*
 * The same index over NAT source addresses: (address, port 0, protocol 0)
 * -> index into @src (dp_nat_source_lookup). NULL with errno EINVAL (@n
 * over SL_MAX_NAT_SOURCES_LIMIT), EEXIST (an address twice), ENOMEM.
 */
struct dp_vip_index *dp_vip_index_build_sources(const struct sl_nat_source *src, uint32_t n);

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

/* VIP index for the packet's destination, DP_VIP_NAT(index) for a NAT VIP, or DP_VIP_NONE. */
static inline int32_t dp_vip_lookup(const struct dp_vip_index *idx, const struct sl_flow_key *k)
{
	int32_t v = dp_vip_probe(idx, &k->dst, k->dport, k->proto);

	/* one sign test on the way of an ordinary VIP, the rest behind it */
	if (__builtin_expect(v < 0, 0) && v == DP_VIP_NONE && idx->n_any)
		v = dp_vip_probe(idx, &k->dst, 0, k->proto);
	return v;
}

/* Index of the NAT source at address @a in an index of dp_vip_index_build_sources(), or -1. */
static inline int32_t dp_nat_source_lookup(const struct dp_vip_index *idx, const struct sl_addr *a)
{
	return dp_vip_probe(idx, a, 0, 0);
}

/* Full NAT's VIPs: nat mode, and http mode, which is full NAT with a request head read first. */
static inline int dp_vip_is_nat(const struct sl_vip *v)
{
	return sl_mode_is_nat(v->mode);
}

#endif /* DP_VIP_H */
