/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluiced's event loop: one epoll set for every file descriptor and one
 * binary heap of timers (health probes, discovery refreshes, publish
 * deadlines), serviced by a single thread. Handlers must not block. The
 * structs are embedded by their users (no allocation per timer or fd).
 */
#ifndef CP_LOOP_H
#define CP_LOOP_H

#include <stdint.h>

struct cp_loop;
struct cp_loop_fd;
struct cp_loop_timer;

/* Called with the epoll events that fired (EPOLLIN, EPOLLOUT, EPOLLERR...). */
typedef void (*cp_loop_fd_fn)(struct cp_loop_fd *f, uint32_t events);
typedef void (*cp_loop_timer_fn)(struct cp_loop_timer *t);

struct cp_loop_fd {
	int fd;
	uint32_t events;
	cp_loop_fd_fn fn;
	void *ctx; /* free for the owner */
};

struct cp_loop_timer {
	uint64_t deadline_ns; /* CLOCK_MONOTONIC */
	uint32_t heap_index;  /* UINT32_MAX: not armed */
	cp_loop_timer_fn fn;
	void *ctx; /* free for the owner */
};

/* NULL + errno. */
struct cp_loop *cp_loop_new(void);
void cp_loop_free(struct cp_loop *l);

/* CLOCK_MONOTONIC in ns. */
uint64_t cp_loop_now_ns(void);

/* Watch @f->fd for @events; @f must stay valid until cp_loop_fd_del(). 0 or -errno. */
int cp_loop_fd_add(struct cp_loop *l, struct cp_loop_fd *f, int fd, uint32_t events,
		   cp_loop_fd_fn fn, void *ctx);
int cp_loop_fd_mod(struct cp_loop *l, struct cp_loop_fd *f, uint32_t events);
/* Stop watching (does not close the fd). Safe to call from @f's own handler. */
void cp_loop_fd_del(struct cp_loop *l, struct cp_loop_fd *f);

/* Prepare a timer (not armed). */
void cp_loop_timer_init(struct cp_loop_timer *t, cp_loop_timer_fn fn, void *ctx);
/* Arm (or re-arm) @t to fire once at @deadline_ns / in @delay_ms. 0 or -ENOMEM. */
int cp_loop_timer_at(struct cp_loop *l, struct cp_loop_timer *t, uint64_t deadline_ns);
int cp_loop_timer_in(struct cp_loop *l, struct cp_loop_timer *t, uint64_t delay_ms);
void cp_loop_timer_cancel(struct cp_loop *l, struct cp_loop_timer *t);
static inline int cp_loop_timer_armed(const struct cp_loop_timer *t)
{
	return t->heap_index != UINT32_MAX;
}

/*
 * Wait up to @max_wait_ms (-1: until something happens) and run every fd
 * handler and expired timer once. Returns the number of handlers run, or
 * -errno (EINTR is not an error: 0).
 */
int cp_loop_run_once(struct cp_loop *l, int max_wait_ms);

/* Number of armed timers (tests, stats). */
uint32_t cp_loop_timers(const struct cp_loop *l);

#endif /* CP_LOOP_H */
