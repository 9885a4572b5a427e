/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The drain: records read from each worker's ring in order, named from the
 * table the dataplane follows (null for an instance gone since), sampled
 * exactly, written only for the kinds switched on, every record counted in
 * the histograms; a full ring's drops read back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cfg_types.h"
#include "cp_ev_drain.h"
#include "sl_evring.h"
#include "tl_shm.h"

static const struct sl_shm_geometry geo = {
	.max_workers = 2,
	.max_ports = 1,
	.max_vips = 4,
	.max_pools = 2,
	.max_backends = 4,
	.maglev_size = 13,
	.max_nat_sources = 0,
	.max_routes = 4,
	.ev_ring_size = 16,
};

struct fix {
	struct sl_shm_header *h;
	struct cfg cfg;
	struct cfg *cfgp;
	struct cp_loop *loop;
	FILE *f;
	struct cp_ev_out *out;
	struct cp_ev_drain d;
	long at; /* lines read so far end here */
};

static int setup(void **state)
{
	struct fix *x = calloc(1, sizeof(*x));
	struct sl_backend *b;
	struct sl_route *r;
	char why[128];

	assert_non_null(x);
	x->h = tl_shm_segment(&geo);
	assert_non_null(x->h);
	tl_shm_fill_slot(x->h, 0, 1, 1);
	b = sl_slot_backends(x->h, 0);
	snprintf(b[0].name, sizeof(b[0].name), "b0");
	snprintf(b[1].name, sizeof(b[1].name), "b1");
	r = sl_slot_routes(x->h, 0);
	r->id = 3;
	r->key.path_len = 6;
	memcpy(r->key.path, "/login", 6);
	sl_slot_hdr(x->h, 0)->n_routes = 1;
	x->h->published = SL_GEN_WORD(1, 0);
	x->h->dp_tsc_hz = 1000000000ull;
	x->h->dp_tsc_ref = 0;
	x->h->dp_tsc_ref_ns = 1796186400ull * 1000000000ull;
	x->cfg.events = (struct cfg_events){
		.flows = 1, .requests = 1, .query = 1, .sample = 1.0, .ring_size = 16};
	x->cfgp = &x->cfg;
	x->loop = cp_loop_new();
	x->f = tmpfile();
	assert_non_null(x->loop);
	assert_non_null(x->f);
	x->out = cp_ev_out_new(&x->cfg.events, x->f, why, sizeof(why));
	assert_non_null(x->out);
	assert_int_equal(cp_ev_drain_start(&x->d, x->loop, &x->h, &x->cfgp, x->out), 0);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fix *x = *state;

	cp_ev_drain_stop(&x->d);
	cp_ev_out_free(x->out);
	fclose(x->f);
	cp_loop_free(x->loop);
	free(x->h);
	free(x);
	return 0;
}

/* Worker @w writes a flow record of backend @be (uid @uid) starting at TSC @start. */
static int put_flow(struct fix *x, unsigned int w, uint32_t be, uint64_t uid, uint64_t start,
		    uint64_t us)
{
	struct sl_ev_ring *r = sl_shm_ev_ring(x->h, w);
	union sl_event *e = sl_evring_reserve(r, x->h->ev_ring_size);

	if (!e)
		return 0;
	memset(e, 0, sizeof(*e));
	e->flow.kind = SL_EV_FLOW;
	e->flow.end = SL_EV_END_FIN;
	e->flow.seen = SL_EV_SEEN_CLIENT;
	e->flow.backend = be;
	e->flow.backend_uid = uid;
	e->flow.worker = (uint16_t)w;
	e->flow.key.proto = 6;
	e->flow.start_tsc = start;
	e->flow.last_tsc = start + us * 1000;
	sl_evring_commit(r);
	return 1;
}

/* The lines written since the last call: how many, and the last one in @last. */
static int lines(struct fix *x, char *last, size_t len)
{
	char line[4096];
	int n = 0;

	fseek(x->f, x->at, SEEK_SET);
	while (fgets(line, sizeof(line), x->f)) {
		n++;
		snprintf(last, len, "%s", line);
	}
	x->at = ftell(x->f);
	return n;
}

static uint64_t hist_count(struct fix *x, unsigned int kind, const char *route,
			   const char *instance)
{
	struct cp_hist_key k;

	memset(&k, 0, sizeof(k));
	k.kind = (uint8_t)kind;
	snprintf(k.vip, sizeof(k.vip), "web");
	snprintf(k.route, sizeof(k.route), "%s", route);
	snprintf(k.instance, sizeof(k.instance), "%s", instance);
	return cp_hist_get((struct cp_hist_set *)cp_ev_drain_hist(&x->d), &k)->duration.count;
}

