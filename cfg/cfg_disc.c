/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A pool's health checks, panic threshold and discovery sources, and the
 * top-level discovery section that sets up the providers (file, dns, etcd).
 * A pool may only name a provider the file configures, so a typo never
 * leaves a pool silently without instances. With the defaults (health type
 * "none", no dynamic source) every listed backend serves once resolved.
 * docs/configuration.md lists every key.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "cfg.h"
#include "cfg_priv.h"
#include "cfg_endpoints.h"
#include "sl_shm.h"

#define CFG_DEF_HEALTH_PATH "/"
#define CFG_DEF_EXPECT_LO 200u
#define CFG_DEF_EXPECT_HI 399u
#define CFG_DEF_INTERVAL_MS 1000u
#define CFG_MIN_INTERVAL_MS 10u
#define CFG_MAX_INTERVAL_MS 3600000u /* ms: an hour */
#define CFG_DEF_HC_TIMEOUT_MS 500u
#define CFG_DEF_RISE 2u
#define CFG_DEF_FALL 3u
#define CFG_DEF_JITTER_MS 100u
#define CFG_MAX_PANIC 100u /* % */
#define CFG_DEF_DNS_PORT 53u
#define CFG_DEF_DNS_TIMEOUT_MS 1000u
#define CFG_MAX_DNS_TIMEOUT_MS 60000u
#define CFG_DEF_MIN_TTL 1u   /* s */
#define CFG_DEF_MAX_TTL 300u /* s */
#define CFG_MAX_TTL 86400u   /* s: a day */
#define CFG_DEF_ETCD_PREFIX "/sluice/pools/"
#define CFG_DEF_ETCD_TIMEOUT_MS 2000u
#define CFG_MAX_ETCD_TIMEOUT_MS 600000u

static const struct cfg_word health_types[] = {
	{"none", CFG_HEALTH_CHECK_NONE},
	{"tcp", CFG_HEALTH_CHECK_TCP},
	{"http", CFG_HEALTH_CHECK_HTTP},
	{"udp", CFG_HEALTH_CHECK_UDP},
	{NULL, 0},
};

void cfg_pool_defaults(struct cfg_pool *p)
{
	struct cfg_health *h = &p->health;

	memset(h, 0, sizeof(*h));
	h->type = CFG_HEALTH_CHECK_NONE;
	snprintf(h->path, sizeof(h->path), CFG_DEF_HEALTH_PATH);
	h->expect_lo = CFG_DEF_EXPECT_LO;
	h->expect_hi = CFG_DEF_EXPECT_HI;
	h->interval_ms = CFG_DEF_INTERVAL_MS;
	h->timeout_ms = CFG_DEF_HC_TIMEOUT_MS;
	h->rise = CFG_DEF_RISE;
	h->fall = CFG_DEF_FALL;
	h->jitter_ms = CFG_DEF_JITTER_MS;
	p->panic_threshold = 0;
	memset(&p->disc, 0, sizeof(p->disc));
}

static const config_setting_t *member(const config_setting_t *g, const char *name)
{
	return g ? config_setting_get_member(g, name) : NULL;
}

/* No whitespace or control characters (they would break the request line). */
static int token_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return 0;
	return 1;
}

/* Printable text (body and UDP strings are matched/sent as they are). */
static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return 0;
	return 1;
}

