/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `sluicectl stats`' part on the http VIPs: each worker writes its own
 * http and route counters (sl_stats_http(), sl_stats_routes()) and the
 * requests of each instance (sl_counter.requests); these are their sums
 * over the workers in use, named from the published slot. A VIP's default
 * route has no counters of its own: its requests are the VIP's less its
 * routes'.
 */
#include <stdint.h>
#include <stdio.h>

#include "cp_text.h"
#include "ctl_http.h"
#include "ctl_show.h"

#define U(x) ((unsigned long long)(x))
#define NAME_ESC (4 * SL_NAME_LEN + 1)

/* By enum sl_http_reason. */
static const char *const reason_names[SL_HTTP_REASONS] = {
	"bad_request", "head_too_long", "no_route", "no_instance", "head_timeout",
};

/* By enum sl_http_ins_reason. */
static const char *const ins_names[SL_HTTP_INS_REASONS] = {"busy", "no_mbuf", "no_room", "no_id"};

const char *ctl_route_host(const struct sl_route_key *k, char *buf, size_t len)
{
	if (k->host_kind == SL_ROUTE_HOST_ANY)
		snprintf(buf, len, "*");
	else
		snprintf(buf, len, "%s%.*s", k->host_kind == SL_ROUTE_HOST_SUFFIX ? "*" : "",
			 (int)k->host_len, k->host);
	return buf;
}

static struct sl_http_counter sum_vip(const struct sl_shm_header *h, uint32_t i)
{
	struct sl_http_counter c = {0};

	for (uint32_t w = 0; w < ctl_workers(h); w++) {
		const struct sl_http_counter *x = &sl_stats_http(h, sl_shm_worker_stats(h, w))[i];

		c.requests += x->requests;
		c.rebinds += x->rebinds;
		c.sticky_hit += x->sticky_hit;
		c.sticky_miss += x->sticky_miss;
		c.inserted_headers += x->inserted_headers;
		c.inserted_cookies += x->inserted_cookies;
		for (unsigned int r = 0; r < SL_HTTP_REASONS; r++)
			c.answered[r] += x->answered[r];
		for (unsigned int r = 0; r < SL_HTTP_INS_REASONS; r++)
			c.insert_failed[r] += x->insert_failed[r];
	}
	return c;
}

static struct sl_route_counter sum_route(const struct sl_shm_header *h, uint32_t id)
{
	struct sl_route_counter c = {0};

	for (uint32_t w = 0; id < h->max_routes && w < ctl_workers(h); w++) {
		const struct sl_route_counter *x =
			&sl_stats_routes(h, sl_shm_worker_stats(h, w))[id];

		c.requests += x->requests;
		for (unsigned int k = 0; k < 5; k++)
			c.status[k] += x->status[k];
		for (unsigned int r = 0; r < SL_HTTP_REASONS; r++)
			c.answered[r] += x->answered[r];
	}
	return c;
}

static uint64_t sum_requests(const struct sl_shm_header *h, uint32_t b)
{
	uint64_t n = 0;

	for (uint32_t w = 0; w < ctl_workers(h); w++)
		n += sl_stats_backends(h, sl_shm_worker_stats(h, w))[b].requests;
	return n;
}

static uint64_t answered_sum(const uint64_t *a)
{
	uint64_t n = 0;

	for (unsigned int r = 0; r < SL_HTTP_REASONS; r++)
		n += a[r];
	return n;
}

/* Does pool @p take requests of http VIP @i (its default pool or a route's)? */
static int vip_uses_pool(const struct sl_shm_header *h, unsigned int slot, uint32_t i, uint32_t p)
{
	const struct sl_http_vip *hv = &sl_slot_http(h, slot)[i];
	const struct sl_route *r = sl_slot_routes(h, slot);

	if (sl_slot_vips(h, slot)[i].pool == p)
		return 1;
	for (uint32_t k = hv->route_first; k < hv->route_first + hv->route_count; k++)
		if (r[k].pool == p)
			return 1;
	return 0;
}

static const char *pool_of(const struct sl_shm_header *h, unsigned int slot, uint32_t p)
{
	return p < sl_slot_hdr(h, slot)->n_pools ? sl_slot_pools(h, slot)[p].name : "-";
}

