/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Probe engine (see cp_health.h): each target owns one loop timer that is
 * either its next start (idle) or its deadline (a probe in flight), and at
 * most one non-blocking socket. A probe is connect (EINPROGRESS, EPOLLOUT,
 * SO_ERROR), then for http a request and the reply read up to the read
 * limit and judged as it arrives (cp_health_http.h), for udp one datagram
 * out and one in. Removed targets are freed from a zero-delay timer, after
 * the loop has run the rest of the epoll batch that may still point at
 * their fd handler.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "cp_health.h"
#include "cp_health_http.h"
#include "cp_loop.h"
#include "sl_shm.h"

#define HC_DEFER_MS 50	   /* retry delay when out of sockets */
#define HC_RECV_CHUNK 4096 /* bytes read per recv() */
#define HC_REASON_LEN 160

enum hc_phase {
	HC_IDLE = 0,
	HC_CONNECT,
	HC_SEND,
	HC_RECV,
};

struct cp_health_target {
	struct cp_health *h;
	struct cp_health_target *prev, *next; /* live list, or the graveyard */
	struct cp_health_spec spec;
	struct sl_addr addr;
	uint8_t af;
	uint8_t phase;	/* enum hc_phase */
	uint8_t dead;	/* removed, waiting for the reaper */
	uint8_t hooked; /* the socket hook was told "open" for the current socket */
	uint16_t port;	/* effective, host order */
	cp_health_result_fn cb;
	void *ctx;

	struct cp_loop_timer timer;
	struct cp_loop_fd lfd;
	int fd;
	struct cp_health_sock sock;
	uint64_t started_ns;

	/* http */
	char *req;
	uint32_t req_len;
	uint32_t sent;
	uint32_t rx_total;
	struct cp_health_http resp;
};

struct cp_health {
	struct cp_loop *loop;
	struct cp_health_target *live;
	struct cp_health_target *graveyard;
	struct cp_loop_timer reaper;
	cp_health_sock_fn sock_fn;
	void *sock_ctx;
	uint64_t rng;
	struct cp_health_stats st;
};

static const char *hc_type_name(uint8_t type)
{
	switch (type) {
	case CP_HEALTH_TCP:
		return "tcp";
	case CP_HEALTH_HTTP:
		return "http";
	case CP_HEALTH_UDP:
		return "udp";
	}
	return "?";
}

/* xorshift64*: jitter only, not security */
static uint64_t hc_rand(struct cp_health *h)
{
	h->rng ^= h->rng >> 12;
	h->rng ^= h->rng << 25;
	h->rng ^= h->rng >> 27;
	return h->rng * 0x2545F4914F6CDD1Dull;
}

static uint64_t hc_jitter_ns(struct cp_health *h, uint32_t jitter_ms)
{
	if (!jitter_ms)
		return 0;
	return hc_rand(h) % ((uint64_t)jitter_ms * 1000000ull + 1);
}

void cp_health_seed(struct cp_health *h, uint64_t seed)
{
	h->rng = seed ? seed : 0x9E3779B97F4A7C15ull;
}

static void hc_list_del(struct cp_health_target **head, struct cp_health_target *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		*head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->prev = t->next = NULL;
}

static void hc_list_add(struct cp_health_target **head, struct cp_health_target *t)
{
	t->prev = NULL;
	t->next = *head;
	if (*head)
		(*head)->prev = t;
	*head = t;
}

/* @a:@port, or the family's any address (@a NULL), as a sockaddr; its length. */
static socklen_t hc_sockaddr(struct sockaddr_storage *ss, const struct sl_addr *a, uint8_t af,
			     uint16_t port)
{
	struct sl_addr any = {0};

	if (!a && af == SL_AF_INET)
		sl_addr_from_v4(&any, htonl(INADDR_ANY));
	return sl_addr_to_sockaddr(a ? a : &any, port, ss);
}

