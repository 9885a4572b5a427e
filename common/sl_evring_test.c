/* SPDX-License-Identifier: BSD-3-Clause */
/* The event ring: records in order across the wrap, a full ring drops and counts exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sl_evring.h"

#define SIZE 16u

static struct sl_ev_ring *ring(void)
{
	struct sl_ev_ring *r = aligned_alloc(64, sizeof(*r) + SIZE * sizeof(union sl_event));

	assert_non_null(r);
	memset(r, 0, sizeof(*r) + SIZE * sizeof(union sl_event));
	return r;
}

/* The worker writes record @n: a flow record whose start_tsc says which. */
static int put(struct sl_ev_ring *r, uint64_t n)
{
	union sl_event *e = sl_evring_reserve(r, SIZE);

	if (!e)
		return 0;
	e->flow.kind = SL_EV_FLOW;
	e->flow.start_tsc = n;
	sl_evring_commit(r);
	return 1;
}

static uint64_t take(struct sl_ev_ring *r)
{
	const union sl_event *e = sl_evring_peek(r, SIZE);
	uint64_t n;

	assert_non_null(e);
	assert_int_equal(e->kind, SL_EV_FLOW);
	n = e->flow.start_tsc;
	sl_evring_pop(r);
	return n;
}

static void test_order_across_the_wrap(void **state)
{
	struct sl_ev_ring *r = ring();
	uint64_t next = 0, seen = 0;

	(void)state;
	assert_null(sl_evring_peek(r, SIZE));
	/* 5 rounds of 11: the ring's index wraps three times, nothing is lost */
	for (int round = 0; round < 5; round++) {
		for (int i = 0; i < 11; i++)
			assert_int_equal(put(r, next++), 1);
		for (int i = 0; i < 11; i++)
			assert_int_equal(take(r), seen++);
		assert_null(sl_evring_peek(r, SIZE));
	}
	assert_int_equal(r->head, 55);
	assert_int_equal(r->tail, 55);
	assert_int_equal(r->drops, 0);
	free(r);
}

static void test_full_drops_exactly(void **state)
{
	struct sl_ev_ring *r = ring();
	unsigned int written = 0;

	(void)state;
	for (uint64_t i = 0; i < SIZE + 7; i++)
		written += (unsigned int)put(r, i);
	assert_int_equal(written, SIZE);
	assert_int_equal(r->drops, 7);
	/* the records kept are the first SIZE, in order */
	for (uint64_t i = 0; i < 3; i++)
		assert_int_equal(take(r), i);
	/* room for exactly 3 again: the worker sees the new tail */
	for (uint64_t i = 100; i < 105; i++)
		put(r, i);
	assert_int_equal(r->drops, 9);
	for (uint64_t i = 3; i < SIZE; i++)
		assert_int_equal(take(r), i);
	for (uint64_t i = 100; i < 103; i++)
		assert_int_equal(take(r), i);
	assert_null(sl_evring_peek(r, SIZE));
	assert_int_equal(r->head, SIZE + 3);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_across_the_wrap),
		cmocka_unit_test(test_full_drops_exactly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
