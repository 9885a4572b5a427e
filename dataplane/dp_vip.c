/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Builds the VIP index (dp_vip.h), and the same index over a table's NAT
 * source addresses: open addressing with linear probing, at most half full
 * so a miss ends after a probe or two. Plain heap memory: it is built on
 * the main lcore for each new table and read by every worker.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dp_vip.h"

static struct dp_vip_index *index_alloc(uint32_t n)
{
	struct dp_vip_index *idx;
	uint32_t slots = 16;

	while (slots < 2 * n)
		slots <<= 1;
	if (posix_memalign((void **)&idx, 64, sizeof(*idx) + slots * sizeof(idx->slots[0]))) {
		errno = ENOMEM;
		return NULL;
	}
	memset(idx, 0, sizeof(*idx) + slots * sizeof(idx->slots[0]));
	idx->mask = slots - 1;
	return idx;
}

/* Add (@addr, @port, @proto) -> @v; -EEXIST if the index holds that key already. */
static int index_add(struct dp_vip_index *idx, const struct sl_addr *addr, __be16 port,
		     uint8_t proto, uint32_t v)
{
	for (uint32_t i = dp_vip_hash(addr, port, proto) & idx->mask;; i = (i + 1) & idx->mask) {
		struct dp_vip_slot *s = &idx->slots[i];

		if (!s->used) {
			s->addr = *addr;
			s->port = port;
			s->proto = proto;
			s->vip = (int32_t)v;
			s->used = 1;
			return 0;
		}
		if (s->port == port && s->proto == proto &&
		    memcmp(&s->addr, addr, sizeof(s->addr)) == 0)
			return -EEXIST;
	}
}

struct dp_vip_index *dp_vip_index_build(const struct sl_vip *vips, uint32_t n)
{
	struct dp_vip_index *idx;

	if (n > SL_MAX_VIPS_LIMIT) {
		errno = EINVAL;
		return NULL;
	}
	idx = index_alloc(n);
	if (!idx)
		return NULL;
	for (uint32_t v = 0; v < n; v++) {
		/* full NAT's VIPs, http ones too (the HTTP worker is reached through full NAT) */
		if (index_add(idx, &vips[v].addr, vips[v].port, vips[v].proto,
			      dp_vip_is_nat(&vips[v]) ? (uint32_t)DP_VIP_NAT(v) : v)) {
			free(idx);
			errno = EEXIST;
			return NULL;
		}
		if (vips[v].port == 0)
			idx->n_any++;
	}
	return idx;
}

struct dp_vip_index *dp_vip_index_build_sources(const struct sl_nat_source *src, uint32_t n)
{
	struct dp_vip_index *idx;

	if (n > SL_MAX_NAT_SOURCES_LIMIT) {
		errno = EINVAL;
		return NULL;
	}
	idx = index_alloc(n);
	if (!idx)
		return NULL;
	for (uint32_t i = 0; i < n; i++)
		if (index_add(idx, &src[i].addr, 0, 0, i)) {
			free(idx);
			errno = EEXIST;
			return NULL;
		}
	return idx;
}

void dp_vip_index_free(struct dp_vip_index *idx)
{
	free(idx);
}