static void test_names_and_order(void **state)
{
	struct fix *x = *state;
	char last[4096];

	put_flow(x, 0, 0, 100, 1000, 10);
	put_flow(x, 1, 1, 101, 2000, 20);
	put_flow(x, 1, 1, 999, 3000, 30); /* slot 1 holds another instance now */
	assert_int_equal(cp_ev_drain_run(&x->d), 3);
	assert_int_equal(lines(x, last, sizeof(last)), 3);
	assert_non_null(strstr(last, "\"vip\":\"web\",\"mode\":\"tunnel\",\"instance\":null,"
				     "\"instance_addr\":null,"));
	assert_non_null(strstr(last, "\"worker\":1,"));
	assert_non_null(strstr(last, "\"duration_us\":30,"));
	fseek(x->f, 0, SEEK_SET);
	assert_non_null(fgets(last, sizeof(last), x->f));
	assert_non_null(strstr(last, "\"instance\":\"b0\",\"instance_addr\":\"198.18.1.11\""));
	assert_non_null(fgets(last, sizeof(last), x->f));
	assert_non_null(strstr(last, "\"instance\":\"b1\",\"instance_addr\":\"198.18.1.12\""));
	assert_int_equal(hist_count(x, SL_EV_FLOW, "", "b0"), 1);
	assert_int_equal(hist_count(x, SL_EV_FLOW, "", "b1"), 1);
	assert_int_equal(hist_count(x, SL_EV_FLOW, "", ""), 1);
	assert_int_equal(cp_ev_drain_run(&x->d), 0);
}

static void test_sampling_and_switches(void **state)
{
	struct fix *x = *state;
	char last[4096];

	x->cfg.events.sample = 0.25;
	for (int i = 0; i < 12; i++)
		put_flow(x, 0, 0, 100, 1000, 5);
	cp_ev_drain_run(&x->d);
	assert_int_equal(lines(x, last, sizeof(last)), 3); /* exactly a quarter */
	x->cfg.events.sample = 1.0;
	x->cfg.events.flows = 0;
	for (int i = 0; i < 5; i++)
		put_flow(x, 1, 0, 100, 1000, 5);
	assert_int_equal(cp_ev_drain_run(&x->d), 5);
	assert_int_equal(lines(x, last, sizeof(last)), 0);
	/* the histograms count every record, written or not */
	assert_int_equal(hist_count(x, SL_EV_FLOW, "", "b0"), 17);
	assert_int_equal(x->d.read[SL_EV_FLOW], 17);
	assert_int_equal(x->d.written[SL_EV_FLOW], 3);
}

static void test_request_route(void **state)
{
	struct fix *x = *state;
	struct sl_ev_ring *r = sl_shm_ev_ring(x->h, 1);
	union sl_event *e = sl_evring_reserve(r, 16);
	char last[4096];

	memset(e, 0, sizeof(*e));
	e->req.kind = SL_EV_REQUEST;
	e->req.mode = SL_MODE_HTTP;
	e->req.backend = 1;
	e->req.backend_uid = 101;
	e->req.route = 3;
	e->req.start_tsc = 1000;
	e->req.first_byte_tsc = 1000 + 400000;
	e->req.end_tsc = 1000 + 500000;
	e->req.status = 200;
	memcpy(e->req.method, "GET", 3);
	e->req.method_len = 3;
	memcpy(e->req.path, "/login?x=1", 10);
	e->req.path_len = 10;
	sl_evring_commit(r);
	x->cfg.events.query = 0;
	assert_int_equal(cp_ev_drain_run(&x->d), 1);
	assert_int_equal(lines(x, last, sizeof(last)), 1);
	assert_non_null(strstr(last, "\"instance\":\"b1\","));
	assert_non_null(strstr(last, "\"path\":\"/login\",\"path_cut\":false,\"route\":\"/login\","
				     "\"status\":200,"));
	assert_non_null(strstr(last, "\"ttfb_us\":400,\"duration_us\":500,"));
	assert_int_equal(hist_count(x, SL_EV_REQUEST, "/login", "b1"), 1);
}

static void test_full_ring_drops(void **state)
{
	struct fix *x = *state;
	int kept = 0;

	for (int i = 0; i < 21; i++)
		kept += put_flow(x, 1, 0, 100, 1000, 1);
	assert_int_equal(kept, 16);
	assert_int_equal(cp_ev_drain_drops(&x->d, 1), 5);
	assert_int_equal(cp_ev_drain_drops(&x->d, 0), 0);
	assert_int_equal(cp_ev_drain_run(&x->d), 16);
	assert_int_equal(put_flow(x, 1, 0, 100, 1000, 1), 1);
	assert_int_equal(cp_ev_drain_drops(&x->d, 1), 5);
}

/* A daemon that failed before the drain started still runs its last pass and stops it. */
static void test_never_started(void **state)
{
	struct cp_ev_drain d;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(cp_ev_drain_run(&d), 0);
	cp_ev_drain_stop(&d);
}

/* A segment truncated under sluiced: no pass reads it. */
static bool gone(void *arg)
{
	(void)arg;
	return true;
}

static void test_lost_segment_not_read(void **state)
{
	struct fix *x = *state;

	assert_int_equal(put_flow(x, 0, 0, 100, 1000, 1), 1);
	x->d.lost = gone;
	assert_int_equal(cp_ev_drain_run(&x->d), 0);
	x->d.lost = NULL;
	assert_int_equal(cp_ev_drain_run(&x->d), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_never_started),
		cmocka_unit_test_setup_teardown(test_lost_segment_not_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_and_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sampling_and_switches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_route, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_ring_drops, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