/* Close the probe's socket (hook told first); no result. */
static void hc_close(struct cp_health_target *t)
{
	struct cp_health *h = t->h;

	if (t->fd < 0)
		return;
	if (t->hooked && h->sock_fn)
		h->sock_fn(h->sock_ctx, 0, &t->sock);
	t->hooked = 0;
	cp_loop_fd_del(h->loop, &t->lfd);
	t->lfd.fd = -1; /* a later fd_del must not hit a reused descriptor number */
	if (t->spec.type != CP_HEALTH_UDP) {
		/* reset rather than leave thousands of TIME_WAIT behind (HAProxy does too) */
		struct linger lg = {.l_onoff = 1, .l_linger = 0};

		setsockopt(t->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	close(t->fd);
	t->fd = -1;
	h->st.in_flight--;
}

/* Next start: interval + jitter after the last start, never in the past. */
static void hc_schedule_next(struct cp_health_target *t)
{
	struct cp_health *h = t->h;
	uint64_t next = t->started_ns + (uint64_t)t->spec.interval_ms * 1000000ull +
			hc_jitter_ns(h, t->spec.jitter_ms);
	uint64_t now = cp_loop_now_ns();

	if (next < now)
		next = now;
	/* the heap already held this timer: no growth, cannot fail */
	(void)cp_loop_timer_at(h->loop, &t->timer, next);
}

/* End the probe in flight, schedule the next, then report. @t may be gone after. */
static void hc_finish(struct cp_health_target *t, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void hc_finish(struct cp_health_target *t, bool ok, const char *fmt, ...)
{
	struct cp_health *h = t->h;
	char reason[HC_REASON_LEN];
	va_list ap;
	int n;

	n = snprintf(reason, sizeof(reason), "%s: ", hc_type_name(t->spec.type));
	va_start(ap, fmt);
	vsnprintf(reason + n, sizeof(reason) - (size_t)n, fmt, ap);
	va_end(ap);

	hc_close(t);
	t->phase = HC_IDLE;
	if (ok)
		h->st.ok++;
	else
		h->st.failed++;
	hc_schedule_next(t);
	if (t->cb)
		t->cb(t->ctx, ok, reason);
}

static void hc_fail_errno(struct cp_health_target *t, const char *step, int err)
{
	if (err == ECONNREFUSED)
		hc_finish(t, false,
			  t->spec.type == CP_HEALTH_UDP ? "port unreachable" : "connect refused");
	else
		hc_finish(t, false, "%s: %s", step, strerror(err));
}

static void hc_fd_event(struct cp_loop_fd *f, uint32_t events);

static void hc_http_send(struct cp_health_target *t)
{
	struct cp_health *h = t->h;

	while (t->sent < t->req_len) {
		ssize_t n = send(t->fd, t->req + t->sent, t->req_len - t->sent, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				(void)cp_loop_fd_mod(h->loop, &t->lfd, EPOLLOUT);
				return;
			}
			hc_fail_errno(t, "send", errno);
			return;
		}
		t->sent += (uint32_t)n;
	}
	t->phase = HC_RECV;
	if (cp_loop_fd_mod(h->loop, &t->lfd, EPOLLIN | EPOLLRDHUP) != 0)
		hc_fail_errno(t, "epoll", errno);
}

static void hc_http_recv(struct cp_health_target *t)
{
	char buf[HC_RECV_CHUNK], why[CP_HEALTH_HTTP_WHY_LEN];
	uint32_t limit = t->spec.read_limit;
	enum cp_health_http_verdict v;

	for (;;) {
		uint32_t room = limit - t->rx_total;
		ssize_t n;

		if (room > sizeof(buf))
			room = sizeof(buf);
		n = recv(t->fd, buf, room, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			hc_fail_errno(t, "recv", errno);
			return;
		}
		if (n == 0) {
			cp_health_http_cut(&t->resp, 0, why, sizeof(why));
			hc_finish(t, false, "%s", why);
			return;
		}
		t->rx_total += (uint32_t)n;
		v = cp_health_http_feed(&t->resp, buf, (uint32_t)n, why, sizeof(why));
		if (v == CP_HEALTH_HTTP_MORE && t->rx_total >= limit)
			v = cp_health_http_cut(&t->resp, limit, why, sizeof(why));
		if (v != CP_HEALTH_HTTP_MORE) {
			hc_finish(t, v == CP_HEALTH_HTTP_PASS, "%s", why);
			return;
		}
	}
}

static void hc_udp_recv(struct cp_health_target *t)
{
	char buf[HC_RECV_CHUNK];
	ssize_t n = recv(t->fd, buf, sizeof(buf), 0);

	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		hc_fail_errno(t, "recv", errno);
		return;
	}
	if (t->spec.udp_expect_len &&
	    !memmem(buf, (size_t)n, t->spec.udp_expect, t->spec.udp_expect_len)) {
		hc_finish(t, false, "reply lacks the expected bytes (%zd bytes)", n);
		return;
	}
	hc_finish(t, true, "reply (%zd bytes)", n);
}

static void hc_connected(struct cp_health_target *t)
{
	if (t->spec.type == CP_HEALTH_TCP) {
		hc_finish(t, true, "connected");
		return;
	}
	t->phase = HC_SEND;
	hc_http_send(t);
}

static void hc_fd_event(struct cp_loop_fd *f, uint32_t events)
{
	struct cp_health_target *t = f->ctx;
	int err = 0;
	socklen_t len = sizeof(err);

	(void)events;
	switch (t->phase) {
	case HC_CONNECT:
		if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
			err = errno;
		if (err) {
			hc_fail_errno(t, "connect", err);
			return;
		}
		hc_connected(t);
		return;
	case HC_SEND:
		hc_http_send(t);
		return;
	case HC_RECV:
		if (t->spec.type == CP_HEALTH_UDP)
			hc_udp_recv(t);
		else
			hc_http_recv(t);
		return;
	}
}

static const char *hc_phase_name(uint8_t phase)
{
	switch (phase) {
	case HC_CONNECT:
		return "connecting";
	case HC_SEND:
		return "sending";
	case HC_RECV:
		return "reading";
	}
	return "idle";
}

static void hc_start(struct cp_health_target *t)
{
	struct cp_health *h = t->h;
	const struct cp_health_spec *s = &t->spec;
	int udp = s->type == CP_HEALTH_UDP;
	int family = t->af == SL_AF_INET ? AF_INET : AF_INET6;
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, rc;

	t->started_ns = cp_loop_now_ns();
	h->st.probes++;
	fd = socket(family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			/* not the target's fault: try again soon, no result */
			h->st.probes--;
			h->st.deferred++;
			(void)cp_loop_timer_in(h->loop, &t->timer, HC_DEFER_MS);
			return;
		}
		t->phase = HC_CONNECT;
		hc_fail_errno(t, "socket", errno);
		return;
	}
	t->fd = fd;
	h->st.in_flight++;
	t->phase = HC_CONNECT;
	t->sent = 0;
	t->rx_total = 0;
	cp_health_http_init(&t->resp, s->status_min, s->status_max, s->http_body);
	/* the deadline covers the whole probe */
	(void)cp_loop_timer_at(h->loop, &t->timer,
			       t->started_ns + (uint64_t)s->timeout_ms * 1000000ull);

	if (s->mark && setsockopt(fd, SOL_SOCKET, SO_MARK, &s->mark, sizeof(s->mark)) != 0) {
		hc_fail_errno(t, "SO_MARK", errno);
		return;
	}
	sl = hc_sockaddr(&ss, s->src_af ? &s->src : NULL, t->af, 0);
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
		hc_fail_errno(t, "bind", errno);
		return;
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		hc_fail_errno(t, "getsockname", errno);
		return;
	}
	memset(&t->sock, 0, sizeof(t->sock));
	if (s->src_af)
		t->sock.local = s->src;
	t->sock.local_port = ntohs(((struct sockaddr_in *)&ss)->sin_port); /* same offset in v6 */
	t->sock.remote = t->addr;
	t->sock.remote_port = t->port;
	t->sock.af = t->af;
	t->sock.proto = udp ? IPPROTO_UDP : IPPROTO_TCP;
	t->sock.mark = s->mark;
	if (h->sock_fn) {
		t->hooked = 1;
		h->sock_fn(h->sock_ctx, 1, &t->sock);
	}

	rc = cp_loop_fd_add(h->loop, &t->lfd, fd, udp ? EPOLLIN : EPOLLOUT, hc_fd_event, t);
	if (rc) {
		hc_fail_errno(t, "epoll", -rc);
		return;
	}
	sl = hc_sockaddr(&ss, &t->addr, t->af, t->port);
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0) {
		if (errno == EINPROGRESS)
			return;
		hc_fail_errno(t, "connect", errno);
		return;
	}
	if (!udp) {
		hc_connected(t);
		return;
	}
	t->phase = HC_RECV;
	if (send(fd, s->udp_payload, s->udp_payload_len, MSG_NOSIGNAL) < 0)
		hc_fail_errno(t, "send", errno);
}

