/* SPDX-License-Identifier: BSD-3-Clause */
/* Event loop: timers fire in deadline order, cancel/re-arm, fd handlers. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <cmocka.h>

#include "cp_loop.h"

#define N_TIMERS 1000

static int fired[N_TIMERS], order[N_TIMERS], n_fired;

static void on_timer(struct cp_loop_timer *t)
{
	int i = (int)(intptr_t)t->ctx;

	fired[i]++;
	order[n_fired++] = i;
}

static void test_timers_in_deadline_order(void **state)
{
	struct cp_loop *l = cp_loop_new();
	static struct cp_loop_timer t[N_TIMERS];
	uint64_t base = cp_loop_now_ns();

	(void)state;
	n_fired = 0;
	for (int i = 0; i < N_TIMERS; i++) {
		fired[i] = 0;
		cp_loop_timer_init(&t[i], on_timer, (void *)(intptr_t)i);
		/* a scrambled order of deadlines within the next 20 ms */
		assert_int_equal(cp_loop_timer_at(l, &t[i],
						  base + (uint64_t)((i * 7919) % N_TIMERS) * 20000),
				 0);
	}
	assert_int_equal(cp_loop_timers(l), N_TIMERS);
	/* cancel every tenth; re-arm every hundredth later than all others */
	for (int i = 0; i < N_TIMERS; i += 10)
		cp_loop_timer_cancel(l, &t[i]);
	for (int i = 5; i < N_TIMERS; i += 100)
		assert_int_equal(cp_loop_timer_at(l, &t[i], base + 30000000), 0);
	while (cp_loop_timers(l))
		assert_true(cp_loop_run_once(l, 100) >= 0);
	assert_int_equal(n_fired, N_TIMERS - N_TIMERS / 10);
	for (int i = 0; i < N_TIMERS; i++)
		assert_int_equal(fired[i], i % 10 == 0 ? 0 : 1);
	for (int k = 1; k < n_fired; k++)
		assert_true(t[order[k - 1]].deadline_ns <= t[order[k]].deadline_ns);
	/* the re-armed ones came last */
	assert_int_equal(order[n_fired - 1] % 100, 5);
	cp_loop_free(l);
}

static int got_events;

static void on_fd(struct cp_loop_fd *f, uint32_t events)
{
	char c;

	got_events |= (int)events;
	assert_int_equal(read(f->fd, &c, 1), 1);
	assert_int_equal(c, 'x');
}

static void test_fd_handler(void **state)
{
	struct cp_loop *l = cp_loop_new();
	struct cp_loop_fd f;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(cp_loop_fd_add(l, &f, p[0], EPOLLIN, on_fd, NULL), 0);
	assert_int_equal(cp_loop_run_once(l, 0), 0); /* nothing yet */
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(cp_loop_run_once(l, 1000), 1);
	assert_true(got_events & EPOLLIN);
	cp_loop_fd_del(l, &f);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(cp_loop_run_once(l, 10), 0);
	close(p[0]);
	close(p[1]);
	cp_loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_in_deadline_order),
		cmocka_unit_test(test_fd_handler),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
