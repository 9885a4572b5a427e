/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bytes the appliance writes into HTTP streams, through the real
 * worker (tests/lib/dp_sp_fixture.h): X-Forwarded-For and X-Request-Id in
 * a request head in one segment and in a head split over segments, after a
 * client's own X-Forwarded-For; Set-Cookie in a response head; the
 * acknowledgements and SACK blocks of both sides mapped back; a segment
 * sent again with the same bytes; the next request of a keep-alive
 * connection with the corrections added up, held until the instance has
 * acknowledged the insertion before; a segment split when the insertion
 * makes it too long; a re-bind starting afresh. Every segment that leaves
 * is compared byte for byte with a frame built from scratch.
 */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <rte_mbuf.h>

#include "dp_conn.h"
#include "dp_harness.h"
#include "dp_http_insert.h"
#include "dp_nat_fixture.h"
#include "dp_sp_fixture.h"
#include "dp_worker.h"
#include "dp_worker_http.h"
#include "sl_drop.h"
#include "sl_shm.h"

#define GET1 "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
#define GET_B "GET /b/1 HTTP/1.1\r\nHost: x\r\n\r\n" /* the route to P_ONE */
#define RESP "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
#define CLIENT_WIN 600
#define STAMP 0x5e0a1b2cu
#define XFF "X-Forwarded-For: " DPT_CLIENT4 "\r\n"
#define XRID(n) "X-Request-Id: 5e0a1b2c0000" n "\r\n"
#define COOKIE "SLUICE_INSTANCE"
#define STICKY(b) (0x5a5a000000000000ull + (b))
#define SET_COOKIE(hex) "Set-Cookie: " COOKIE "=" hex "; Path=/; HttpOnly\r\n"

static int tvip = V_HTTP4; /* the VIP a test's connections are to */

/* Where a connection stands, as the test follows it. */
struct hc {
	struct dpt_conn c;
	struct dpt_synack sa;
	uint32_t cseq, cack, cts, tsecr; /* the client's */
	uint32_t bseq, bts;		 /* the instance's */
	uint32_t delta, isn, ts_off;
	uint32_t req_shift;  /* bytes inserted into the request stream so far */
	uint32_t resp_shift; /* into the response stream */
};

static struct dp_conn *conn_of(const struct hc *h)
{
	return dpt_nat_conn_of(&h->c);
}

static struct dp_http_ctx *ctx_of(const struct hc *h)
{
	return dp_http_ctx_of(dpt.w.http->pool, conn_of(h)->sp.http);
}

static const struct dp_http_ins_worker *ins(void)
{
	return &dpt.w.http->ins;
}

/* The http VIPs' insertions: SL_HTTP_F_* @flags, the sticky cookie's name, every instance's id. */
static void vip_inserts(uint32_t flags)
{
	for (int v = V_HTTP4; v <= V_HTTP6; v++) {
		struct sl_http_vip *hv = &sl_slot_http(dpt.seg, 0)[v];

		hv->flags = flags;
		snprintf(hv->cookie, sizeof(hv->cookie), "%s", COOKIE);
	}
	for (uint32_t b = 0; b < N_BACKENDS; b++)
		sl_slot_sticky_ids(dpt.seg, 0)[b] = STICKY(b);
	dpt.w.http->ins.stamp = STAMP;
}

static struct dpt_frame from_client(struct hc *h, uint8_t flags, const char *data, uint8_t *o)
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

static struct hc open_client(uint16_t cport)
{
	struct hc h = {.c = dpt_nat_expect(tvip, tvip == V_HTTP6 ? DPT_CLIENT6 : DPT_CLIENT4, cport,
					   0, 1)};
	uint8_t o[12];

	h.sa = dpt_syn_cookie(&h.c);
	h.cseq = DPT_CLIENT_ISN + 1;
	h.isn = DPT_CLIENT_ISN;
	h.cack = h.sa.cookie + 1;
	h.cts = DPT_CLIENT_TS;
	h.tsecr = h.sa.tsval;
	assert_int_equal(dpt_nat_send_client(&h.c, from_client(&h, 0x10, NULL, o)), 0);
	dpt_assert_nothing_sent();
	return h;
}

