/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP VIPs through the real worker (tests/lib/dp_sp_fixture.h): the
 * cookie ACK held with no instance; a request head read across segments,
 * held and not acknowledged; the instance opened with a SYN from where the
 * request starts, and on its SYN-ACK the held segments to it, spliced; the
 * response followed to its end; the next request of the connection to the
 * same instance; the appliance's own 400, 408 and 503 and the close after
 * them; an instance that refuses (the next one, then 503), a route's only
 * instance that refuses (503: no instance of another pool). Every segment
 * that leaves is compared byte for byte with a frame built from scratch.
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp_conn.h"
#include "dp_harness.h"
#include "dp_http_ev.h"
#include "dp_http_answer.h"
#include "dp_nat_fixture.h"
#include "dp_ref_sum.h"
#include "dp_sp_fixture.h"
#include "dp_worker.h"
#include "dp_worker_http.h"
#include "sl_drop.h"
#include "sl_shm.h"

#define GET1 "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
#define GET2 "GET /c HTTP/1.1\r\nHost: x\r\n\r\n"
#define GET_B "GET /b/1 HTTP/1.1\r\nHost: x\r\n\r\n" /* the route to P_ONE */
#define RESP "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
#define CLIENT_WIN 600 /* the client's window field (scale 7): past 65535 in a SYN */

/* Where a connection stands, as the test follows it. */
struct http_conn {
	struct dpt_conn c;
	struct dpt_synack sa;
	uint32_t cseq;	 /* the client's next sequence number */
	uint32_t cack;	 /* what the client acknowledges */
	uint32_t cts;	 /* the client's last TSval */
	uint32_t tsecr;	 /* what the client echoes */
	uint32_t bseq;	 /* the backend's next sequence number */
	uint32_t bts;	 /* the backend's last TSval */
	uint32_t delta;	 /* cookie - backend ISN */
	uint32_t isn;	 /* the seq of the instance's SYN (the byte before its first request) */
	uint32_t ts_off; /* backend TSval - ours */
};

static const struct dp_http_counters *cnt(void)
{
	return &dpt.w.http->cnt;
}

/* The shared memory's http counters of @vip and of route id @id, worker 0. */
static const struct sl_http_counter *vip_cnt(int vip)
{
	return &sl_stats_http(dpt.seg, dpt.w.stats)[vip];
}

static const struct sl_route_counter *route_cnt(uint32_t id)
{
	return &sl_stats_routes(dpt.seg, dpt.w.stats)[id];
}

static struct dp_conn *conn_of(const struct http_conn *h)
{
	return dpt_nat_conn_of(&h->c);
}

/* A client segment of @h: @flags, @data at the client's position, TS, window CLIENT_WIN. */
static struct dpt_frame from_client(struct http_conn *h, uint8_t flags, const char *data,
				    uint8_t *o)
{
	struct dpt_frame f = {.proto = IPPROTO_TCP,
			      .flags = flags,
			      .seq = h->cseq,
			      .ack = h->cack,
			      .olen = 12,
			      .window = CLIENT_WIN,
			      .data = (const uint8_t *)data,
			      .payload = data ? (uint16_t)strlen(data) : 0};

	h->cts++;
	f.opt = dpt_ts_opts(o, h->cts, h->tsecr);
	return f;
}

/* The handshake with the appliance: SYN, its cookie, the ACK, held, nothing sent. */
static struct http_conn open_client(int vip, uint16_t cport)
{
	struct http_conn h = {
		.c = dpt_nat_expect(vip, vip == V_HTTP6 ? DPT_CLIENT6 : DPT_CLIENT4, cport, 0, 1)};
	uint8_t o[12];

	h.sa = dpt_syn_cookie(&h.c);
	h.cseq = DPT_CLIENT_ISN + 1;
	h.isn = DPT_CLIENT_ISN;
	h.cack = h.sa.cookie + 1;
	h.cts = DPT_CLIENT_TS;
	h.tsecr = h.sa.tsval;
	assert_int_equal(dpt_nat_send_client(&h.c, from_client(&h, 0x10, NULL, o)), 0);
	dpt_assert_nothing_sent();
	assert_non_null(conn_of(&h));
	assert_int_equal(conn_of(&h)->state, SL_NAT_HTTP_HEAD);
	assert_int_equal(dpt.w.stats->nat.synproxy_valid, 1);
	return h;
}

/* The worker writes request records into a ring of 16 (freed by records_off()). */
static void records_on(void)
{
	size_t bytes = sizeof(struct sl_ev_ring) + 16 * sizeof(union sl_event);

	dpt.w.ev.ring = aligned_alloc(64, bytes);
	assert_non_null(dpt.w.ev.ring);
	memset(dpt.w.ev.ring, 0, bytes);
	dpt.w.ev.size = 16;
	dpt.w.ev.requests = 1;
	assert_int_equal(dp_http_ev_init(&dpt.w, dpt.w.http->pool->capacity), 0);
}

static void records_off(void)
{
	free(dpt.w.ev.ring);
	memset(&dpt.w.ev, 0, sizeof(dpt.w.ev));
}

/* The next request record, or NULL. */
static const struct sl_ev_request *next_record(void)
{
	const union sl_event *e = sl_evring_peek(dpt.w.ev.ring, dpt.w.ev.size);

	if (!e)
		return NULL;
	sl_evring_pop(dpt.w.ev.ring);
	assert_int_equal(e->kind, SL_EV_REQUEST);
	return &e->req;
}

/* A record of @h's request to @path, answered by its instance with RESP. */
static void expect_record(const struct http_conn *h, const char *path, int connected)
{
	const struct sl_ev_request *r = next_record();

	assert_non_null(r);
	assert_int_equal(r->mode, SL_MODE_HTTP);
	assert_int_equal(r->backend, conn_of(h)->backend);
	assert_int_equal(r->backend_uid, conn_of(h)->backend_uid);
	assert_int_equal(r->vip, V_HTTP4);
	assert_int_equal(r->answer, 0);
	assert_int_equal(r->status, 200);
	assert_int_equal(r->method_len, 3);
	assert_memory_equal(r->method, "GET", 3);
	assert_int_equal(r->path_len, strlen(path));
	assert_memory_equal(r->path, path, strlen(path));
	assert_int_equal(r->host_len, 1);
	assert_int_equal(r->req_bytes, strlen(GET1));
	assert_int_equal(r->resp_bytes, strlen(RESP));
	assert_memory_equal(&r->key, &conn_of(h)->key[DP_CONN_ORIG], sizeof(r->key));
	/* only a request that opened its instance has a connect time */
	if (connected)
		assert_true(r->start_tsc && r->start_tsc <= r->connect_tsc &&
			    r->connect_tsc <= r->first_byte_tsc);
	else
		assert_true(r->connect_tsc == 0 && r->start_tsc &&
			    r->start_tsc <= r->first_byte_tsc);
	assert_true(r->first_byte_tsc <= r->end_tsc);
}

