/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * How sluiced's control-plane paths grow with the number of backends: each
 * path runs at a small and a large size in the same process, and the JSON
 * gives the two times (median of BENCH_REPS runs), their ratio and the
 * scaling exponent log(ratio) / log(large / small): ~1 is linear, ~2
 * quadratic; a bounded path (one neighbour step, one admin page) gives ~0.
 * The paths are the real modules: the config loader on a generated file, a
 * discovery set merged by the model, next hops tracked by cp_neigh (real
 * rtnetlink; the addresses have no route, so every backend stays
 * unresolved, the costly case), a table build, a burst of etcd watch
 * events, and one bounded neighbour step.
 *
 * Usage: bench_scale [-s SMALL] [-l LARGE] [-o FILE] [-p PATH]
 *   (default 10000, 100000, stdout, every path)
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "bench_stats.h"
#include "cfg.h"
#include "cp_etcd_kvt.h"
#include "cp_log.h"
#include "cp_model.h"
#include "cp_neigh.h"
#include "cp_tables.h"
#include "sl_shm.h"
#include "tl_shm.h"

#define BENCH_REPS 3
#define BENCH_MAGLEV 65537u
#define NEIGH_STEP 256u /* sluiced's per-tick budget (CP_PUBLISH_SCHED_NEIGH_STEP) */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Backend i: 198.18.0.0/15 has 131072 addresses; beyond, ports tell them apart. */
static void backend_addr(uint32_t i, char *buf, size_t len, uint16_t *port)
{
	uint32_t a = (198u << 24) | (18u << 16) | (i % 131072u);

	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	*port = (uint16_t)(80 + i / 131072u);
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench_scale: %s: %s\n", what, strerror(rc < 0 ? -rc : rc));
	exit(1);
}

/* ---- the paths, each timed once at size n ------------------------------- */

static char tmp_dir[64];

static uint64_t run_config(uint32_t n)
{
	char path[128], addr[32];
	struct cfg_error err;
	struct cfg c;
	uint64_t t0, t;
	uint16_t port;
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/scale-%u.conf", tmp_dir, n);
	if (access(path, F_OK) != 0) {
		f = fopen(path, "w");
		if (!f)
			die(path, errno);
		fprintf(f,
			"tables = { max_backends = %u; };\n"
			"vips = ( { name = \"web\"; address = \"198.18.100.1\"; port = 80; "
			"pool = \"web\"; } );\npools = ( { name = \"web\"; backends = (\n",
			n + 16);
		for (uint32_t i = 0; i < n; i++) {
			backend_addr(i, addr, sizeof(addr), &port);
			fprintf(f, "  { address = \"%s\"; port = %u; }%s\n", addr, port,
				i + 1 < n ? "," : "");
		}
		fprintf(f, "); } );\n");
		fclose(f);
	}
	t0 = now_ns();
	rc = cfg_load(path, (char *const[]){NULL}, &c, &err);
	t = now_ns() - t0;
	if (rc) {
		char msg[512];

		fprintf(stderr, "bench_scale: %s\n", cfg_strerror(&err, msg, sizeof(msg)));
		exit(1);
	}
	cfg_free(&c);
	return t;
}

/* A config of one VIP and one pool "web" that takes the file source. */
static void small_config(struct cfg *c, uint32_t max_backends)
{
	memset(c, 0, sizeof(*c));
	c->vips = calloc(1, sizeof(*c->vips));
	c->pools = calloc(1, sizeof(*c->pools));
	if (!c->vips || !c->pools)
		die("config", ENOMEM);
	c->n_vips = c->n_pools = 1;
	snprintf(c->vips[0].name, sizeof(c->vips[0].name), "web");
	snprintf(c->vips[0].pool, sizeof(c->vips[0].pool), "web");
	sl_addr_from_v4(&c->vips[0].addr, htonl(0xc6126401));
	c->vips[0].af = SL_AF_INET;
	c->vips[0].port = 80;
	c->vips[0].mode = SL_MODE_TUNNEL;
	snprintf(c->pools[0].name, sizeof(c->pools[0].name), "web");
	c->pools[0].disc.file = 1;
	c->pools[0].n_vips = 1;
	c->pools[0].health.rise = c->pools[0].health.fall = 1;
	c->tables.max_backends = max_backends;
	c->tables.maglev_size = BENCH_MAGLEV;
	c->controlplane.drain_timeout = 60;
}

static struct cp_disc_instance *instances(uint32_t n)
{
	struct cp_disc_instance *v = calloc(n + 1, sizeof(*v));
	char addr[32];
	struct in_addr a4;

