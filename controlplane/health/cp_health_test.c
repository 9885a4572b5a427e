/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Probe engine against real servers on loopback served from the same
 * cp_loop: tcp ok/refused/timeout on a full backlog, http status, body and
 * slow server, udp reply/silence/wrong reply/unreachable, jitter bounds,
 * 2000 targets from one loop, removal from callbacks (suite unit). A probe
 * socket's mark and timeouts against an address that never answers need
 * root (suite kernel), the latter a private network namespace: a veth
 * slhc0 with 198.18.0.1/24 whose peer answers no ARP, so SYNs to
 * 198.18.0.2 vanish.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "cp_health.h"
#include "cp_loop.h"
#include "sl_shm.h"
#include "tl_netns.h"
#include "tl_suite.h"

/* ---- results ---- */

struct res {
	int n, n_ok;
	bool ok;
	char reason[160];
	uint64_t at_ns;
	struct cp_health *h;
	struct cp_health_target *self; /* removed on the first result when remove_self */
	int remove_self;
};

static void on_result(void *ctx, bool ok, const char *reason)
{
	struct res *r = ctx;

	r->n++;
	r->n_ok += ok;
	r->ok = ok;
	r->at_ns = cp_loop_now_ns();
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	if (r->remove_self)
		cp_health_target_remove(r->h, r->self);
}

/* ---- socket hook ---- */

#define MAX_OPENS 64
struct hook {
	int opens, closes;
	struct cp_health_sock last;
	uint64_t open_ns[MAX_OPENS];
};

static void on_sock(void *ctx, int open, const struct cp_health_sock *s)
{
	struct hook *k = ctx;

	if (open) {
		if (k->opens < MAX_OPENS)
			k->open_ns[k->opens] = cp_loop_now_ns();
		k->opens++;
	} else {
		k->closes++;
	}
	k->last = *s;
}

/* ---- servers on the loop ---- */

struct conn {
	struct cp_loop_fd lfd;
	struct srv *srv;
	char req[2048];
	uint32_t req_len;
};

struct srv {
	struct cp_loop_fd lfd;
	struct cp_loop *loop;
	int fd;
	uint16_t port;
	const char *response; /* NULL: close right after accept (tcp) */
	size_t response_len;
	int slow; /* keep the connection, never answer */
	int slow_fds[64], n_slow;
	char last_req[2048];
	int accepted;
	/* udp */
	const char *reply; /* NULL: swallow */
	int udp_got;
};

static void conn_event(struct cp_loop_fd *f, uint32_t events)
{
	struct conn *c = f->ctx;
	ssize_t n;

	(void)events;
	n = recv(f->fd, c->req + c->req_len, sizeof(c->req) - 1 - c->req_len, 0);
	if (n > 0) {
		c->req_len += (uint32_t)n;
		c->req[c->req_len] = 0;
		if (!strstr(c->req, "\r\n\r\n"))
			return;
		memcpy(c->srv->last_req, c->req, c->req_len + 1);
		if (send(f->fd, c->srv->response, c->srv->response_len, MSG_NOSIGNAL) < 0)
			fprintf(stderr, "server send: %s\n", strerror(errno));
	} else if (n < 0 && errno == EAGAIN) {
		return;
	}
	cp_loop_fd_del(c->srv->loop, f);
	close(f->fd);
	free(c);
}

static void srv_accept(struct cp_loop_fd *f, uint32_t events)
{
	struct srv *s = f->ctx;
	int fd;

	(void)events;
	while ((fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		s->accepted++;
		if (s->slow) {
			if (s->n_slow < 64)
				s->slow_fds[s->n_slow++] = fd;
			else
				close(fd);
			continue;
		}
		if (!s->response) {
			close(fd);
			continue;
		}
		struct conn *c = calloc(1, sizeof(*c));

		assert_non_null(c);
		c->srv = s;
		assert_int_equal(cp_loop_fd_add(s->loop, &c->lfd, fd, EPOLLIN, conn_event, c), 0);
	}
}

static void udp_event(struct cp_loop_fd *f, uint32_t events)
{
	struct srv *s = f->ctx;
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	char buf[512];
	ssize_t n;

	(void)events;
	while ((n = recvfrom(s->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl)) >= 0) {
		s->udp_got++;
		if (s->reply)
			sendto(s->fd, s->reply, strlen(s->reply), 0, (struct sockaddr *)&from, fl);
		fl = sizeof(from);
	}
}

static void srv_start(struct srv *s, struct cp_loop *l, int family, int type, int backlog)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1;

	memset(&ss, 0, sizeof(ss));
	s->loop = l;
	s->fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(s->fd >= 0);
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (type == SOCK_DGRAM) {
		/* hundreds of probes may arrive while the loop is descheduled on a
		 * busy machine: a full default buffer would drop them */
		int rcvbuf = 8 << 20;

		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	}
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_addr = in6addr_loopback;
		sl = sizeof(*in6);
	}
	assert_int_equal(bind(s->fd, (struct sockaddr *)&ss, sl), 0);
	sl = sizeof(ss);
	assert_int_equal(getsockname(s->fd, (struct sockaddr *)&ss, &sl), 0);
	s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (type == SOCK_STREAM) {
		assert_int_equal(listen(s->fd, backlog), 0);
		assert_int_equal(cp_loop_fd_add(l, &s->lfd, s->fd, EPOLLIN, srv_accept, s), 0);
	} else {
		assert_int_equal(cp_loop_fd_add(l, &s->lfd, s->fd, EPOLLIN, udp_event, s), 0);
	}
	if (s->response && !s->response_len)
		s->response_len = strlen(s->response);
}

