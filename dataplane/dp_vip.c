/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Builds the VIP index (dp_vip.h): open addressing with linear probing, at
 * most half full so a miss ends after a probe or two. Plain heap memory: it
 * is built on the main lcore for each new table and read by every worker.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dp_vip.h"

struct dp_vip_index *dp_vip_index_build(const struct sl_vip *vips, uint32_t n)
{
	struct dp_vip_index *idx;
	uint32_t slots = 16;

	if (n > SL_MAX_VIPS_LIMIT) {
		errno = EINVAL;
		return NULL;
	}
	while (slots < 2 * n)
		slots <<= 1;
	if (posix_memalign((void **)&idx, 64, sizeof(*idx) + slots * sizeof(idx->slots[0]))) {
		errno = ENOMEM;
		return NULL;
	}
	memset(idx, 0, sizeof(*idx) + slots * sizeof(idx->slots[0]));
	idx->mask = slots - 1;

	for (uint32_t v = 0; v < n; v++) {
		const struct sl_vip *vip = &vips[v];
		uint32_t i = dp_vip_hash(&vip->addr, vip->port, vip->proto) & idx->mask;

		for (;; i = (i + 1) & idx->mask) {
			struct dp_vip_slot *s = &idx->slots[i];

			if (!s->used) {
				s->addr = vip->addr;
				s->port = vip->port;
				s->proto = vip->proto;
				s->vip = (int32_t)v;
				s->used = 1;
				break;
			}
			if (s->port == vip->port && s->proto == vip->proto &&
			    memcmp(&s->addr, &vip->addr, sizeof(s->addr)) == 0) {
				free(idx);
				errno = EEXIST;
				return NULL;
			}
		}
		if (vip->port == 0)
			idx->n_any++;
	}
	return idx;
}

void dp_vip_index_free(struct dp_vip_index *idx)
{
	free(idx);
}
