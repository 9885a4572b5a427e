/* SPDX-License-Identifier: BSD-3-Clause */
/* Maglev builder: determinism, weights, balance and disruption bounds. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "sl_maglev.h"
#include "sl_shm.h"

#define M_DEFAULT 65537u

/* backend i: 198.18.<i/250>.<i%250 + 1>:80, id i */
static void make_backends(struct sl_maglev_backend *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct sl_addr a;

		memset(&b[i], 0, sizeof(b[i]));
		sl_addr_from_v4(&a, htonl(0xc6120000u | (uint32_t)(i / 250) << 8 | (i % 250 + 1)));
		sl_maglev_key(&b[i], a.a8, htons(80));
		b[i].weight = 1;
		b[i].id = (uint32_t)i;
	}
}

static void count(const uint32_t *t, uint32_t m, uint32_t *per, size_t n)
{
	memset(per, 0, n * sizeof(*per));
	for (uint32_t e = 0; e < m; e++) {
		assert_true(t[e] < n);
		per[t[e]]++;
	}
}

static void test_prime_sizes(void **state)
{
	(void)state;
	assert_true(sl_maglev_is_prime(65537));
	assert_true(sl_maglev_is_prime(655373));
	assert_false(sl_maglev_is_prime(65536));
	assert_false(sl_maglev_is_prime(1));
}

static void test_rejects_bad_input(void **state)
{
	struct sl_maglev_backend b[2];
	uint32_t t[13];

	(void)state;
	make_backends(b, 2);
	assert_int_equal(sl_maglev_build(b, 2, 12, t), -EINVAL);
	b[1] = b[0]; /* duplicate identity */
	assert_int_equal(sl_maglev_build(b, 2, 13, t), -EINVAL);
	make_backends(b, 2);
	b[0].key_len = 0;
	assert_int_equal(sl_maglev_build(b, 2, 13, t), -EINVAL);
}

static void test_empty_pool_is_all_none(void **state)
{
	struct sl_maglev_backend b[1];
	uint32_t t[13];

	(void)state;
	assert_int_equal(sl_maglev_build(NULL, 0, 13, t), 0);
	for (int i = 0; i < 13; i++)
		assert_int_equal(t[i], UINT32_MAX);
	make_backends(b, 1);
	b[0].weight = 0;
	assert_int_equal(sl_maglev_build(b, 1, 13, t), 0);
	for (int i = 0; i < 13; i++)
		assert_int_equal(t[i], UINT32_MAX);
}

/* Same set in another order (and other ids order) gives the same table. */
static void test_deterministic(void **state)
{
	enum { N = 37 };
	struct sl_maglev_backend a[N], b[N];
	uint32_t *ta = malloc(M_DEFAULT * 4), *tb = malloc(M_DEFAULT * 4);

	(void)state;
	make_backends(a, N);
	for (size_t i = 0; i < N; i++)
		b[i] = a[N - 1 - i];
	assert_int_equal(sl_maglev_build(a, N, M_DEFAULT, ta), 0);
	assert_int_equal(sl_maglev_build(b, N, M_DEFAULT, tb), 0);
	assert_memory_equal(ta, tb, M_DEFAULT * 4);
	/* and building twice is stable */
	assert_int_equal(sl_maglev_build(a, N, M_DEFAULT, tb), 0);
	assert_memory_equal(ta, tb, M_DEFAULT * 4);
	free(ta);
	free(tb);
}

static void test_balance_100_equal(void **state)
{
	enum { N = 100 };
	struct sl_maglev_backend b[N];
	uint32_t *t = malloc(M_DEFAULT * 4), per[N], max = 0;
	double mean = (double)M_DEFAULT / N;

	(void)state;
	make_backends(b, N);
	assert_int_equal(sl_maglev_build(b, N, M_DEFAULT, t), 0);
	count(t, M_DEFAULT, per, N);
	for (int i = 0; i < N; i++)
		max = per[i] > max ? per[i] : max;
	assert_true(max / mean <= 1.01);
	free(t);
}

static void test_weights_proportional(void **state)
{
	enum { N = 4 };
	struct sl_maglev_backend b[N];
	uint32_t *t = malloc(M_DEFAULT * 4), per[N];
	uint32_t w[N] = {1, 2, 3, 4};

	(void)state;
	make_backends(b, N);
	for (int i = 0; i < N; i++)
		b[i].weight = w[i];
	assert_int_equal(sl_maglev_build(b, N, M_DEFAULT, t), 0);
	count(t, M_DEFAULT, per, N);
	for (int i = 0; i < N; i++) {
		double share = (double)per[i] / M_DEFAULT, want = w[i] / 10.0;

		assert_true(share > want * 0.99 && share < want * 1.01);
	}
	free(t);
}

/* Removing one of N backends moves at most 1/N + 1 % of the entries. */
static void test_disruption(void **state)
{
	const size_t ns[] = {3, 10, 100, 1000};

	(void)state;
	for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		size_t n = ns[k];
		struct sl_maglev_backend *b = calloc(n, sizeof(*b));
		uint32_t *before = malloc(M_DEFAULT * 4), *after = malloc(M_DEFAULT * 4);
		size_t moved = 0, gone = n / 2;

		make_backends(b, n);
		assert_int_equal(sl_maglev_build(b, n, M_DEFAULT, before), 0);
		b[gone].weight = 0;
		assert_int_equal(sl_maglev_build(b, n, M_DEFAULT, after), 0);
		for (uint32_t e = 0; e < M_DEFAULT; e++) {
			assert_int_not_equal(after[e], gone);
			moved += before[e] != after[e];
		}
		assert_true((double)moved / M_DEFAULT <= 1.0 / n + 0.01);
		free(b);
		free(before);
		free(after);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prime_sizes),
		cmocka_unit_test(test_rejects_bad_input),
		cmocka_unit_test(test_empty_pool_is_all_none),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_balance_100_equal),
		cmocka_unit_test(test_weights_proportional),
		cmocka_unit_test(test_disruption),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
