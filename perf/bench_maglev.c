/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Benchmark 4a: the Maglev builder the control plane runs on every publish
 * (common/sl_maglev.c). For 10, 100 and 1000 backends at M = 65537 and
 * 655373: build time (median and minimum of repeated builds), imbalance
 * (most entries of one backend over the mean m/n), and the entries that
 * change when one backend is removed, against the ideal (only the removed
 * backend's own entries). One JSON object on stdout.
 *
 * Usage: bench_maglev [-r REPEATS]
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_stats.h"
#include "sl_maglev.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Backend i: 198.18.(i / 250 + 1).(i % 250 + 1):80 as an IPv4-mapped address. */
static void backend(struct sl_maglev_backend *b, uint32_t i)
{
	uint8_t a[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 0, 0};

	a[14] = (uint8_t)(i / 250 + 1);
	a[15] = (uint8_t)(i % 250 + 1);
	sl_maglev_key(b, a, htons(80));
	b->weight = 1;
	b->id = i;
}

static int run(uint32_t n, uint32_t m, int repeats, int first)
{
	struct sl_maglev_backend *bs = calloc(n, sizeof(*bs));
	uint32_t *t = malloc(sizeof(*t) * m), *t2 = malloc(sizeof(*t2) * m);
	uint64_t *ns = calloc((size_t)repeats, sizeof(*ns));
	uint32_t max = 0, min = 0, gone = n / 2, own = 0, moved;
	double imb;
	int rc = -1;

	if (!bs || !t || !t2 || !ns)
		goto out;
	for (uint32_t i = 0; i < n; i++)
		backend(&bs[i], i);
	for (int r = 0; r < repeats; r++) {
		uint64_t t0 = now_ns();

		if (sl_maglev_build(bs, n, m, t)) {
			fprintf(stderr, "bench_maglev: build of %u backends at M=%u failed\n", n,
				m);
			goto out;
		}
		ns[r] = now_ns() - t0;
	}
	bench_sort_u64(ns, (size_t)repeats);
	imb = bench_maglev_imbalance(t, m, n, &max, &min);
	/* the same set without backend n/2 (weight 0: no entries, same keys otherwise) */
	bs[gone].weight = 0;
	if (sl_maglev_build(bs, n, m, t2))
		goto out;
	for (uint32_t i = 0; i < m; i++)
		own += t[i] == gone;
	moved = bench_maglev_moved(t, t2, m);
	printf("%s\n    {\"backends\": %u, \"m\": %u, \"repeats\": %d, \"build_ns_median\": %llu, "
	       "\"build_ns_min\": %llu, \"build_ns_max\": %llu, \"entries_max\": %u, "
	       "\"entries_min\": %u, \"entries_mean\": %.3f, \"imbalance\": %.5f, "
	       "\"removed_backend\": %u, \"removed_backend_entries\": %u, \"moved\": %u, "
	       "\"moved_other\": %u, \"moved_share\": %.6f}",
	       first ? "" : ",", n, m, repeats,
	       (unsigned long long)bench_percentile(ns, (size_t)repeats, 50),
	       (unsigned long long)ns[0], (unsigned long long)ns[repeats - 1], max, min,
	       (double)m / n, imb, gone, own, moved, moved - own, (double)moved / m);
	rc = 0;
out:
	free(bs);
	free(t);
	free(t2);
	free(ns);
	return rc;
}

int main(int argc, char **argv)
{
	static const uint32_t ns[] = {10, 100, 1000}, ms[] = {65537, 655373};
	int repeats = 11, opt, first = 1;

	while ((opt = getopt(argc, argv, "r:h")) != -1) {
		if (opt == 'r' && atoi(optarg) > 0) {
			repeats = atoi(optarg);
		} else {
			fprintf(stderr, "Usage: %s [-r REPEATS]\n", argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	printf("{\"benchmark\": \"maglev\", \"results\": [");
	for (size_t j = 0; j < sizeof(ms) / sizeof(ms[0]); j++)
		for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
			if (run(ns[i], ms[j], repeats, first))
				return 1;
			first = 0;
		}
	printf("\n]}\n");
	return 0;
}