	if (!v)
		die("instances", ENOMEM);
	for (uint32_t i = 0; i < n; i++) {
		backend_addr(i, addr, sizeof(addr), &v[i].port);
		inet_pton(AF_INET, addr, &a4);
		sl_addr_from_v4(&v[i].addr, a4.s_addr);
		v[i].af = SL_AF_INET;
		v[i].weight = 1;
	}
	return v;
}

static uint64_t run_model(uint32_t n)
{
	struct cp_disc_instance *v = instances(n);
	struct cp_model *m = cp_model_new(NULL);
	struct cfg c;
	uint64_t t0, t;

	small_config(&c, n + 16);
	if (!m || cp_model_configure(m, &c) != 0)
		die("model", ENOMEM);
	t0 = now_ns();
	if (cp_model_update(m, CP_DISC_FILE, "web", v, n) != 0)
		die("model update", ENOMEM);
	t = now_ns() - t0;
	cp_model_free(m);
	cfg_free(&c);
	free(v);
	return t;
}

/* The model's view of n instances (what sluiced hands cp_neigh and cp_tables). */
static void view_of(uint32_t n, struct cfg *c, struct cp_model **m)
{
	struct cp_disc_instance *v = instances(n);

	small_config(c, n + 16);
	*m = cp_model_new(NULL);
	if (!*m || cp_model_configure(*m, c) != 0 ||
	    cp_model_update(*m, CP_DISC_FILE, "web", v, n) != 0)
		die("model", ENOMEM);
	free(v);
}

/* n backends tracked by a fresh cp_neigh; @configure: time cp_neigh_configure(), else one step. */
static uint64_t neigh_timed(uint32_t n, int configure)
{
	struct cp_neigh *ng = cp_neigh_new();
	struct cfg c, view;
	struct cp_model *m;
	uint64_t t0, t;

	if (!ng)
		die("rtnetlink", errno);
	view_of(n, &c, &m);
	if (cp_model_view(m, &view) != 0)
		die("view", ENOMEM);
	t0 = now_ns();
	if (cp_neigh_configure(ng, &view) != 0)
		die("neigh", ENOMEM);
	if (!configure) {
		cp_neigh_refresh_start(ng);
		t0 = now_ns();
		cp_neigh_refresh_step(ng, NEIGH_STEP);
	}
	t = now_ns() - t0;
	cp_model_view_free(&view);
	cp_model_free(m);
	cfg_free(&c);
	cp_neigh_free(ng);
	return t;
}

static uint64_t run_neigh(uint32_t n)
{
	return neigh_timed(n, 1);
}

/* One bounded refresh step (NEIGH_STEP backends) among n tracked ones. */
static uint64_t run_neigh_step(uint32_t n)
{
	return neigh_timed(n, 0);
}

static uint64_t run_tables(uint32_t n)
{
	struct sl_shm_geometry g = {1, SL_MAX_PORTS_LIMIT, 8, 4, n + 16, BENCH_MAGLEV};
	struct cp_neigh *ng = cp_neigh_new();
	struct cp_tables_summary sum;
	struct sl_shm_header *h;
	struct cfg c, view;
	struct cp_tables *tb;
	struct cp_model *m;
	char why[256];
	uint64_t t0, t;
	int rc;

	if (!ng)
		die("neigh", ENOMEM);
	h = tl_shm_segment(&g);
	if (!h)
		die("segment", EINVAL);
	tb = cp_tables_new(n + 16);
	if (!tb)
		die("tables", ENOMEM);
	view_of(n, &c, &m);
	if (cp_model_view(m, &view) != 0 || cp_neigh_configure(ng, &view) != 0)
		die("view", ENOMEM);
	t0 = now_ns();
	rc = cp_tables_build(tb, &view, cp_neigh_lookup, ng, h, 0, 1, now_ns(), &sum, why,
			     sizeof(why));
	t = now_ns() - t0;
	if (rc) {
		fprintf(stderr, "bench_scale: build: %s\n", why);
		exit(1);
	}
	cp_model_view_free(&view);
	cp_model_free(m);
	cfg_free(&c);
	cp_tables_free(tb);
	cp_neigh_free(ng);
	free(h);
	return t;
}

/* n watch events (one put each), reported once as the batch timer does. */
static uint32_t etcd_updates;

static void etcd_update(void *ctx, enum cp_disc_source src, const char *pool,
			const struct cp_disc_instance *v, uint32_t n)
{
	(void)src;
	(void)pool;
	(void)v;
	(void)n;
	(void)ctx;
	etcd_updates++;
}

