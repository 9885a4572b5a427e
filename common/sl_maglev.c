/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Maglev table population. Each backend walks its own permutation of the
 * table (offset + j * skip mod M) and claims the next free entry; in every
 * round a backend claims as many entries as its weight. Backends are
 * visited in key order, which makes the result independent of input order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sl_hash.h"
#include "sl_maglev.h"

#define MAGLEV_SEED_OFFSET 0x6f66667365740001ull
#define MAGLEV_SEED_SKIP 0x736b697000000002ull

struct perm {
	const struct sl_maglev_backend *b;
	uint32_t offset;
	uint32_t skip;
	uint32_t next; /* position in this backend's permutation */
};

void sl_maglev_key(struct sl_maglev_backend *b, const uint8_t addr[16], uint16_t be_port)
{
	memset(b->key, 0, sizeof(b->key));
	memcpy(b->key, addr, 16);
	memcpy(b->key + 16, &be_port, sizeof(be_port));
	b->key_len = 18;
}

int sl_maglev_is_prime(uint32_t m)
{
	if (m < 2)
		return 0;
	for (uint32_t d = 2; (uint64_t)d * d <= m; d++)
		if (m % d == 0)
			return 0;
	return 1;
}

static int perm_cmp(const void *a, const void *b)
{
	const struct sl_maglev_backend *x = ((const struct perm *)a)->b;
	const struct sl_maglev_backend *y = ((const struct perm *)b)->b;
	int c = memcmp(x->key, y->key, x->key_len < y->key_len ? x->key_len : y->key_len);

	return c ? c : (int)x->key_len - (int)y->key_len;
}

int sl_maglev_build(const struct sl_maglev_backend *b, size_t n, uint32_t m, uint32_t *table)
{
	struct perm *p = NULL;
	size_t np = 0, filled = 0;
	int rc = 0;

	if (!sl_maglev_is_prime(m))
		return -EINVAL;
	for (uint32_t e = 0; e < m; e++)
		table[e] = UINT32_MAX;
	if (n == 0)
		return 0;

	p = calloc(n, sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (b[i].key_len == 0 || b[i].key_len > SL_MAGLEV_KEY_MAX ||
		    b[i].weight > SL_MAGLEV_WEIGHT_MAX) {
			rc = -EINVAL;
			goto out;
		}
		if (b[i].weight == 0)
			continue;
		p[np].b = &b[i];
		p[np].offset = sl_hash_bytes(b[i].key, b[i].key_len, MAGLEV_SEED_OFFSET) % m;
		p[np].skip = sl_hash_bytes(b[i].key, b[i].key_len, MAGLEV_SEED_SKIP) % (m - 1) + 1;
		np++;
	}
	qsort(p, np, sizeof(*p), perm_cmp);
	for (size_t i = 1; i < np; i++) {
		if (perm_cmp(&p[i - 1], &p[i]) == 0) {
			rc = -EINVAL;
			goto out;
		}
	}

	while (np && filled < m) {
		for (size_t i = 0; i < np && filled < m; i++) {
			for (uint32_t w = 0; w < p[i].b->weight && filled < m; w++) {
				uint32_t e;

				/* skip < m and m prime: the walk visits every entry once */
				do {
					e = (uint32_t)((p[i].offset +
							(uint64_t)p[i].next * p[i].skip) %
						       m);
					p[i].next++;
				} while (table[e] != UINT32_MAX);
				table[e] = p[i].b->id;
				filled++;
			}
		}
	}
out:
	free(p);
	return rc;
}