static void hc_timer(struct cp_loop_timer *tm)
{
	struct cp_health_target *t = tm->ctx;

	if (t->phase == HC_IDLE) {
		hc_start(t);
		return;
	}
	t->h->st.timeouts++;
	if (t->spec.type == CP_HEALTH_UDP)
		hc_finish(t, false, "no reply within %u ms", t->spec.timeout_ms);
	else if (t->spec.type == CP_HEALTH_HTTP)
		hc_finish(t, false, "timeout after %u ms while %s", t->spec.timeout_ms,
			  hc_phase_name(t->phase));
	else
		hc_finish(t, false, "timeout after %u ms", t->spec.timeout_ms);
}

static void hc_free_target(struct cp_health_target *t)
{
	free(t->req);
	free(t);
}

static void hc_reap(struct cp_loop_timer *tm)
{
	struct cp_health *h = tm->ctx;

	while (h->graveyard) {
		struct cp_health_target *t = h->graveyard;

		hc_list_del(&h->graveyard, t);
		hc_free_target(t);
	}
}

struct cp_health *cp_health_new(struct cp_loop *loop)
{
	struct cp_health *h;

	if (!loop) {
		errno = EINVAL;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->loop = loop;
	cp_loop_timer_init(&h->reaper, hc_reap, h);
	cp_health_seed(h, cp_loop_now_ns() ^ (uint64_t)(uintptr_t)h);
	return h;
}

void cp_health_set_sock_hook(struct cp_health *h, cp_health_sock_fn fn, void *ctx)
{
	h->sock_fn = fn;
	h->sock_ctx = ctx;
}

unsigned int cp_health_each_open_sock(const struct cp_health *h, cp_health_sock_fn fn, void *ctx)
{
	unsigned int n = 0;

	for (const struct cp_health_target *t = h->live; t; t = t->next) {
		if (!t->hooked || t->fd < 0)
			continue;
		fn(ctx, 1, &t->sock);
		n++;
	}
	return n;
}

static int hc_str_ok(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

static int hc_spec_check(const struct cp_health_spec *s, uint8_t af, uint16_t port)
{
	if (s->type < CP_HEALTH_TCP || s->type > CP_HEALTH_UDP)
		return -EINVAL;
	if (!s->interval_ms || !s->timeout_ms || !(s->port ? s->port : port))
		return -EINVAL;
	if (af != SL_AF_INET && af != SL_AF_INET6)
		return -EINVAL;
	if (s->src_af && s->src_af != af)
		return -EINVAL;
	if (s->status_min > s->status_max)
		return -EINVAL;
	if (s->udp_payload_len > CP_HEALTH_PAYLOAD_LEN || s->udp_expect_len > CP_HEALTH_EXPECT_LEN)
		return -EINVAL;
	if (!hc_str_ok(s->http_path, sizeof(s->http_path)) ||
	    !hc_str_ok(s->http_host, sizeof(s->http_host)) ||
	    !hc_str_ok(s->http_body, sizeof(s->http_body)))
		return -EINVAL;
	/* the request line and headers must not be split by the config */
	if (strpbrk(s->http_path, "\r\n ") || strpbrk(s->http_host, "\r\n "))
		return -EINVAL;
	return 0;
}

struct cp_health_target *cp_health_target_add(struct cp_health *h,
					      const struct cp_health_spec *spec,
					      const struct sl_addr *addr, uint8_t af, uint16_t port,
					      cp_health_result_fn cb, void *ctx)
{
	struct cp_health_target *t;
	int rc;

	rc = hc_spec_check(spec, af, port);
	if (rc) {
		errno = -rc;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->h = h;
	t->spec = *spec;
	if (!t->spec.status_min && !t->spec.status_max) {
		t->spec.status_min = 200;
		t->spec.status_max = 399;
	}
	if (!t->spec.read_limit)
		t->spec.read_limit = CP_HEALTH_READ_LIMIT;
	t->addr = *addr;
	t->af = af;
	t->port = spec->port ? spec->port : port;
	t->cb = cb;
	t->ctx = ctx;
	t->fd = -1;
	t->lfd.fd = -1;
	if (t->spec.type == CP_HEALTH_HTTP) {
		t->req = cp_health_http_request(&t->spec, &t->addr, t->af, t->port, &t->req_len);
		if (!t->req) {
			rc = -ENOMEM;
			goto fail;
		}
	}
	cp_loop_timer_init(&t->timer, hc_timer, t);
	rc = cp_loop_timer_at(h->loop, &t->timer,
			      cp_loop_now_ns() + hc_jitter_ns(h, t->spec.jitter_ms));
	if (rc)
		goto fail;
	hc_list_add(&h->live, t);
	h->st.targets++;
	return t;
fail:
	hc_free_target(t);
	errno = -rc;
	return NULL;
}

void cp_health_target_remove(struct cp_health *h, struct cp_health_target *t)
{
	if (!t || t->dead)
		return;
	cp_loop_timer_cancel(h->loop, &t->timer);
	hc_close(t);
	t->cb = NULL;
	t->dead = 1;
	hc_list_del(&h->live, t);
	h->st.targets--;
	/* the current epoll batch may still hold a pointer to t->lfd */
	hc_list_add(&h->graveyard, t);
	(void)cp_loop_timer_in(h->loop, &h->reaper, 0);
}

void cp_health_free(struct cp_health *h)
{
	if (!h)
		return;
	while (h->live)
		cp_health_target_remove(h, h->live);
	cp_loop_timer_cancel(h->loop, &h->reaper);
	hc_reap(&h->reaper);
	free(h);
}

void cp_health_get_stats(const struct cp_health *h, struct cp_health_stats *s)
{
	*s = h->st;
}