/* The cookie ACK as the client sent it: the first held segment. */
static struct dpt_frame cookie_ack(const struct hc *h, uint8_t *o)
{
	return (struct dpt_frame){.proto = IPPROTO_TCP,
				  .flags = 0x10,
				  .seq = DPT_CLIENT_ISN + 1,
				  .ack = h->sa.cookie + 1,
				  .olen = 12,
				  .window = CLIENT_WIN,
				  .opt = dpt_ts_opts(o, DPT_CLIENT_TS + 1, h->sa.tsval)};
}

/* The SYN that opens @h's instance from @req_start - 1 (TSval @tsval). */
static void expect_syn(const struct hc *h, uint32_t req_start, uint32_t tsval)
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
 * The instance's SYN-ACK (MSS @mss): the segments @out (as they leave, in
 * the client's acknowledgement numbers) go to it, translated.
 */
static void instance_opens(struct hc *h, const struct dpt_frame *out, unsigned int n,
			   uint32_t tsecr, uint16_t mss)
{
	uint8_t o[DPT_SYN_OPTS_LEN];
	struct dpt_frame f = {.proto = IPPROTO_TCP,
			      .flags = 0x12,
			      .seq = DPT_BACKEND_ISN,
			      .ack = h->isn + 1,
			      .olen = DPT_SYN_OPTS_LEN,
			      .window = 65160};

	f.opt = dpt_syn_opts_ts(o, mss, DPT_BACKEND_TS, tsecr);
	assert_int_equal(dpt_nat_send_backend(&h->c, f), n);
	h->delta = h->sa.cookie - DPT_BACKEND_ISN;
	h->ts_off = DPT_BACKEND_TS - tsecr;
	h->bseq = DPT_BACKEND_ISN + 1;
	h->bts = DPT_BACKEND_TS;
	h->resp_shift = 0;
	for (unsigned int i = 0; i < n; i++) {
		struct dpt_frame g = out[i];
		uint8_t go[12];

		g.ack = g.ack - h->delta;
		g.opt = dpt_ts_opts(go, dpt_get32(out[i].opt + 4),
				    dpt_get32(out[i].opt + 8) + h->ts_off);
		dpt_take_exact(1, dpt_at_backend(&h->c, g));
	}
	dpt_assert_nothing_sent();
}

/* A client segment @f as it leaves to the instance: seq @seq, payload @seen, ack translated. */
static void expect_to_instance(const struct hc *h, struct dpt_frame f, uint32_t seq,
			       const char *seen)
{
	uint8_t o[12];

	f.seq = seq;
	f.data = (const uint8_t *)seen;
	f.payload = (uint16_t)strlen(seen);
	f.ack = f.ack - h->delta - h->resp_shift;
	f.opt = dpt_ts_opts(o, dpt_get32(f.opt + 4), dpt_get32(f.opt + 8) + h->ts_off);
	dpt_take_exact(1, dpt_at_backend(&h->c, f));
}

/*
 * The instance sends @data acknowledging @back (its numbers); the client
 * gets @seen (NULL: @data) with its seq moved by the shift so far (@resp
 * at the front of @seen: none of its bytes are the instance's) and the
 * acknowledgement @cack. @n frames leave in all.
 */
static void instance_sends(struct hc *h, const char *data, const char *seen, uint32_t back,
			   uint32_t cack, unsigned int n)
{
	uint8_t o[12], o2[12];
	struct dpt_frame f = {.proto = IPPROTO_TCP,
			      .flags = 0x18,
			      .seq = h->bseq,
			      .ack = back,
			      .olen = 12,
			      .window = 900,
			      .data = (const uint8_t *)data,
			      .payload = (uint16_t)strlen(data)};

	seen = seen ? seen : data;
	h->bts++;
	f.opt = dpt_ts_opts(o, h->bts, h->cts);
	assert_int_equal(dpt_nat_send_backend(&h->c, f), n);
	f.seq += h->delta + h->resp_shift;
	f.ack = cack;
	f.data = (const uint8_t *)seen;
	f.payload = (uint16_t)strlen(seen);
	f.opt = dpt_ts_opts(o2, h->bts - h->ts_off, h->cts);
	dpt_take_exact(0, dpt_at_client(&h->c, f));
	h->bseq += (uint32_t)strlen(data);
	h->resp_shift += (uint32_t)(strlen(seen) - strlen(data));
	h->cack = h->bseq + h->delta + h->resp_shift;
	h->tsecr = h->bts - h->ts_off;
}

