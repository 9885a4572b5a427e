/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_ipp's HTTP scenarios (see bench_ipp.c for the method), on an http
 * VIP with two routes (/login, /profile) as the demo's. Every segment is
 * what a Linux client and instance would send (timestamps on, windows
 * open), made here from what the worker sent before it: the cookie and
 * TSval of its SYN-ACK, the NAT source, port and instance of its SYN to the
 * instance. All flows of a scenario take each step together, in bursts.
 *
 * http_short_*: a whole connection per request, measured: the client's SYN
 * (cookie SYN-ACK), its ACK (held), its request head with "Connection:
 * close" (held; the instance's SYN), the instance's SYN-ACK (the held
 * segments to it), its response and its FIN, the client's ACK and FIN,
 * the instance's last ACK: 9 segments in, 9 out.
 *
 * http_keepalive_*: the same connections up to the first response,
 * unmeasured; then the second request on each (same route, so the same
 * instance: no re-bind) and its response, measured: 2 in, 2 out.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "bench_ipp.h"
#include "dataplane/dp_conn.h"
#include "dataplane/dp_worker_http.h"
#include "sl_drop.h"
#include "sl_shm.h"

#define CLIENT_TS 0x1234u
#define BACKEND_ISN 5000u
#define BACKEND_TS 0x9000u
/* The login (path 0) and profile pools: 10 instances from 198.18.32.0 + 500 and + 600. */
#define POOL_FIRST(path) ((198u << 24 | 18u << 16 | 32u << 8) + ((path) ? 600u : 500u))
#define POOL_SIZE 10u

#define REQ_HEAD(path)                                                                             \
	"GET " path " HTTP/1.1\r\nHost: 198.18.100.8\r\nUser-Agent: curl/7.88.1\r\nAccept: "       \
	"*/*\r\n"
#define RESP(conn, body_len, body)                                                                 \
	"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: "                                       \
	"text/plain\r\nContent-Length: " body_len "\r\nConnection: " conn "\r\n\r\n" body

/* Requests and responses as curl and nginx write them: [close][path], path 0 /login, 1 /profile. */
static const char *const req[2][2] = {
	{REQ_HEAD("/login") "\r\n", REQ_HEAD("/profile") "\r\n"},
	{REQ_HEAD("/login") "Connection: close\r\n\r\n",
	 REQ_HEAD("/profile") "Connection: close\r\n\r\n"},
};
static const char *const resp[2][2] = {
	{RESP("keep-alive", "10", "login be1\n"), RESP("keep-alive", "12", "profile be1\n")},
	{RESP("close", "10", "login be1\n"), RESP("close", "12", "profile be1\n")},
};

/* One connection as the scenario follows it. */
struct hconn {
	char src[64];		      /* the client */
	char nsrc[INET6_ADDRSTRLEN];  /* the NAT source the instance sees */
	char baddr[INET6_ADDRSTRLEN]; /* the instance */
	uint16_t sport, nport, bport;
	uint32_t isn;	 /* the client's */
	uint32_t cseq;	 /* the client's next */
	uint32_t cack;	 /* what the client acknowledges */
	uint32_t cts;	 /* the client's last TSval */
	uint32_t ctsecr; /* what it echoes */
	uint32_t bseq;	 /* the instance's next */
	uint32_t bts;	 /* its last TSval */
	uint32_t cookie; /* the SYN-ACK's ISN */
	uint32_t sa_ts;	 /* the SYN-ACK's TSval */
	int path;	 /* 0 /login, 1 /profile */
	uint8_t opt[20];
};

/* NOP NOP TS at @o. */
static uint8_t ts_opt(uint8_t *o, uint32_t val, uint32_t ecr)
{
	uint32_t v = htonl(val), e = htonl(ecr);

	o[0] = 1;
	o[1] = 1;
	o[2] = 8;
	o[3] = 10;
	memcpy(o + 4, &v, 4);
	memcpy(o + 8, &e, 4);
	return 12;
}