/* The client sends @data: held, nothing sent (the head is not complete, or waits). */
static void client_held(struct http_conn *h, const char *data)
{
	uint8_t o[12];

	assert_int_equal(dpt_nat_send_client(&h->c, from_client(h, 0x18, data, o)), 0);
	dpt_assert_nothing_sent();
	h->cseq += (uint32_t)strlen(data);
}

/* The SYN that opens @h's instance: the client's options, seq before @req_start. */
static void expect_syn(const struct http_conn *h, uint32_t req_start, uint32_t tsval)
{
	uint8_t so[DPT_SYN_OPTS_LEN];

	dpt_take_exact(1, dpt_at_backend(&h->c, (struct dpt_frame){.proto = IPPROTO_TCP,
								   .flags = 0x02,
								   .seq = req_start - 1,
								   .olen = DPT_SYN_OPTS_LEN,
								   .opt = dpt_syn_opts_ts(
									   so, h->c.mss, tsval, 0),
								   .window = 0xffff}));
}

/*
 * The instance answers its SYN: the held segments (the frames in @held,
 * as the client sent them) go to it, translated, and nothing to the client.
 */
static void instance_opens(struct http_conn *h, const struct dpt_frame *held, unsigned int n,
			   uint32_t tsecr)
{
	uint8_t o[DPT_SYN_OPTS_LEN];
	struct dpt_frame f = {.proto = IPPROTO_TCP,
			      .flags = 0x12,
			      .seq = DPT_BACKEND_ISN,
			      .ack = h->isn + 1,
			      .olen = DPT_SYN_OPTS_LEN,
			      .window = 65160};

	f.opt = dpt_syn_opts_ts(o, 1460, DPT_BACKEND_TS, tsecr);
	assert_int_equal(dpt_nat_send_backend(&h->c, f), n);
	h->delta = h->sa.cookie - DPT_BACKEND_ISN;
	h->ts_off = DPT_BACKEND_TS - tsecr;
	h->bseq = DPT_BACKEND_ISN + 1;
	h->bts = DPT_BACKEND_TS;
	for (unsigned int i = 0; i < n; i++) {
		struct dpt_frame g = held[i];
		uint8_t go[12];

		g.ack = g.ack - h->delta;
		g.opt = dpt_ts_opts(go, dpt_get32(held[i].opt + 4),
				    dpt_get32(held[i].opt + 8) + h->ts_off);
		dpt_take_exact(1, dpt_at_backend(&h->c, g));
	}
	dpt_assert_nothing_sent();
	assert_int_equal(conn_of(h)->state, SL_NAT_ESTABLISHED);
}

/*
 * The instance sends @data (the whole response, or part of it): the client
 * gets it, spliced; then @after (if not NULL), a client segment that was
 * waiting for it, leaves to the instance.
 */
static void instance_sends_then(struct http_conn *h, const char *data,
				const struct dpt_frame *after)
{
	uint8_t o[12], o2[12];
	struct dpt_frame f = {.proto = IPPROTO_TCP,
			      .flags = 0x18,
			      .seq = h->bseq,
			      .ack = h->cseq,
			      .olen = 12,
			      .window = 900,
			      .data = (const uint8_t *)data,
			      .payload = (uint16_t)strlen(data)};

	h->bts++;
	/* client -> instance numbers are the client's own: its acknowledgement needs no delta */
	f.opt = dpt_ts_opts(o, h->bts, h->cts);
	assert_int_equal(dpt_nat_send_backend(&h->c, f), after ? 2 : 1);
	f.seq += h->delta;
	f.opt = dpt_ts_opts(o2, h->bts - h->ts_off, h->cts);
	dpt_take_exact(0, dpt_at_client(&h->c, f));
	if (after)
		dpt_take_exact(1, dpt_at_backend(&h->c, *after));
	dpt_assert_nothing_sent();
	h->bseq += (uint32_t)strlen(data);
	/* the client takes it: its next segments acknowledge it and echo its TSval */
	h->cack = h->bseq + h->delta;
	h->tsecr = h->bts - h->ts_off;
}

static void instance_sends(struct http_conn *h, const char *data)
{
	instance_sends_then(h, data, NULL);
}

/* The request side's phase of @h's connection. */
static unsigned int phase_of(const struct http_conn *h)
{
	return dp_http_ctx_of(dpt.w.http->pool, conn_of(h)->sp.http)->req_phase;
}

static void expect_answer(const struct http_conn *h, unsigned int a, uint32_t seq, uint32_t tsval,
			  uint32_t tsecr);

/*
 * @h's client sends @head in one segment after its cookie ACK: both held
 * (as @held, options in @o), the SYN to the instance leaves, carrying the
 * first held segment's TSval and window.
 */
static void head_held(struct http_conn *h, const char *head, struct dpt_frame held[2],
		      uint8_t o[2][12])
{
	/* the cookie ACK as the client sent it, then the request */
	held[0] = (struct dpt_frame){.proto = IPPROTO_TCP,
				     .flags = 0x10,
				     .seq = DPT_CLIENT_ISN + 1,
				     .ack = h->sa.cookie + 1,
				     .olen = 12,
				     .window = CLIENT_WIN,
				     .opt = dpt_ts_opts(o[0], DPT_CLIENT_TS + 1, h->sa.tsval)};
	held[1] = from_client(h, 0x18, head, o[1]);
	assert_int_equal(dpt_nat_send_client(&h->c, held[1]), 1);
	h->cseq += (uint32_t)strlen(head);
	expect_syn(h, DPT_CLIENT_ISN + 1, DPT_CLIENT_TS + 1);
}

/* @h's client sends @data to its spliced instance: straight on, translated. */
static void client_sends_on(struct http_conn *h, const char *data)
{
	uint8_t o[12], o2[12];
	struct dpt_frame f = from_client(h, 0x18, data, o);

	assert_int_equal(dpt_nat_send_client(&h->c, f), 1);
	h->cseq += (uint32_t)strlen(data);
	f.ack -= h->delta;
	f.opt = dpt_ts_opts(o2, h->cts, h->tsecr + h->ts_off);
	dpt_take_exact(1, dpt_at_backend(&h->c, f));
}