static uint64_t run_etcd(uint32_t n)
{
	struct cp_disc_sink sink = {.update = etcd_update};
	struct cp_etcd_kvt t;
	char key[96], value[96], addr[32];
	uint64_t t0, dt;
	uint16_t port;

	if (cp_etcd_kvt_init(&t, "/sluice/pools/", &sink) != 0)
		die("kvt", ENOMEM);
	t0 = now_ns();
	for (uint32_t i = 0; i < n; i++) {
		backend_addr(i, addr, sizeof(addr), &port);
		snprintf(key, sizeof(key), "/sluice/pools/web/i%u", i);
		snprintf(value, sizeof(value), "{\"address\": \"%s\", \"port\": %u}", addr, port);
		if (cp_etcd_kvt_put(&t, key, value, strlen(value), NULL) != 0)
			die("kvt put", ENOMEM);
	}
	cp_etcd_kvt_flush(&t);
	dt = now_ns() - t0;
	cp_etcd_kvt_fini(&t);
	return dt;
}

/* ---- driver --------------------------------------------------------------- */

struct path {
	const char *name;
	const char *what;
	uint64_t (*run)(uint32_t n);
	uint32_t div; /* sizes divided by this (etcd: a burst of 5 k, 50 k puts) */
};

static const struct path paths[] = {
	{"config_load", "cfg_load() of one pool of n backends", run_config, 1},
	{"model_merge", "cp_model_update() of a discovery set of n instances", run_model, 1},
	{"neigh_configure", "cp_neigh_configure() with n backends", run_neigh, 1},
	{"tables_build", "cp_tables_build() of n backends, next hops from cp_neigh", run_tables, 1},
	{"etcd_burst", "n etcd watch events (puts), then one report", run_etcd, 2},
	{"neigh_step", "one refresh step (256 backends) among n", run_neigh_step, 1},
};

static uint64_t median(const struct path *p, uint32_t n)
{
	uint64_t t[BENCH_REPS];

	for (int r = 0; r < BENCH_REPS; r++)
		t[r] = p->run(n);
	bench_sort_u64(t, BENCH_REPS);
	return t[BENCH_REPS / 2];
}

int main(int argc, char **argv)
{
	uint32_t small = 10000, large = 100000;
	const char *out_path = NULL, *only = NULL;
	FILE *out = stdout;
	int c, first = 1;

	while ((c = getopt(argc, argv, "s:l:o:p:")) != -1) {
		switch (c) {
		case 'p':
			only = optarg;
			break;
		case 's':
			small = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'l':
			large = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'o':
			out_path = optarg;
			break;
		default:
			fprintf(stderr,
				"usage: bench_scale [-s SMALL] [-l LARGE] [-o FILE] [-p PATH]\n");
			return 2;
		}
	}
	if (!small || large <= small) {
		fprintf(stderr, "bench_scale: need 0 < SMALL < LARGE\n");
		return 2;
	}
	cp_log_level = CP_LOG_ERR; /* one warning per unresolved backend is not the point here */
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/sl-bench-scale-XXXXXX");
	if (!mkdtemp(tmp_dir))
		die("mkdtemp", errno);
	if (out_path && !(out = fopen(out_path, "w")))
		die(out_path, errno);
	fprintf(out, "{\"benchmark\":\"scale\",\"reps\":%d,\"paths\":[", BENCH_REPS);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const struct path *p = &paths[i];
		uint32_t ns = small / p->div, nl = large / p->div;
		uint64_t ts, tl;

		if (only && strcmp(only, p->name) != 0)
			continue;
		p->run(nl); /* warm-up: both sizes then run on a heap grown to the large one */
		ts = median(p, ns);
		tl = median(p, nl);
		double ratio = (double)tl / (double)(ts ? ts : 1);
		double expo = log(ratio) / log((double)nl / (double)ns);

		fprintf(out,
			"%s\n {\"path\":\"%s\",\"what\":\"%s\",\"n_small\":%u,\"n_large\":%u,"
			"\"ms_small\":%.3f,\"ms_large\":%.3f,\"ratio\":%.2f,\"exponent\":%.2f}",
			first ? "" : ",", p->name, p->what, ns, nl, (double)ts / 1e6,
			(double)tl / 1e6, ratio, expo);
		first = 0;
		fprintf(stderr,
			"%-16s n %6u: %9.3f ms  n %6u: %9.3f ms  ratio %6.2f  exponent %.2f\n",
			p->name, ns, (double)ts / 1e6, nl, (double)tl / 1e6, ratio, expo);
	}
	fprintf(out, "\n]}\n");
	if (out != stdout)
		fclose(out);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_scale: could not remove %s\n", tmp_dir);
	}
	return 0;
}