/* MSS 1460, SACK permitted, TS, NOP, window scale 7: a Linux SYN's options at @o. */
static uint8_t syn_opt(uint8_t *o, uint32_t val, uint32_t ecr)
{
	static const uint8_t head[8] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10};
	static const uint8_t tail[4] = {1, 3, 3, 7};
	uint32_t v = htonl(val), e = htonl(ecr);

	memcpy(o, head, 8);
	memcpy(o + 8, &v, 4);
	memcpy(o + 12, &e, 4);
	memcpy(o + 16, tail, 4);
	return 20;
}

/*
 * One side of @h (@side 0 the client, to the VIP; 1 the instance, to the
 * NAT source) sends @flags with @data (NULL: none), timestamps on; that
 * side's sequence number moves on, and what the other acknowledges and
 * echoes with it.
 */
static int seg(const struct scenario *s, struct hconn *h, int side, uint8_t flags, const char *data)
{
	static const uint8_t backend_mac[6] = {2, 0, 0, 0, 1, 1};
	uint16_t dlen = data ? (uint16_t)strlen(data) : 0;
	uint32_t *seq = side ? &h->bseq : &h->cseq, *ts = side ? &h->bts : &h->cts;
	uint32_t ecr = side ? h->cts : h->ctsecr;
	struct bench_flow fl;

	if (side) {
		fl = (struct bench_flow){h->baddr, h->nsrc, IPPROTO_TCP, h->bport, h->nport, flags};
		/* the SYN to it started at the client's ISN */
		fl.ack = flags & RTE_TCP_SYN_FLAG ? h->isn + 1 : h->cseq;
		fl.smac = backend_mac;
	} else {
		fl = (struct bench_flow){h->src, s->vip, IPPROTO_TCP, h->sport, s->dport, flags};
		fl.ack = h->cack;
		if (flags & RTE_TCP_SYN_FLAG)
			ecr = 0;
	}
	fl.seq = *seq;
	fl.opt = h->opt;
	fl.data = data;
	fl.dlen = dlen;
	++*ts;
	fl.olen = flags & RTE_TCP_SYN_FLAG ? syn_opt(h->opt, *ts, ecr) : ts_opt(h->opt, *ts, ecr);
	*seq += dlen + !!(flags & (RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG));
	if (side) {
		/* as the client sees it: the cookie's numbers, TSvals from the SYN-ACK's on */
		h->cack = h->bseq - BACKEND_ISN + h->cookie;
		h->ctsecr = h->bts - BACKEND_TS + h->sa_ts;
	}
	return ipp_enqueue_frame((uint16_t)side, &fl);
}

/* seg() on each of @n connections: @d[0] on those to /login, @d[1] on those to /profile. */
static int every(const struct scenario *s, struct hconn *h, uint32_t n, int side, uint8_t flags,
		 const char *const d[2])
{
	int err = 0;

	for (uint32_t i = 0; i < n; i++)
		err |= seg(s, &h[i], side, flags, d ? d[h[i].path] : NULL);
	return err;
}

/* The next frame the worker sent on port @p: its IP and TCP headers (IPv4). */
static struct rte_mbuf *sent(uint16_t p, const struct rte_ipv4_hdr **ip,
			     const struct rte_tcp_hdr **th)
{
	struct rte_mbuf *m = NULL;

	if (rte_ring_dequeue(ipp_rp.tx[p], (void **)&m))
		return NULL;
	*ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, 14);
	*th = (const struct rte_tcp_hdr *)(*ip + 1);
	return m;
}

/* The cookie SYN-ACKs on port 0, in flow order: each connection's cookie and TSval. */
static int take_synacks(struct hconn *h, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		const struct rte_ipv4_hdr *ip;
		const struct rte_tcp_hdr *th;
		struct rte_mbuf *m = sent(0, &ip, &th);
		uint32_t tsval;

		if (!m)
			return -1;
		memcpy(&tsval, (const uint8_t *)th + 28, 4);
		h[i].cookie = ntohl(th->sent_seq);
		h[i].sa_ts = ntohl(tsval);
		h[i].cack = h[i].cookie + 1;
		h[i].ctsecr = h[i].sa_ts;
		rte_pktmbuf_free(m);
		if (th->tcp_flags != (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG) ||
		    ntohs(th->dst_port) != h[i].sport)
			return -1;
	}
	return 0;
}