/* "200-399" or "204": a range of HTTP status codes within 100..599. */
static int parse_expect(const char *s, uint16_t *lo, uint16_t *hi)
{
	unsigned int a, b;
	int n = 0;

	if (sscanf(s, "%3u-%3u%n", &a, &b, &n) == 2 && n == (int)strlen(s) && n == 7) {
		/* both bounds given */
	} else if (sscanf(s, "%3u%n", &a, &n) == 1 && n == (int)strlen(s) && n == 3) {
		b = a;
	} else {
		return -EINVAL;
	}
	if (a < 100 || b > 599 || a > b)
		return -EINVAL;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

static int parse_health(struct cfg_ctx *ctx, const config_setting_t *pg, const char *pkey,
			struct cfg_health *h)
{
	const config_setting_t *g = member(pg, "health");
	char gkey[CFG_KEY_LEN], key[CFG_KEY_LEN], expect[32] = "";
	uint32_t port = 0;
	int type = CFG_HEALTH_CHECK_NONE, rc;

	if (!g)
		return 0;
	cfg_key(gkey, pkey, "health");
	if ((rc = cfg_get_word(ctx, g, gkey, "type", health_types, &type)) < 0 ||
	    (rc = cfg_get_u32(ctx, g, gkey, "port", 0, 65535, &port)) < 0 ||
	    (rc = cfg_get_str(ctx, g, gkey, "path", h->path, sizeof(h->path))) < 0 ||
	    (rc = cfg_get_str(ctx, g, gkey, "host", h->host, sizeof(h->host))) < 0 ||
	    (rc = cfg_get_str(ctx, g, gkey, "expect", expect, sizeof(expect))) < 0 ||
	    (rc = cfg_get_str(ctx, g, gkey, "body", h->body, sizeof(h->body))) < 0 ||
	    (rc = cfg_get_str(ctx, g, gkey, "payload", h->payload, sizeof(h->payload))) < 0 ||
	    (rc = cfg_get_str(ctx, g, gkey, "response", h->response, sizeof(h->response))) < 0 ||
	    (rc = cfg_get_u32(ctx, g, gkey, "interval_ms", CFG_MIN_INTERVAL_MS, CFG_MAX_INTERVAL_MS,
			      &h->interval_ms)) < 0 ||
	    (rc = cfg_get_u32(ctx, g, gkey, "timeout_ms", 1, CFG_MAX_INTERVAL_MS, &h->timeout_ms)) <
		    0 ||
	    (rc = cfg_get_u32(ctx, g, gkey, "rise", 1, CFG_RISE_FALL_MAX, &h->rise)) < 0 ||
	    (rc = cfg_get_u32(ctx, g, gkey, "fall", 1, CFG_RISE_FALL_MAX, &h->fall)) < 0 ||
	    (rc = cfg_get_u32(ctx, g, gkey, "jitter_ms", 0, CFG_MAX_INTERVAL_MS, &h->jitter_ms)) <
		    0 ||
	    (rc = cfg_get_bool(ctx, g, gkey, "via_tunnel", &h->via_tunnel)) < 0 ||
	    (rc = cfg_get_u32(ctx, g, gkey, "passive_fall", 0, CFG_RISE_FALL_MAX,
			      &h->passive_fall)) < 0)
		return rc;
	h->type = (uint8_t)type;
	h->port = (uint16_t)port;
	if (h->path[0] != '/' || !token_ok(h->path))
		return cfg_fail(ctx, member(g, "path"), cfg_key(key, gkey, "path"),
				"\"%s\" must start with '/' and hold no spaces", h->path);
	if (!token_ok(h->host))
		return cfg_fail(ctx, member(g, "host"), cfg_key(key, gkey, "host"),
				"\"%s\" holds spaces or control characters", h->host);
	if (expect[0] && parse_expect(expect, &h->expect_lo, &h->expect_hi) < 0)
		return cfg_fail(ctx, member(g, "expect"), cfg_key(key, gkey, "expect"),
				"\"%s\" is not a status \"NNN\" or range \"NNN-NNN\" within "
				"100..599",
				expect);
	if (!printable(h->body))
		return cfg_fail(ctx, member(g, "body"), cfg_key(key, gkey, "body"),
				"holds control characters");
	if (!printable(h->payload))
		return cfg_fail(ctx, member(g, "payload"), cfg_key(key, gkey, "payload"),
				"holds control characters");
	if (!printable(h->response))
		return cfg_fail(ctx, member(g, "response"), cfg_key(key, gkey, "response"),
				"holds control characters");
	if (h->timeout_ms > h->interval_ms)
		return cfg_fail(ctx, member(g, "timeout_ms"), cfg_key(key, gkey, "timeout_ms"),
				"%u is longer than interval_ms (%u)", h->timeout_ms,
				h->interval_ms);
	if (h->jitter_ms >= h->interval_ms)
		return cfg_fail(ctx, member(g, "jitter_ms"), cfg_key(key, gkey, "jitter_ms"),
				"%u is not below interval_ms (%u)", h->jitter_ms, h->interval_ms);
	return 0;
}

/* An SRV owner name: 1..253 of [A-Za-z0-9_.-], no empty label. */
static int srv_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 253 || s[0] == '.' || strstr(s, ".."))
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

