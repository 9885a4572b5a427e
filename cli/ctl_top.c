/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `sluicectl top` (ctl_top.h). A snapshot is one row per VIP, per route of
 * each http VIP and per instance of the published slot, with its counters
 * summed over the workers; a frame divides the difference of two
 * snapshots by the time between them. Names are escaped for the terminal.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cp_loop.h"
#include "cp_text.h"
#include "ctl_http.h"
#include "ctl_top.h"

#define LD(v) __atomic_load_n(&(v), __ATOMIC_RELAXED)

static struct ctl_top_row *add(struct ctl_top_snap *s, uint32_t *cap)
{
	if (s->n == *cap) {
		uint32_t c = *cap ? 2 * *cap : 32;
		struct ctl_top_row *r = realloc(s->rows, c * sizeof(*r));

		if (!r)
			return NULL;
		s->rows = r;
		*cap = c;
	}
	memset(&s->rows[s->n], 0, sizeof(s->rows[0]));
	return &s->rows[s->n++];
}

/* Does an http VIP of the slot send requests to pool @p? */
static int http_pool(const struct sl_shm_header *h, unsigned int slot, uint32_t p)
{
	const struct sl_table_hdr *th = sl_slot_hdr(h, slot);
	const struct sl_vip *v = sl_slot_vips(h, slot);
	const struct sl_http_vip *hv = sl_slot_http(h, slot);
	const struct sl_route *r = sl_slot_routes(h, slot);

	for (uint32_t i = 0; i < th->n_vips && i < h->max_vips; i++) {
		if (v[i].mode != SL_MODE_HTTP)
			continue;
		if (v[i].pool == p)
			return 1;
		for (uint32_t k = hv[i].route_first; k < hv[i].route_first + hv[i].route_count; k++)
			if (k < h->max_routes && r[k].pool == p)
				return 1;
	}
	return 0;
}

static void vip_rows(const struct sl_shm_header *h, unsigned int slot, struct ctl_top_snap *s,
		     uint32_t *cap, int *err)
{
	const struct sl_table_hdr *th = sl_slot_hdr(h, slot);
	const struct sl_vip *v = sl_slot_vips(h, slot);
	const struct sl_http_vip *hv = sl_slot_http(h, slot);
	const struct sl_route *rt = sl_slot_routes(h, slot);

	for (uint32_t i = 0; i < th->n_vips && i < h->max_vips && !*err; i++) {
		struct ctl_top_row *r = add(s, cap);

		if (!r) {
			*err = -ENOMEM;
			return;
		}
		r->kind = CTL_TOP_VIP;
		r->http = v[i].mode == SL_MODE_HTTP;
		r->errors = r->http;
		snprintf(r->name, sizeof(r->name), "%.*s", SL_NAME_LEN, v[i].name);
		snprintf(r->group, sizeof(r->group), "%s", ctl_mode_name(v[i].mode));
		for (uint32_t w = 0; w < s->workers; w++) {
			struct sl_worker_stats *ws = sl_shm_worker_stats(h, w);
			struct sl_http_counter *c = &sl_stats_http(h, ws)[i];

			if (!r->http) {
				r->requests += LD(sl_stats_vips(ws)[i].flows);
				continue;
			}
			r->requests += LD(c->requests);
			for (unsigned int a = 0; a < SL_HTTP_REASONS; a++)
				r->errs += LD(c->answered[a]);
		}
		if (!r->http)
			continue;
		for (uint32_t k = hv[i].route_first;
		     k < hv[i].route_first + hv[i].route_count && k < h->max_routes; k++) {
			struct ctl_top_row *q = add(s, cap);
			char host[SL_ROUTE_HOST_MAX + 2];
			uint32_t id = rt[k].id;

			if (!q) {
				*err = -ENOMEM;
				return;
			}
			q->kind = CTL_TOP_ROUTE;
			q->http = 1;
			q->errors = 1;
			ctl_route_host(&rt[k].key, host, sizeof(host));
			snprintf(q->name, sizeof(q->name), "%.*s %s%.*s", SL_NAME_LEN, v[i].name,
				 rt[k].key.host_kind == SL_ROUTE_HOST_ANY ? "" : host,
				 (int)rt[k].key.path_len, rt[k].key.path);
			for (uint32_t w = 0; id < h->max_routes && w < s->workers; w++) {
				struct sl_route_counter *c =
					&sl_stats_routes(h, sl_shm_worker_stats(h, w))[id];

				q->requests += LD(c->requests);
				q->errs += LD(c->status[4]);
				for (unsigned int a = 0; a < SL_HTTP_REASONS; a++)
					q->errs += LD(c->answered[a]);
			}
		}
	}
}

