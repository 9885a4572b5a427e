/* SPDX-License-Identifier: BSD-3-Clause */
/* Latency histograms: bucket edges exactly, counts exactly, the set's keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cp_hist.h"

static void test_edges(void **state)
{
	(void)state;
	/* one microsecond wide up to 8 */
	for (uint64_t v = 0; v < 8; v++) {
		assert_int_equal(cp_hist_index(v), v);
		assert_int_equal(cp_hist_lower((unsigned int)v), v);
	}
	/* 8..15 still exact, then two wide, then four */
	assert_int_equal(cp_hist_index(8), 8);
	assert_int_equal(cp_hist_index(15), 15);
	assert_int_equal(cp_hist_index(16), 16);
	assert_int_equal(cp_hist_index(17), 16);
	assert_int_equal(cp_hist_index(18), 17);
	assert_int_equal(cp_hist_index(31), 23);
	assert_int_equal(cp_hist_index(32), 24);
	assert_int_equal(cp_hist_index(35), 24);
	assert_int_equal(cp_hist_index(36), 25);
	assert_int_equal(cp_hist_lower(16), 16);
	assert_int_equal(cp_hist_lower(17), 18);
	assert_int_equal(cp_hist_lower(24), 32);
	assert_int_equal(cp_hist_lower(25), 36);
	/* 1 ms and 1 s: the buckets holding them start at most 12.5 % below */
	assert_int_equal(cp_hist_index(1000), 63);
	assert_int_equal(cp_hist_lower(63), 960);
	assert_int_equal(cp_hist_lower(64), 1024);
	assert_int_equal(cp_hist_index(1000000), 143);
	assert_int_equal(cp_hist_lower(143), 983040);
	assert_int_equal(cp_hist_lower(144), 1048576);
	/* every value lies in [lower(i), lower(i + 1)) of its bucket */
	for (uint64_t v = 1; v < (1ull << 36); v = v * 3 / 2 + 1) {
		unsigned int i = cp_hist_index(v);

		assert_true(cp_hist_lower(i) <= v);
		if (i + 1 < CP_HIST_BUCKETS)
			assert_true(v < cp_hist_lower(i + 1));
	}
	/* the last bucket takes what is above it */
	assert_int_equal(CP_HIST_BUCKETS, 272);
	assert_int_equal(cp_hist_lower(CP_HIST_BUCKETS - 1), 15ull << 32);
	assert_int_equal(cp_hist_index(1ull << 40), CP_HIST_BUCKETS - 1);
	assert_int_equal(cp_hist_index(UINT64_MAX), CP_HIST_BUCKETS - 1);
}

static void test_counts(void **state)
{
	struct cp_hist h;

	(void)state;
	memset(&h, 0, sizeof(h));
	cp_hist_add(&h, 17);
	cp_hist_add(&h, 16);
	cp_hist_add(&h, 18);
	cp_hist_add(&h, 1000);
	assert_int_equal(h.count, 4);
	assert_int_equal(h.sum_us, 1051);
	assert_int_equal(h.bucket[16], 2);
	assert_int_equal(h.bucket[17], 1);
	assert_int_equal(h.bucket[63], 1);
}

static int collect(void *arg, const struct cp_hist_entry *e)
{
	char *out = arg;

	snprintf(out + strlen(out), 256 - strlen(out), "%u/%s/%s/%s=%llu;", e->key.kind, e->key.vip,
		 e->key.route, e->key.instance, (unsigned long long)e->duration.count);
	return 0;
}

static void test_set(void **state)
{
	struct cp_hist_set *s = cp_hist_set_new();
	struct cp_hist_key k = {.kind = 2, .vip = "web", .route = "/login", .instance = "l1"};
	char out[256] = "";

	(void)state;
	assert_non_null(s);
	cp_hist_add(&cp_hist_get(s, &k)->duration, 5);
	cp_hist_add(&cp_hist_get(s, &k)->duration, 6);
	snprintf(k.instance, sizeof(k.instance), "l2");
	cp_hist_add(&cp_hist_get(s, &k)->duration, 7);
	k.kind = 1;
	k.route[0] = '\0';
	cp_hist_add(&cp_hist_get(s, &k)->duration, 7);
	/* many more keys: the index grows, every key still finds its own entry */
	for (int i = 0; i < 100; i++) {
		struct cp_hist_key m = {.kind = 2, .vip = "bulk", .route = "default"};

		snprintf(m.instance, sizeof(m.instance), "i%d", i);
		cp_hist_add(&cp_hist_get(s, &m)->duration, (uint64_t)i);
	}
	assert_int_equal(cp_hist_count(s), 103);
	k.kind = 2;
	snprintf(k.route, sizeof(k.route), "/login");
	snprintf(k.instance, sizeof(k.instance), "l1");
	assert_int_equal(cp_hist_get(s, &k)->duration.count, 2);
	assert_int_equal(cp_hist_count(s), 103);
	cp_hist_each(s, collect, out);
	assert_memory_equal(
		out, "2/web//login/l1=2;2/web//login/l2=1;1/web//l2=1;2/bulk/default/i0=1;",
		strlen("2/web//login/l1=2;2/web//login/l2=1;1/web//l2=1;2/bulk/default/i0=1;"));
	cp_hist_set_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