static void srv_stop(struct srv *s)
{
	cp_loop_fd_del(s->loop, &s->lfd);
	close(s->fd);
	for (int i = 0; i < s->n_slow; i++)
		close(s->slow_fds[i]);
	s->n_slow = 0;
}

/* A port on @family/@type that nothing listens on. */
/*
 * A port nothing listens on, below the ephemeral range: a closed port taken
 * from the ephemeral range can come back as a probe's own source port, and
 * a TCP connect to itself succeeds (seen once in 500 probes).
 */
static uint16_t closed_port(int family, int type)
{
	unsigned int low = 32768, high;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");

	if (f) {
		if (fscanf(f, "%u %u", &low, &high) != 2)
			low = 32768;
		fclose(f);
	}
	for (unsigned int p = low > 1024 ? low - 1 : 1023; p > 0; p--) {
		struct sockaddr_storage ss;
		socklen_t sl;
		int fd = socket(family, type | SOCK_CLOEXEC, 0), ok;

		assert_true(fd >= 0);
		memset(&ss, 0, sizeof(ss));
		if (family == AF_INET) {
			struct sockaddr_in *in = (struct sockaddr_in *)&ss;

			in->sin_family = AF_INET;
			in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			in->sin_port = htons((uint16_t)p);
			sl = sizeof(*in);
		} else {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

			in6->sin6_family = AF_INET6;
			in6->sin6_addr = in6addr_loopback;
			in6->sin6_port = htons((uint16_t)p);
			sl = sizeof(*in6);
		}
		ok = bind(fd, (struct sockaddr *)&ss, sl) == 0;
		close(fd);
		if (ok)
			return (uint16_t)p;
	}
	fail_msg("no free port below the ephemeral range");
	return 0;
}

/* ---- helpers ---- */

static void addr_of(struct sl_addr *a, uint8_t *af, const char *text)
{
	uint32_t v4;

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, text, &v4) == 1) {
		sl_addr_from_v4(a, v4);
		*af = SL_AF_INET;
		return;
	}
	assert_int_equal(inet_pton(AF_INET6, text, a->a8), 1);
	*af = SL_AF_INET6;
}

static void spec_init(struct cp_health_spec *s, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->type = type;
	s->interval_ms = 10000; /* one probe per test unless asked */
	s->timeout_ms = 300;
}

/* Run the loop until *@n >= @want or @max_ms passed. Returns loop turns. */
static int run_until(struct cp_loop *l, const int *n, int want, int max_ms)
{
	uint64_t end = cp_loop_now_ns() + (uint64_t)max_ms * 1000000ull;
	int turns = 0;

	while (*n < want && cp_loop_now_ns() < end) {
		assert_true(cp_loop_run_once(l, 10) >= 0);
		turns++;
	}
	return turns;
}

static void run_for(struct cp_loop *l, int ms)
{
	uint64_t end = cp_loop_now_ns() + (uint64_t)ms * 1000000ull;

	while (cp_loop_now_ns() < end)
		assert_true(cp_loop_run_once(l, 5) >= 0);
}

/* One probe of @spec to @addr:@port; fills @r. */
static void probe_once(const struct cp_health_spec *spec, const char *addr, uint16_t port,
		       struct cp_loop *l, struct res *r, struct hook *k)
{
	struct cp_health *h = cp_health_new(l);
	struct sl_addr a;
	uint8_t af;

