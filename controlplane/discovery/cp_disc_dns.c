/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `dns` discovery provider (behaviour in cp_disc_dns.h): per pool one
 * resolution at a time (an SRV query, then A/AAAA queries for targets the
 * additional section did not cover), all on one connected non-blocking UDP
 * socket, every query with its own id and timeout timer in the loop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "cp_disc_dns.h"
#include "cp_dns.h"
#include "cp_loop.h"
#include "sl_shm.h"

#define DNS_MAX_ADDRS 64 /* addresses kept per target host */
#define DNS_RX_BUF 65536 /* bytes: any UDP datagram */

struct cp_disc_dns;
struct dns_name;

struct dns_query {
	struct dns_name *owner;
	int32_t target; /* -1: the SRV query, else index into owner->targets */
	uint16_t qtype;
	uint16_t id;
	uint32_t attempts;
	bool active;
	const char *qname;
	struct cp_loop_timer timer;
	struct dns_query *next; /* active list */
	int len;
	uint8_t pkt[CP_DNS_QUERY_MAX];
};

struct dns_srv {
	uint32_t target;
	uint16_t port;
	uint32_t weight;
};

struct dns_target {
	char host[CP_DNS_NAME_LEN];
	struct {
		struct sl_addr addr;
		uint8_t af;
	} addrs[DNS_MAX_ADDRS];
	uint32_t n_addrs;
	struct dns_query qa, qaaaa;
};

struct dns_name {
	struct cp_disc_dns *d;
	struct dns_name *next;
	char pool[SL_NAME_LEN];
	char srv_name[CP_DNS_NAME_LEN];
	struct cp_loop_timer refresh;
	struct dns_query qsrv;
	bool busy;
	uint32_t pending; /* outstanding target queries */
	uint32_t ttl;	  /* smallest TTL of the records used so far, s */
	uint32_t backoff; /* s; 0 after a success */
	struct dns_srv *srvs;
	uint32_t n_srvs;
	struct dns_target *targets;
	uint32_t n_targets;
};

struct cp_disc_dns {
	struct cp_loop *loop;
	struct cp_disc_sink sink;
	struct cp_disc_dns_conf conf;
	char resolver[80];
	int fd;
	struct cp_loop_fd lfd;
	int last_sock_err;
	struct dns_name *names;
	struct dns_query *active;
	struct cp_disc_dns_stats stats;
	struct cp_dns_msg msg;
	uint8_t rx[DNS_RX_BUF];
};

int cp_disc_dns_parse_resolver(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *port_s = NULL;
	unsigned long port = 53;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (!text || strlen(text) >= sizeof(host))
		return -EINVAL;
	if (text[0] == '[') {
		const char *rb = strchr(text, ']');

		if (!rb || (rb[1] && rb[1] != ':'))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(rb - text - 1), text + 1);
		if (rb[1])
			port_s = rb + 2;
	} else if (strchr(text, ':') != strrchr(text, ':')) {
		snprintf(host, sizeof(host), "%s", text); /* bare IPv6 */
	} else {
		const char *colon = strchr(text, ':');

		snprintf(host, sizeof(host), "%.*s",
			 colon ? (int)(colon - text) : (int)strlen(text), text);
		if (colon)
			port_s = colon + 1;
	}
	if (port_s) {
		errno = 0;
		port = strtoul(port_s, &end, 10);
		if (!*port_s || *end || errno || port == 0 || port > 65535)
			return -EINVAL;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		return 0;
	}
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return 0;
	}
	return -EINVAL;
}

static uint16_t new_id(struct cp_disc_dns *d)
{
	uint16_t id;

	for (;;) {
		struct dns_query *q;

		if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
			id = (uint16_t)(cp_loop_now_ns() >> 10);
		for (q = d->active; q && q->id != id; q = q->next)
			;
		if (!q)
			return id;
	}
}

static const char *type_text(uint16_t t)
{
	return t == CP_DNS_T_SRV ? "SRV" : t == CP_DNS_T_A ? "A" : "AAAA";
}