static void vip_text(const struct sl_shm_header *h, unsigned int slot, uint32_t i, FILE *out)
{
	const struct sl_table_hdr *th = sl_slot_hdr(h, slot);
	const struct sl_http_vip *hv = &sl_slot_http(h, slot)[i];
	const struct sl_route *r = sl_slot_routes(h, slot);
	const struct sl_backend *be = sl_slot_backends(h, slot);
	struct sl_http_counter c = sum_vip(h, i);
	char e1[NAME_ESC], e2[NAME_ESC], raw[SL_ROUTE_HOST_MAX + 2];
	char host[4 * SL_ROUTE_HOST_MAX + 2], path[4 * SL_ROUTE_PATH_MAX + 1];

	fprintf(out, "\nhttp vip %s: requests %llu, rebinds %llu, sticky hits %llu, misses %llu\n",
		cp_text_esc(sl_slot_vips(h, slot)[i].name, SL_NAME_LEN, e1, sizeof(e1)),
		U(c.requests), U(c.rebinds), U(c.sticky_hit), U(c.sticky_miss));
	fprintf(out, "  answered:");
	for (unsigned int a = 0; a < SL_HTTP_REASONS; a++)
		fprintf(out, "%s %s %llu", a ? "," : "", reason_names[a], U(c.answered[a]));
	fprintf(out,
		"\n  inserted: headers %llu, cookies %llu; not inserted:", U(c.inserted_headers),
		U(c.inserted_cookies));
	for (unsigned int a = 0; a < SL_HTTP_INS_REASONS; a++)
		fprintf(out, "%s %s %llu", a ? "," : "", ins_names[a], U(c.insert_failed[a]));
	fprintf(out, "\n  %-5s %-24s %-24s %-16s %10s %8s %8s %8s %8s %8s %8s\n", "ID", "HOST",
		"PATH", "POOL", "REQUESTS", "1XX", "2XX", "3XX", "4XX", "5XX", "ANSWERED");
	for (uint32_t k = hv->route_first; k < hv->route_first + hv->route_count; k++) {
		struct sl_route_counter rc = sum_route(h, r[k].id);

		ctl_route_host(&r[k].key, raw, sizeof(raw));
		cp_text_esc(raw, sizeof(raw), host, sizeof(host));
		cp_text_esc(r[k].key.path, r[k].key.path_len, path, sizeof(path));
		fprintf(out,
			"  %-5u %-24s %-24s %-16s %10llu %8llu %8llu %8llu %8llu %8llu %8llu\n",
			r[k].id, host, path,
			cp_text_esc(pool_of(h, slot, r[k].pool), SL_NAME_LEN, e1, sizeof(e1)),
			U(rc.requests), U(rc.status[0]), U(rc.status[1]), U(rc.status[2]),
			U(rc.status[3]), U(rc.status[4]), U(answered_sum(rc.answered)));
	}
	fprintf(out, "  %-24s %-16s %10s\n", "INSTANCE", "POOL", "REQUESTS");
	for (uint32_t b = 0; b < th->n_backends; b++) {
		if (!be[b].uid || !vip_uses_pool(h, slot, i, be[b].pool))
			continue;
		fprintf(out, "  %-24s %-16s %10llu\n",
			cp_text_esc(be[b].name, SL_NAME_LEN, e1, sizeof(e1)),
			cp_text_esc(pool_of(h, slot, be[b].pool), SL_NAME_LEN, e2, sizeof(e2)),
			U(sum_requests(h, b)));
	}
}

void ctl_http_stats_text(const struct sl_shm_header *h, int slot, FILE *out)
{
	const struct sl_table_hdr *th = slot >= 0 ? sl_slot_hdr(h, (unsigned int)slot) : NULL;

	for (uint32_t i = 0; th && i < th->n_vips; i++)
		if (sl_slot_vips(h, (unsigned int)slot)[i].mode == SL_MODE_HTTP)
			vip_text(h, (unsigned int)slot, i, out);
}