	assert_non_null(h);
	memset(r, 0, sizeof(*r));
	if (k) {
		memset(k, 0, sizeof(*k));
		cp_health_set_sock_hook(h, on_sock, k);
	}
	addr_of(&a, &af, addr);
	assert_non_null(cp_health_target_add(h, spec, &a, af, port, on_result, r));
	run_until(l, &r->n, 1, 3000);
	assert_int_equal(r->n, 1);
	cp_health_free(h);
}

/* ---- setup ---- */

static int group_setup(void **state)
{
	struct rlimit rl;

	(void)state;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 8192) {
		rl.rlim_cur = rl.rlim_max < 8192 ? rl.rlim_max : 8192;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	return 0;
}

/* A private network namespace where 198.18.0.2 never answers. */
static int netns_setup(void **state)
{
	(void)state;
	return tl_netns_enter("slhc0", "slhc1", "198.18.0.1/24");
}

/* ---- tests ---- */

static void test_tcp_ok_v4_v6_and_hook(void **state)
{
	struct cp_loop *l = cp_loop_new();
	struct srv s4 = {0}, s6 = {0};
	struct cp_health_spec sp;
	struct res r;
	struct hook k;

	(void)state;
	srv_start(&s4, l, AF_INET, SOCK_STREAM, 16);
	srv_start(&s6, l, AF_INET6, SOCK_STREAM, 16);
	spec_init(&sp, CP_HEALTH_TCP);
	probe_once(&sp, "127.0.0.1", s4.port, l, &r, &k);
	assert_true(r.ok);
	assert_string_equal(r.reason, "tcp: connected");
	assert_int_equal(k.opens, 1);
	assert_int_equal(k.closes, 1);
	assert_int_equal(k.last.proto, IPPROTO_TCP);
	assert_int_equal(k.last.af, SL_AF_INET);
	assert_int_not_equal(k.last.local_port, 0);
	assert_int_equal(k.last.remote_port, s4.port);
	assert_true(sl_addr_is_v4(&k.last.remote));

	probe_once(&sp, "::1", s6.port, l, &r, &k);
	assert_true(r.ok);
	assert_string_equal(r.reason, "tcp: connected");
	assert_int_equal(k.last.af, SL_AF_INET6);
	assert_int_equal(k.last.remote.a8[15], 1);

	/* port override */
	spec_init(&sp, CP_HEALTH_TCP);
	sp.port = s6.port;
	probe_once(&sp, "::1", 9, l, &r, &k);
	assert_string_equal(r.reason, "tcp: connected");
	srv_stop(&s4);
	srv_stop(&s6);
	cp_loop_free(l);
}

/* Source address and mark (SO_MARK needs CAP_NET_ADMIN): bound as asked, reported to the hook. */
static void test_tcp_source_and_mark(void **state)
{
	struct cp_loop *l = cp_loop_new();
	struct srv s4 = {0};
	struct cp_health_spec sp;
	struct res r;
	struct hook k;
	struct sl_addr lo4;
	uint8_t af;

	(void)state;
	srv_start(&s4, l, AF_INET, SOCK_STREAM, 16);
	spec_init(&sp, CP_HEALTH_TCP);
	addr_of(&lo4, &af, "127.0.0.1");
	sp.src = lo4;
	sp.src_af = SL_AF_INET;
	sp.mark = 0x5c;
	probe_once(&sp, "127.0.0.1", s4.port, l, &r, &k);
	assert_true(r.ok);
	assert_memory_equal(&k.last.local, &lo4, sizeof(lo4));
	assert_int_equal(k.last.mark, 0x5c);
	srv_stop(&s4);
	cp_loop_free(l);
}

static void test_tcp_refused(void **state)
{
	struct cp_loop *l = cp_loop_new();
	struct cp_health_spec sp;
	struct res r;
	struct hook k;

	(void)state;
	spec_init(&sp, CP_HEALTH_TCP);
	probe_once(&sp, "127.0.0.1", closed_port(AF_INET, SOCK_STREAM), l, &r, &k);
	assert_false(r.ok);
	assert_string_equal(r.reason, "tcp: connect refused");
	assert_int_equal(k.opens, 1);
	assert_int_equal(k.closes, 1);
	probe_once(&sp, "::1", closed_port(AF_INET6, SOCK_STREAM), l, &r, NULL);
	assert_string_equal(r.reason, "tcp: connect refused");
	cp_loop_free(l);
}

static void test_tcp_timeout_unanswered(void **state)
{
	struct cp_loop *l = cp_loop_new();
	struct cp_health_spec sp;
	struct res r;
	struct hook k;
	uint64_t t0;

	(void)state;
	/* nobody answers ARP for 198.18.0.2: the SYN never leaves */
	spec_init(&sp, CP_HEALTH_TCP);
	sp.timeout_ms = 200;
	t0 = cp_loop_now_ns();
	probe_once(&sp, "198.18.0.2", 80, l, &r, &k);
	assert_false(r.ok);
	assert_string_equal(r.reason, "tcp: timeout after 200 ms");
	assert_true(r.at_ns - t0 >= 200000000ull);
	assert_int_equal(k.closes, 1);
	cp_loop_free(l);
}

