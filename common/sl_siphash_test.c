/* SPDX-License-Identifier: BSD-3-Clause */
/* SipHash-2-4 against the reference vectors of its paper. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sl_siphash.h"

static const uint64_t key[2] = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};

/* The paper's appendix A: key 00..0f, messages 00, 00 01, ..., lengths 0 to 15. */
static void test_siphash_vectors(void **state)
{
	static const uint64_t want[] = {
		0x726fdb47dd0e0e31ull, 0x74f839c593dc67fdull, 0x0d6c8009d9a94f5aull,
		0x85676696d7fb7e2dull, 0xcf2794e0277187b7ull, 0x18765564cd99a68dull,
		0xcbc9466e58fee3ceull, 0xab0200f58b01d137ull, 0x93f5f5799a932462ull,
		0x9e0082df0ba9e4b0ull, 0x7a5dbbc594ddb9f3ull, 0xf4b32f46226bada7ull,
		0x751e8fbc860ee5fbull, 0x14ea5627c0843d90ull, 0xf723ca908e7af2eeull,
		0xa129ca6149be45e5ull,
	};
	uint8_t msg[16];

	(void)state;
	for (unsigned int i = 0; i < 16; i++)
		msg[i] = (uint8_t)i;
	for (unsigned int n = 0; n < 16; n++)
		assert_int_equal(sl_siphash24(key, msg, n), want[n]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
