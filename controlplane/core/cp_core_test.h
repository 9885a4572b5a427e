/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the tests of core/'s wiring modules share: turning the real loop
 * until something holds (bounded, never timed), reading what the module
 * logged on stdout, a health section for a config built in code, and
 * loopback servers on the loop (a TCP listener, an HTTP responder that
 * keeps the last request, a UDP responder), a daemon of the real parts on
 * a real segment, and a client of its admin socket. For *_test.c only.
 */
#ifndef CP_CORE_TEST_H
#define CP_CORE_TEST_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <sys/un.h>

#include "cfg.h"
#include "cfg_types.h"
#include "cp_daemon.h"
#include "cp_loop.h"
#include "sl_event_types.h"

#define CPT_WAIT_MS 10000 /* the longest anything here is waited for: a bound, not a timing */

/* Turn @l until @done(@ctx) holds or CPT_WAIT_MS passed; whether it holds. */
static inline bool cpt_run_until(struct cp_loop *l, bool (*done)(void *ctx), void *ctx)
{
	uint64_t end = cp_loop_now_ns() + CPT_WAIT_MS * 1000000ull;

	while (!done(ctx)) {
		if (cp_loop_now_ns() >= end)
			return false;
		if (cp_loop_run_once(l, 10) < 0)
			return false;
	}
	return true;
}

/* Turn @l for @ms (to show that something does not happen). */
static inline void cpt_run_for(struct cp_loop *l, uint32_t ms)
{
	uint64_t end = cp_loop_now_ns() + ms * 1000000ull;

	while (cp_loop_now_ns() < end)
		cp_loop_run_once(l, 5);
}

/* ---- the log: stdout into a memory file while captured ---- */

struct cpt_log {
	int fd, saved;
	char *text; /* what was logged, after cpt_log_end() */
};

static inline void cpt_log_begin(struct cpt_log *c)
{
	fflush(stdout);
	c->fd = memfd_create("cpt-log", 0);
	c->saved = dup(STDOUT_FILENO);
	if (c->fd < 0 || c->saved < 0 || dup2(c->fd, STDOUT_FILENO) < 0)
		abort();
	c->text = NULL;
}

/* Stop capturing: c->text holds every line logged since cpt_log_begin() (free it). */
static inline char *cpt_log_end(struct cpt_log *c)
{
	off_t n;

	fflush(stdout);
	dup2(c->saved, STDOUT_FILENO);
	close(c->saved);
	n = lseek(c->fd, 0, SEEK_END);
	c->text = calloc(1, (size_t)n + 1);
	if (!c->text || pread(c->fd, c->text, (size_t)n, 0) != n)
		abort();
	close(c->fd);
	return c->text;
}

/* The number of lines of @text that hold @what. */
static inline int cpt_lines_with(const char *text, const char *what)
{
	int n = 0;

	for (const char *l = text; l && *l;) {
		const char *end = strchr(l, '\n');
		size_t len = end ? (size_t)(end - l) : strlen(l);

		if (memmem(l, len, what, strlen(what)))
			n++;
		l = end ? end + 1 : NULL;
	}
	return n;
}

/* ---- config ---- */

/* Pool @p checks health with @type (CFG_HEALTH_CHECK_*) every 20 ms, 1 result decides. */
static inline void cpt_health(struct cfg_pool *p, uint8_t type)
{
	memset(&p->health, 0, sizeof(p->health));
	p->health.type = type;
	p->health.interval_ms = 20;
	p->health.timeout_ms = 500;
	p->health.rise = 1;
	p->health.fall = 1;
	p->health.expect_lo = 200;
	p->health.expect_hi = 399;
}

/* ---- loopback servers on the loop ---- */

/* A bound socket of @type on 127.0.0.1, port into *@port; listening for TCP. */
static inline int cpt_socket(int type, uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0 ||
	    (type == SOCK_STREAM && listen(fd, 128) != 0))
		abort();
	*port = ntohs(a.sin_port);
	return fd;
}

/*
 * A loopback TCP port bound but not listening, so connects to it are
 * refused and no one else takes it while the socket (returned) is open.
 */