static void test_tcp_timeout_full_backlog(void **state)
{
	struct cp_loop *l = cp_loop_new();
	struct cp_health_spec sp;
	struct srv s = {0};
	struct sockaddr_in to = {.sin_family = AF_INET};
	int fill[4];
	struct res r;

	(void)state;
	/* a listener never accepting, its queue filled: further SYNs are dropped */
	srv_start(&s, l, AF_INET, SOCK_STREAM, 0);
	cp_loop_fd_del(l, &s.lfd);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(s.port);
	for (int i = 0; i < 4; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(fill[i], (struct sockaddr *)&to, sizeof(to));
	}
	usleep(50000);
	spec_init(&sp, CP_HEALTH_TCP);
	sp.timeout_ms = 250;
	probe_once(&sp, "127.0.0.1", s.port, l, &r, NULL);
	assert_false(r.ok);
	assert_string_equal(r.reason, "tcp: timeout after 250 ms");
	for (int i = 0; i < 4; i++)
		close(fill[i]);
	close(s.fd);
	cp_loop_free(l);
}

static void test_http_status(void **state)
{
	struct cp_loop *l = cp_loop_new();
	struct srv ok = {.response = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nready"};
	struct srv bad = {.response = "HTTP/1.0 503 Service Unavailable\r\n\r\ndown"};
	struct srv junk = {.response = "SSH-2.0-OpenSSH_9.2\r\n"};
	struct srv redirect = {.response = "HTTP/1.1 302 Found\r\nLocation: /x\r\n\r\n"};
	struct cp_health_spec sp;
	struct res r;

	(void)state;
	srv_start(&ok, l, AF_INET6, SOCK_STREAM, 16);
	srv_start(&bad, l, AF_INET, SOCK_STREAM, 16);
	srv_start(&junk, l, AF_INET, SOCK_STREAM, 16);
	srv_start(&redirect, l, AF_INET, SOCK_STREAM, 16);
	spec_init(&sp, CP_HEALTH_HTTP);
	snprintf(sp.http_path, sizeof(sp.http_path), "/healthz");
	snprintf(sp.http_host, sizeof(sp.http_host), "login.svc.example");
	probe_once(&sp, "::1", ok.port, l, &r, NULL);
	assert_true(r.ok);
	assert_string_equal(r.reason, "http: status 200");
	assert_string_equal(
		ok.last_req,
		"GET /healthz HTTP/1.0\r\nHost: login.svc.example\r\n"
		"User-Agent: sluice-health\r\nAccept: */*\r\nConnection: close\r\n\r\n");

	probe_once(&sp, "127.0.0.1", bad.port, l, &r, NULL);
	assert_false(r.ok);
	assert_string_equal(r.reason, "http: status 503");

	probe_once(&sp, "127.0.0.1", junk.port, l, &r, NULL);
	assert_false(r.ok);
	assert_string_equal(r.reason, "http: malformed status line");

	/* default range 200-399 takes a 302; 200-299 does not */
	probe_once(&sp, "127.0.0.1", redirect.port, l, &r, NULL);
	assert_string_equal(r.reason, "http: status 302");
	assert_true(r.ok);
	sp.status_min = 200;
	sp.status_max = 299;
	probe_once(&sp, "127.0.0.1", redirect.port, l, &r, NULL);
	assert_false(r.ok);
	assert_string_equal(r.reason, "http: status 302");

	/* default path and Host: "/" and the address */
	spec_init(&sp, CP_HEALTH_HTTP);
	probe_once(&sp, "::1", ok.port, l, &r, NULL);
	char want[128];

	snprintf(want, sizeof(want), "GET / HTTP/1.0\r\nHost: [::1]:%u\r\n", ok.port);
	assert_memory_equal(ok.last_req, want, strlen(want));
	srv_stop(&ok);
	srv_stop(&bad);
	srv_stop(&junk);
	srv_stop(&redirect);
	cp_loop_free(l);
}

static void test_http_body(void **state)
{
	static char big[12000];
	struct cp_loop *l = cp_loop_new();
	struct srv has = {.response = "HTTP/1.1 200 OK\r\n\r\n{\"status\":\"ready\"}"};
	struct srv lacks = {.response = "HTTP/1.1 200 OK\r\nX-State: ready\r\n\r\nstarting"};
	struct srv far = {.response = big};
	struct cp_health_spec sp;
	struct res r;
	int hl;

	(void)state;
	/* "ready" straddles the 4096-byte read boundaries' neighbourhood, 8000 bytes in */
	hl = snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n");
	memset(big + hl, 'x', 8190 - hl);
	memcpy(big + 8190, "ready", 5);
	memset(big + 8195, 'y', 2000);
	far.response_len = 10195;
	srv_start(&has, l, AF_INET, SOCK_STREAM, 16);
	srv_start(&lacks, l, AF_INET, SOCK_STREAM, 16);
	srv_start(&far, l, AF_INET, SOCK_STREAM, 16);
	spec_init(&sp, CP_HEALTH_HTTP);
	snprintf(sp.http_body, sizeof(sp.http_body), "ready");
	probe_once(&sp, "127.0.0.1", has.port, l, &r, NULL);
	assert_true(r.ok);
	assert_string_equal(r.reason, "http: status 200");
	/* the header mentions it, the body does not */
	probe_once(&sp, "127.0.0.1", lacks.port, l, &r, NULL);
	assert_false(r.ok);
	assert_string_equal(r.reason, "http: body lacks \"ready\"");
	probe_once(&sp, "127.0.0.1", far.port, l, &r, NULL);
	assert_true(r.ok);
	sp.read_limit = 4000;
	probe_once(&sp, "127.0.0.1", far.port, l, &r, NULL);
	assert_false(r.ok);
	assert_string_equal(r.reason, "http: body lacks \"ready\" within 4000 bytes");
	srv_stop(&has);
	srv_stop(&lacks);
	srv_stop(&far);
	cp_loop_free(l);
}

static void test_http_slow_server_times_out(void **state)
{
	struct cp_loop *l = cp_loop_new();
	struct srv slow = {.slow = 1};
	struct cp_health_spec sp;
	struct res r;
	struct hook k;

	(void)state;
	srv_start(&slow, l, AF_INET, SOCK_STREAM, 16);
	spec_init(&sp, CP_HEALTH_HTTP);
	sp.timeout_ms = 200;
	probe_once(&sp, "127.0.0.1", slow.port, l, &r, &k);
	assert_false(r.ok);
	assert_string_equal(r.reason, "http: timeout after 200 ms while reading");
	assert_int_equal(slow.accepted, 1);
	assert_int_equal(k.closes, 1);
	srv_stop(&slow);
	cp_loop_free(l);
}

static void test_http_connect_times_out(void **state)
{
	struct cp_loop *l = cp_loop_new();
	struct cp_health_spec sp;
	struct res r;

	(void)state;
	spec_init(&sp, CP_HEALTH_HTTP);
	sp.timeout_ms = 200;
	probe_once(&sp, "198.18.0.2", 80, l, &r, NULL);
	assert_string_equal(r.reason, "http: timeout after 200 ms while connecting");
	cp_loop_free(l);
}

/* What cp_health_each_open_sock() reported. */
struct sock_list {
	int n, opens_seen;
	uint16_t local_port[8];
};

static void collect_sock(void *ctx, int open, const struct cp_health_sock *s)
{
	struct sock_list *c = ctx;

	c->opens_seen += open;
	if (c->n < 8)
		c->local_port[c->n] = s->local_port;
	c->n++;
}

static int has_port(const struct sock_list *c, uint16_t port)
{
	for (int i = 0; i < c->n && i < 8; i++)
		if (c->local_port[i] == port)
			return 1;
	return 0;
}

/* The open probe sockets can be listed again (a new XDP program needs them all). */
static void test_each_open_sock(void **state)
{
	struct cp_loop *l = cp_loop_new();
	struct srv slow = {.slow = 1};
	struct cp_health_target *t[3];
	struct cp_health_spec sp;
	struct cp_health *h;
	struct sock_list c;
	struct res r[3];
	struct hook k;
	struct sl_addr a;
	uint8_t af;

	(void)state;
	srv_start(&slow, l, AF_INET, SOCK_STREAM, 16);
	spec_init(&sp, CP_HEALTH_HTTP);
	sp.timeout_ms = 3000;
	h = cp_health_new(l);
	assert_non_null(h);
	memset(&k, 0, sizeof(k));
	memset(r, 0, sizeof(r));
	cp_health_set_sock_hook(h, on_sock, &k);
	memset(&c, 0, sizeof(c));
	assert_int_equal(cp_health_each_open_sock(h, collect_sock, &c), 0);
	addr_of(&a, &af, "127.0.0.1");
	for (int i = 0; i < 3; i++) {
		t[i] = cp_health_target_add(h, &sp, &a, af, slow.port, on_result, &r[i]);
		assert_non_null(t[i]);
	}
	run_until(l, &k.opens, 3, 2000);
	assert_int_equal(k.opens, 3);
	run_until(l, &slow.accepted, 3, 2000);
	memset(&c, 0, sizeof(c));
	assert_int_equal(cp_health_each_open_sock(h, collect_sock, &c), 3);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.opens_seen, 3);
	assert_true(has_port(&c, k.last.local_port));
	assert_true(c.local_port[0] != c.local_port[1] && c.local_port[1] != c.local_port[2] &&
		    c.local_port[0] != c.local_port[2]);
	/* a removed target's socket is closed (hook told), no longer listed */
	cp_health_target_remove(h, t[1]);
	assert_int_equal(k.closes, 1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(cp_health_each_open_sock(h, collect_sock, &c), 2);
	assert_false(has_port(&c, k.last.local_port));
	assert_int_equal(r[0].n + r[1].n + r[2].n, 0); /* still in flight, no result yet */
	cp_health_free(h);
	assert_int_equal(k.closes, 3);
	srv_stop(&slow);
	cp_loop_free(l);
}

static void test_udp(void **state)
{
	struct cp_loop *l = cp_loop_new();
	struct srv pong = {.reply = "pong"}, silent = {0}, wrong = {.reply = "nope!"};
	struct cp_health_spec sp;
	struct res r;
	struct hook k;

	(void)state;
	srv_start(&pong, l, AF_INET6, SOCK_DGRAM, 0);
	srv_start(&silent, l, AF_INET, SOCK_DGRAM, 0);
	srv_start(&wrong, l, AF_INET, SOCK_DGRAM, 0);
	spec_init(&sp, CP_HEALTH_UDP);
	sp.timeout_ms = 200;
	memcpy(sp.udp_payload, "ping", 4);
	sp.udp_payload_len = 4;
	memcpy(sp.udp_expect, "pong", 4);
	sp.udp_expect_len = 4;
	probe_once(&sp, "::1", pong.port, l, &r, &k);
	assert_true(r.ok);
	assert_string_equal(r.reason, "udp: reply (4 bytes)");
	assert_int_equal(pong.udp_got, 1);
	assert_int_equal(k.last.proto, IPPROTO_UDP);
	assert_int_equal(k.opens, 1);
	assert_int_equal(k.closes, 1);

	probe_once(&sp, "127.0.0.1", silent.port, l, &r, NULL);
	assert_false(r.ok);
	assert_string_equal(r.reason, "udp: no reply within 200 ms");
	assert_int_equal(silent.udp_got, 1);

	probe_once(&sp, "127.0.0.1", wrong.port, l, &r, NULL);
	assert_false(r.ok);
	assert_string_equal(r.reason, "udp: reply lacks the expected bytes (5 bytes)");

	probe_once(&sp, "127.0.0.1", closed_port(AF_INET, SOCK_DGRAM), l, &r, NULL);
	assert_false(r.ok);
	assert_string_equal(r.reason, "udp: port unreachable");

	/* no expectation: any reply */
	sp.udp_expect_len = 0;
	probe_once(&sp, "127.0.0.1", wrong.port, l, &r, NULL);
	assert_true(r.ok);
	assert_string_equal(r.reason, "udp: reply (5 bytes)");
	srv_stop(&pong);
	srv_stop(&silent);
	srv_stop(&wrong);
	cp_loop_free(l);
}

/*
 * How late a loop turn may run on a loaded machine (unit tests run in
 * parallel, CI shares 2 CPUs): lateness is tolerated, earliness never is.
 */
#define LOOP_SLACK_MS 250

static void test_jitter_bounds(void **state)
{
	struct cp_loop *l = cp_loop_new();
	struct cp_health *h = cp_health_new(l);
	struct srv s = {0};
	struct cp_health_spec sp;
	struct res r = {0};
	struct hook k = {0};
	struct sl_addr a;
	uint8_t af;
	uint64_t t0, min_gap = UINT64_MAX, max_gap = 0;
	const uint64_t ms = 1000000ull;
	const int probes = 14;

	(void)state;
	srv_start(&s, l, AF_INET, SOCK_STREAM, 64);
	cp_health_seed(h, 42);
	cp_health_set_sock_hook(h, on_sock, &k);
	spec_init(&sp, CP_HEALTH_TCP);
	sp.interval_ms = 40;
	sp.jitter_ms = 40;
	addr_of(&a, &af, "127.0.0.1");
	t0 = cp_loop_now_ns();
	assert_non_null(cp_health_target_add(h, &sp, &a, af, s.port, on_result, &r));
	run_until(l, &r.n, probes, 5000);
	assert_int_equal(r.n, probes);
	assert_int_equal(r.n_ok, probes);
	/* first start within [0, jitter] (+ loop slack) */
	assert_true(k.open_ns[0] - t0 <= 40 * ms + LOOP_SLACK_MS * ms);
	for (int i = 1; i < probes; i++) {
		uint64_t gap = k.open_ns[i] - k.open_ns[i - 1];

		/* 1 ms under: the hook runs a few us after each start; 30 ms over: a busy box */
		if (gap < 39 * ms || gap > 80 * ms + LOOP_SLACK_MS * ms)
			fail_msg("probe %d started %.1f ms after the previous one, want 40..80", i,
				 gap / 1e6);
		min_gap = gap < min_gap ? gap : min_gap;
		max_gap = gap > max_gap ? gap : max_gap;
	}
	/* the spread is real: 13 draws of 0..40 ms do not all land within 5 ms */
	assert_true(max_gap - min_gap > 5 * ms);
	cp_health_free(h);
	srv_stop(&s);
	cp_loop_free(l);
}

#define SCALE_TCP 1000
#define SCALE_REFUSED 500
#define SCALE_UDP 500
#define SCALE_N (SCALE_TCP + SCALE_REFUSED + SCALE_UDP)

static struct res scale_res[SCALE_N];

static void test_scale_2000_targets(void **state)
{
	struct cp_loop *l = cp_loop_new();
	struct cp_health *h = cp_health_new(l);
	struct srv tcp = {0}, udp = {.reply = "pong"};
	struct cp_health_spec st, su;
	struct cp_health_stats stats;
	struct sl_addr a4, a6;
	uint8_t af4, af6;
	uint16_t refused = closed_port(AF_INET6, SOCK_STREAM);
	int answered = 0, turns = 0;
	uint64_t end;

	(void)state;
	srv_start(&tcp, l, AF_INET, SOCK_STREAM, 4096);
	srv_start(&udp, l, AF_INET, SOCK_DGRAM, 0);
	addr_of(&a4, &af4, "127.0.0.1");
	addr_of(&a6, &af6, "::1");
	spec_init(&st, CP_HEALTH_TCP);
	st.interval_ms = 1000;
	st.timeout_ms = 3000;
	st.jitter_ms = 500;
	spec_init(&su, CP_HEALTH_UDP);
	su.interval_ms = 1000;
	su.timeout_ms = 3000;
	su.jitter_ms = 500;
	su.udp_payload_len = 1;
	memcpy(su.udp_expect, "pong", 4);
	su.udp_expect_len = 4;
	for (int i = 0; i < SCALE_N; i++) {
		const struct cp_health_spec *sp = i < SCALE_TCP + SCALE_REFUSED ? &st : &su;
		const struct sl_addr *a = i < SCALE_TCP			  ? &a4
					  : i < SCALE_TCP + SCALE_REFUSED ? &a6
									  : &a4;
		uint8_t af = a == &a4 ? af4 : af6;
		uint16_t port = i < SCALE_TCP			? tcp.port
				: i < SCALE_TCP + SCALE_REFUSED ? refused
								: udp.port;

		assert_non_null(cp_health_target_add(h, sp, a, af, port, on_result, &scale_res[i]));
	}
	cp_health_get_stats(h, &stats);
	assert_int_equal(stats.targets, SCALE_N);
	/* every target answered within one jitter window plus slack, from one loop */
	end = cp_loop_now_ns() + 15000ull * 1000000ull; /* generous: a loaded CI box */
	while (answered < SCALE_N && cp_loop_now_ns() < end) {
		assert_true(cp_loop_run_once(l, 10) >= 0);
		turns++;
		answered = 0;
		for (int i = 0; i < SCALE_N; i++)
			answered += scale_res[i].n > 0;
	}
	assert_int_equal(answered, SCALE_N);
	assert_true(turns < 20000);
	for (int i = 0; i < SCALE_N; i++) {
		const char *want = i < SCALE_TCP		   ? "tcp: connected"
				   : i < SCALE_TCP + SCALE_REFUSED ? "tcp: connect refused"
								   : "udp: reply (4 bytes)";

		if (strcmp(scale_res[i].reason, want) != 0)
			fail_msg("target %d: \"%s\", want \"%s\"", i, scale_res[i].reason, want);
	}
	cp_health_get_stats(h, &stats);
	assert_true(stats.ok >= SCALE_TCP + SCALE_UDP);
	assert_int_equal(stats.timeouts, 0);
	cp_health_free(h);
	srv_stop(&tcp);
	srv_stop(&udp);
	cp_loop_free(l);
}

static void test_remove_and_validation(void **state)
{
	struct cp_loop *l = cp_loop_new();
	struct cp_health *h = cp_health_new(l);
	struct srv ok = {0}, slow = {.slow = 1};
	struct cp_health_spec sp;
	struct cp_health_stats stats;
	struct res r1 = {0}, r2 = {0};
	struct hook k = {0};
	struct sl_addr a;
	uint8_t af;

	(void)state;
	srv_start(&ok, l, AF_INET, SOCK_STREAM, 16);
	srv_start(&slow, l, AF_INET, SOCK_STREAM, 16);
	cp_health_set_sock_hook(h, on_sock, &k);
	addr_of(&a, &af, "127.0.0.1");

	spec_init(&sp, CP_HEALTH_TCP);
	sp.interval_ms = 0;
	errno = 0;
	assert_null(cp_health_target_add(h, &sp, &a, af, ok.port, on_result, &r1));
	assert_int_equal(errno, EINVAL);
	spec_init(&sp, CP_HEALTH_TCP);
	assert_null(cp_health_target_add(h, &sp, &a, af, 0, on_result, &r1));
	assert_int_equal(errno, EINVAL);
	sp.src_af = SL_AF_INET6;
	assert_null(cp_health_target_add(h, &sp, &a, af, ok.port, on_result, &r1));
	assert_int_equal(errno, EINVAL);
	spec_init(&sp, CP_HEALTH_HTTP);
	snprintf(sp.http_path, sizeof(sp.http_path), "/a b");
	assert_null(cp_health_target_add(h, &sp, &a, af, ok.port, on_result, &r1));
	assert_int_equal(errno, EINVAL);
	sp.type = 9;
	assert_null(cp_health_target_add(h, &sp, &a, af, ok.port, on_result, &r1));
	assert_int_equal(errno, EINVAL);

	/* removed from its own callback: exactly one result, ever */
	spec_init(&sp, CP_HEALTH_TCP);
	sp.interval_ms = 20;
	r1.h = h;
	r1.remove_self = 1;
	r1.self = cp_health_target_add(h, &sp, &a, af, ok.port, on_result, &r1);
	assert_non_null(r1.self);
	/* removed while its probe is in flight: socket closed, hook told, no result */
	spec_init(&sp, CP_HEALTH_HTTP);
	sp.timeout_ms = 5000;
	struct cp_health_target *t2 =
		cp_health_target_add(h, &sp, &a, af, slow.port, on_result, &r2);

	assert_non_null(t2);
	run_until(l, &slow.accepted, 1, 2000);
	assert_int_equal(slow.accepted, 1);
	run_until(l, &r1.n, 1, 2000);
	cp_health_target_remove(h, t2);
	run_for(l, 150);
	assert_int_equal(r1.n, 1);
	assert_string_equal(r1.reason, "tcp: connected");
	assert_int_equal(r2.n, 0);
	assert_int_equal(k.opens, 2);
	assert_int_equal(k.closes, 2);
	cp_health_get_stats(h, &stats);
	assert_int_equal(stats.targets, 0);
	assert_int_equal(stats.in_flight, 0);
	/* nothing of the engine stays armed once the reaper ran (the servers use no timers) */
	assert_int_equal(cp_loop_timers(l), 0);
	cp_health_free(h);
	srv_stop(&ok);
	srv_stop(&slow);
	cp_loop_free(l);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_ok_v4_v6_and_hook),
		cmocka_unit_test(test_tcp_refused),
		cmocka_unit_test(test_tcp_timeout_full_backlog),
		cmocka_unit_test(test_http_status),
		cmocka_unit_test(test_http_body),
		cmocka_unit_test(test_http_slow_server_times_out),
		cmocka_unit_test(test_each_open_sock),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_jitter_bounds),
		cmocka_unit_test(test_scale_2000_targets),
		cmocka_unit_test(test_remove_and_validation),
	};
	const struct CMUnitTest kernel[] = {
		cmocka_unit_test(test_tcp_source_and_mark),
		cmocka_unit_test(test_tcp_timeout_unanswered),
		cmocka_unit_test(test_http_connect_times_out),
	};
	const struct tl_group groups[] = {
		{"cp_health", "unit", TL_TESTS(tests), group_setup},
		{"cp_health_kernel", "kernel", TL_TESTS(kernel), netns_setup, NULL, TL_NEED_NETNS},
	};

	return tl_suite_run(argc, argv, groups, 2);
}
