/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A VIP's HTTP keys (mode "http"): its routes (host and path to a pool,
 * checked and compared as common/sl_route.h says the dataplane will match
 * them), the instance cookie, the request headers the appliance adds and
 * the bounds of a request head; and the pools' balance. An http VIP is a
 * full-NAT VIP with the SYN proxy (cfg_nat.c checks its sources); what
 * the tables hold of it is sluiced's to build.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "cfg.h"
#include "cfg_priv.h"

/* Defaults and bounds, also in config/sluice.conf and docs/configuration.md. */
#define CFG_DEF_HEAD_MAX 8192u
#define CFG_MIN_HEAD_MAX 1024u
#define CFG_MAX_HEAD_MAX 65536u
#define CFG_DEF_HEAD_TIMEOUT_MS 5000u
#define CFG_MIN_HEAD_TIMEOUT_MS 100u
#define CFG_MAX_HEAD_TIMEOUT_MS 60000u
#define CFG_ROUTE_STR_LEN 256 /* bytes read of a route's host or path; sl_route bounds them */

static const struct cfg_word balances[] = {
	{"maglev", SL_BALANCE_MAGLEV},
	{"round-robin", SL_BALANCE_RR},
	{NULL, 0},
};

int cfg_parse_pool_balance(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey,
			   struct cfg_pool *p)
{
	int balance = SL_BALANCE_MAGLEV;
	int rc = cfg_get_word(ctx, g, gkey, "balance", balances, &balance);

	if (rc < 0)
		return rc;
	p->balance = (uint8_t)balance;
	return 0;
}

int cfg_mode_is_nat(unsigned int mode)
{
	return mode == SL_MODE_NAT || mode == SL_MODE_HTTP;
}

int cfg_vip_uses_pool(const struct cfg_vip *v, uint32_t pool_index)
{
	if (v->pool_index == pool_index)
		return 1;
	for (uint32_t r = 0; r < v->http.n_routes; r++)
		if (v->http.routes[r].pool_index == pool_index)
			return 1;
	return 0;
}

/* RFC 9110 5.6.2: a cookie name is a token. */
static int token_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && strspn(s, "!#$%&'*+-.^_`|~0123456789"
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") == n;
}

