/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The latency histograms as Prometheus families: durations on either side
 * of every exported bound fold into the right buckets (each bound an edge
 * of cp_hist's own, so the counts are exact); a drain's set becomes one
 * request, one time-to-first-byte and one flow family, their series
 * labelled by VIP, route and backend (the appliance's own answers with no
 * backend label), and the exposition reads as Prometheus wants it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cp_metrics_hist.h"
#include "cp_prom.h"
#include "sl_event_types.h"

static void test_fold(void **state)
{
	static const uint64_t us[] = {0,	127,	   128, 255, 256, 1000000, (1u << 24) - 1,
				      1u << 24, 1ull << 30};
	uint64_t c[CP_METRICS_HIST_BOUNDS + 1], want[CP_METRICS_HIST_BOUNDS + 1] = {0};
	struct cp_hist h = {0};
	(void)state;

	for (size_t i = 0; i < sizeof(us) / sizeof(us[0]); i++)
		cp_hist_add(&h, us[i]);
	cp_metrics_hist_fold(&h, c);
	want[0] = 2;  /* 0 and 127 us: below 128 us */
	want[1] = 2;  /* 128, 255: below 256 */
	want[2] = 1;  /* 256 */
	want[13] = 1; /* 1 s: below 2^20 us */
	want[17] = 1; /* 2^24 - 1 */
	want[18] = 2; /* 2^24 and 2^30: above the last bound */
	assert_memory_equal(c, want, sizeof(c));
	assert_true(cp_metrics_hist_le[0] == 128e-6);
	assert_true(cp_metrics_hist_le[CP_METRICS_HIST_BOUNDS - 1] == 16.777216);
	/* every bound is a bucket edge: no bucket holds values on both sides of one */
	for (unsigned int j = 0; j < CP_METRICS_HIST_BOUNDS; j++) {
		uint64_t b = 1ull << (CP_METRICS_HIST_LOW_EXP + j);

		assert_int_equal(cp_hist_lower(cp_hist_index(b)), b);
	}
}

static struct cp_hist_entry *entry(struct cp_hist_set *s, unsigned int kind, const char *vip,
				   const char *route, const char *inst)
{
	struct cp_hist_key k;

	memset(&k, 0, sizeof(k));
	k.kind = (uint8_t)kind;
	snprintf(k.vip, sizeof(k.vip), "%s", vip);
	snprintf(k.route, sizeof(k.route), "%s", route);
	snprintf(k.instance, sizeof(k.instance), "%s", inst);
	return cp_hist_get(s, &k);
}

static void test_families(void **state)
{
	struct cp_hist_set *s = cp_hist_set_new();
	struct cp_metrics_hists m = {0};
	struct cp_hist_entry *e;
	char *text = NULL;
	size_t len = 0;
	struct cp_prom w;
	FILE *f;
	(void)state;

	assert_int_equal(cp_metrics_hists_build(&m, NULL), 0);
	for (unsigned int i = 0; i < CP_METRICS_HIST_FAMILIES; i++)
		assert_int_equal(m.fam[i].n, 0);
	e = entry(s, SL_EV_REQUEST, "api", "/login", "be1");
	cp_hist_add(&e->duration, 100);
	cp_hist_add(&e->duration, 300);
	cp_hist_add(&e->duration, 3000);
	cp_hist_add(&e->ttfb, 90);
	cp_hist_add(&e->ttfb, 250);
	cp_hist_add(&entry(s, SL_EV_FLOW, "web", "", "be4")->duration, 2000000);
	/* the appliance's own 404: no backend, no first byte of an instance */
	cp_hist_add(&entry(s, SL_EV_REQUEST, "api", "default", "")->duration, 20);
	assert_int_equal(cp_metrics_hists_build(&m, s), 0);
	assert_string_equal(m.fam[0].name, "sluice_request_duration_seconds");
	assert_int_equal(m.fam[0].n, 2);
	assert_string_equal(m.fam[0].series[0].backend, "be1");
	assert_string_equal(m.fam[0].series[0].route, "/login");
	assert_null(m.fam[0].series[1].backend);
	assert_string_equal(m.fam[1].name, "sluice_request_ttfb_seconds");
	assert_int_equal(m.fam[1].n, 1);
	assert_string_equal(m.fam[2].name, "sluice_flow_duration_seconds");
	assert_int_equal(m.fam[2].n, 1);
	assert_null(m.fam[2].series[0].route);

	f = open_memstream(&text, &len);
	assert_non_null(f);
	cp_prom_init(&w, f);
	cp_metrics_write_hists(&w, m.fam, CP_METRICS_HIST_FAMILIES);
	assert_int_equal(cp_prom_end(&w), 0);
	fclose(f);
	assert_non_null(strstr(text, "# TYPE sluice_request_duration_seconds histogram\n"));
	assert_non_null(strstr(text, "sluice_request_duration_seconds_bucket{vip=\"api\",route="
				     "\"/login\",backend=\"be1\",le=\"0.000128\"} 1\n"));
	assert_non_null(strstr(text, "sluice_request_duration_seconds_bucket{vip=\"api\",route="
				     "\"/login\",backend=\"be1\",le=\"0.000512\"} 2\n"));
	assert_non_null(strstr(text, "sluice_request_duration_seconds_bucket{vip=\"api\",route="
				     "\"/login\",backend=\"be1\",le=\"+Inf\"} 3\n"));
	assert_non_null(strstr(text, "sluice_request_duration_seconds_sum{vip=\"api\",route="
				     "\"/login\",backend=\"be1\"} 0.0034\n"));
	assert_non_null(strstr(text, "sluice_request_duration_seconds_count{vip=\"api\",route="
				     "\"default\"} 1\n"));
	assert_non_null(strstr(text, "sluice_request_ttfb_seconds_count{vip=\"api\",route="
				     "\"/login\",backend=\"be1\"} 2\n"));
	assert_non_null(strstr(text, "sluice_flow_duration_seconds_bucket{vip=\"web\",backend="
				     "\"be4\",le=\"2.097152\"} 1\n"));
	free(text);
	cp_metrics_hists_free(&m);
	cp_hist_set_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_families),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