/* The first request @req (one segment) to its instance, which gets @seen; its response not yet. */
static struct hc first_request(uint16_t cport, const char *req, const char *seen)
{
	struct hc h = open_client(cport);
	struct dpt_frame out[2];
	uint8_t o0[12], o1[12];

	out[0] = cookie_ack(&h, o0);
	out[1] = from_client(&h, 0x18, req, o1);
	assert_int_equal(dpt_nat_send_client(&h.c, out[1]), 1);
	h.cseq += (uint32_t)strlen(req);
	expect_syn(&h, DPT_CLIENT_ISN + 1, DPT_CLIENT_TS + 1);
	out[1].data = (const uint8_t *)seen;
	out[1].payload = (uint16_t)strlen(seen);
	instance_opens(&h, out, 2, h.sa.tsval, 1460);
	h.req_shift = (uint32_t)(strlen(seen) - strlen(req));
	return h;
}

/* X-Forwarded-For and X-Request-Id before the empty line of a head in one segment. */
static void test_request_one_segment(void **state)
{
	struct hc h;

	(void)state;
	vip_inserts(SL_HTTP_F_XFF | SL_HTTP_F_XRID);
	h = first_request(44000, GET1,
			  "GET /a HTTP/1.1\r\nHost: x\r\n" XFF XRID("000000000000") "\r\n");
	assert_string_equal(ctx_of(&h)->ins.request_id, "5e0a1b2c0000000000000000");
	assert_int_equal(ins()->requests, 1);
	assert_int_equal(sl_stats_http(dpt.seg, dpt.w.stats)[V_HTTP4].inserted_headers, 1);
	/* the instance acknowledges the request with what was inserted: the client sees its own */
	instance_sends(&h, RESP, NULL, h.cseq + h.req_shift, h.cseq, 1);
	assert_int_equal(dpt_drops(&dpt.w), 0);
	for (unsigned int r = 0; r < SL_HTTP_INS_REASONS; r++) {
		assert_int_equal(ins()->failed[r], 0);
		assert_int_equal(sl_stats_http(dpt.seg, dpt.w.stats)[V_HTTP4].insert_failed[r], 0);
	}
}

/*
 * A head in three segments, its empty line's CR the last byte of the
 * second: the headers go in before that byte, the third moves by them.
 */
