/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sequence corrections of inserted bytes: numbers before, inside and after
 * an insertion both ways, wrapping at 2^32, a second insertion taken only
 * once the first is acknowledged, and never before the current point.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dp_seqadj.h"

static void test_none(void **state)
{
	struct dp_seqadj a = {0};

	(void)state;
	assert_int_equal(dp_seqadj_seq(&a, 12345), 12345);
	assert_int_equal(dp_seqadj_ack(&a, 12345), 12345);
	assert_int_equal(dp_seqadj_seq(&a, 0xffffffffu), 0xffffffffu);
}

/* 40 bytes before sender byte 1100: 1000..1099 stay, 1100.. move by 40. */
static void test_one(void **state)
{
	struct dp_seqadj a = {0};

	(void)state;
	assert_int_equal(dp_seqadj_insert(&a, 1100, 40, 0), 0);
	assert_int_equal(dp_seqadj_seq(&a, 1000), 1000);
	assert_int_equal(dp_seqadj_seq(&a, 1099), 1099);
	assert_int_equal(dp_seqadj_seq(&a, 1100), 1140);
	assert_int_equal(dp_seqadj_seq(&a, 5000), 5040);
	/* receiver's acks: up to the point, inside the inserted bytes, after */
	assert_int_equal(dp_seqadj_ack(&a, 1050), 1050);
	assert_int_equal(dp_seqadj_ack(&a, 1100), 1100);
	assert_int_equal(dp_seqadj_ack(&a, 1101), 1100);
	assert_int_equal(dp_seqadj_ack(&a, 1139), 1100);
	assert_int_equal(dp_seqadj_ack(&a, 1140), 1100);
	assert_int_equal(dp_seqadj_ack(&a, 1141), 1101);
	assert_int_equal(dp_seqadj_ack(&a, 5040), 5000);
}

/* Across the wrap of sequence space. */
static void test_wrap(void **state)
{
	struct dp_seqadj a = {0};

	(void)state;
	assert_int_equal(dp_seqadj_insert(&a, 0xfffffff0u, 0x20, 0), 0);
	assert_int_equal(dp_seqadj_seq(&a, 0xffffffe0u), 0xffffffe0u);
	assert_int_equal(dp_seqadj_seq(&a, 0xfffffff0u), 0x10);
	assert_int_equal(dp_seqadj_seq(&a, 0x5), 0x25);
	assert_int_equal(dp_seqadj_ack(&a, 0x25), 0x5);
	assert_int_equal(dp_seqadj_ack(&a, 0x0), 0xfffffff0u);
	assert_int_equal(dp_seqadj_ack(&a, 0xffffffe8u), 0xffffffe8u);
}

/* A second insertion waits until the first point is acknowledged, and only goes forward. */
static void test_second(void **state)
{
	struct dp_seqadj a = {0};

	(void)state;
	assert_int_equal(dp_seqadj_insert(&a, 1100, 40, 0), 0);
	/* the receiver has acked 1139 (inside): not yet */
	assert_int_equal(dp_seqadj_insert(&a, 3000, 10, 1139), -EBUSY);
	assert_int_equal(a.pos, 1100);
	assert_int_equal(a.after, 40);
	/* acked through the insertion, but the new point is not after the old */
	assert_int_equal(dp_seqadj_insert(&a, 1100, 10, 1140), -EBUSY);
	assert_int_equal(dp_seqadj_insert(&a, 3000, 10, 1140), 0);
	assert_int_equal(dp_seqadj_seq(&a, 2999), 3039);
	assert_int_equal(dp_seqadj_seq(&a, 3000), 3050);
	assert_int_equal(dp_seqadj_ack(&a, 3039), 2999);
	assert_int_equal(dp_seqadj_ack(&a, 3045), 3000);
	assert_int_equal(dp_seqadj_ack(&a, 3051), 3001);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_one),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_second),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