/*
 * Backend 7 (198.18.1.31:9000), where @h's waiting request goes, answers
 * its SYN (acknowledging @ack, TSval @tsval echoing @tsecr): one segment
 * leaves to it. @h follows the new instance.
 */
static void other_instance_opens(struct http_conn *h, uint32_t ack, uint32_t tsval, uint32_t tsecr)
{
	uint8_t so[DPT_SYN_OPTS_LEN];
	struct dpt_frame sa = {.proto = IPPROTO_TCP,
			       .flags = 0x12,
			       .seq = DPT_BACKEND_ISN,
			       .ack = ack,
			       .olen = DPT_SYN_OPTS_LEN,
			       .window = 65160};

	sa.opt = dpt_syn_opts_ts(so, 1460, tsval, tsecr);
	h->c.be = 7;
	h->c.baddr = "198.18.1.31";
	h->c.bport = 9000;
	assert_int_equal(dpt_nat_send_backend(&h->c, sa), 1);
}

/* The first request, in one segment, to its instance; its response not sent yet. */
static struct http_conn first_request_open(int vip, uint16_t cport)
{
	struct http_conn h = open_client(vip, cport);
	struct dpt_frame held[2];
	uint8_t o[2][12];

	head_held(&h, GET1, held, o);
	dpt_assert_nothing_sent();
	assert_int_equal(conn_of(&h)->state, SL_NAT_HTTP_BIND);
	instance_opens(&h, held, 2, h.sa.tsval);
	assert_int_equal(cnt()->requests, 1);
	return h;
}

/* The first request, in one segment, to its instance and its response back. */
static struct http_conn first_request(int vip, uint16_t cport)
{
	struct http_conn h = first_request_open(vip, cport);

	instance_sends(&h, RESP);
	assert_int_equal(cnt()->responses, 1);
	return h;
}

static void test_first_request(void **state)
{
	(void)state;
	first_request(V_HTTP4, 43000);
	assert_int_equal(dpt_drops(&dpt.w), 0);
	assert_int_equal(dpt.w.conns->cnt.by_state[SL_NAT_ESTABLISHED], 1);
}

