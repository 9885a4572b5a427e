/* SPDX-License-Identifier: BSD-3-Clause */
/* The latency histograms as Prometheus families (see cp_metrics_hist.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cp_metrics_hist.h"
#include "sl_event_types.h"

#define US(e) ((double)(1ull << (e)) / 1e6)

const double cp_metrics_hist_le[CP_METRICS_HIST_BOUNDS] = {
	US(7),	US(8),	US(9),	US(10), US(11), US(12), US(13), US(14), US(15),
	US(16), US(17), US(18), US(19), US(20), US(21), US(22), US(23), US(24),
};

_Static_assert(sizeof(cp_metrics_hist_le) / sizeof(cp_metrics_hist_le[0]) == CP_METRICS_HIST_BOUNDS,
	       "one bound per power of two");

void cp_metrics_hist_fold(const struct cp_hist *h, uint64_t *counts)
{
	unsigned int j = 0;

	memset(counts, 0, (CP_METRICS_HIST_BOUNDS + 1) * sizeof(*counts));
	for (unsigned int i = 0; i < CP_HIST_BUCKETS; i++) {
		/* bucket i holds [lower(i), lower(i + 1)); the last one has no end */
		uint64_t end = i + 1 < CP_HIST_BUCKETS ? cp_hist_lower(i + 1) : UINT64_MAX;

		while (j < CP_METRICS_HIST_BOUNDS && end > 1ull << (CP_METRICS_HIST_LOW_EXP + j))
			j++;
		counts[j] += h->bucket[i];
	}
}

static const char *label(const char *s)
{
	return s[0] ? s : NULL;
}

struct fill {
	struct cp_metrics_hists *m;
	size_t n[CP_METRICS_HIST_FAMILIES];
	size_t first[CP_METRICS_HIST_FAMILIES];
};

static void add(struct fill *f, unsigned int fam, const struct cp_hist_entry *e,
		const struct cp_hist *h)
{
	size_t k = f->first[fam] + f->n[fam]++;
	struct cp_metrics_hist_series *x = &f->m->series[k];
	uint64_t *c = &f->m->counts[k * (CP_METRICS_HIST_BOUNDS + 1)];

	cp_metrics_hist_fold(h, c);
	x->vip = label(e->key.vip);
	x->route = label(e->key.route);
	x->backend = label(e->key.instance);
	x->h = (struct cp_prom_hist){.n = CP_METRICS_HIST_BOUNDS,
				     .le = cp_metrics_hist_le,
				     .counts = c,
				     .sum = (double)h->sum_us / 1e6};
}

static int each(void *arg, const struct cp_hist_entry *e)
{
	struct fill *f = arg;

	if (e->key.kind == SL_EV_REQUEST) {
		add(f, 0, e, &e->duration);
		if (e->ttfb.count)
			add(f, 1, e, &e->ttfb);
	} else if (e->key.kind == SL_EV_FLOW) {
		add(f, 2, e, &e->duration);
	}
	return 0;
}

static void names(struct cp_metrics_hists *m)
{
	m->fam[0].name = "sluice_request_duration_seconds";
	m->fam[0].help = "Requests' time from the first byte of their head to the last "
			 "byte of their response, by VIP, route and backend";
	m->fam[1].name = "sluice_request_ttfb_seconds";
	m->fam[1].help = "Requests' time to the first byte of the response, by VIP, route and "
			 "backend";
	m->fam[2].name = "sluice_flow_duration_seconds";
	m->fam[2].help = "Finished flows' time from their first packet to their last, by VIP "
			 "and backend";
	for (unsigned int i = 0; i < CP_METRICS_HIST_FAMILIES; i++) {
		m->fam[i].series = m->series;
		m->fam[i].n = 0;
	}
}

int cp_metrics_hists_build(struct cp_metrics_hists *m, const struct cp_hist_set *s)
{
	/* each family's series in its own third: an entry gives each at most one */
	size_t n = s ? cp_hist_count(s) : 0, need = CP_METRICS_HIST_FAMILIES * n;
	struct fill f = {.m = m};

	names(m);
	if (!n)
		return 0;
	if (need > m->cap) {
		struct cp_metrics_hist_series *x = realloc(m->series, need * sizeof(*x));
		uint64_t *c;

		if (x)
			m->series = x;
		c = x ? realloc(m->counts, need * (CP_METRICS_HIST_BOUNDS + 1) * sizeof(*c)) : NULL;
		if (c)
			m->counts = c;
		if (!c)
			return -ENOMEM;
		m->cap = need;
	}
	for (unsigned int i = 0; i < CP_METRICS_HIST_FAMILIES; i++)
		f.first[i] = i * n;
	cp_hist_each(s, each, &f);
	for (unsigned int i = 0; i < CP_METRICS_HIST_FAMILIES; i++) {
		m->fam[i].series = &m->series[f.first[i]];
		m->fam[i].n = (uint32_t)f.n[i];
	}
	return 0;
}

void cp_metrics_hists_free(struct cp_metrics_hists *m)
{
	free(m->series);
	free(m->counts);
	memset(m, 0, sizeof(*m));
}