/* The SYNs to the instances on port 1: each connection's NAT source, port and instance. */
static int take_backend_syns(struct hconn *h, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		const struct rte_ipv4_hdr *ip;
		const struct rte_tcp_hdr *th;
		struct rte_mbuf *m = sent(1, &ip, &th);

		if (!m)
			return -1;
		inet_ntop(AF_INET, &ip->src_addr, h[i].nsrc, sizeof(h[i].nsrc));
		inet_ntop(AF_INET, &ip->dst_addr, h[i].baddr, sizeof(h[i].baddr));
		h[i].nport = ntohs(th->src_port);
		h[i].bport = ntohs(th->dst_port);
		h[i].bseq = BACKEND_ISN;
		h[i].bts = BACKEND_TS - 1;
		rte_pktmbuf_free(m);
		/* it starts where the request starts, from the client's ISN */
		if (th->tcp_flags != RTE_TCP_SYN_FLAG || ntohl(th->sent_seq) != h[i].isn)
			return -1;
		/* to an instance of its route's pool (bench_ipp.c's make_config) */
		if (ntohl(ip->dst_addr) - POOL_FIRST(h[i].path) >= POOL_SIZE)
			return -1;
	}
	return 0;
}

/*
 * Port @p's frames through the worker (@measured or not); @t0 and @t1 must
 * have left on ports 0 and 1, and are freed unless @keep (taken next).
 */
static int step_as(uint16_t p, int measured, uint32_t t0, uint32_t t1, int keep, uint32_t *in,
		   uint32_t *out)
{
	uint32_t q = rte_ring_count(ipp_rp.rx[p]);

	if (measured)
		ipp_measured(p);
	else
		ipp_unmeasured(p);
	*in += q;
	*out += t0 + t1;
	if (rte_ring_count(ipp_rp.tx[0]) != t0 || rte_ring_count(ipp_rp.tx[1]) != t1) {
		fprintf(stderr, "bench_ipp: %u in on port %u: %u and %u out, expected %u and %u\n",
			q, p, rte_ring_count(ipp_rp.tx[0]), rte_ring_count(ipp_rp.tx[1]), t0, t1);
		return -1;
	}
	if (!keep)
		ipp_drain_tx();
	return 0;
}

static int step(uint16_t p, int measured, uint32_t t0, uint32_t t1, uint32_t *in, uint32_t *out)
{
	return step_as(p, measured, t0, t1, 0, in, out);
}

/* Flows @base.. up to the first response (@close: "Connection: close"), @m: measured. */
static int open_and_ask(const struct scenario *s, struct hconn *h, uint32_t base, uint32_t n,
			int close, int m, uint32_t *in, uint32_t *out)
{
	const uint8_t psh = RTE_TCP_PSH_FLAG | RTE_TCP_ACK_FLAG;

	for (uint32_t i = 0; i < n; i++) {
		memset(&h[i], 0, sizeof(h[i]));
		h[i].sport = ipp_client_of(s, base + i, h[i].src, sizeof(h[i].src));
		h[i].isn = 0x10000000u + 16 * (base + i);
		h[i].cseq = h[i].isn;
		h[i].cts = CLIENT_TS - 1;
		h[i].path = (int)(i & 1);
	}
	if (every(s, h, n, 0, RTE_TCP_SYN_FLAG, NULL) || step_as(0, m, n, 0, 1, in, out) ||
	    take_synacks(h, n) || every(s, h, n, 0, RTE_TCP_ACK_FLAG, NULL) ||
	    step(0, m, 0, 0, in, out) || every(s, h, n, 0, psh, req[close]) ||
	    step_as(0, m, 0, n, 1, in, out) || take_backend_syns(h, n) ||
	    every(s, h, n, 1, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, NULL) ||
	    /* the held ACK and the request leave to the instance */
	    step(1, m, 0, 2 * n, in, out) || every(s, h, n, 1, psh, resp[close]))
		return -1;
	return step(1, m, n, 0, in, out);
}

