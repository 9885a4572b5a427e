/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies: every option set through a cookie and back, the age window (with the
 * minute counter wrapping), refusal of a cookie for another tuple, ISN or
 * secret, and how rarely a random ACK passes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "dp_cookie.h"
#include "sl_addr.h"

static const uint64_t key[2] = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
static const uint64_t other_key[2] = {0x1111111111111111ull, 0x2222222222222222ull};

static struct dp_cookie_tuple tuple(uint32_t src, uint16_t sport)
{
	struct dp_cookie_tuple t;

	memset(&t, 0, sizeof(t));
	sl_addr_from_v4(&t.src, htonl(src));
	sl_addr_from_v4(&t.dst, htonl(0xc6126401)); /* 198.18.100.1 */
	t.sport = htons(sport);
	t.dport = htons(80);
	return t;
}

static void test_round_trip(void **state)
{
	struct dp_cookie_tuple t = tuple(0xc612000a, 40000);
	struct dp_cookie_opts o, back;

	(void)state;
	for (unsigned int m = 0; m < DP_COOKIE_N_MSS; m++)
		for (unsigned int ws = 0; ws <= 15; ws++) {
			if (ws == 15 || ws <= 14) {
				o = (struct dp_cookie_opts){dp_cookie_mss[m], (uint8_t)ws,
							    (uint8_t)(ws & 1), (uint8_t)(m & 1)};
				uint32_t c = dp_cookie_make(key, &t, 0x12345678u + ws, 200, &o);

				assert_int_equal(
					dp_cookie_check(key, &t, 0x12345678u + ws, c, 201, &back),
					1);
				assert_int_equal(back.mss, o.mss);
				assert_int_equal(back.wscale, o.wscale);
				assert_int_equal(back.sack, o.sack);
				assert_int_equal(back.ts, o.ts);
			}
		}
}

/* A client's MSS is rounded down to the table; below the smallest, the smallest. */
static void test_mss_rounding(void **state)
{
	static const uint16_t in[] = {1460, 1459, 1448, 1400, 1399, 600, 536, 100, 9000};
	static const uint16_t out[] = {1460, 1452, 1440, 1400, 1360, 536, 536, 536, 1460};
	struct dp_cookie_tuple t = tuple(0xc612000a, 40001);
	struct dp_cookie_opts o = {0, DP_COOKIE_WS_NONE, 0, 0}, back;

	(void)state;
	for (unsigned int i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		o.mss = in[i];
		assert_int_equal(
			dp_cookie_check(key, &t, 7, dp_cookie_make(key, &t, 7, 3, &o), 3, &back),
			1);
		assert_int_equal(back.mss, out[i]);
	}
}

/* Valid for DP_COOKIE_MAX_AGE minutes after it was made, across the counter's wrap. */
static void test_age(void **state)
{
	struct dp_cookie_tuple t = tuple(0xc612000a, 40002);
	struct dp_cookie_opts o = {1460, 7, 1, 1}, back;
	uint32_t c = dp_cookie_make(key, &t, 99, 254, &o);

	(void)state;
	assert_int_equal(dp_cookie_check(key, &t, 99, c, 254, &back), 1);
	assert_int_equal(dp_cookie_check(key, &t, 99, c, 255, &back), 1);
	assert_int_equal(dp_cookie_check(key, &t, 99, c, 0, &back), 1); /* 256: wrapped */
	assert_int_equal(dp_cookie_check(key, &t, 99, c, 1, &back), 0);
	assert_int_equal(dp_cookie_check(key, &t, 99, c, 253, &back), 0); /* from the future */
}

/* Another tuple, ISN or secret: refused. */
static void test_bound(void **state)
{
	struct dp_cookie_tuple t = tuple(0xc612000a, 40003), t2 = tuple(0xc612000b, 40003);
	struct dp_cookie_tuple t3 = tuple(0xc612000a, 40004);
	struct dp_cookie_opts o = {1460, 7, 1, 1}, back;
	uint32_t c = dp_cookie_make(key, &t, 1000, 10, &o);

	(void)state;
	assert_int_equal(dp_cookie_check(key, &t, 1000, c, 10, &back), 1);
	assert_int_equal(dp_cookie_check(key, &t2, 1000, c, 10, &back), 0);
	assert_int_equal(dp_cookie_check(key, &t3, 1000, c, 10, &back), 0);
	assert_int_equal(dp_cookie_check(key, &t, 1001, c, 10, &back), 0);
	assert_int_equal(dp_cookie_check(other_key, &t, 1000, c, 10, &back), 0);
	/* The low bits carry options: c + 1 is a cookie for other options (as in Linux). */
	assert_int_equal(dp_cookie_check(key, &t, 1000, c + (1u << DP_COOKIE_DATA_BITS), 10, &back),
			 0);
}

/*
 * A flood of ACKs with guessed numbers: the fraction that passes is about
 * (age window) * 2^DATA_BITS / 2^24 = 3 * 512 / 16 M, 9.2e-5. Counted
 * over 2^20 guesses (a fixed sequence, so the count is the same every
 * run) it must stay within a small factor of that.
 */
static void test_guesses(void **state)
{
	struct dp_cookie_tuple t = tuple(0xc612000a, 40005);
	struct dp_cookie_opts back;
	uint64_t x = 0x2545f4914f6cdd1dull;
	unsigned int passed = 0, n = 1u << 20;

	(void)state;
	for (unsigned int i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		passed += (unsigned int)dp_cookie_check(key, &t, 5, (uint32_t)x, 100, &back);
	}
	assert_true(passed < 3 * 97); /* expected ~97 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip), cmocka_unit_test(test_mss_rounding),
		cmocka_unit_test(test_age),	   cmocka_unit_test(test_bound),
		cmocka_unit_test(test_guesses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
