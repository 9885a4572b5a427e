/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The text format, byte for byte: HELP and TYPE lines, labels and their
 * escapes, fixed-size names read to their length, integers, doubles in
 * their shortest exact form, durations from nanoseconds, histograms
 * (cumulative buckets, +Inf, _sum, _count), and a write error kept.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "cp_prom.h"

static char *text;
static size_t text_len;

static FILE *open_text(void)
{
	FILE *f = open_memstream(&text, &text_len);

	assert_non_null(f);
	return f;
}

static void test_samples(void **state)
{
	static const char want[] = "# HELP sluice_x_total Things \\\\ counted,\\nover two lines.\n"
				   "# TYPE sluice_x_total counter\n"
				   "sluice_x_total 0\n"
				   "sluice_x_total{vip=\"web\"} 18446744073709551615\n"
				   "sluice_x_total{vip=\"a\\\"b\\\\c\\nd?e\",backend=\"be1\"} 7\n"
				   "# HELP sluice_y_seconds A duration.\n"
				   "# TYPE sluice_y_seconds gauge\n"
				   "sluice_y_seconds 0.1\n"
				   "sluice_y_seconds{k=\"v\"} 1e-09\n"
				   "sluice_y_seconds 0.30000000000000004\n"
				   "sluice_y_seconds NaN\n"
				   "sluice_y_seconds -Inf\n"
				   "sluice_y_seconds 0\n"
				   "sluice_y_seconds 1.5\n"
				   "sluice_y_seconds 0.000000001\n"
				   "sluice_y_seconds 12\n"
				   "sluice_y_seconds_sum 3.000250001\n";
	/* a fixed-size field without its NUL: read to its length */
	const char fixed[4] = {'b', 'e', '1', 'X'};
	struct cp_prom_label two[2] = {{"vip",
					"a\"b\\c\nd\x01"
					"e",
					64},
				       {"backend", fixed, 3}};
	struct cp_prom_label one = {"vip", "web", 32};
	struct cp_prom_label k = {"k", "v", 1};
	struct cp_prom w;
	FILE *f = open_text();
	(void)state;

	cp_prom_init(&w, f);
	cp_prom_family(&w, "sluice_x_total", "counter", "Things \\ counted,\nover two lines.");
	cp_prom_u64(&w, "", NULL, 0, 0);
	cp_prom_u64(&w, "", &one, 1, UINT64_MAX);
	cp_prom_u64(&w, "", two, 2, 7);
	cp_prom_family(&w, "sluice_y_seconds", "gauge", "A duration.");
	cp_prom_f64(&w, "", NULL, 0, 0.1);
	cp_prom_f64(&w, "", &k, 1, 1e-9);
	cp_prom_f64(&w, "", NULL, 0, 0.1 + 0.2);
	cp_prom_f64(&w, "", NULL, 0, NAN);
	cp_prom_f64(&w, "", NULL, 0, -INFINITY);
	cp_prom_ns(&w, "", NULL, 0, 0);
	cp_prom_ns(&w, "", NULL, 0, 1500000000ull);
	cp_prom_ns(&w, "", NULL, 0, 1);
	cp_prom_ns(&w, "", NULL, 0, 12000000000ull);
	cp_prom_ns(&w, "_sum", NULL, 0, 3000250001ull);
	assert_int_equal(cp_prom_end(&w), 0);
	fclose(f);
	assert_string_equal(text, want);
	free(text);
}

static void test_histogram(void **state)
{
	static const char want[] =
		"# HELP sluice_request_duration_seconds Time to the response's end.\n"
		"# TYPE sluice_request_duration_seconds histogram\n"
		"sluice_request_duration_seconds_bucket{vip=\"api\",backend=\"be1\",le=\"0.001\"} "
		"2\n"
		"sluice_request_duration_seconds_bucket{vip=\"api\",backend=\"be1\",le=\"0.0025\"} "
		"2\n"
		"sluice_request_duration_seconds_bucket{vip=\"api\",backend=\"be1\",le=\"0.1\"} 7\n"
		"sluice_request_duration_seconds_bucket{vip=\"api\",backend=\"be1\",le=\"+Inf\"} "
		"8\n"
		"sluice_request_duration_seconds_sum{vip=\"api\",backend=\"be1\"} 1.25\n"
		"sluice_request_duration_seconds_count{vip=\"api\",backend=\"be1\"} 8\n"
		"sluice_request_duration_seconds_bucket{le=\"+Inf\"} 0\n"
		"sluice_request_duration_seconds_sum 0\n"
		"sluice_request_duration_seconds_count 0\n";
	static const double le[] = {0.001, 0.0025, 0.1};
	static const uint64_t counts[] = {2, 0, 5, 1};
	static const uint64_t none[] = {0};
	struct cp_prom_label l[2] = {{"vip", "api", 32}, {"backend", "be1", 32}};
	struct cp_prom_hist h = {.n = 3, .le = le, .counts = counts, .sum = 1.25};
	struct cp_prom_hist empty = {.n = 0, .le = NULL, .counts = none, .sum = 0};
	struct cp_prom w;
	FILE *f = open_text();
	(void)state;

	cp_prom_init(&w, f);
	cp_prom_family(&w, "sluice_request_duration_seconds", "histogram",
		       "Time to the response's end.");
	cp_prom_histogram(&w, l, 2, &h);
	cp_prom_histogram(&w, NULL, 0, &empty);
	assert_int_equal(cp_prom_end(&w), 0);
	fclose(f);
	assert_string_equal(text, want);
	free(text);
}

/* A stream that fails: the first error is what the writer returns. */
static void test_write_error(void **state)
{
	FILE *f = fopen("/dev/full", "w");
	struct cp_prom w;
	(void)state;

	if (!f)
		skip();
	setvbuf(f, NULL, _IONBF, 0);
	cp_prom_init(&w, f);
	cp_prom_family(&w, "sluice_x", "gauge", "x");
	cp_prom_u64(&w, "", NULL, 0, 1);
	assert_int_equal(cp_prom_end(&w), -EIO);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_write_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