static inline int cpt_refusing(uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0)
		abort();
	*port = ntohs(a.sin_port);
	return fd;
}

/* Answers every request with @response, keeping the last request; TCP or UDP. */
struct cpt_srv {
	struct cp_loop *loop;
	struct cp_loop_fd lfd;
	int fd;
	int udp;
	uint16_t port;
	const char *response;
	char last_req[2048];
	int n_req;
	struct cp_loop_fd *conns[32]; /* accepted connections still open */
};

static inline void cpt_srv_close(struct cpt_srv *s, struct cp_loop_fd *f)
{
	for (unsigned int i = 0; i < sizeof(s->conns) / sizeof(s->conns[0]); i++)
		if (s->conns[i] == f)
			s->conns[i] = NULL;
	cp_loop_fd_del(s->loop, f);
	close(f->fd);
	free(f);
}

static inline void cpt_srv_conn(struct cp_loop_fd *f, uint32_t events)
{
	struct cpt_srv *s = f->ctx;
	char buf[2048];
	ssize_t n;

	(void)events;
	n = recv(f->fd, buf, sizeof(buf) - 1, 0);
	if (n > 0) {
		buf[n] = '\0';
		memcpy(s->last_req, buf, (size_t)n + 1);
		s->n_req++;
		if (send(f->fd, s->response, strlen(s->response), MSG_NOSIGNAL) < 0)
			abort();
	} else if (n < 0 && errno == EAGAIN) {
		return;
	}
	cpt_srv_close(s, f);
}