static void instance_rows(const struct sl_shm_header *h, unsigned int slot, struct ctl_top_snap *s,
			  uint32_t *cap, int *err)
{
	const struct sl_table_hdr *th = sl_slot_hdr(h, slot);
	const struct sl_backend *be = sl_slot_backends(h, slot);
	const struct sl_pool *pools = sl_slot_pools(h, slot);

	for (uint32_t b = 0; b < th->n_backends && b < h->max_backends && !*err; b++) {
		struct ctl_top_row *r;

		if (!be[b].uid)
			continue;
		r = add(s, cap);
		if (!r) {
			*err = -ENOMEM;
			return;
		}
		r->kind = CTL_TOP_INSTANCE;
		r->http = http_pool(h, slot, be[b].pool);
		r->errors = 1;
		snprintf(r->name, sizeof(r->name), "%.*s", SL_NAME_LEN, be[b].name);
		snprintf(r->group, sizeof(r->group), "%.*s", SL_NAME_LEN,
			 be[b].pool < h->max_pools ? pools[be[b].pool].name : "-");
		for (uint32_t w = 0; w < s->workers; w++) {
			struct sl_counter *c = &sl_stats_backends(h, sl_shm_worker_stats(h, w))[b];

			r->requests += r->http ? LD(c->requests) : LD(c->flows);
			r->errs += LD(c->connect_failures);
		}
	}
}

int ctl_top_take(const struct ctl_segment *seg, uint64_t t_ns, struct ctl_top_snap *out)
{
	const struct sl_shm_header *h = seg->hdr;
	char why[160];
	uint32_t cap = 0;
	int slot, err = 0;

	memset(out, 0, sizeof(*out));
	out->t_ns = t_ns;
	out->workers = ctl_workers(h);
	for (uint32_t w = 0; w < out->workers; w++) {
		struct sl_worker_stats *ws = sl_shm_worker_stats(h, w);

		out->flows_active += LD(ws->flows_active);
		out->nat_active += LD(ws->nat.conns_active);
	}
	slot = ctl_published_slot(seg, why, sizeof(why));
	if (slot < 0)
		return 0; /* no names yet: a frame of totals */
	out->generation = sl_slot_hdr(h, (unsigned int)slot)->generation;
	vip_rows(h, (unsigned int)slot, out, &cap, &err);
	if (!err)
		instance_rows(h, (unsigned int)slot, out, &cap, &err);
	if (err)
		ctl_top_free(out);
	return err;
}

void ctl_top_free(struct ctl_top_snap *snap)
{
	free(snap->rows);
	snap->rows = NULL;
	snap->n = 0;
}

static const struct ctl_top_row *find(const struct ctl_top_snap *s, const struct ctl_top_row *r)
{
	for (uint32_t i = 0; s && i < s->n; i++)
		if (s->rows[i].kind == r->kind && strcmp(s->rows[i].name, r->name) == 0 &&
		    strcmp(s->rows[i].group, r->group) == 0)
			return &s->rows[i];
	return NULL;
}

/* "12.5", or "-" for a row without that count */
static const char *rate(uint64_t now, uint64_t before, double dt, int has, char *buf, size_t len)
{
	if (!has)
		return "-";
	snprintf(buf, len, "%.1f", now >= before && dt > 0 ? (double)(now - before) / dt : 0.0);
	return buf;
}

