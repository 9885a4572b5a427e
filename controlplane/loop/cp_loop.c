/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Event loop: epoll for file descriptors, a binary min-heap of timer
 * pointers ordered by deadline for everything periodic. The epoll timeout is
 * the time to the earliest deadline, so no timerfd per timer is needed and
 * thousands of health probes cost one heap entry each.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "cp_loop.h"

#define LOOP_EVENTS 64 /* epoll events taken per turn */

struct cp_loop {
	int epfd;
	struct cp_loop_timer **heap;
	uint32_t n_timers;
	uint32_t cap_timers;
};

uint64_t cp_loop_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct cp_loop *cp_loop_new(void)
{
	struct cp_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int err = errno;

		free(l);
		errno = err;
		return NULL;
	}
	return l;
}

void cp_loop_free(struct cp_loop *l)
{
	if (!l)
		return;
	for (uint32_t i = 0; i < l->n_timers; i++)
		l->heap[i]->heap_index = UINT32_MAX;
	close(l->epfd);
	free(l->heap);
	free(l);
}

int cp_loop_fd_add(struct cp_loop *l, struct cp_loop_fd *f, int fd, uint32_t events,
		   cp_loop_fd_fn fn, void *ctx)
{
	struct epoll_event ev = {.events = events, .data.ptr = f};

	f->fd = fd;
	f->events = events;
	f->fn = fn;
	f->ctx = ctx;
	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : -errno;
}

int cp_loop_fd_mod(struct cp_loop *l, struct cp_loop_fd *f, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = f};

	if (events == f->events)
		return 0;
	f->events = events;
	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, f->fd, &ev) == 0 ? 0 : -errno;
}

void cp_loop_fd_del(struct cp_loop *l, struct cp_loop_fd *f)
{
	if (f->fd >= 0)
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, f->fd, NULL);
	f->fn = NULL; /* an event already taken this turn is ignored */
}

/* heap helpers: parent (i-1)/2, children 2i+1, 2i+2 */
static void heap_set(struct cp_loop *l, uint32_t i, struct cp_loop_timer *t)
{
	l->heap[i] = t;
	t->heap_index = i;
}

static void heap_up(struct cp_loop *l, uint32_t i)
{
	struct cp_loop_timer *t = l->heap[i];

	while (i > 0) {
		uint32_t p = (i - 1) / 2;

		if (l->heap[p]->deadline_ns <= t->deadline_ns)
			break;
		heap_set(l, i, l->heap[p]);
		i = p;
	}
	heap_set(l, i, t);
}

static void heap_down(struct cp_loop *l, uint32_t i)
{
	struct cp_loop_timer *t = l->heap[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= l->n_timers)
			break;
		if (c + 1 < l->n_timers && l->heap[c + 1]->deadline_ns < l->heap[c]->deadline_ns)
			c++;
		if (t->deadline_ns <= l->heap[c]->deadline_ns)
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, t);
}

void cp_loop_timer_init(struct cp_loop_timer *t, cp_loop_timer_fn fn, void *ctx)
{
	t->deadline_ns = 0;
	t->heap_index = UINT32_MAX;
	t->fn = fn;
	t->ctx = ctx;
}

void cp_loop_timer_cancel(struct cp_loop *l, struct cp_loop_timer *t)
{
	uint32_t i = t->heap_index;
	struct cp_loop_timer *last;

	if (i == UINT32_MAX)
		return;
	t->heap_index = UINT32_MAX;
	last = l->heap[--l->n_timers];
	if (i == l->n_timers)
		return;
	heap_set(l, i, last);
	heap_down(l, i);
	heap_up(l, last->heap_index);
}

int cp_loop_timer_at(struct cp_loop *l, struct cp_loop_timer *t, uint64_t deadline_ns)
{
	cp_loop_timer_cancel(l, t);
	if (l->n_timers == l->cap_timers) {
		uint32_t cap = l->cap_timers ? 2 * l->cap_timers : 64;
		struct cp_loop_timer **h = realloc(l->heap, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		l->heap = h;
		l->cap_timers = cap;
	}
	t->deadline_ns = deadline_ns;
	heap_set(l, l->n_timers++, t);
	heap_up(l, t->heap_index);
	return 0;
}

int cp_loop_timer_in(struct cp_loop *l, struct cp_loop_timer *t, uint64_t delay_ms)
{
	return cp_loop_timer_at(l, t, cp_loop_now_ns() + delay_ms * 1000000ull);
}

uint32_t cp_loop_timers(const struct cp_loop *l)
{
	return l->n_timers;
}

static int wait_ms(const struct cp_loop *l, int max_wait_ms)
{
	uint64_t now, next;
	int ms;

	if (l->n_timers == 0)
		return max_wait_ms;
	now = cp_loop_now_ns();
	next = l->heap[0]->deadline_ns;
	if (next <= now)
		return 0;
	ms = (int)((next - now + 999999) / 1000000);
	return max_wait_ms >= 0 && max_wait_ms < ms ? max_wait_ms : ms;
}

int cp_loop_run_once(struct cp_loop *l, int max_wait_ms)
{
	struct epoll_event ev[LOOP_EVENTS];
	int n, ran = 0;
	uint64_t now;

	n = epoll_wait(l->epfd, ev, LOOP_EVENTS, wait_ms(l, max_wait_ms));
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct cp_loop_fd *f = ev[i].data.ptr;

		if (f->fn) {
			f->fn(f, ev[i].events);
			ran++;
		}
	}
	/* timers that expire now; a handler re-arming for later does not loop */
	now = cp_loop_now_ns();
	while (l->n_timers && l->heap[0]->deadline_ns <= now) {
		struct cp_loop_timer *t = l->heap[0];

		cp_loop_timer_cancel(l, t);
		t->fn(t);
		ran++;
	}
	return ran;
}