int cfg_parse_pool_extras(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey,
			  const struct cfg *cfg, struct cfg_pool *p)
{
	const config_setting_t *dg = member(g, "discovery");
	char dkey[CFG_KEY_LEN], key[CFG_KEY_LEN];
	int rc;

	cfg_pool_defaults(p);
	if ((rc = parse_health(ctx, g, gkey, &p->health)) < 0 ||
	    (rc = cfg_get_u32(ctx, g, gkey, "panic_threshold", 0, CFG_MAX_PANIC,
			      &p->panic_threshold)) < 0)
		return rc;
	if (!dg)
		return 0;
	cfg_key(dkey, gkey, "discovery");
	if ((rc = cfg_get_bool(ctx, dg, dkey, "file", &p->disc.file)) < 0 ||
	    (rc = cfg_get_str(ctx, dg, dkey, "dns", p->disc.dns, sizeof(p->disc.dns))) < 0 ||
	    (rc = cfg_get_bool(ctx, dg, dkey, "etcd", &p->disc.etcd)) < 0)
		return rc;
	if (p->disc.file && !cfg->discovery.file.path[0])
		return cfg_fail(ctx, member(dg, "file"), cfg_key(key, dkey, "file"),
				"true, but discovery.file.path is not set");
	if (p->disc.dns[0] && !srv_name_ok(p->disc.dns))
		return cfg_fail(ctx, member(dg, "dns"), cfg_key(key, dkey, "dns"),
				"\"%s\" is not a DNS name of [A-Za-z0-9_.-]", p->disc.dns);
	if (p->disc.dns[0] && !cfg->discovery.dns.resolver[0])
		return cfg_fail(ctx, member(dg, "dns"), cfg_key(key, dkey, "dns"),
				"set, but discovery.dns.resolver is not set");
	if (p->disc.etcd && !cfg->discovery.etcd.endpoints[0])
		return cfg_fail(ctx, member(dg, "etcd"), cfg_key(key, dkey, "etcd"),
				"true, but discovery.etcd.endpoints is not set");
	return 0;
}

int cfg_check_pool_extras(struct cfg_ctx *ctx, const struct cfg *cfg, const config_setting_t *pl)
{
	char key[CFG_KEY_LEN];

	for (uint32_t i = 0; i < cfg->n_vips; i++) {
		const struct cfg_vip *v = &cfg->vips[i];

		for (uint32_t pi = 0; pi < cfg->n_pools; pi++) {
			const struct cfg_pool *p = &cfg->pools[pi];
			const config_setting_t *hg;

			if (!cfg_vip_uses_pool(v, pi) || p->implicit ||
			    p->health.type == CFG_HEALTH_CHECK_NONE)
				continue;
			/* defined pools come first, in file order */
			hg = member(config_setting_get_elem(pl, pi), "health");
			if (p->health.via_tunnel && v->mode != SL_MODE_TUNNEL) {
				snprintf(key, sizeof(key), "pools[%u].health.via_tunnel", pi);
				return cfg_fail(ctx, member(hg, "via_tunnel"), key,
						"pool \"%s\" serves VIP \"%s\" (line %d), which is "
						"not in tunnel mode",
						p->name, v->name, v->line);
			}
			if (!p->health.port && !v->port) {
				snprintf(key, sizeof(key), "pools[%u].health.port", pi);
				return cfg_fail(ctx, hg, key,
						"required: pool \"%s\" serves VIP \"%s\" (line %d) "
						"on any port",
						p->name, v->name, v->line);
			}
		}
	}
	return 0;
}

