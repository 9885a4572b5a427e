/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow hash: the CRC32C step against the standard check value, the SSE4.2
 * instruction against the portable table on the same words and keys (this
 * file is built with -msse4.2, so sl_flow_hash() takes the instruction),
 * pinned values (a change here re-maps flows between appliances running
 * different builds: it must be deliberate), and the spread of hash % 65537
 * (a Maglev table size) over sequential client ports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "sl_hash.h"
#include "sl_shm.h"

#ifndef __SSE4_2__
#error "sl_hash_test compares the SSE4.2 path with the table: build it with -msse4.2"
#endif

static struct sl_flow_key v4_key(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
				 uint8_t proto)
{
	struct sl_flow_key k;

	memset(&k, 0, sizeof(k));
	sl_addr_from_v4(&k.src, htonl(src));
	sl_addr_from_v4(&k.dst, htonl(dst));
	k.sport = htons(sport);
	k.dport = htons(dport);
	k.proto = proto;
	k.af = SL_AF_INET;
	return k;
}

/* CRC32C("123456789") with the usual inversions is 0xe3069283 (RFC 3720 B.4). */
static void test_crc32c_check_value(void **state)
{
	uint64_t w;
	uint32_t sw, hw;

	(void)state;
	memcpy(&w, "12345678", 8);
	sw = sl_crc32c_u64_sw(0xffffffffu, w);
	sw = sl_crc32c_table[(sw ^ '9') & 0xff] ^ (sw >> 8);
	assert_int_equal(~sw, 0xe3069283u);
	hw = (uint32_t)__builtin_ia32_crc32qi(sl_crc32c_u64(0xffffffffu, w), '9');
	assert_int_equal(~hw, 0xe3069283u);
}

static void test_sw_equals_sse(void **state)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	uint32_t c = 0;

	(void)state;
	for (int i = 0; i < 100000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		assert_int_equal(sl_crc32c_u64_sw(c, x), sl_crc32c_u64(c, x));
		c = (uint32_t)(x >> 32);
	}
	for (uint32_t i = 0; i < 100000; i++) {
		struct sl_flow_key k = v4_key(0xc6120000 + (i >> 8), (uint16_t)(i * 7919),
					      0xc6126401, 80, (i & 1) ? IPPROTO_TCP : IPPROTO_UDP);

		assert_int_equal(sl_flow_hash(&k, 0), sl_flow_hash_with(&k, 0, sl_crc32c_u64_sw));
		assert_int_equal(sl_flow_hash(&k, 1), sl_flow_hash_with(&k, 1, sl_crc32c_u64_sw));
	}
}

/* Known values: any change to the flow hash shows here. */
static void test_pinned(void **state)
{
	struct sl_flow_key a = v4_key(0xc6120001, 40000, 0xc6126401, 80, IPPROTO_TCP);
	struct sl_flow_key b = v4_key(0xc6120002, 1024, 0xc6126402, 53, IPPROTO_UDP);
	struct sl_flow_key c;

	(void)state;
	memset(&c, 0, sizeof(c));
	inet_pton(AF_INET6, "2001:2::1", c.src.a8);
	inet_pton(AF_INET6, "2001:2:0:100::1", c.dst.a8);
	c.sport = htons(33000);
	c.dport = htons(443);
	c.proto = IPPROTO_TCP;
	c.af = SL_AF_INET6;
	assert_int_equal(sl_flow_hash(&a, 0), 0x165f0ae7u);
	assert_int_equal(sl_flow_hash(&a, 1), 0xe8e7333cu);
	assert_int_equal(sl_flow_hash(&b, 0), 0xc94b9084u);
	assert_int_equal(sl_flow_hash(&c, 0), 0xde7c0e9bu);
	assert_int_equal(sl_flow_hash(&c, 1), 0x6696d07bu);
}

/* Three-tuple ignores the ports, five-tuple does not. */
static void test_three_tuple(void **state)
{
	struct sl_flow_key a = v4_key(0xc6120001, 40000, 0xc6126401, 80, IPPROTO_TCP);
	struct sl_flow_key b = v4_key(0xc6120001, 40001, 0xc6126401, 8080, IPPROTO_TCP);

	(void)state;
	assert_int_equal(sl_flow_hash(&a, 1), sl_flow_hash(&b, 1));
	assert_true(sl_flow_hash(&a, 0) != sl_flow_hash(&b, 0));
}

/*
 * 1 M flows (16 clients x 65536 sequential ports) over hash % 65537, in 64
 * groups of consecutive table entries: each group within 3 % of its share
 * (the binomial spread is ~0.8 %), and no single entry above 3x the mean.
 */
static void test_spread_mod_65537(void **state)
{
	const uint32_t m = 65537, groups = 64, n = 16u << 16;
	uint32_t *cnt = calloc(m, sizeof(*cnt)), g[64] = {0}, max = 0;

	(void)state;
	assert_non_null(cnt);
	for (uint32_t i = 0; i < n; i++) {
		struct sl_flow_key k =
			v4_key(0xc6120001 + (i >> 16), (uint16_t)i, 0xc6126401, 80, IPPROTO_TCP);

		cnt[sl_flow_hash(&k, 0) % m]++;
	}
	for (uint32_t e = 0; e < m; e++) {
		g[(uint64_t)e * groups / m] += cnt[e];
		if (cnt[e] > max)
			max = cnt[e];
	}
	for (uint32_t i = 0; i < groups; i++) {
		double share = (double)n / groups;

		if (g[i] < share * 0.97 || g[i] > share * 1.03)
			fail_msg("group %u holds %u flows, expected %.0f +- 3 %%", i, g[i], share);
	}
	assert_true(max < 3 * n / m);
	free(cnt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_check_value),
		cmocka_unit_test(test_sw_equals_sse),
		cmocka_unit_test(test_pinned),
		cmocka_unit_test(test_three_tuple),
		cmocka_unit_test(test_spread_mod_65537),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