static inline void cpt_srv_event(struct cp_loop_fd *f, uint32_t events)
{
	struct cpt_srv *s = f->ctx;
	struct sockaddr_storage from;
	socklen_t len = sizeof(from);
	char buf[2048];
	ssize_t n;
	int fd;

	(void)events;
	if (s->udp) {
		n = recvfrom(s->fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &len);
		if (n < 0)
			return;
		buf[n] = '\0';
		memcpy(s->last_req, buf, (size_t)n + 1);
		s->n_req++;
		sendto(s->fd, s->response, strlen(s->response), 0, (struct sockaddr *)&from, len);
		return;
	}
	while ((fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct cp_loop_fd *c = calloc(1, sizeof(*c));
		unsigned int i = 0;

		while (i < sizeof(s->conns) / sizeof(s->conns[0]) && s->conns[i])
			i++;
		if (!c || i == sizeof(s->conns) / sizeof(s->conns[0]) ||
		    cp_loop_fd_add(s->loop, c, fd, EPOLLIN, cpt_srv_conn, s) != 0)
			abort();
		s->conns[i] = c;
	}
}

static inline void cpt_srv_start(struct cpt_srv *s, struct cp_loop *l, int udp,
				 const char *response)
{
	memset(s, 0, sizeof(*s));
	s->loop = l;
	s->udp = udp;
	s->response = response;
	s->fd = cpt_socket(udp ? SOCK_DGRAM : SOCK_STREAM, &s->port);
	if (cp_loop_fd_add(l, &s->lfd, s->fd, EPOLLIN, cpt_srv_event, s) != 0)
		abort();
}

static inline void cpt_srv_stop(struct cpt_srv *s)
{
	for (unsigned int i = 0; i < sizeof(s->conns) / sizeof(s->conns[0]); i++)
		if (s->conns[i])
			cpt_srv_close(s, s->conns[i]);
	cp_loop_fd_del(s->loop, &s->lfd);
	close(s->fd);
}

/* ---- a daemon ---- */

/*
 * What a daemon test keeps beside the daemon: a scratch directory with the
 * paths of its admin socket and config file, an instance name (segment)
 * of its own, and a file for the event stream.
 */
struct cpt_scratch {
	char dir[64], sock[128], conf[128], instance[32];
	FILE *events;
};

/* @tag: a short name of the test ("slac"): /tmp/TAG-XXXXXX, instance TAGPID. */
static inline int cpt_scratch_make(struct cpt_scratch *s, const char *tag)
{
	snprintf(s->dir, sizeof(s->dir), "/tmp/%s-XXXXXX", tag);
	if (!mkdtemp(s->dir))
		return -1;
	snprintf(s->sock, sizeof(s->sock), "%s/admin.sock", s->dir);
	snprintf(s->conf, sizeof(s->conf), "%s/sluice.conf", s->dir);
	snprintf(s->instance, sizeof(s->instance), "%s%d", tag, (int)getpid());
	s->events = tmpfile();
	return s->events ? 0 : -1;
}

static inline int cpt_scratch_drop(struct cpt_scratch *s)
{
	char cmd[128];

	fclose(s->events);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", s->dir);
	return system(cmd) == 0 ? 0 : -1;
}

/*
 * A config built in code (cp_test_util.h), on the heap as a loaded one is
 * (a reload that fails frees it): a small segment named @instance, one
 * port on interface @iface ("" : none), no drain, next hops waited for
 * @neigh_ms.
 */
static inline struct cfg *cpt_daemon_cfg(const char *instance, const char *iface, uint32_t neigh_ms)
{
	struct cfg *c = calloc(1, sizeof(*c));

	if (!c)
		abort();
	snprintf(c->file, sizeof(c->file), "test.conf");
	snprintf(c->instance, sizeof(c->instance), "%s", instance);
	c->tables = (struct cfg_tables){.max_workers = 2,
					.max_vips = 8,
					.max_pools = 4,
					.max_backends = 16,
					.maglev_size = 251,
					.max_nat_sources = 16, /* the loader's defaults */
					.max_routes = 1024};
	c->events =
		(struct cfg_events){.flows = 1,
				    .requests = 1,
				    .query = 1,
				    .sample = 1.0,
				    .ring_size = SL_EV_RING_DEFAULT}; /* the loader's defaults */
	c->controlplane.publish_timeout_ms = 1000;
	c->controlplane.neigh_timeout_ms = neigh_ms;
	if (iface[0]) {
		snprintf(c->dataplane.ports[0].iface, IF_NAMESIZE, "%s", iface);
		c->dataplane.n_ports = 1;
	}
	return c;
}

/*
 * The daemon main() makes, without signals, on @cfg (taken: freed by
 * cpt_daemon_stop()) as if loaded from @path (kept by reference), its NAT
 * sources checked and added (a refusal returns before anything else is
 * made), its segment created afresh, events to @events: the parts joined, the model
 * configured, the providers and the admin socket (when the config names
 * one) started, passive health and the scheduler started. 0 or -errno.
 */
static inline int cpt_daemon_start(struct cp_daemon *d, struct cfg *cfg, const char *path,
				   FILE *events)
{
	struct sl_shm_geometry g;
	char why[512];
	int rc;

	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	d->config_path = path;
	d->events = events;
	d->sigfd = -1;
	rc = cp_daemon_nat_start(d); /* as main(): before the segment */
	if (rc)
		return rc;
	cfg_geometry(cfg, &g);
	cp_shm_unlink(cfg->instance);
	rc = cp_shm_open(&d->shm, cfg->instance, &g, why, sizeof(why));
	if (rc) {
		fprintf(stderr, "segment: %s\n", why);
		return rc;
	}
	d->tables = cp_tables_new(g.max_backends);
	d->loop = cp_loop_new();
	d->neigh = cp_neigh_new();
	if (!d->tables || !d->loop || !d->neigh)
		return -ENOMEM;
	rc = cp_daemon_join(d);
	if (!rc)
		rc = cp_model_configure(d->model, d->cfg);
	if (!rc)
		rc = cp_disc_wire_start(&d->disc);
	if (!rc && cfg->controlplane.admin_socket[0]) {
		d->admin = cp_admin_cmds_listen(&d->admin_cmds, d->loop);
		rc = d->admin ? 0 : -errno;
		d->sched.admin = d->admin;
	}
	if (!rc)
		rc = cp_passive_wire_start(&d->passive);
	return rc ? rc : cp_publish_sched_start(&d->sched);
}

static inline void cpt_daemon_stop(struct cp_daemon *d)
{
	char instance[SL_NAME_LEN];

	snprintf(instance, sizeof(instance), "%s", d->cfg->instance);
	cp_daemon_unjoin(d);
	cp_daemon_nat_stop(d);
	cp_neigh_free(d->neigh);
	cp_loop_free(d->loop);
	cp_tables_free(d->tables);
	cp_shm_close(&d->shm);
	cp_shm_unlink(instance);
	cfg_free(d->cfg);
	free(d->cfg);
}

/* Turn the daemon's loop once, as main()'s run() does (the tick follows what waits). */
static inline void cpt_daemon_turn(struct cp_daemon *d)
{
	cp_loop_run_once(d->loop, 10);
	cp_publish_sched_update_tick(&d->sched);
}

/* The record of the backend at @addr in the published slot, or NULL. */
static inline const struct sl_backend *cpt_published(const struct cp_daemon *d, const char *addr)
{
	const struct sl_shm_header *h = d->shm.hdr;
	unsigned int slot = SL_SLOT_OF(__atomic_load_n(&h->published, __ATOMIC_ACQUIRE));
	const struct sl_backend *b = sl_slot_backends(h, slot);
	struct sl_addr a = {0};
	uint32_t v4;

	if (inet_pton(AF_INET6, addr, a.a8) != 1) {
		if (inet_pton(AF_INET, addr, &v4) != 1)
			abort();
		sl_addr_from_v4(&a, v4);
	}
	for (uint32_t i = 0; i < sl_slot_hdr(h, slot)->n_backends; i++)
		if (b[i].uid && !memcmp(&b[i].addr, &a, sizeof(a)))
			return &b[i];
	return NULL;
}

struct cpt_published {
	struct cp_daemon *d;
	uint64_t gen;
};

/* The published generation is at least w->gen, and no publication waits for acks. */
static inline bool cpt_published_done(void *ctx)
{
	struct cpt_published *w = ctx;

	cpt_daemon_turn(w->d);
	return SL_GEN_OF(w->d->shm.hdr->published) >= w->gen && !w->d->sched.pub.word;
}

/* Turn the daemon until generation @gen is published and settled. */
static inline bool cpt_daemon_until_gen(struct cp_daemon *d, uint64_t gen)
{
	struct cpt_published w = {d, gen};
	uint64_t end = cp_loop_now_ns() + CPT_WAIT_MS * 1000000ull;

	while (!cpt_published_done(&w))
		if (cp_loop_now_ns() >= end)
			return false;
	return true;
}

/* A connected admin client on @path that has sent @line; its fd. */
static inline int cpt_admin_send(const char *path, const char *line)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (strlen(path) >= sizeof(a.sun_path))
		abort();
	memcpy(a.sun_path, path, strlen(path) + 1);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    send(fd, line, strlen(line), MSG_NOSIGNAL) != (ssize_t)strlen(line))
		abort();
	return fd;
}

