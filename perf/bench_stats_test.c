/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bench_stats.h"

static void test_percentile(void **state)
{
	uint64_t v[10] = {9, 1, 8, 2, 7, 3, 6, 4, 5, 10};

	(void)state;
	bench_sort_u64(v, 10);
	assert_int_equal(v[0], 1);
	assert_int_equal(v[9], 10);
	assert_int_equal(bench_percentile(v, 10, 50), 5);
	assert_int_equal(bench_percentile(v, 10, 99), 10);
	assert_int_equal(bench_percentile(v, 10, 100), 10);
	assert_int_equal(bench_percentile(v, 10, 10), 1);
	assert_int_equal(bench_percentile(v, 10, 11), 2);
	assert_int_equal(bench_percentile(v, 1, 99), 1);
}

static void test_imbalance(void **state)
{
	/* 7 entries over 3 backends: 3, 2, 1 (and one empty entry) */
	const uint32_t t[8] = {0, 1, 0, 2, 0, 1, UINT32_MAX, 7};
	uint32_t max = 0, min = 0;

	(void)state;
	assert_true(bench_maglev_imbalance(t, 8, 3, &max, &min) < 0); /* 7 >= 3 */
	assert_true(bench_maglev_imbalance(t, 7, 3, &max, &min) > 0);
	assert_int_equal(max, 3);
	assert_int_equal(min, 1);
	/* mean 7 / 3: 3 / (7 / 3) = 9 / 7 */
	assert_float_equal(bench_maglev_imbalance(t, 7, 3, &max, &min), 9.0 / 7.0, 1e-12);
	assert_true(bench_maglev_imbalance(t, 7, 0, &max, &min) < 0);
}

static void test_moved(void **state)
{
	const uint32_t a[5] = {0, 1, 2, 3, 4}, b[5] = {0, 2, 2, 3, 0};

	(void)state;
	assert_int_equal(bench_maglev_moved(a, b, 5), 2);
	assert_int_equal(bench_maglev_moved(a, a, 5), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentile),
		cmocka_unit_test(test_imbalance),
		cmocka_unit_test(test_moved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