/* "198.18.0.53", "198.18.0.53:5353", "2001:2::53", "[2001:2::53]:5353". */
static int parse_resolver(struct cfg_discovery_dns *d)
{
	char host[64];
	const char *colon;
	unsigned long port = CFG_DEF_DNS_PORT;
	struct in_addr v4;
	char *end;

	memset(&d->resolver_addr, 0, sizeof(d->resolver_addr));
	if (d->resolver[0] == '[') {
		const char *close = strchr(d->resolver, ']');

		if (!close || close - d->resolver - 1 >= (long)sizeof(host))
			return -EINVAL;
		memcpy(host, d->resolver + 1, (size_t)(close - d->resolver - 1));
		host[close - d->resolver - 1] = '\0';
		if (close[1] && close[1] != ':')
			return -EINVAL;
		colon = close[1] ? close + 1 : NULL;
	} else {
		colon = strchr(d->resolver, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL; /* a bare IPv6 address */
		snprintf(host, sizeof(host), "%.*s",
			 colon ? (int)(colon - d->resolver) : (int)strlen(d->resolver),
			 d->resolver);
	}
	if (colon) {
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		if (!colon[1] || *end || errno || port < 1 || port > 65535)
			return -EINVAL;
	}
	if (inet_pton(AF_INET, host, &v4) == 1) {
		sl_addr_from_v4(&d->resolver_addr, v4.s_addr);
		d->resolver_af = SL_AF_INET;
	} else if (inet_pton(AF_INET6, host, d->resolver_addr.a8) == 1) {
		d->resolver_af = SL_AF_INET6;
	} else {
		return -EINVAL;
	}
	d->resolver_port = (uint16_t)port;
	return 0;
}

int cfg_parse_discovery(struct cfg_ctx *ctx, struct cfg *cfg)
{
	const config_setting_t *g =
		config_setting_get_member(config_root_setting(&ctx->lc), "discovery");
	const config_setting_t *fg = member(g, "file"), *dg = member(g, "dns"),
			       *eg = member(g, "etcd");
	struct cfg_endpoint ep[CFG_DISC_ETCD_MAX_ENDPOINTS];
	struct cfg_discovery *c = &cfg->discovery;
	char key[CFG_KEY_LEN], why[200];
	uint32_t n_ep;
	int rc;

	c->dns.timeout_ms = CFG_DEF_DNS_TIMEOUT_MS;
	c->dns.min_ttl = CFG_DEF_MIN_TTL;
	c->dns.max_ttl = CFG_DEF_MAX_TTL;
	c->dns.resolver_port = CFG_DEF_DNS_PORT;
	snprintf(c->etcd.prefix, sizeof(c->etcd.prefix), CFG_DEF_ETCD_PREFIX);
	c->etcd.timeout_ms = CFG_DEF_ETCD_TIMEOUT_MS;
	if ((rc = cfg_get_str(ctx, fg, "discovery.file", "path", c->file.path,
			      sizeof(c->file.path))) < 0 ||
	    (rc = cfg_get_str(ctx, dg, "discovery.dns", "resolver", c->dns.resolver,
			      sizeof(c->dns.resolver))) < 0 ||
	    (rc = cfg_get_u32(ctx, dg, "discovery.dns", "timeout_ms", 1, CFG_MAX_DNS_TIMEOUT_MS,
			      &c->dns.timeout_ms)) < 0 ||
	    (rc = cfg_get_u32(ctx, dg, "discovery.dns", "min_ttl", 1, CFG_MAX_TTL,
			      &c->dns.min_ttl)) < 0 ||
	    (rc = cfg_get_u32(ctx, dg, "discovery.dns", "max_ttl", 1, CFG_MAX_TTL,
			      &c->dns.max_ttl)) < 0 ||
	    (rc = cfg_get_str(ctx, eg, "discovery.etcd", "endpoints", c->etcd.endpoints,
			      sizeof(c->etcd.endpoints))) < 0 ||
	    (rc = cfg_get_str(ctx, eg, "discovery.etcd", "prefix", c->etcd.prefix,
			      sizeof(c->etcd.prefix))) < 0 ||
	    (rc = cfg_get_u32(ctx, eg, "discovery.etcd", "timeout_ms", 1, CFG_MAX_ETCD_TIMEOUT_MS,
			      &c->etcd.timeout_ms)) < 0)
		return rc;
	if (c->file.path[0] && c->file.path[0] != '/')
		return cfg_fail(ctx, member(fg, "path"), "discovery.file.path",
				"\"%s\" is not an absolute path", c->file.path);
	if (c->dns.resolver[0] && parse_resolver(&c->dns) < 0)
		return cfg_fail(ctx, member(dg, "resolver"), "discovery.dns.resolver",
				"\"%s\" is not ADDRESS, ADDRESS:PORT or [IPv6]:PORT",
				c->dns.resolver);
	if (c->dns.max_ttl < c->dns.min_ttl)
		return cfg_fail(ctx, member(dg, "max_ttl"), "discovery.dns.max_ttl",
				"%u is below min_ttl (%u)", c->dns.max_ttl, c->dns.min_ttl);
	if (c->etcd.endpoints[0] &&
	    cfg_endpoints_parse(c->etcd.endpoints, ep, &n_ep, why, sizeof(why)) < 0)
		return cfg_fail(ctx, member(eg, "endpoints"), "discovery.etcd.endpoints", "%s",
				why);
	if (c->etcd.prefix[0] != '/')
		return cfg_fail(ctx, member(eg, "prefix"), cfg_key(key, "discovery.etcd", "prefix"),
				"\"%s\" must start with '/'", c->etcd.prefix);
	return 0;
}