static void test_request_split_head(void **state)
{
	const char *s1 = "GET /a HT", *s2 = "TP/1.1\r\nHost: x\r\n\r", *s3 = "\n";
	const char *ins_text = XFF XRID("000000000000");
	char seen2[256];
	struct dpt_frame out[4];
	uint8_t o[4][12];
	struct hc h;

	(void)state;
	vip_inserts(SL_HTTP_F_XFF | SL_HTTP_F_XRID);
	h = open_client(44001);
	out[0] = cookie_ack(&h, o[0]);
	out[1] = from_client(&h, 0x18, s1, o[1]);
	assert_int_equal(dpt_nat_send_client(&h.c, out[1]), 0);
	h.cseq += (uint32_t)strlen(s1);
	out[2] = from_client(&h, 0x18, s2, o[2]);
	assert_int_equal(dpt_nat_send_client(&h.c, out[2]), 0);
	h.cseq += (uint32_t)strlen(s2);
	out[3] = from_client(&h, 0x18, s3, o[3]);
	assert_int_equal(dpt_nat_send_client(&h.c, out[3]), 1);
	h.cseq += (uint32_t)strlen(s3);
	expect_syn(&h, DPT_CLIENT_ISN + 1, DPT_CLIENT_TS + 1);
	snprintf(seen2, sizeof(seen2), "TP/1.1\r\nHost: x\r\n%s\r", ins_text);
	out[2].data = (const uint8_t *)seen2;
	out[2].payload = (uint16_t)strlen(seen2);
	out[3].seq += (uint32_t)strlen(ins_text);
	instance_opens(&h, out, 4, h.sa.tsval, 1460);
	h.req_shift = (uint32_t)strlen(ins_text);
	instance_sends(&h, RESP, NULL, h.cseq + h.req_shift, h.cseq, 1);
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/* A client's own X-Forwarded-For: the appliance appends its client to the last one's value. */
static void test_request_xff_append(void **state)
{
	(void)state;
	vip_inserts(SL_HTTP_F_XFF | SL_HTTP_F_XRID);
	first_request(44002,
		      "GET /a HTTP/1.1\r\nX-Forwarded-For: 203.0.113.1\r\n"
		      "X-Forwarded-For: 203.0.113.9 \r\nHost: x\r\n\r\n",
		      "GET /a HTTP/1.1\r\nX-Forwarded-For: 203.0.113.1\r\n"
		      "X-Forwarded-For: 203.0.113.9 , " DPT_CLIENT4
		      "\r\nX-Request-Id: 5e0a1b2c0000000000000000\r\nHost: x\r\n\r\n");
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/* The SACK option after NOP NOP TS at @o (24 bytes): one block [@l, @r). */
static const uint8_t *ts_sack(uint8_t *o, uint32_t val, uint32_t ecr, uint32_t l, uint32_t r)
{
	dpt_ts_opts(o, val, ecr);
	o[12] = 1;
	o[13] = 1;
	o[14] = 5;
	o[15] = 10;
	dpt_put32(o + 16, l);
	dpt_put32(o + 20, r);
	return o;
}

/*
 * Set-Cookie before the response head's empty line; the segment sent again
 * gets the same bytes; the client's acknowledgement (inside the cookie) and
 * SACK block (after it) mapped back to the instance's numbers; the next
 * request with the cookie gets none, its response moved by the first one's.
 */
static void test_set_cookie(void **state)
{
	const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n";
	char hex[17], seen[256], r2[256];
	uint8_t o[12], so[24], wo[24];
	struct dpt_frame f, g;
	uint32_t resp_start;
	struct hc h;

	(void)state;
	vip_inserts(SL_HTTP_F_STICKY);
	h = first_request(44003, GET1, GET1);
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)STICKY(h.c.be));
	snprintf(seen, sizeof(seen), "%s" SET_COOKIE("%s") "\r\nhello", head, hex);
	resp_start = h.bseq;
	instance_sends(&h, RESP, seen, h.cseq, h.cseq, 1);
	assert_int_equal(ins()->responses, 1);
	/* sent again by the instance: the same bytes at the same place */
	h.bseq = resp_start;
	h.resp_shift = 0;
	instance_sends(&h, RESP, seen, h.cseq, h.cseq, 1);
	/* the client acknowledges into the cookie and SACKs the response's last 3 bytes */
	f = from_client(&h, 0x10, NULL, o);
	f.ack = resp_start + h.delta + (uint32_t)strlen(head) + 4;
	f.olen = 24;
	f.opt = ts_sack(so, h.cts, h.tsecr, h.cack - 3, h.cack);
	assert_int_equal(dpt_nat_send_client(&h.c, f), 1);
	g = f;
	g.ack = resp_start +
		(uint32_t)strlen(head); /* the cookie's bytes were never the instance's */
	g.opt = ts_sack(wo, h.cts, h.tsecr + h.ts_off, h.bseq - 3, h.bseq);
	dpt_take_exact(1, dpt_at_backend(&h.c, g));
	dpt_assert_nothing_sent();
	/* the cookie back: the same instance, no Set-Cookie, the response moved by the first one */
	snprintf(r2, sizeof(r2), "GET /a HTTP/1.1\r\nHost: x\r\nCookie: a=1; " COOKIE "=%s\r\n\r\n",
		 hex);
	f = from_client(&h, 0x18, r2, o);
	assert_int_equal(dpt_nat_send_client(&h.c, f), 1);
	expect_to_instance(&h, f, h.cseq, r2);
	h.cseq += (uint32_t)strlen(r2);
	instance_sends(&h, RESP, NULL, h.cseq, h.cseq, 1);
	assert_int_equal(ins()->responses, 1);
	assert_int_equal(sl_stats_http(dpt.seg, dpt.w.stats)[V_HTTP4].inserted_cookies, 1);
	assert_int_equal(sl_stats_http(dpt.seg, dpt.w.stats)[V_HTTP4].sticky_hit, 1);
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/*
 * The request's segment sent again after it went on: the same headers in
 * it again; the instance's SACK block after them mapped back.
 */
static void test_request_sent_again(void **state)
{
	const char *seen = "GET /a HTTP/1.1\r\nHost: x\r\n" XFF XRID("000000000000") "\r\n";
	uint8_t o[12], so[24], wo[24];
	struct dpt_frame f, g;
	struct hc h;

	(void)state;
	vip_inserts(SL_HTTP_F_XFF | SL_HTTP_F_XRID);
	h = first_request(44004, GET1, seen);
	h.cseq -= (uint32_t)strlen(GET1);
	f = from_client(&h, 0x18, GET1, o);
	assert_int_equal(dpt_nat_send_client(&h.c, f), 1);
	expect_to_instance(&h, f, h.cseq, seen);
	h.cseq += (uint32_t)strlen(GET1);
	dpt_assert_nothing_sent();
	assert_int_equal(ins()->requests, 1);
	/* the instance ACKs the start only and SACKs the last 2 bytes it got, in its numbers */
	f = (struct dpt_frame){.proto = IPPROTO_TCP,
			       .flags = 0x10,
			       .seq = h.bseq,
			       .ack = DPT_CLIENT_ISN + 1,
			       .olen = 24,
			       .window = 900,
			       .opt = ts_sack(so, h.bts + 1, h.cts, h.cseq + h.req_shift - 2,
					      h.cseq + h.req_shift)};
	assert_int_equal(dpt_nat_send_backend(&h.c, f), 1);
	g = f;
	g.seq += h.delta;
	g.opt = ts_sack(wo, h.bts + 1 - h.ts_off, h.cts, h.cseq - 2, h.cseq);
	dpt_take_exact(0, dpt_at_client(&h.c, g));
	dpt_assert_nothing_sent();
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/*
 * Keep-alive: the next request's headers are placed once the instance has
 * acknowledged the first ones (it is held until then); its seq moves by
 * the first insertion, its headers' point by both, acks map back.
 */
static void test_keep_alive(void **state)
{
	const char *seen2 = "GET /a HTTP/1.1\r\nHost: x\r\n" XFF XRID("000000000001") "\r\n";
	uint32_t first;
	uint8_t o[12];
	struct dpt_frame f;
	struct hc h;

	(void)state;
	vip_inserts(SL_HTTP_F_XFF | SL_HTTP_F_XRID);
	h = first_request(44005, GET1,
			  "GET /a HTTP/1.1\r\nHost: x\r\n" XFF XRID("000000000000") "\r\n");
	first = h.req_shift;
	/* the response, acknowledging only the request's bytes before the headers */
	instance_sends(&h, RESP, NULL, DPT_CLIENT_ISN + 1 + 20, DPT_CLIENT_ISN + 1 + 20, 1);
	f = from_client(&h, 0x18, GET1, o);
	assert_int_equal(dpt_nat_send_client(&h.c, f), 0); /* held: the headers are not acked */
	dpt_assert_nothing_sent();
	/* the instance acknowledges everything: the request goes on */
	assert_int_equal(dpt_nat_send_backend(
				 &h.c, (struct dpt_frame){.proto = IPPROTO_TCP,
							  .flags = 0x10,
							  .seq = h.bseq,
							  .ack = h.cseq + first,
							  .olen = 12,
							  .window = 900,
							  .opt = dpt_ts_opts(o, h.bts + 1, h.cts)}),
			 2);
	{
		uint8_t o2[12];
		struct dpt_frame a = {.proto = IPPROTO_TCP,
				      .flags = 0x10,
				      .seq = h.bseq + h.delta,
				      .ack = h.cseq,
				      .olen = 12,
				      .window = 900,
				      .opt = dpt_ts_opts(o2, h.bts + 1 - h.ts_off, h.cts)};

		dpt_take_exact(0, dpt_at_client(&h.c, a));
	}
	f.opt = dpt_ts_opts(o, h.cts, h.tsecr);
	expect_to_instance(&h, f, h.cseq + first, seen2);
	h.bts++;
	h.cseq += (uint32_t)strlen(GET1);
	h.req_shift += (uint32_t)(strlen(seen2) - strlen(GET1));
	dpt_assert_nothing_sent();
	instance_sends(&h, RESP, NULL, h.cseq + h.req_shift, h.cseq, 1);
	assert_int_equal(ins()->requests, 2);
	assert_int_equal(ins()->failed[SL_HTTP_INS_BUSY], 0);
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/* A head that fills a segment: with the headers it is split at the instance's MSS. */
static void test_split_segment(void **state)
{
	char req[1500], seen[1700];
	const char *ins_text = XFF XRID("000000000000");
	struct dpt_frame out[3];
	uint8_t o0[12], o1[12];
	uint32_t n, limit = 1460 - 12;
	struct hc h;

	(void)state;
	vip_inserts(SL_HTTP_F_XFF | SL_HTTP_F_XRID);
	n = (uint32_t)snprintf(req, sizeof(req), "GET /a HTTP/1.1\r\nHost: x\r\nX-Pad: ");
	while (n < limit - 4)
		req[n++] = 'p';
	memcpy(req + n, "\r\n\r\n", 5);
	n += 4;
	assert_int_equal(n, limit);
	memcpy(seen, req, n - 2);
	snprintf(seen + n - 2, sizeof(seen) - (n - 2), "%s\r\n", ins_text);
	h = open_client(44006);
	out[0] = cookie_ack(&h, o0);
	out[1] = from_client(&h, 0x18, req, o1);
	assert_int_equal(dpt_nat_send_client(&h.c, out[1]), 1);
	h.cseq += n;
	expect_syn(&h, DPT_CLIENT_ISN + 1, DPT_CLIENT_TS + 1);
	/* the first part: the instance's MSS less the options, PSH left for the second */
	out[2] = out[1];
	out[1].flags = 0x10;
	out[1].data = (const uint8_t *)seen;
	out[1].payload = (uint16_t)limit;
	out[2].seq += limit;
	out[2].data = (const uint8_t *)seen + limit;
	out[2].payload = (uint16_t)strlen(ins_text);
	instance_opens(&h, out, 3, h.sa.tsval, 1460);
	h.req_shift = (uint32_t)strlen(ins_text);
	instance_sends(&h, RESP, NULL, h.cseq + h.req_shift, h.cseq, 1);
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/*
 * A re-bind: the old instance's RST at the request's start moved by its
 * insertion, the new instance's map fresh: its request's seq the client's
 * own, its headers with the next id.
 */
static void test_rebind_fresh(void **state)
{
	const char *seen = "GET /b/1 HTTP/1.1\r\nHost: x\r\n" XFF XRID("000000000001") "\r\n";
	struct hc h, n;
	struct dpt_frame g;
	uint8_t o[12], f[256];
	uint32_t len;
	struct dp_pkt p;

	(void)state;
	vip_inserts(SL_HTTP_F_XFF | SL_HTTP_F_XRID);
	h = first_request(44007, GET1,
			  "GET /a HTTP/1.1\r\nHost: x\r\n" XFF XRID("000000000000") "\r\n");
	instance_sends(&h, RESP, NULL, h.cseq + h.req_shift, h.cseq, 1);
	g = from_client(&h, 0x18, GET_B, o);
	assert_int_equal(dpt_nat_send_client(&h.c, g), 2);
	len = dpt_take_next(1, f);
	assert_int_equal(dp_parse(f, len, &p), DP_PARSE_OK);
	assert_int_equal(f[p.l4_off + 13], 0x14);
	assert_int_equal(dpt_get32(f + p.l4_off + 4), h.cseq + h.req_shift);
	assert_int_equal(dpt_get32(f + p.l4_off + 8), h.bseq);
	n = h;
	n.c.be = 7;
	n.c.baddr = "198.18.1.31";
	n.c.bport = 9000;
	n.isn = h.cseq - 1;
	expect_syn(&n, h.cseq, h.cts);
	dpt_assert_nothing_sent();
	h.cseq += (uint32_t)strlen(GET_B);
	n.cseq = h.cseq;
	n.sa.cookie = h.cack - 1;
	g.data = (const uint8_t *)seen;
	g.payload = (uint16_t)strlen(seen);
	instance_opens(&n, &g, 1, h.tsecr, 1460);
	n.req_shift = (uint32_t)(strlen(seen) - strlen(GET_B));
	instance_sends(&n, RESP, NULL, n.cseq + n.req_shift, n.cseq, 1);
	assert_int_equal(ins()->requests, 2);
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/*
 * IPv6: the headers with the client's IPv6 address; a response head that
 * fills the client's segment gets its Set-Cookie and is split at the
 * port's MTU, the body after it moved by the cookie.
 */
static void test_ipv6_split_response(void **state)
{
	const uint32_t limit = 1500 - 40 - 32; /* the MTU less IPv6, TCP and timestamps */
	char resp[1500], seen[1700], cookie[128], hex[17];
	uint8_t o[12], o2[12];
	struct dpt_frame f, g;
	uint32_t n, l;
	struct hc h;

	(void)state;
	tvip = V_HTTP6;
	vip_inserts(SL_HTTP_F_XFF | SL_HTTP_F_XRID | SL_HTTP_F_STICKY);
	h = first_request(44008, GET1,
			  "GET /a HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: " DPT_CLIENT6
			  "\r\n" XRID("000000000000") "\r\n");
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)STICKY(h.c.be));
	l = (uint32_t)snprintf(cookie, sizeof(cookie), SET_COOKIE("%s"), hex);
	n = (uint32_t)snprintf(resp, sizeof(resp),
			       "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Pad: ");
	while (n < limit - 4)
		resp[n++] = 'p';
	memcpy(resp + n, "\r\n\r\n", 5);
	n += 4;
	memcpy(seen, resp, n - 2);
	memcpy(seen + n - 2, cookie, l);
	memcpy(seen + n - 2 + l, "\r\n", 2);
	h.bts++;
	f = (struct dpt_frame){.proto = IPPROTO_TCP,
			       .flags = 0x18,
			       .seq = h.bseq,
			       .ack = h.cseq + h.req_shift,
			       .olen = 12,
			       .window = 900,
			       .data = (const uint8_t *)resp,
			       .payload = (uint16_t)n,
			       .opt = dpt_ts_opts(o, h.bts, h.cts)};
	assert_int_equal(dpt_nat_send_backend(&h.c, f), 2);
	g = f;
	g.flags = 0x10;
	g.seq += h.delta;
	g.ack = h.cseq;
	g.data = (const uint8_t *)seen;
	g.payload = (uint16_t)limit;
	g.opt = dpt_ts_opts(o2, h.bts - h.ts_off, h.cts);
	dpt_take_exact(0, dpt_at_client(&h.c, g));
	g.flags = 0x18;
	g.seq += limit;
	g.data = (const uint8_t *)seen + limit;
	g.payload = (uint16_t)(n + l - limit);
	dpt_take_exact(0, dpt_at_client(&h.c, g));
	dpt_assert_nothing_sent();
	h.bseq += n;
	h.resp_shift = l;
	h.tsecr = h.bts - h.ts_off;
	instance_sends(&h, "hello", NULL, h.cseq + h.req_shift, h.cseq, 1);
	assert_int_equal(ins()->responses, 1);
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

/* ICMP error @f (@len bytes) sent to port @port: exactly @e on the other one. */
static void icmp_through(int port, const uint8_t *f, uint32_t len, const uint8_t *e, uint32_t elen)
{
	struct rte_mbuf *m = dpt_mbuf_of(f, len);
	uint8_t out[2048];

	assert_int_equal(dp_worker_process(&dpt.w, &m, 1, (uint16_t)port), 1);
	assert_int_equal(dpt_take(!port, out), elen);
	assert_memory_equal(out, e, elen);
}

/*
 * "Fragmentation needed" about segments after both insertions: the quoted
 * reply goes to the instance in its numbers (seq less the delta and the
 * Set-Cookie, ack plus the request's headers), the quoted client segment to
 * the client in its own.
 */
static void test_icmp_quotes(void **state)
{
	const char *seen = "GET /a HTTP/1.1\r\nHost: x\r\n" XFF XRID("000000000000") "\r\n";
	char hex[17], resp[256];
	uint8_t f[2048], e[2048];
	struct dpt_frame q[4];
	uint32_t len, elen;
	struct hc h;

	(void)state;
	vip_inserts(SL_HTTP_F_XFF | SL_HTTP_F_XRID | SL_HTTP_F_STICKY);
	h = first_request(44009, GET1, seen);
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)STICKY(h.c.be));
	snprintf(resp, sizeof(resp),
		 "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n" SET_COOKIE("%s") "\r\nhello", hex);
	instance_sends(&h, RESP, resp, h.cseq + h.req_shift, h.cseq, 1);
	/* [0] a reply as the client's side quotes it, [1] as the instance sent it */
	q[0] = (struct dpt_frame){.proto = IPPROTO_TCP,
				  .src = h.c.vaddr,
				  .dst = h.c.client,
				  .sport = h.c.vport,
				  .dport = h.c.cport,
				  .flags = 0x10,
				  .seq = h.cack - 5,
				  .ack = h.cseq,
				  .payload = 1400};
	q[1] = q[0];
	q[1].src = h.c.baddr;
	q[1].dst = h.c.src;
	q[1].sport = h.c.bport;
	q[1].dport = h.c.nport;
	q[1].seq = h.cack - 5 - h.delta - h.resp_shift;
	q[1].ack = h.cseq + h.req_shift;
	len = dpt_icmp_frame(f, dpt_port_mac[0], dpt_client_mac, "198.18.0.1", h.c.vaddr, 3, 4,
			     1400, &q[0], 28);
	elen = dpt_icmp_frame(e, dpt_backend_mac(h.c.be), dpt_port_mac[1], h.c.src, h.c.baddr, 3, 4,
			      1400, &q[1], 28);
	icmp_through(0, f, len, e, elen);
	/* [2] a client segment as the instance's side quotes it, [3] as the client sent it */
	q[2] = (struct dpt_frame){.proto = IPPROTO_TCP,
				  .src = h.c.src,
				  .dst = h.c.baddr,
				  .sport = h.c.nport,
				  .dport = h.c.bport,
				  .flags = 0x18,
				  .seq = h.cseq + h.req_shift,
				  .ack = h.bseq,
				  .payload = 1400};
	q[3] = q[2];
	q[3].src = h.c.client;
	q[3].dst = h.c.vaddr;
	q[3].sport = h.c.cport;
	q[3].dport = h.c.vport;
	q[3].seq = h.cseq;
	q[3].ack = h.bseq + h.delta + h.resp_shift;
	len = dpt_icmp_frame(f, dpt_port_mac[1], dpt_backend_mac(h.c.be), "198.18.1.254", h.c.src,
			     3, 4, 1400, &q[2], 28);
	elen = dpt_icmp_frame(e, dpt_client_mac, dpt_port_mac[0], h.c.vaddr, h.c.client, 3, 4, 1400,
			      &q[3], 28);
	icmp_through(1, f, len, e, elen);
	assert_int_equal(dpt_drops(&dpt.w), 0);
}

static int group_setup(void **state)
{
	(void)state;
	return dpt_init("dp_http_insert");
}

static int setup(void **state)
{
	return dpt_setup(state);
}

static int teardown(void **state)
{
	sl_slot_http(dpt.seg, 0)[V_HTTP4].flags = 0;
	sl_slot_http(dpt.seg, 0)[V_HTTP6].flags = 0;
	tvip = V_HTTP4;
	return dpt_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request_one_segment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_split_head, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_xff_append, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_cookie, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_sent_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keep_alive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_segment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rebind_fresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_split_response, setup, teardown),
		cmocka_unit_test_setup_teardown(test_icmp_quotes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