static void query_stop(struct cp_disc_dns *d, struct dns_query *q)
{
	struct dns_query **pp;

	if (!q->active)
		return;
	for (pp = &d->active; *pp && *pp != q; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = q->next;
	q->active = false;
	cp_loop_timer_cancel(d->loop, &q->timer);
}

static void transmit(struct cp_disc_dns *d, struct dns_query *q)
{
	q->attempts++;
	d->stats.queries_sent++;
	if (send(d->fd, q->pkt, (size_t)q->len, MSG_DONTWAIT) < 0)
		d->last_sock_err = errno; /* the timeout retries */
	cp_loop_timer_in(d->loop, &q->timer, d->conf.timeout_ms);
}

static void resolution_end(struct dns_name *n)
{
	struct cp_disc_dns *d = n->d;

	query_stop(d, &n->qsrv);
	for (uint32_t i = 0; i < n->n_targets; i++) {
		query_stop(d, &n->targets[i].qa);
		query_stop(d, &n->targets[i].qaaaa);
	}
	free(n->srvs);
	free(n->targets);
	n->srvs = NULL;
	n->targets = NULL;
	n->n_srvs = n->n_targets = 0;
	n->pending = 0;
	n->busy = false;
}

static uint32_t clamp_ttl(const struct cp_disc_dns *d, uint32_t ttl)
{
	return ttl < d->conf.min_ttl   ? d->conf.min_ttl
	       : ttl > d->conf.max_ttl ? d->conf.max_ttl
				       : ttl;
}

static void resolution_fail(struct dns_name *n, const char *why)
{
	struct cp_disc_dns *d = n->d;
	uint32_t base = d->conf.min_ttl ? d->conf.min_ttl : 1;

	resolution_end(n);
	d->stats.errors++;
	d->sink.error(d->sink.ctx, CP_DISC_DNS, n->pool, why);
	n->backoff = n->backoff ? n->backoff * 2 : base;
	if (n->backoff > d->conf.max_ttl)
		n->backoff = d->conf.max_ttl > base ? d->conf.max_ttl : base;
	cp_loop_timer_in(d->loop, &n->refresh, (uint64_t)n->backoff * 1000);
}

static void query_fail(struct dns_query *q, const char *fmt_why)
{
	char why[512];

	snprintf(why, sizeof(why), "%s %s: %s", q->qname, type_text(q->qtype), fmt_why);
	resolution_fail(q->owner, why);
}

static void on_query_timeout(struct cp_loop_timer *tm);

static int query_start(struct cp_disc_dns *d, struct dns_query *q, struct dns_name *n,
		       int32_t target, const char *qname, uint16_t qtype)
{
	cp_loop_timer_init(&q->timer, on_query_timeout, q);
	q->owner = n;
	q->target = target;
	q->qtype = qtype;
	q->qname = qname;
	q->attempts = 0;
	q->id = new_id(d);
	q->len = cp_dns_build_query(q->pkt, sizeof(q->pkt), q->id, qname, qtype);
	if (q->len < 0)
		return q->len;
	q->active = true;
	q->next = d->active;
	d->active = q;
	transmit(d, q);
	return 0;
}

/* The set is complete: report it and schedule the refresh. */
static void resolution_done(struct dns_name *n)
{
	struct cp_disc_dns *d = n->d;
	struct cp_disc_instance *v = NULL;
	uint8_t *shared;
	uint32_t cap = 0, k = 0;

	for (uint32_t i = 0; i < n->n_srvs; i++)
		cap += n->targets[n->srvs[i].target].n_addrs;
	if (cap) {
		v = calloc(cap, sizeof(*v));
		if (!v) {
			resolution_fail(n, "out of memory");
			return;
		}
	}
	for (uint32_t i = 0; i < n->n_srvs; i++) {
		const struct dns_srv *s = &n->srvs[i];
		const struct dns_target *t = &n->targets[s->target];

		for (uint32_t a = 0; a < t->n_addrs; a++) {
			uint32_t j;

			for (j = 0; j < k; j++)
				if (v[j].port == s->port && v[j].af == t->addrs[a].af &&
				    !memcmp(&v[j].addr, &t->addrs[a].addr, sizeof(v[j].addr)))
					break;
			if (j < k)
				continue; /* first SRV record wins */
			memset(&v[k], 0, sizeof(v[k]));
			if (strlen(t->host) < SL_NAME_LEN)
				snprintf(v[k].name, sizeof(v[k].name), "%s", t->host);
			v[k].addr = t->addrs[a].addr;
			v[k].af = t->addrs[a].af;
			v[k].port = s->port;
			v[k].weight = s->weight ? s->weight : 1;
			k++;
		}
	}
	/*
	 * A target with several addresses (A and AAAA) or ports gives several
	 * instances: the host name would name them all, and an instance name
	 * must be one instance's (a drain by name must hit exactly it). Those
	 * keep the default name, address:port. The set is one DNS answer:
	 * small enough to compare pairwise. (No memory: the names stay, and the
	 * model refuses all but the first of a name.)
	 */
	shared = calloc(k + 1, 1);
	for (uint32_t i = 0; shared && i < k; i++)
		for (uint32_t j = i + 1; j < k; j++)
			if (v[i].name[0] && !strcmp(v[i].name, v[j].name))
				shared[i] = shared[j] = 1;
	for (uint32_t i = 0; shared && i < k; i++)
		if (shared[i])
			v[i].name[0] = '\0';
	free(shared);
	uint32_t ttl = clamp_ttl(d, n->ttl);

	resolution_end(n);
	n->backoff = 0;
	d->stats.updates++;
	d->sink.update(d->sink.ctx, CP_DISC_DNS, n->pool, v, k);
	free(v);
	cp_loop_timer_in(d->loop, &n->refresh, (uint64_t)ttl * 1000);
}

static void ttl_min(struct dns_name *n, uint32_t ttl)
{
	if (ttl < n->ttl)
		n->ttl = ttl;
}

/* Negative answer: the SOA's TTL (capped by its minimum), else min_ttl. */
static void negative_ttl(struct dns_name *n, const struct cp_dns_msg *m)
{
	for (uint32_t i = 0; i < m->n_rr; i++)
		if (m->rr[i].type == CP_DNS_T_SOA && m->rr[i].section == CP_DNS_SEC_AUTHORITY) {
			ttl_min(n, m->rr[i].ttl < m->rr[i].soa.minimum ? m->rr[i].ttl
								       : m->rr[i].soa.minimum);
			return;
		}
	ttl_min(n, n->d->conf.min_ttl);
}

static void add_addr(struct dns_target *t, const struct cp_dns_rr *rr)
{
	if (t->n_addrs >= DNS_MAX_ADDRS)
		return;
	memset(&t->addrs[t->n_addrs].addr, 0, sizeof(struct sl_addr));
	if (rr->type == CP_DNS_T_A) {
		uint32_t v4;

		memcpy(&v4, rr->a, 4);
		sl_addr_from_v4(&t->addrs[t->n_addrs].addr, v4);
		t->addrs[t->n_addrs].af = SL_AF_INET;
	} else {
		memcpy(t->addrs[t->n_addrs].addr.a8, rr->aaaa, 16);
		t->addrs[t->n_addrs].af = SL_AF_INET6;
	}
	t->n_addrs++;
}

static void on_srv_answer(struct dns_name *n, const struct cp_dns_msg *m)
{
	struct cp_disc_dns *d = n->d;
	uint32_t prio = UINT32_MAX, n_srv = 0;
	char why[128];

	if (m->rcode == CP_DNS_NXDOMAIN) {
		negative_ttl(n, m);
		resolution_done(n);
		return;
	}
	if (m->rcode != CP_DNS_NOERROR) {
		snprintf(why, sizeof(why), "server answered %s", cp_dns_rcode_name(m->rcode));
		query_fail(&n->qsrv, why);
		return;
	}
	for (uint32_t i = 0; i < m->n_rr; i++) {
		const struct cp_dns_rr *rr = &m->rr[i];

		if (rr->section != CP_DNS_SEC_ANSWER || rr->type != CP_DNS_T_SRV)
			continue;
		n_srv++;
		if (!strcmp(rr->srv.target, "."))
			continue;
		if (rr->srv.priority < prio)
			prio = rr->srv.priority;
	}
	if (!n_srv) {
		negative_ttl(n, m);
		resolution_done(n);
		return;
	}
	n->srvs = calloc(n_srv, sizeof(*n->srvs));
	n->targets = calloc(n_srv, sizeof(*n->targets));
	if (!n->srvs || !n->targets) {
		query_fail(&n->qsrv, "out of memory");
		return;
	}
	for (uint32_t i = 0; i < m->n_rr; i++) {
		const struct cp_dns_rr *rr = &m->rr[i];
		uint32_t t;

		if (rr->section != CP_DNS_SEC_ANSWER)
			continue;
		ttl_min(n, rr->ttl); /* CNAMEs on the way count too */
		if (rr->type != CP_DNS_T_SRV || rr->srv.priority != prio ||
		    !strcmp(rr->srv.target, "."))
			continue;
		for (t = 0; t < n->n_targets && strcmp(n->targets[t].host, rr->srv.target); t++)
			;
		if (t == n->n_targets)
			memcpy(n->targets[n->n_targets++].host, rr->srv.target, CP_DNS_NAME_LEN);
		n->srvs[n->n_srvs++] = (struct dns_srv){t, rr->srv.port, rr->srv.weight};
	}
	/* addresses the server volunteered */
	for (uint32_t i = 0; i < m->n_rr; i++) {
		const struct cp_dns_rr *rr = &m->rr[i];

		if (rr->section != CP_DNS_SEC_ADDITIONAL ||
		    (rr->type != CP_DNS_T_A && rr->type != CP_DNS_T_AAAA))
			continue;
		for (uint32_t t = 0; t < n->n_targets; t++)
			if (!strcmp(n->targets[t].host, rr->name)) {
				add_addr(&n->targets[t], rr);
				ttl_min(n, rr->ttl);
			}
	}
	query_stop(d, &n->qsrv);
	for (uint32_t t = 0; t < n->n_targets; t++) {
		struct dns_target *tg = &n->targets[t];

		if (tg->n_addrs)
			continue;
		if (query_start(d, &tg->qa, n, (int32_t)t, tg->host, CP_DNS_T_A) ||
		    query_start(d, &tg->qaaaa, n, (int32_t)t, tg->host, CP_DNS_T_AAAA)) {
			snprintf(why, sizeof(why), "SRV target \"%.64s\" cannot be queried",
				 tg->host);
			query_fail(&n->qsrv, why);
			return;
		}
		n->pending += 2;
	}
	if (!n->pending)
		resolution_done(n);
}

static void on_addr_answer(struct dns_query *q, const struct cp_dns_msg *m)
{
	struct dns_name *n = q->owner;
	struct dns_target *t = &n->targets[q->target];
	char why[128];

	if (m->rcode != CP_DNS_NOERROR && m->rcode != CP_DNS_NXDOMAIN) {
		snprintf(why, sizeof(why), "server answered %s", cp_dns_rcode_name(m->rcode));
		query_fail(q, why);
		return;
	}
	for (uint32_t i = 0; i < m->n_rr; i++) {
		const struct cp_dns_rr *rr = &m->rr[i];

		if (rr->section != CP_DNS_SEC_ANSWER)
			continue;
		if (rr->type == CP_DNS_T_CNAME)
			ttl_min(n, rr->ttl);
		if (rr->type != q->qtype)
			continue;
		add_addr(t, rr);
		ttl_min(n, rr->ttl);
	}
	query_stop(n->d, q);
	if (--n->pending == 0)
		resolution_done(n);
}

static void on_query_timeout(struct cp_loop_timer *tm)
{
	struct dns_query *q = tm->ctx;
	struct cp_disc_dns *d = q->owner->d;
	char why[256];

	d->stats.timeouts++;
	if (q->attempts < d->conf.attempts) {
		transmit(d, q);
		return;
	}
	snprintf(why, sizeof(why), "timeout after %u attempts of %u ms to %s%s%s%s", q->attempts,
		 d->conf.timeout_ms, d->resolver, d->last_sock_err ? " (last socket error: " : "",
		 d->last_sock_err ? strerror(d->last_sock_err) : "", d->last_sock_err ? ")" : "");
	query_fail(q, why);
}

static void on_readable(struct cp_loop_fd *lf, uint32_t events)
{
	struct cp_disc_dns *d = lf->ctx;

	(void)events;
	for (;;) {
		ssize_t r = recv(d->fd, d->rx, sizeof(d->rx), MSG_DONTWAIT | MSG_TRUNC);
		struct dns_query *q;
		char why[300];
		uint16_t id;

		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno != EINTR)
				d->last_sock_err = errno; /* ECONNREFUSED: nobody listens */
			continue;
		}
		d->last_sock_err = 0;
		if (r < 2 || (size_t)r > sizeof(d->rx)) {
			d->stats.refused++; /* cannot even be matched to a query */
			continue;
		}
		id = (uint16_t)(d->rx[0] << 8 | d->rx[1]);
		for (q = d->active; q && q->id != id; q = q->next)
			;
		if (!q) {
			d->stats.refused++; /* late answer to a finished query, or stray */
			continue;
		}
		if (cp_dns_parse(d->rx, (size_t)r, q->id, q->qname, q->qtype, &d->msg, why,
				 sizeof(why))) {
			char w2[340];

			d->stats.refused++;
			snprintf(w2, sizeof(w2), "refused answer: %s", why);
			query_fail(q, w2);
			continue;
		}
		d->stats.answers++;
		if (q->target < 0)
			on_srv_answer(q->owner, &d->msg);
		else
			on_addr_answer(q, &d->msg);
	}
}