static void section(const struct ctl_top_snap *prev, const struct ctl_top_snap *cur, double dt,
		    uint8_t kind, FILE *out)
{
	static const char *const titles[] = {"VIP", "ROUTE", "INSTANCE"};
	char name[4 * 160 + 1], group[4 * 40 + 1], rq[32], er[32];

	static const char *const groups[] = {"MODE", "", "POOL"};

	fprintf(out, "\n  %-40s %-16s %10s %10s %8s %8s\n", titles[kind], groups[kind], "REQ/S",
		"ERR/S", "P50", "P99");
	for (uint32_t i = 0; i < cur->n; i++) {
		const struct ctl_top_row *r = &cur->rows[i], *p;

		if (r->kind != kind)
			continue;
		p = find(prev, r);
		cp_text_esc(r->name, sizeof(r->name), name, sizeof(name));
		cp_text_esc(r->group, sizeof(r->group), group, sizeof(group));
		fprintf(out, "  %-40s %-16s %10s %10s %8s %8s\n", name, group,
			rate(r->requests, p ? p->requests : 0, dt, 1, rq, sizeof(rq)),
			rate(r->errs, p ? p->errs : 0, dt, r->errors, er, sizeof(er)), "-", "-");
	}
}

void ctl_top_render(const struct ctl_segment *s, const struct ctl_top_snap *prev,
		    const struct ctl_top_snap *cur, FILE *out)
{
	double dt = prev && cur->t_ns > prev->t_ns ? (double)(cur->t_ns - prev->t_ns) / 1e9 : 0;
	int routes = 0;

	fprintf(out,
		"sluice %s: generation %llu, %u workers, over %.1f s; active: %llu flows, %llu "
		"full-NAT connections\n",
		s->instance, (unsigned long long)cur->generation, cur->workers, dt,
		(unsigned long long)cur->flows_active, (unsigned long long)cur->nat_active);
	fprintf(out, "  REQ/S: http requests, else new flows; ERR/S: the appliance's answers, "
		     "5xx, connect failures\n");
	if (!cur->n) {
		fprintf(out, "\n  no table published yet\n");
		return;
	}
	section(prev, cur, dt, CTL_TOP_VIP, out);
	for (uint32_t i = 0; i < cur->n; i++)
		routes |= cur->rows[i].kind == CTL_TOP_ROUTE;
	if (routes)
		section(prev, cur, dt, CTL_TOP_ROUTE, out);
	section(prev, cur, dt, CTL_TOP_INSTANCE, out);
}

static volatile sig_atomic_t top_stop;

static void on_int(int sig)
{
	(void)sig;
	top_stop = 1;
}

static void sleep_s(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};

	while (!top_stop && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int ctl_top_main(const struct ctl_segment *s, int argc, char **argv)
{
	static const struct option opts[] = {
		{"once", no_argument, NULL, 'o'},
		{"interval", required_argument, NULL, 'n'},
		{"count", required_argument, NULL, 'N'},
		{NULL, 0, NULL, 0},
	};
	struct ctl_top_snap prev, cur;
	double interval = 1.0;
	long count = 0, frames = 0;
	int tty = isatty(STDOUT_FILENO), c;
	char *end;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			count = 1;
			tty = 0;
			break;
		case 'n':
			interval = strtod(optarg, &end);
			if (*end || interval < 0.1 || interval > 3600) {
				fprintf(stderr, "sluicectl top: --interval %s: not 0.1..3600 s\n",
					optarg);
				return 2;
			}
			break;
		case 'N':
			count = strtol(optarg, &end, 10);
			if (*end || count < 1) {
				fprintf(stderr,
					"sluicectl top: --count %s: not a positive number\n",
					optarg);
				return 2;
			}
			break;
		default:
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "sluicectl top: unexpected argument %s\n", argv[optind]);
		return 2;
	}
	signal(SIGINT, on_int);
	signal(SIGTERM, on_int);
	if (ctl_top_take(s, cp_loop_now_ns(), &prev))
		return 1;
	while (!top_stop && (!count || frames < count)) {
		sleep_s(interval);
		if (top_stop)
			break;
		if (ctl_top_take(s, cp_loop_now_ns(), &cur)) {
			ctl_top_free(&prev);
			return 1;
		}
		if (tty)
			fputs("\033[H\033[2J", stdout); /* home, clear: the frame in place */
		else if (frames)
			fputc('\n', stdout);
		ctl_top_render(s, &prev, &cur, stdout);
		fflush(stdout);
		ctl_top_free(&prev);
		prev = cur;
		frames++;
	}
	ctl_top_free(&prev);
	return 0;
}
