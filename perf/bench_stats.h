/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Small statistics the benchmarks report: percentiles of a sample, the load
 * of a Maglev table (entries per backend, max/mean) and the entries that
 * changed between two tables. Pure functions, unit-tested in
 * bench_stats_test.c.
 */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Sort @v (@n values) ascending in place. */
void bench_sort_u64(uint64_t *v, size_t n);

/*
 * Nearest-rank percentile @p (0 < p <= 100) of @sorted (ascending, @n > 0):
 * the smallest value with at least p % of the sample at or below it.
 */
uint64_t bench_percentile(const uint64_t *sorted, size_t n, double p);

/*
 * Entries of @table (@m entries, values < @n or UINT32_MAX for none) per
 * backend: *@max the largest count over the @n backends, *@min the
 * smallest, and the imbalance max / mean (mean = m / n). Returns the
 * imbalance, or -1.0 if an entry names a backend >= @n or @n is 0.
 */
double bench_maglev_imbalance(const uint32_t *table, uint32_t m, uint32_t n, uint32_t *max,
			      uint32_t *min);

/* Entries where @a and @b differ (both @m entries). */
uint32_t bench_maglev_moved(const uint32_t *a, const uint32_t *b, uint32_t m);

#endif /* BENCH_STATS_H */