static void answered_json(const uint64_t *a, FILE *out)
{
	fprintf(out, "\"answered\":{");
	for (unsigned int r = 0; r < SL_HTTP_REASONS; r++)
		fprintf(out, "%s\"%s\":%llu", r ? "," : "", reason_names[r], U(a[r]));
	fprintf(out, "}");
}

static void vip_json(const struct sl_shm_header *h, unsigned int slot, uint32_t i, FILE *out)
{
	const struct sl_table_hdr *th = sl_slot_hdr(h, slot);
	const struct sl_http_vip *hv = &sl_slot_http(h, slot)[i];
	const struct sl_route *r = sl_slot_routes(h, slot);
	const struct sl_backend *be = sl_slot_backends(h, slot);
	struct sl_http_counter c = sum_vip(h, i);
	char raw[SL_ROUTE_HOST_MAX + 2];
	const char *sep = "";

	cp_text_json(out, sl_slot_vips(h, slot)[i].name, SL_NAME_LEN);
	fprintf(out,
		":{\"requests\":%llu,\"rebinds\":%llu,\"sticky_hit\":%llu,\"sticky_miss\":%llu,",
		U(c.requests), U(c.rebinds), U(c.sticky_hit), U(c.sticky_miss));
	answered_json(c.answered, out);
	fprintf(out, ",\"inserted\":{\"headers\":%llu,\"cookies\":%llu},\"not_inserted\":{",
		U(c.inserted_headers), U(c.inserted_cookies));
	for (unsigned int r = 0; r < SL_HTTP_INS_REASONS; r++)
		fprintf(out, "%s\"%s\":%llu", r ? "," : "", ins_names[r], U(c.insert_failed[r]));
	fprintf(out, "},\"routes\":[");
	for (uint32_t k = hv->route_first; k < hv->route_first + hv->route_count; k++) {
		struct sl_route_counter rc = sum_route(h, r[k].id);

		fprintf(out, "%s{\"id\":%u,\"host\":", sep, r[k].id);
		cp_text_json(out, ctl_route_host(&r[k].key, raw, sizeof(raw)), sizeof(raw));
		fprintf(out, ",\"path\":");
		cp_text_json(out, r[k].key.path, r[k].key.path_len);
		fprintf(out, ",\"pool\":");
		cp_text_json(out, pool_of(h, slot, r[k].pool), SL_NAME_LEN);
		fprintf(out,
			",\"requests\":%llu,\"status\":{\"1xx\":%llu,\"2xx\":%llu,\"3xx\":%llu,"
			"\"4xx\":%llu,\"5xx\":%llu},",
			U(rc.requests), U(rc.status[0]), U(rc.status[1]), U(rc.status[2]),
			U(rc.status[3]), U(rc.status[4]));
		answered_json(rc.answered, out);
		fprintf(out, "}");
		sep = ",";
	}
	fprintf(out, "],\"instances\":[");
	sep = "";
	for (uint32_t b = 0; b < th->n_backends; b++) {
		if (!be[b].uid || !vip_uses_pool(h, slot, i, be[b].pool))
			continue;
		fprintf(out, "%s{\"slot\":%u,\"name\":", sep, b);
		cp_text_json(out, be[b].name, SL_NAME_LEN);
		fprintf(out, ",\"pool\":");
		cp_text_json(out, pool_of(h, slot, be[b].pool), SL_NAME_LEN);
		fprintf(out, ",\"requests\":%llu}", U(sum_requests(h, b)));
		sep = ",";
	}
	fprintf(out, "]}");
}

void ctl_http_stats_json(const struct sl_shm_header *h, int slot, FILE *out)
{
	const struct sl_table_hdr *th = slot >= 0 ? sl_slot_hdr(h, (unsigned int)slot) : NULL;
	const char *sep = "";

	fprintf(out, "\"http\":{");
	for (uint32_t i = 0; th && i < th->n_vips; i++) {
		if (sl_slot_vips(h, (unsigned int)slot)[i].mode != SL_MODE_HTTP)
			continue;
		fprintf(out, "%s", sep);
		vip_json(h, (unsigned int)slot, i, out);
		sep = ",";
	}
	fprintf(out, "}");
}
