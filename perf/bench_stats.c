/* SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>
#include <stdlib.h>

#include "bench_stats.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void bench_sort_u64(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
}

uint64_t bench_percentile(const uint64_t *sorted, size_t n, double p)
{
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);

	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

double bench_maglev_imbalance(const uint32_t *table, uint32_t m, uint32_t n, uint32_t *max,
			      uint32_t *min)
{
	uint32_t *cnt, hi = 0, lo = UINT32_MAX;

	if (n == 0)
		return -1.0;
	cnt = calloc(n, sizeof(*cnt));
	if (!cnt)
		return -1.0;
	for (uint32_t i = 0; i < m; i++) {
		if (table[i] == UINT32_MAX)
			continue;
		if (table[i] >= n) {
			free(cnt);
			return -1.0;
		}
		cnt[table[i]]++;
	}
	for (uint32_t b = 0; b < n; b++) {
		hi = cnt[b] > hi ? cnt[b] : hi;
		lo = cnt[b] < lo ? cnt[b] : lo;
	}
	free(cnt);
	*max = hi;
	*min = lo;
	return (double)hi / ((double)m / (double)n);
}

uint32_t bench_maglev_moved(const uint32_t *a, const uint32_t *b, uint32_t m)
{
	uint32_t moved = 0;

	for (uint32_t i = 0; i < m; i++)
		moved += a[i] != b[i];
	return moved;
}