/* A head in three segments: nothing leaves until its last byte. */
static void test_split_head(void **state)
{
	struct http_conn h = open_client(V_HTTP4, 43001);
	uint8_t o[12];

	(void)state;
	client_held(&h, "GET /a HT");
	client_held(&h, "TP/1.1\r\nHost: x\r\n");
	assert_int_equal(dpt_nat_send_client(&h.c, from_client(&h, 0x18, "\r\n", o)), 1);
	expect_syn(&h, DPT_CLIENT_ISN + 1, DPT_CLIENT_TS + 1);
	dpt_assert_nothing_sent();
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/* Keep-alive: the next request to the same instance goes on once the response is complete. */
static void test_keep_alive_same_instance(void **state)
{
	struct http_conn h = first_request(V_HTTP4, 43002);
	uint8_t o[12], o2[12];
	struct dpt_frame f;

	(void)state;
	f = from_client(&h, 0x18, GET2, o);
	assert_int_equal(dpt_nat_send_client(&h.c, f), 1);
	h.cseq += (uint32_t)strlen(GET2);
	f.ack -= h.delta;
	f.opt = dpt_ts_opts(o2, h.cts, h.tsecr + h.ts_off);
	dpt_take_exact(1, dpt_at_backend(&h.c, f));
	dpt_assert_nothing_sent();
	assert_int_equal(cnt()->requests, 2);
	instance_sends(&h, RESP);
	assert_int_equal(cnt()->responses, 2);
	assert_int_equal(cnt()->rebinds, 0);
	assert_int_equal(dpt.w.backend_stats[conn_of(&h)->backend].requests, 2);
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/*
 * A POST whose body follows its head in later segments: the head and the
 * body's first bytes held until the instance opens, the rest of the body
 * forwarded as it comes.
 */
static void test_post_body(void **state)
{
	const char *head = "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123";
	struct http_conn h = open_client(V_HTTP4, 43008);
	struct dpt_frame held[2];
	uint8_t o[2][12];

	(void)state;
	head_held(&h, head, held, o);
	instance_opens(&h, held, 2, h.sa.tsval);
	/* the body's last six bytes: straight on */
	client_sends_on(&h, "456789");
	dpt_assert_nothing_sent();
	assert_int_equal(phase_of(&h), DP_HTTP_REQ_HEAD); /* the request is complete */
	instance_sends(&h, RESP);
	assert_int_equal(cnt()->responses, 1);
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/*
 * After 101 Switching Protocols the connection is the new protocol's:
 * what either side sends next goes straight through, never read as HTTP
 * (a request line of nonsense would otherwise get the appliance's 400).
 */
static void test_upgrade_spliced(void **state)
{
	const char *head = "GET /a HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
			   "Upgrade: websocket\r\n\r\n";
	struct http_conn h = open_client(V_HTTP4, 43023);
	struct dpt_frame held[2];
	uint8_t o[2][12];

	(void)state;
	head_held(&h, head, held, o);
	instance_opens(&h, held, 2, h.sa.tsval);
	instance_sends(&h, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
			   "Upgrade: websocket\r\n\r\n");
	client_sends_on(&h, "\x81\x05hello, not a request line\r\n\r\n");
	instance_sends(&h, "\x81\x03hey, not a status line\r\n\r\n");
	client_sends_on(&h, "GET /b HTTP/1.1\r\n\r\n"); /* no Host: it is no request now */
	dpt_assert_nothing_sent();
	assert_int_equal(cnt()->requests, 1);
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/* The same after a CONNECT answered 200: a tunnel from then on. */
static void test_connect_spliced(void **state)
{
	const char *head = "CONNECT db.example:5432 HTTP/1.1\r\nHost: db.example:5432\r\n\r\n";
	struct http_conn h = open_client(V_HTTP4, 43025);
	struct dpt_frame held[2];
	uint8_t o[2][12];

	(void)state;
	head_held(&h, head, held, o);
	instance_opens(&h, held, 2, h.sa.tsval);
	instance_sends(&h, "HTTP/1.1 200 Connection established\r\n\r\n");
	client_sends_on(&h, "\x16\x03\x01 a TLS hello, not a request line\r\n\r\n");
	instance_sends(&h, "\x16\x03\x03 its answer, not a status line\r\n\r\n");
	dpt_assert_nothing_sent();
	assert_int_equal(cnt()->requests, 1);
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/*
 * A chunked body that comes after its request went on: the request's
 * record counts all of its bytes, the chunks' too (the head alone says
 * nothing of their length).
 */
static void test_chunked_body_record(void **state)
{
	const char *head = "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
			   "4\r\n0123\r\n";
	const char *rest = "6\r\n456789\r\n0\r\n\r\n";
	const struct sl_ev_request *r;
	struct dpt_frame held[2];
	struct http_conn h;
	uint8_t o[2][12];

	(void)state;
	records_on();
	h = open_client(V_HTTP4, 43021);
	head_held(&h, head, held, o);
	instance_opens(&h, held, 2, h.sa.tsval);
	client_sends_on(&h, rest);
	assert_int_equal(phase_of(&h), DP_HTTP_REQ_HEAD); /* the request is complete */
	instance_sends(&h, RESP);
	r = next_record();
	assert_non_null(r);
	assert_int_equal(r->req_bytes, strlen(head) + strlen(rest));
	assert_int_equal(r->resp_bytes, strlen(RESP));
	assert_int_equal(dpt_drops(&dpt.w), 0);
	records_off();
}

/*
 * Two requests in one segment (pipelined) after a first one: the segment is
 * split at the second's start; the first goes on, the second waits for the
 * response before it, then goes on, each part's checksum its own.
 */
static void test_pipelined(void **state)
{
	struct http_conn h;
	char both[2 * sizeof(GET2)];
	uint8_t o[12], o2[12];
	struct dpt_frame f, a, b;

	(void)state;
	records_on();
	h = first_request(V_HTTP4, 43009);
	snprintf(both, sizeof(both), "%s%s", GET2, GET1);
	f = from_client(&h, 0x18, both, o);
	assert_int_equal(dpt_nat_send_client(&h.c, f), 1);
	/* the first part: GET2, PSH cleared (the rest is the next segment's) */
	a = f;
	a.flags = 0x10;
	a.payload = (uint16_t)strlen(GET2);
	a.ack -= h.delta;
	a.opt = dpt_ts_opts(o2, h.cts, h.tsecr + h.ts_off);
	dpt_take_exact(1, dpt_at_backend(&h.c, a));
	dpt_assert_nothing_sent();
	h.cseq += (uint32_t)strlen(both);
	assert_int_equal(cnt()->requests, 2);
	assert_int_equal(phase_of(&h), DP_HTTP_REQ_WAIT);
	/* response 2 completes: GET1 (the tail) goes on after it */
	b = a;
	b.flags = 0x18;
	b.seq = f.seq + (uint32_t)strlen(GET2);
	b.data = (const uint8_t *)GET1;
	b.payload = (uint16_t)strlen(GET1);
	instance_sends_then(&h, RESP, &b);
	assert_int_equal(cnt()->requests, 3);
	instance_sends(&h, RESP);
	assert_int_equal(cnt()->responses, 3);
	assert_int_equal(dpt_drops(&dpt.w), 0);
	/* a record per request, each with its own path, in the order their responses ended */
	expect_record(&h, "/a", 1);
	expect_record(&h, "/c", 0);
	expect_record(&h, "/a", 0);
	assert_null(next_record());
	assert_int_equal(dpt.w.ev.ring->drops, 0);
	records_off();
}

/*
 * Keep-alive to another pool: "/b" routes to P_ONE. Once the response
 * before it is complete and acknowledged, the old instance is reset and the
 * new one opened from where the request starts; its answer continues the
 * client's stream where the old one's ended.
 */
static void test_rebind(void **state)
{
	struct http_conn h = first_request(V_HTTP4, 43010), n;
	struct dpt_frame g;
	uint8_t o[12], f[256];
	uint32_t len;
	struct dp_pkt p;

	(void)state;
	g = from_client(&h, 0x18, GET_B, o);
	assert_int_equal(dpt_nat_send_client(&h.c, g), 2);
	/* the RST to the old instance: at the request's start, acknowledging all it sent */
	len = dpt_take_next(1, f);
	assert_int_equal(dp_parse(f, len, &p), DP_PARSE_OK);
	assert_int_equal(f[p.l4_off + 13], 0x14);
	assert_int_equal(dpt_get32(f + p.l4_off + 4), h.cseq);
	assert_int_equal(dpt_get32(f + p.l4_off + 8), h.bseq);
	assert_int_equal(f[p.l4_off] << 8 | f[p.l4_off + 1], h.c.nport);
	assert_int_equal(f[p.l4_off + 2] << 8 | f[p.l4_off + 3], h.c.bport);
	assert_int_equal(dpt_ref_sum(f + p.l4_off, 20, dpt_pseudo_sum(f + p.l2_len, 20)), 0xffff);
	/* the new instance's SYN, from the byte before GET_B, its TSval and window */
	n = h;
	n.c.be = 7;
	n.c.baddr = "198.18.1.31";
	n.c.bport = 9000;
	n.isn = h.cseq - 1;
	expect_syn(&n, h.cseq, h.cts);
	dpt_assert_nothing_sent();
	assert_int_equal(cnt()->rebinds, 1);
	assert_int_equal(conn_of(&h)->state, SL_NAT_HTTP_BIND);
	/* its SYN-ACK: GET_B to it, spliced from the client's position */
	h.cseq += (uint32_t)strlen(GET_B);
	n.cseq = h.cseq;
	n.sa.cookie = h.cack - 1;
	instance_opens(&n, &g, 1, h.tsecr);
	instance_sends(&n, RESP);
	assert_int_equal(cnt()->requests, 2);
	assert_int_equal(cnt()->responses, 2);
	assert_int_equal(dpt.w.backend_stats[7].flows, 1);
	assert_int_equal(dpt.w.backend_stats[7].requests, 1);
	/* in the shared memory: two heads on the VIP, one of them on "/b", its 200 there */
	assert_int_equal(vip_cnt(V_HTTP4)->requests, 2);
	assert_int_equal(vip_cnt(V_HTTP4)->rebinds, 1);
	assert_int_equal(route_cnt(0)->requests, 1);
	assert_int_equal(route_cnt(0)->status[0], 0);
	assert_int_equal(route_cnt(0)->status[1], 1);
	assert_int_equal(route_cnt(0)->status[3], 0);
	for (unsigned int r = 0; r < SL_HTTP_REASONS; r++) {
		assert_int_equal(vip_cnt(V_HTTP4)->answered[r], 0);
		assert_int_equal(route_cnt(0)->answered[r], 0);
	}
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/* The payload of the frame port @port sent next, compared with @want. */
static void expect_payload(int port, const char *want)
{
	uint8_t f[2048];
	uint32_t len = dpt_take_next(port, f);
	struct dp_pkt p;
	uint32_t hl;

	assert_int_equal(dp_parse(f, len, &p), DP_PARSE_OK);
	hl = p.l4_off + (uint32_t)(f[p.l4_off + 12] >> 4) * 4;
	assert_int_equal(p.l2_len + p.l3_len - hl, strlen(want));
	assert_memory_equal(f + hl, want, strlen(want));
}

/*
 * A kept segment that holds the end of one request and the start of the
 * next: read after a re-bind, its rest goes back before the segments kept
 * after it, in order, none dropped.
 */
static void test_pipelined_rest_first(void **state)
{
	struct http_conn h = first_request(V_HTTP4, 43014);
	char two[2 * sizeof(GET_B)];
	uint8_t o[12];
	struct dpt_frame f, g, k;
	struct dp_http_ctx *x;
	struct dp_pkt p;

	(void)state;
	snprintf(two, sizeof(two), "%s%s", GET2, GET_B);
	f = from_client(&h, 0x18, two, o); /* "/c" goes on, "/b" waits */
	assert_int_equal(dpt_nat_send_client(&h.c, f), 1);
	dpt_take_next(1, (uint8_t[2048]){0});
	h.cseq += (uint32_t)strlen(two);
	snprintf(two, sizeof(two), "%s%s", GET1, GET2);
	g = from_client(&h, 0x18, two, o); /* "/a" and "/c": kept */
	assert_int_equal(dpt_nat_send_client(&h.c, g), 0);
	h.cseq += (uint32_t)strlen(two);
	k = from_client(&h, 0x18, GET_B, o); /* "/b" again: kept after it */
	assert_int_equal(dpt_nat_send_client(&h.c, k), 0);
	h.cseq += (uint32_t)strlen(GET_B);
	x = dp_http_ctx_of(dpt.w.http->pool, conn_of(&h)->sp.http);
	assert_int_equal(x->n_pend, 2);
	instance_sends(&h, RESP);
	assert_int_equal(dpt_nat_send_client(&h.c, from_client(&h, 0x10, NULL, o)), 3);
	for (int i = 0; i < 3; i++)
		dpt_take_next(1, (uint8_t[2048]){0});
	/* "/b"'s instance opens: "/b" to it, "/a" read and waits, "/c" after it kept first */
	other_instance_opens(&h, f.seq + (uint32_t)strlen(GET2), DPT_BACKEND_TS, h.tsecr);
	expect_payload(1, GET_B);
	dpt_assert_nothing_sent();
	assert_int_equal(phase_of(&h), DP_HTTP_REQ_WAIT);
	assert_int_equal(x->n_pend, 2);
	assert_int_equal(dp_parse_mbuf(x->pend[0], &p), DP_PARSE_OK);
	assert_int_equal(dpt_get32(rte_pktmbuf_mtod(x->pend[0], uint8_t *) + p.l4_off + 4),
			 g.seq + (uint32_t)strlen(GET1));
	assert_int_equal(x->c_next, g.seq + (uint32_t)strlen(GET1));
	assert_int_equal(x->p_next, h.cseq);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_HTTP_OUT_OF_ORDER], 0);
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/* A segment of @h's instance with @flags and no data, at its position: to the client, spliced. */
static void instance_flags(struct http_conn *h, uint8_t flags, uint32_t seq)
{
	uint8_t o[12], o2[12];
	struct dpt_frame f = {.proto = IPPROTO_TCP,
			      .flags = flags,
			      .seq = seq,
			      .ack = h->cseq,
			      .olen = 12,
			      .window = 900};

	h->bts++;
	f.opt = dpt_ts_opts(o, h->bts, h->cts);
	assert_int_equal(dpt_nat_send_backend(&h->c, f), 1);
	f.seq += h->delta;
	f.opt = dpt_ts_opts(o2, h->bts - h->ts_off, h->cts);
	dpt_take_exact(0, dpt_at_client(&h->c, f));
}

/*
 * The instance closes first, the client after it, the instance's last ACK:
 * the context goes back to the pool at once (nothing was inserted), and
 * what comes later of the connection (the instance's FIN again, the
 * client's ACK again) is full NAT's, spliced as before.
 */
static void test_close_frees_context(void **state)
{
	struct http_conn h = first_request(V_HTTP4, 43013);
	uint32_t free0 = dpt.w.http->pool->n_free;
	uint8_t o[12];

	(void)state;
	instance_flags(&h, 0x11, h.bseq);
	h.bseq++;
	h.cack = h.bseq + h.delta;
	h.tsecr = h.bts - h.ts_off;
	assert_int_equal(dpt_nat_send_client(&h.c, from_client(&h, 0x11, NULL, o)), 1);
	dpt_take_next(1, (uint8_t[2048]){0});
	h.cseq++;
	assert_int_equal(conn_of(&h)->sp.http != DP_HTTP_NONE, 1);
	instance_flags(&h, 0x10, h.bseq);
	assert_int_equal(conn_of(&h)->state, SL_NAT_TIME_WAIT);
	assert_int_equal(conn_of(&h)->sp.http, DP_HTTP_NONE);
	assert_int_equal(dpt.w.http->pool->n_free, free0 + 1);
	/* later: the instance's FIN again, the client's last ACK again */
	instance_flags(&h, 0x11, h.bseq - 1);
	assert_int_equal(dpt_nat_send_client(&h.c, from_client(&h, 0x10, NULL, o)), 1);
	dpt_take_next(1, (uint8_t[2048]){0});
	dpt_assert_nothing_sent();
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/*
 * Pipelined requests to two pools in one segment: "/c" goes on to the
 * bound instance, "/b" waits for another, and "/a" after it is kept, not
 * dropped, then read once "/b" has gone on, and waits in its turn: the
 * client never has to send anything again.
 */
static void test_pipelined_rebind(void **state)
{
	struct http_conn h = first_request(V_HTTP4, 43011);
	char three[3 * sizeof(GET_B)];
	uint8_t o[12];
	struct dpt_frame f;
	struct dp_http_ctx *x;
	uint32_t b_start;

	(void)state;
	snprintf(three, sizeof(three), "%s%s%s", GET2, GET_B, GET1);
	f = from_client(&h, 0x18, three, o);
	assert_int_equal(dpt_nat_send_client(&h.c, f), 1);
	expect_payload(1, GET2);
	dpt_assert_nothing_sent();
	h.cseq += (uint32_t)strlen(three);
	x = dp_http_ctx_of(dpt.w.http->pool, conn_of(&h)->sp.http);
	assert_int_equal(x->n_pend, 1); /* "/a", beyond "/b" that waits */
	assert_int_equal(phase_of(&h), DP_HTTP_REQ_WAIT);
	/* "/c" answered, then acknowledged: its ACK to the old instance, its RST, the SYN */
	instance_sends(&h, RESP);
	assert_int_equal(dpt_nat_send_client(&h.c, from_client(&h, 0x10, NULL, o)), 3);
	dpt_take_next(1, (uint8_t[2048]){0});
	dpt_take_next(1, (uint8_t[2048]){0});
	dpt_take_next(1, (uint8_t[2048]){0});
	dpt_assert_nothing_sent();
	assert_int_equal(conn_of(&h)->state, SL_NAT_HTTP_BIND);
	assert_int_equal(x->n_pend, 1);
	/* the new instance answers: "/b" goes to it, "/a" is read and waits for its response */
	b_start = f.seq + (uint32_t)strlen(GET2);
	other_instance_opens(&h, b_start, DPT_BACKEND_TS, h.tsecr);
	expect_payload(1, GET_B);
	dpt_assert_nothing_sent();
	assert_int_equal(x->n_pend, 0);
	assert_int_equal(phase_of(&h), DP_HTTP_REQ_WAIT);
	assert_int_equal(vip_cnt(V_HTTP4)->requests, 4); /* four heads read, none again */
	assert_int_equal(cnt()->requests, 3);
	assert_int_equal(dpt.w.stats->drops[SL_DROP_HTTP_OUT_OF_ORDER], 0);
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/*
 * A pipelined request's instance continues the clock the client saw last:
 * the held request echoes the TSval of before the response ahead of it,
 * and the new instance's clock (far behind the first one's) maps to the
 * newest TSval sent, so PAWS never sees ours go back (the client would
 * drop the response until the instance's clock caught up).
 */
static void test_pipelined_rebind_clock(void **state)
{
	struct http_conn h = first_request(V_HTTP4, 43019);
	char two[2 * sizeof(GET_B)];
	uint8_t o[12];
	struct dpt_frame f;
	uint32_t newest, stale;

	(void)state;
	snprintf(two, sizeof(two), "%s%s", GET2, GET_B);
	stale = h.tsecr;
	f = from_client(&h, 0x18, two, o);
	assert_int_equal(dpt_nat_send_client(&h.c, f), 1);
	expect_payload(1, GET2);
	dpt_assert_nothing_sent();
	h.cseq += (uint32_t)strlen(two);
	h.bts += 1000; /* the first instance took a while */
	instance_sends(&h, RESP);
	newest = h.tsecr;
	assert_true(newest - stale > 1000);
	assert_int_equal(dpt_nat_send_client(&h.c, from_client(&h, 0x10, NULL, o)), 3);
	dpt_take_next(1, (uint8_t[2048]){0});
	dpt_take_next(1, (uint8_t[2048]){0});
	dpt_take_next(1, (uint8_t[2048]){0});
	dpt_assert_nothing_sent();
	other_instance_opens(&h, f.seq + (uint32_t)strlen(GET2), 5000, stale);
	/* "/b" echoes the instance's SYN-ACK TSval, not the stale one it was sent with */
	{
		uint8_t b[2048];
		uint32_t len = dpt_take_next(1, b);
		struct rte_tcp_hdr *th;
		struct dp_tcpopt to;
		struct dp_pkt p;
		uint16_t ck;

		assert_int_equal(dp_parse(b, len, &p), DP_PARSE_OK);
		th = (struct rte_tcp_hdr *)(b + p.l4_off);
		dp_tcpopt_parse(th, &to);
		assert_true(to.ts_ok);
		assert_int_equal(to.tsecr, 5000);
		ck = th->cksum;
		th->cksum = 0;
		assert_int_equal(
			ck, rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)(b + p.l2_len), th));
	}
	dpt_assert_nothing_sent();
	/* its response: seq where the client's stream stands, TSval just after the newest */
	h.delta = h.cack - 1 - DPT_BACKEND_ISN;
	h.bseq = DPT_BACKEND_ISN + 1;
	h.bts = 5000;
	h.ts_off = 5000 - newest;
	instance_sends(&h, RESP);
	assert_int_equal(h.tsecr, newest + 1);
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/*
 * A response is counted on the route of its own request: "/b" read and
 * routed while the default pool's 404 to the request before it is still
 * open leaves that 404 off "/b".
 */
static void test_route_of_response(void **state)
{
	struct http_conn h = first_request_open(V_HTTP4, 43012);

	(void)state;
	client_held(&h, GET_B);
	assert_int_equal(phase_of(&h), DP_HTTP_REQ_WAIT);
	assert_int_equal(vip_cnt(V_HTTP4)->requests, 2);
	assert_int_equal(route_cnt(0)->requests, 1);
	instance_sends(&h, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(cnt()->responses, 1);
	for (unsigned int k = 0; k < 5; k++)
		assert_int_equal(route_cnt(0)->status[k], 0);
}

/* A route's pool that has no serving instance: 503; no route and no default pool: 404. */
static void test_no_route(void **state)
{
	struct sl_vip *v = &sl_slot_vips(dpt.seg, 0)[V_HTTP4];
	struct http_conn h = open_client(V_HTTP4, 43011);
	uint8_t o[12];

	const struct sl_ev_request *r;

	(void)state;
	records_on();
	v->pool = SL_POOL_NONE;
	assert_int_equal(dpt_nat_send_client(&h.c, from_client(&h, 0x18, GET1, o)), 1);
	h.cseq += (uint32_t)strlen(GET1);
	expect_answer(&h, DP_HTTP_ANSWER_NO_ROUTE, h.sa.cookie + 1, h.sa.tsval, h.cts);
	/* the appliance's own answer: its record names no instance, and why */
	r = next_record();
	assert_non_null(r);
	assert_int_equal(r->backend, SL_BACKEND_NONE);
	assert_int_equal(r->answer, SL_HTTP_NO_ROUTE + 1);
	assert_int_equal(r->status, 404);
	assert_int_equal(r->route, DP_HTTP_NO_ROUTE);
	assert_int_equal(r->path_len, 2);
	assert_memory_equal(r->path, "/a", 2);
	assert_null(next_record());
	records_off();
	dpt_assert_nothing_sent();
	assert_int_equal(cnt()->answers[DP_HTTP_ANSWER_NO_ROUTE], 1);
	assert_int_equal(vip_cnt(V_HTTP4)->requests, 1);
	assert_int_equal(vip_cnt(V_HTTP4)->answered[SL_HTTP_NO_ROUTE], 1);
	assert_int_equal(route_cnt(0)->requests, 0);
	assert_int_equal(route_cnt(0)->answered[SL_HTTP_NO_ROUTE], 0);
	v->pool = P_V4;
}

/* The answer @a the appliance sends @h's client: from the VIP, FIN, the head acknowledged. */
static void expect_answer(const struct http_conn *h, unsigned int a, uint32_t seq, uint32_t tsval,
			  uint32_t tsecr)
{
	uint32_t len = 0;
	const char *text = dp_http_answer_text(a, &len);
	uint8_t o[12];

	dpt_take_exact(0,
		       dpt_at_client(&h->c, (struct dpt_frame){.proto = IPPROTO_TCP,
							       .flags = 0x19,
							       .seq = seq,
							       .ack = h->cseq,
							       .olen = 12,
							       .opt = dpt_ts_opts(o, tsval, tsecr),
							       .window = 65535 >> 7,
							       .data = (const uint8_t *)text,
							       .payload = (uint16_t)len,
							       .made = 1}));
}

/* A head that two parsers could read differently: 400, and the close after it. */
static void test_bad_request(void **state)
{
	const char *bad = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
			  "Transfer-Encoding: chunked\r\n\r\n";
	struct http_conn h = open_client(V_HTTP4, 43003);
	uint8_t o[12];
	uint32_t len = 0;

	(void)state;
	assert_int_equal(dpt_nat_send_client(&h.c, from_client(&h, 0x18, bad, o)), 1);
	h.cseq += (uint32_t)strlen(bad);
	expect_answer(&h, DP_HTTP_ANSWER_BAD_REQUEST, h.sa.cookie + 1, h.tsecr, h.cts);
	dpt_assert_nothing_sent();
	assert_int_equal(cnt()->answers[DP_HTTP_ANSWER_BAD_REQUEST], 1);
	assert_int_equal(vip_cnt(V_HTTP4)->answered[SL_HTTP_BAD_REQUEST], 1);
	assert_int_equal(vip_cnt(V_HTTP4)->requests, 0);
	assert_int_equal(conn_of(&h)->state, SL_NAT_HTTP_ANSWERED);
	/* the request again (the answer was lost): the same answer from the same place */
	h.cseq -= (uint32_t)strlen(bad);
	assert_int_equal(dpt_nat_send_client(&h.c, from_client(&h, 0x18, bad, o)), 1);
	h.cseq += (uint32_t)strlen(bad);
	expect_answer(&h, DP_HTTP_ANSWER_BAD_REQUEST, h.sa.cookie + 1, h.tsecr, h.cts);
	assert_int_equal(cnt()->answers[DP_HTTP_ANSWER_BAD_REQUEST], 1);
	/* the client's FIN: an RST, and the connection is gone */
	dp_http_answer_text(DP_HTTP_ANSWER_BAD_REQUEST, &len);
	{
		struct dpt_frame fin = from_client(&h, 0x11, NULL, o);

		fin.ack = h.sa.cookie + 1 + len + 1;
		assert_int_equal(dpt_nat_send_client(&h.c, fin), 1);
	}
	{
		uint8_t f[256];

		dpt_take_next(0, f);
		assert_int_equal(f[14 + 20 + 13], 0x04); /* RST */
	}
	assert_null(conn_of(&h));
	assert_int_equal(dpt.w.conns->cnt.active, 0);
}

/* A pool with no instance: 503. */
static void test_no_instance(void **state)
{
	struct sl_vip *v = &sl_slot_vips(dpt.seg, 0)[V_HTTP4];
	struct http_conn h;
	uint8_t o[12];

	(void)state;
	h = open_client(V_HTTP4, 43004);
	v->pool = P_EMPTY;
	assert_int_equal(dpt_nat_send_client(&h.c, from_client(&h, 0x18, GET1, o)), 1);
	h.cseq += (uint32_t)strlen(GET1);
	expect_answer(&h, DP_HTTP_ANSWER_NO_INSTANCE, h.sa.cookie + 1, h.sa.tsval, h.cts);
	dpt_assert_nothing_sent();
	assert_int_equal(cnt()->answers[DP_HTTP_ANSWER_NO_INSTANCE], 1);
	assert_int_equal(vip_cnt(V_HTTP4)->answered[SL_HTTP_NO_INSTANCE], 1);
	assert_int_equal(route_cnt(0)->answered[SL_HTTP_NO_INSTANCE], 0);
	v->pool = P_V4;
}

/* "/b"'s pool with no instance: the 503 is counted on the route too. */
static void test_route_no_instance(void **state)
{
	struct http_conn h;
	uint8_t o[12];

	(void)state;
	sl_slot_routes(dpt.seg, 0)[0].pool = P_EMPTY;
	h = open_client(V_HTTP4, 43013);
	assert_int_equal(dpt_nat_send_client(&h.c, from_client(&h, 0x18, GET_B, o)), 1);
	h.cseq += (uint32_t)strlen(GET_B);
	expect_answer(&h, DP_HTTP_ANSWER_NO_INSTANCE, h.sa.cookie + 1, h.sa.tsval, h.cts);
	assert_int_equal(vip_cnt(V_HTTP4)->requests, 1);
	assert_int_equal(vip_cnt(V_HTTP4)->answered[SL_HTTP_NO_INSTANCE], 1);
	assert_int_equal(route_cnt(0)->requests, 1);
	assert_int_equal(route_cnt(0)->answered[SL_HTTP_NO_INSTANCE], 1);
	sl_slot_routes(dpt.seg, 0)[0].pool = P_ONE;
}

/* A head that does not complete in time: 408 over its last segment. */
static void test_head_timeout(void **state)
{
	struct http_conn h = open_client(V_HTTP4, 43005);
	uint64_t hz = rte_get_tsc_hz();

	(void)state;
	client_held(&h, "GET /a HTTP/1.1\r\n");
	assert_int_equal(dp_worker_poll_timers(&dpt.w, rte_rdtsc() + hz), 0);
	dpt_assert_nothing_sent();
	assert_int_equal(dp_worker_poll_timers(&dpt.w, rte_rdtsc() + hz * 5 + hz), 1);
	expect_answer(&h, DP_HTTP_ANSWER_HEAD_TIMEOUT, h.sa.cookie + 1, h.sa.tsval, h.cts);
	dpt_assert_nothing_sent();
	assert_int_equal(cnt()->answers[DP_HTTP_ANSWER_HEAD_TIMEOUT], 1);
	assert_int_equal(vip_cnt(V_HTTP4)->answered[SL_HTTP_HEAD_TIMEOUT], 1);
	assert_int_equal(conn_of(&h)->state, SL_NAT_HTTP_ANSWERED);
}

/* An instance that refuses: the next one is tried (the request reached none), then 503. */
static void test_instance_refuses(void **state)
{
	struct http_conn h = open_client(V_HTTP4, 43006);
	struct dpt_frame rst = {.proto = IPPROTO_TCP, .flags = 0x14, .ack = DPT_CLIENT_ISN + 1};
	struct http_conn n;
	uint8_t o[12];

	(void)state;
	assert_int_equal(dpt_nat_send_client(&h.c, from_client(&h, 0x18, GET1, o)), 1);
	h.cseq += (uint32_t)strlen(GET1);
	expect_syn(&h, DPT_CLIENT_ISN + 1, DPT_CLIENT_TS + 1);
	n = h;
	n.c = dpt_next_instance(&h.c);
	assert_int_equal(dpt_nat_send_backend(&h.c, rst), 1);
	expect_syn(&n, DPT_CLIENT_ISN + 1, DPT_CLIENT_TS + 1);
	dpt_assert_nothing_sent();
	assert_int_equal(dpt.w.backend_stats[h.c.be].connect_failures, 1);
	/* the first instance's late answers find nothing */
	assert_int_equal(dpt_nat_send_backend(&h.c, rst), 0);
	assert_int_equal(dpt_nat_send_backend(&n.c, rst), 1);
	expect_answer(&h, DP_HTTP_ANSWER_NO_INSTANCE, h.sa.cookie + 1, h.sa.tsval, h.cts);
	dpt_assert_nothing_sent();
	assert_int_equal(dpt.w.backend_stats[n.c.be].connect_failures, 1);
	assert_int_equal(cnt()->connect_failures, 2);
	assert_int_equal(cnt()->answers[DP_HTTP_ANSWER_NO_INSTANCE], 1);
}

/*
 * A route's only instance refuses: 503 at once. The instance tried next
 * would come from the route's pool, never from the VIP's default pool.
 */
static void test_route_instance_refuses(void **state)
{
	struct http_conn h = open_client(V_HTTP4, 43012);
	struct dpt_frame rst = {.proto = IPPROTO_TCP, .flags = 0x14, .ack = DPT_CLIENT_ISN + 1};
	uint8_t o[12];

	(void)state;
	h.c.be = 7;
	h.c.baddr = "198.18.1.31";
	h.c.bport = 9000;
	assert_int_equal(dpt_nat_send_client(&h.c, from_client(&h, 0x18, GET_B, o)), 1);
	h.cseq += (uint32_t)strlen(GET_B);
	expect_syn(&h, DPT_CLIENT_ISN + 1, DPT_CLIENT_TS + 1);
	assert_int_equal(dpt_nat_send_backend(&h.c, rst), 1);
	expect_answer(&h, DP_HTTP_ANSWER_NO_INSTANCE, h.sa.cookie + 1, h.sa.tsval, h.cts);
	dpt_assert_nothing_sent();
	assert_int_equal(dpt.w.backend_stats[7].connect_failures, 1);
	assert_int_equal(cnt()->connect_failures, 1);
	assert_int_equal(cnt()->answers[DP_HTTP_ANSWER_NO_INSTANCE], 1);
}

/* IPv6: the first request and its response. */
/*
 * The instance answers the SYN with an older connection's ACK (its
 * TIME_WAIT on the NAT source port refused the SYN, e.g. by PAWS): it gets
 * <SEQ=SEG.ACK><CTL=RST>, the same SYN at once, and the request goes on.
 */
static void stale_ack(int vip, uint16_t cport)
{
	struct http_conn h = open_client(vip, cport);
	uint8_t o0[12], o1[12], so[DPT_SYN_OPTS_LEN];
	struct dpt_frame held[2];

	held[0] = (struct dpt_frame){.proto = IPPROTO_TCP,
				     .flags = 0x10,
				     .seq = DPT_CLIENT_ISN + 1,
				     .ack = h.sa.cookie + 1,
				     .olen = 12,
				     .window = CLIENT_WIN,
				     .opt = dpt_ts_opts(o0, DPT_CLIENT_TS + 1, h.sa.tsval)};
	held[1] = from_client(&h, 0x18, GET1, o1);
	assert_int_equal(dpt_nat_send_client(&h.c, held[1]), 1);
	h.cseq += (uint32_t)strlen(GET1);
	expect_syn(&h, DPT_CLIENT_ISN + 1, DPT_CLIENT_TS + 1);
	dpt_expect_stale_ack_reset(
		&h.c, 0x0badf00d,
		(struct dpt_frame){.proto = IPPROTO_TCP,
				   .flags = 0x02,
				   .seq = DPT_CLIENT_ISN,
				   .olen = DPT_SYN_OPTS_LEN,
				   .opt = dpt_syn_opts_ts(so, h.c.mss, DPT_CLIENT_TS + 1, 0),
				   .window = 0xffff});
	dpt_assert_nothing_sent();
	assert_int_equal(conn_of(&h)->state, SL_NAT_HTTP_BIND);
	instance_opens(&h, held, 2, h.sa.tsval);
	instance_sends(&h, RESP);
	assert_int_equal(cnt()->connect_failures, 0);
	assert_int_equal(cnt()->responses, 1);
}

static void test_instance_stale_ack(void **state)
{
	(void)state;
	stale_ack(V_HTTP4, 43900);
	assert_int_equal(dpt.w.stats->nat.synproxy_stale_acks, 1);
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

static void test_instance_stale_ack6(void **state)
{
	(void)state;
	stale_ack(V_HTTP6, 43901);
	assert_int_equal(dpt.w.stats->nat.synproxy_stale_acks, 1);
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

static void test_ipv6(void **state)
{
	(void)state;
	first_request(V_HTTP6, 43007);
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

static int group_setup(void **state)
{
	(void)state;
	return dpt_init("dp_http_worker");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_request, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_split_head, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_keep_alive_same_instance, dpt_setup,
						dpt_teardown),
		cmocka_unit_test_setup_teardown(test_post_body, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_pipelined, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_rebind, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_pipelined_rebind, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_pipelined_rebind_clock, dpt_setup,
						dpt_teardown),
		cmocka_unit_test_setup_teardown(test_chunked_body_record, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_upgrade_spliced, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_connect_spliced, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_close_frees_context, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_pipelined_rest_first, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_route_of_response, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_no_route, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_bad_request, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_no_instance, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_route_no_instance, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_head_timeout, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_instance_refuses, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_route_instance_refuses, dpt_setup,
						dpt_teardown),
		cmocka_unit_test_setup_teardown(test_instance_stale_ack, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_instance_stale_ack6, dpt_setup, dpt_teardown),
		cmocka_unit_test_setup_teardown(test_ipv6, dpt_setup, dpt_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