static void on_refresh(struct cp_loop_timer *t)
{
	struct dns_name *n = t->ctx;

	n->ttl = UINT32_MAX;
	n->busy = true;
	if (query_start(n->d, &n->qsrv, n, -1, n->srv_name, CP_DNS_T_SRV))
		resolution_fail(n, "SRV name cannot be queried");
}

struct cp_disc_dns *cp_disc_dns_new(struct cp_loop *l, const struct cp_disc_dns_conf *conf,
				    const struct cp_disc_sink *sink)
{
	struct sockaddr_storage ss;
	struct cp_disc_dns *d;
	socklen_t sl;
	int err;

	if (!conf || !sink || !sink->update || !sink->error ||
	    cp_disc_dns_parse_resolver(conf->resolver, &ss, &sl)) {
		errno = EINVAL;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->loop = l;
	d->sink = *sink;
	d->conf = *conf;
	d->conf.resolver = NULL;
	if (!d->conf.timeout_ms)
		d->conf.timeout_ms = 1000;
	if (!d->conf.attempts)
		d->conf.attempts = 3;
	if (!d->conf.min_ttl)
		d->conf.min_ttl = 1;
	if (!d->conf.max_ttl)
		d->conf.max_ttl = 300;
	if (d->conf.min_ttl > d->conf.max_ttl) {
		free(d);
		errno = EINVAL;
		return NULL;
	}
	snprintf(d->resolver, sizeof(d->resolver), "%s", conf->resolver);
	d->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->fd < 0) {
		err = errno;
		goto fail;
	}
	/* connected: the kernel drops datagrams from anyone but the resolver */
	if (connect(d->fd, (struct sockaddr *)&ss, sl) < 0) {
		err = errno;
		goto fail;
	}
	err = -cp_loop_fd_add(l, &d->lfd, d->fd, EPOLLIN, on_readable, d);
	if (err)
		goto fail;
	return d;
fail:
	if (d->fd >= 0)
		close(d->fd);
	free(d);
	errno = err;
	return NULL;
}