/* Snapshot of the counters a report compares with. */
struct http_snap {
	struct dp_http_counters c;
	uint64_t opened, valid, drops, time_wait;
	uint32_t in, out;
};

static void snap(struct http_snap *b)
{
	b->c = ipp_w.http->cnt;
	b->opened = ipp_w.conns->cnt.opened;
	b->valid = ipp_w.stats->nat.synproxy_valid;
	b->drops = ipp_drops_total();
	b->time_wait = ipp_w.conns->cnt.by_state[SL_NAT_TIME_WAIT];
	b->in = b->out = 0;
}

/* What went through scenario @name since @b (one JSON line, for the report's checks). */
static void http_report(const char *name, uint32_t n, const struct http_snap *b)
{
	const struct dp_http_counters *c = &ipp_w.http->cnt;

	printf("{\"scenario\": \"%s\", \"packets\": %u, \"requests\": %u, \"tx\": %u, "
	       "\"drops\": %llu, \"flow_hits\": 0, \"flow_misses\": 0, "
	       "\"opened\": %llu, \"synproxy_valid\": %llu, \"http_requests\": %llu, "
	       "\"http_responses\": %llu, \"http_rebinds\": %llu, \"time_wait\": %llu}\n",
	       name, b->in, n, b->out, (unsigned long long)(ipp_drops_total() - b->drops),
	       (unsigned long long)(ipp_w.conns->cnt.opened - b->opened),
	       (unsigned long long)(ipp_w.stats->nat.synproxy_valid - b->valid),
	       (unsigned long long)(c->requests - b->c.requests),
	       (unsigned long long)(c->responses - b->c.responses),
	       (unsigned long long)(c->rebinds - b->c.rebinds),
	       (unsigned long long)(ipp_w.conns->cnt.by_state[SL_NAT_TIME_WAIT] - b->time_wait));
	fflush(stdout);
}

/* Short requests, measured from the SYN to the last ACK. */
static int run_short(const struct scenario *s, struct hconn *h, uint32_t base, uint32_t n)
{
	const uint8_t fin = RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG;
	struct http_snap b;
	char name[64];

	snap(&b);
	if (open_and_ask(s, h, base, n, 1, 1, &b.in, &b.out) || every(s, h, n, 1, fin, NULL) ||
	    step(1, 1, n, 0, &b.in, &b.out) || every(s, h, n, 0, RTE_TCP_ACK_FLAG, NULL) ||
	    every(s, h, n, 0, fin, NULL) || step(0, 1, 0, 2 * n, &b.in, &b.out) ||
	    every(s, h, n, 1, RTE_TCP_ACK_FLAG, NULL) || step(1, 1, n, 0, &b.in, &b.out))
		return -1;
	snprintf(name, sizeof(name), "http_short_%s", s->name);
	ipp_dump(name);
	http_report(name, n, &b);
	return 0;
}

/* Keep-alive: the first request unmeasured, the second and its response measured. */
static int run_keepalive(const struct scenario *s, struct hconn *h, uint32_t base, uint32_t n)
{
	const uint8_t psh = RTE_TCP_PSH_FLAG | RTE_TCP_ACK_FLAG;
	struct http_snap b;
	char name[64];

	if (open_and_ask(s, h, base, n, 0, 0, &b.in, &b.out))
		return -1;
	snap(&b);
	if (every(s, h, n, 0, psh, req[0]) || step(0, 1, 0, n, &b.in, &b.out) ||
	    every(s, h, n, 1, psh, resp[0]) || step(1, 1, n, 0, &b.in, &b.out))
		return -1;
	snprintf(name, sizeof(name), "http_keepalive_%s", s->name);
	ipp_dump(name);
	http_report(name, n, &b);
	return 0;
}

int ipp_run_http(const struct scenario *s, uint32_t base, uint32_t n)
{
	struct hconn *h = calloc(n, sizeof(*h));
	int rc = -1;

	if (h && !run_short(s, h, base, n) && !run_keepalive(s, h, base + n, n))
		rc = 0;
	if (rc)
		fprintf(stderr, "bench_ipp: %s: the HTTP exchange did not go as intended\n",
			s->name);
	free(h);
	return rc;
}
