/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segments for tests and benchmarks that stand in for sluiced: one laid out
 * by sl_shm_layout() in ordinary memory, and the smallest table worth
 * following, the slot every segment test starts from:
 *
 *   vip 0  "web" 198.18.100.LAST tcp/80, tunnel, pool 0
 *   backend 0, 1: 198.18.1.11 and .12, uid 100 and 101, active and resolved,
 *     MAC 02:00:00:00:01:0b and :0c on port 0, outer source 198.18.1.1
 *   pool 0's Maglev table: entry e -> backend e % 2
 */
#ifndef TL_SHM_H
#define TL_SHM_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "sl_shm.h"

/* A zeroed segment of geometry @g with its header in place (free() it), or NULL, why on stderr. */
static inline struct sl_shm_header *tl_shm_segment(const struct sl_shm_geometry *g)
{
	struct sl_shm_header layout, *h;
	char why[128];

	if (sl_shm_layout(g, &layout, why, sizeof(why)) != 0) {
		fprintf(stderr, "tl_shm_segment: %s\n", why);
		return NULL;
	}
	/* aligned_alloc() wants a multiple of the alignment */
	h = aligned_alloc(4096, (layout.total_bytes + 4095) & ~(size_t)4095);
	if (!h) {
		fprintf(stderr, "tl_shm_segment: %llu bytes: out of memory\n",
			(unsigned long long)layout.total_bytes);
		return NULL;
	}
	memset(h, 0, layout.total_bytes);
	memcpy(h, &layout, sizeof(layout));
	return h;
}

/* Slot @slot of @h: the table above as generation @gen, sealed (not published). */
static inline void tl_shm_fill_slot(struct sl_shm_header *h, unsigned int slot, uint64_t gen,
				    uint8_t vip_last)
{
	struct sl_table_hdr *t = sl_slot_hdr(h, slot);
	struct sl_vip *v = sl_slot_vips(h, slot);
	struct sl_backend *b = sl_slot_backends(h, slot);
	uint32_t *m = sl_slot_maglev(h, slot, 0);

	memset(t, 0, h->slot_bytes);
	t->generation = gen;
	t->n_vips = 1;
	t->n_pools = 1;
	t->n_backends = 2;
	t->maglev_size = h->maglev_size;
	sl_addr_from_v4(&v->addr, htonl(0xc6126400 | vip_last));
	v->port = htons(80);
	v->proto = IPPROTO_TCP;
	v->af = SL_AF_INET;
	v->mode = SL_MODE_TUNNEL;
	snprintf(v->name, sizeof(v->name), "web");
	for (int i = 0; i < 2; i++) {
		b[i].flags = SL_BACKEND_F_ACTIVE | SL_BACKEND_F_RESOLVED;
		b[i].af = SL_AF_INET;
		b[i].uid = 100 + i;
		sl_addr_from_v4(&b[i].addr, htonl(0xc612010b + i));
		sl_addr_from_v4(&b[i].src, htonl(0xc6120101));
		memcpy(b[i].dst_mac, "\x02\x00\x00\x00\x01\x0b", 6);
		b[i].dst_mac[5] += i;
	}
	for (uint32_t e = 0; e < h->maglev_size; e++)
		m[e] = e % 2;
	sl_shm_seal_slot(h, slot);
}

#endif /* TL_SHM_H */