static int find_pool(const struct cfg *cfg, const char *name)
{
	for (uint32_t i = 0; i < cfg->n_pools; i++)
		if (strcmp(cfg->pools[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Route @j of VIP group @g: its key (path, then host, each blamed for its own fault) and pool. */
static int parse_route(struct cfg_ctx *ctx, const config_setting_t *e, const char *rkey,
		       const struct cfg *cfg, struct cfg_http *h)
{
	struct cfg_route *r = &h->routes[h->n_routes];
	char host[CFG_ROUTE_STR_LEN] = "", path[CFG_ROUTE_STR_LEN], key[CFG_KEY_LEN];
	const char *why;
	int rc, pi;

	r->line = config_setting_source_line(e);
	if ((rc = cfg_need_str(ctx, e, rkey, "path", path, sizeof(path))) < 0 ||
	    (rc = cfg_get_str(ctx, e, rkey, "host", host, sizeof(host))) < 0 ||
	    (rc = cfg_need_str(ctx, e, rkey, "pool", r->pool, sizeof(r->pool))) < 0)
		return rc;
	if (sl_route_key_make(NULL, path, &r->key, &why) < 0)
		return cfg_fail(ctx, config_setting_get_member(e, "path"),
				cfg_key(key, rkey, "path"), "\"%s\": %s", path, why);
	if (host[0] && sl_route_key_make(host, path, &r->key, &why) < 0)
		return cfg_fail(ctx, config_setting_get_member(e, "host"),
				cfg_key(key, rkey, "host"), "\"%s\": %s", host, why);
	for (uint32_t k = 0; k < h->n_routes; k++)
		if (sl_route_cmp(&h->routes[k].key, &r->key) == 0)
			return cfg_fail(ctx, e, rkey,
					"matches the same requests as routes[%u] (line %d)", k,
					h->routes[k].line);
	pi = find_pool(cfg, r->pool);
	if (pi < 0)
		return cfg_fail(ctx, config_setting_get_member(e, "pool"),
				cfg_key(key, rkey, "pool"), "no pool \"%s\" is defined", r->pool);
	r->pool_index = (uint32_t)pi;
	h->n_routes++;
	return 0;
}

static int parse_routes(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey,
			const struct cfg *cfg, struct cfg_http *h)
{
	const config_setting_t *l = config_setting_get_member(g, "routes");
	int n = l ? config_setting_length(l) : 0;
	char rkey[CFG_KEY_LEN];
	int rc;

	if (!n)
		return 0;
	h->routes = calloc((size_t)n, sizeof(*h->routes));
	if (!h->routes)
		return -ENOMEM;
	for (int j = 0; j < n; j++) {
		cfg_elem_key(rkey, gkey, "routes", j);
		rc = parse_route(ctx, config_setting_get_elem(l, (unsigned int)j), rkey, cfg, h);
		if (rc)
			return rc;
	}
	return 0;
}

static int parse_http(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey,
		      const struct cfg *cfg, struct cfg_vip *v)
{
	const config_setting_t *st = config_setting_get_member(g, "sticky");
	const config_setting_t *hd = config_setting_get_member(g, "headers");
	const config_setting_t *hg = config_setting_get_member(g, "http");
	struct cfg_http *h = &v->http;
	char skey[CFG_KEY_LEN], hkey[CFG_KEY_LEN], key[CFG_KEY_LEN];
	int rc;

	h->head_max = CFG_DEF_HEAD_MAX;
	h->head_timeout_ms = CFG_DEF_HEAD_TIMEOUT_MS;
	cfg_key(skey, gkey, "sticky");
	cfg_key(hkey, gkey, "headers");
	rc = parse_routes(ctx, g, gkey, cfg, h);
	if (rc)
		return rc;
	if (st && (rc = cfg_need_str(ctx, st, skey, "cookie", h->sticky_cookie,
				     sizeof(h->sticky_cookie))) < 0)
		return rc;
	if (st && !token_ok(h->sticky_cookie))
		return cfg_fail(
			ctx, config_setting_get_member(st, "cookie"), cfg_key(key, skey, "cookie"),
			"\"%s\" is not a cookie name (1-31 token characters)", h->sticky_cookie);
	if ((rc = cfg_get_bool(ctx, hd, hkey, "x_forwarded_for", &h->x_forwarded_for)) < 0 ||
	    (rc = cfg_get_bool(ctx, hd, hkey, "x_request_id", &h->x_request_id)) < 0 ||
	    (rc = cfg_get_u32(ctx, hg, cfg_key(key, gkey, "http"), "head_max", CFG_MIN_HEAD_MAX,
			      CFG_MAX_HEAD_MAX, &h->head_max)) < 0 ||
	    (rc = cfg_get_u32(ctx, hg, key, "head_timeout_ms", CFG_MIN_HEAD_TIMEOUT_MS,
			      CFG_MAX_HEAD_TIMEOUT_MS, &h->head_timeout_ms)) < 0)
		return rc;
	return 0;
}

int cfg_parse_vip_http(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey,
		       const struct cfg *cfg, struct cfg_vip *v)
{
	static const char *const keys[] = {"routes", "sticky", "headers", "http", NULL};
	char key[CFG_KEY_LEN];
	int rc;

	if (v->mode != SL_MODE_HTTP) {
		for (const char *const *k = keys; *k; k++) {
			const config_setting_t *s = config_setting_get_member(g, *k);

			if (s)
				return cfg_fail(ctx, s, cfg_key(key, gkey, *k),
						"only for mode = \"http\"");
		}
		return 0;
	}
	if (v->proto != IPPROTO_TCP)
		return cfg_fail(ctx, config_setting_get_member(g, "protocol"),
				cfg_key(key, gkey, "protocol"), "mode \"http\" is TCP only");
	rc = parse_http(ctx, g, gkey, cfg, v);
	if (rc) {
		free(v->http.routes);
		memset(&v->http, 0, sizeof(v->http));
	}
	return rc;
}

int cfg_check_http(struct cfg_ctx *ctx, const struct cfg *cfg, const config_setting_t *vl)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < cfg->n_vips; i++)
		n += cfg->vips[i].http.n_routes;
	if (n > cfg->tables.max_routes)
		return cfg_fail(ctx, vl, "vips", "%u HTTP routes, tables.max_routes is %u", n,
				cfg->tables.max_routes);
	return 0;
}