int cp_disc_dns_add(struct cp_disc_dns *d, const char *pool, const char *srv_name)
{
	uint8_t probe[CP_DNS_QUERY_MAX];
	struct dns_name *n;

	if (!pool || !*pool || strlen(pool) >= SL_NAME_LEN ||
	    cp_dns_build_query(probe, sizeof(probe), 0, srv_name, CP_DNS_T_SRV) < 0)
		return -EINVAL;
	for (n = d->names; n; n = n->next)
		if (!strcmp(n->pool, pool))
			return -EEXIST;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->d = d;
	snprintf(n->pool, sizeof(n->pool), "%s", pool);
	snprintf(n->srv_name, sizeof(n->srv_name), "%s", srv_name);
	cp_loop_timer_init(&n->refresh, on_refresh, n);
	n->next = d->names;
	d->names = n;
	return cp_loop_timer_in(d->loop, &n->refresh, 0);
}

void cp_disc_dns_free(struct cp_disc_dns *d)
{
	struct dns_name *n, *next;

	if (!d)
		return;
	for (n = d->names; n; n = next) {
		next = n->next;
		resolution_end(n);
		cp_loop_timer_cancel(d->loop, &n->refresh);
		free(n);
	}
	cp_loop_fd_del(d->loop, &d->lfd);
	close(d->fd);
	free(d);
}

void cp_disc_dns_get_stats(const struct cp_disc_dns *d, struct cp_disc_dns_stats *s)
{
	*s = d->stats;
}