/* The client's whole reply (the server closes after it), turning the daemon meanwhile. */
static inline bool cpt_admin_reply(struct cp_daemon *d, int fd, char *buf, size_t len)
{
	uint64_t end = cp_loop_now_ns() + CPT_WAIT_MS * 1000000ull;
	size_t got = 0;

	while (cp_loop_now_ns() < end) {
		ssize_t n = recv(fd, buf + got, len - 1 - got, MSG_DONTWAIT);

		if (n == 0) {
			buf[got] = '\0';
			close(fd);
			return true;
		}
		if (n > 0)
			got += (size_t)n;
		cpt_daemon_turn(d);
	}
	close(fd);
	return false;
}

/* The fixture of a daemon test: the daemon (started by the test) and its scratch. */
struct cpt_fix {
	struct cp_daemon d;
	struct cpt_scratch s;
};

/* cmocka setup and teardown of a struct cpt_fix (@tag: see cpt_scratch_make()). */
static inline int cpt_fix_setup(void **state, const char *tag)
{
	struct cpt_fix *f = calloc(1, sizeof(*f));

	if (!f || cpt_scratch_make(&f->s, tag))
		return -1;
	*state = f;
	return 0;
}

static inline int cpt_fix_teardown(void **state)
{
	struct cpt_fix *f = *state;
	int rc;

	if (f->d.loop)
		cpt_daemon_stop(&f->d);
	rc = cpt_scratch_drop(&f->s);
	free(f);
	return rc;
}

#endif /* CP_CORE_TEST_H */
