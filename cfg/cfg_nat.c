/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Full NAT: the nat section (source addresses and ports, the size of each
 * worker's connection table, the idle timeout of a connection in each
 * state) and a nat VIP's own keys (synproxy, mss, its own sources). What
 * needs the running system (a source on a dataplane port's subnet, not the
 * kernel's address there) is sluiced's to check.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "cfg.h"
#include "cfg_priv.h"

/* Defaults, also in config/sluice.conf and docs/configuration.md. */
#define CFG_DEF_NAT_PORT_MIN 1024u
#define CFG_DEF_NAT_PORT_MAX 65535u
#define CFG_DEF_CONNS_PER_WORKER 262144u
#define CFG_MIN_CONNS_PER_WORKER 1024u
#define CFG_MAX_CONNS_PER_WORKER 16777216u /* a connection id has 31 bits */
#define CFG_DEF_NAT_SYN 5u		   /* s */
#define CFG_DEF_NAT_ESTABLISHED 300u	   /* s */
#define CFG_DEF_NAT_FIN 10u		   /* s */
#define CFG_DEF_NAT_TIME_WAIT 10u	   /* s */
#define CFG_DEF_NAT_CLOSE 2u		   /* s */
#define CFG_DEF_NAT_UDP 30u		   /* s */
#define CFG_MAX_NAT_TIMEOUT 604800u	   /* s: a week */
#define CFG_MAX_MSS 65495u		   /* an IPv4 datagram of 65535 bytes */
#define CFG_DEF_COOKIE_ROTATE 60u	   /* s */
#define CFG_MIN_COOKIE_ROTATE 10u	   /* s */
#define CFG_MAX_COOKIE_ROTATE 3600u	   /* s */

/* The addresses of string array @name in @g into @out: valid unicast, no repeats. */
static int get_sources(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey,
		       struct cfg_nat_sources *out)
{
	const config_setting_t *l = g ? config_setting_get_member(g, "sources") : NULL;
	char key[CFG_KEY_LEN], text[INET6_ADDRSTRLEN];
	int n = l ? config_setting_length(l) : 0;

	out->n = 0;
	if (l && n == 0)
		return cfg_fail(ctx, l, cfg_key(key, gkey, "sources"),
				"empty: name at least one address, or leave the key out");
	if (n > CFG_NAT_SOURCES_MAX)
		return cfg_fail(ctx, l, cfg_key(key, gkey, "sources"), "%d addresses, at most %d",
				n, CFG_NAT_SOURCES_MAX);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(l, (unsigned int)i);
		struct cfg_nat_source *src = &out->a[out->n];
		const char *s = config_setting_get_string(e), *why;

		cfg_elem_key(key, gkey, "sources", i);
		if (!s)
			return cfg_fail(ctx, e, key, "expected a string");
		why = cfg_parse_addr(s, &src->addr, &src->af);
		if (why)
			return cfg_fail(ctx, e, key, "\"%s\": %s", s, why);
		src->line = config_setting_source_line(e);
		for (uint32_t j = 0; j < out->n; j++)
			if (memcmp(&out->a[j].addr, &src->addr, sizeof(src->addr)) == 0) {
				cfg_format_addr(&src->addr, src->af, text, sizeof(text));
				return cfg_fail(ctx, e, key, "%s is listed twice", text);
			}
		out->n++;
	}
	return 0;
}

int cfg_parse_nat(struct cfg_ctx *ctx, struct cfg *cfg)
{
	const config_setting_t *n = config_setting_get_member(config_root_setting(&ctx->lc), "nat");
	const config_setting_t *to = n ? config_setting_get_member(n, "timeouts") : NULL;
	struct cfg_nat *c = &cfg->nat;
	struct cfg_nat_timeouts *t = &c->timeouts;
	const char *g = "nat", *tg = "nat.timeouts";
	int rc;

	c->port_min = CFG_DEF_NAT_PORT_MIN;
	c->port_max = CFG_DEF_NAT_PORT_MAX;
	c->conns_per_worker = CFG_DEF_CONNS_PER_WORKER;
	c->cookie_rotate = CFG_DEF_COOKIE_ROTATE;
	t->syn = CFG_DEF_NAT_SYN;
	t->established = CFG_DEF_NAT_ESTABLISHED;
	t->fin = CFG_DEF_NAT_FIN;
	t->time_wait = CFG_DEF_NAT_TIME_WAIT;
	t->close = CFG_DEF_NAT_CLOSE;
	t->udp = CFG_DEF_NAT_UDP;
	if ((rc = get_sources(ctx, n, g, &c->sources)) < 0 ||
	    (rc = cfg_get_u32(ctx, n, g, "port_min", 1, 65535, &c->port_min)) < 0 ||
	    (rc = cfg_get_u32(ctx, n, g, "port_max", 1, 65535, &c->port_max)) < 0 ||
	    (rc = cfg_get_u32(ctx, n, g, "conns_per_worker", CFG_MIN_CONNS_PER_WORKER,
			      CFG_MAX_CONNS_PER_WORKER, &c->conns_per_worker)) < 0 ||
	    (rc = cfg_get_u32(ctx, n, g, "cookie_rotate", CFG_MIN_COOKIE_ROTATE,
			      CFG_MAX_COOKIE_ROTATE, &c->cookie_rotate)) < 0 ||
	    (rc = cfg_get_u32(ctx, to, tg, "syn", 1, CFG_MAX_NAT_TIMEOUT, &t->syn)) < 0 ||
	    (rc = cfg_get_u32(ctx, to, tg, "established", 1, CFG_MAX_NAT_TIMEOUT,
			      &t->established)) < 0 ||
	    (rc = cfg_get_u32(ctx, to, tg, "fin", 1, CFG_MAX_NAT_TIMEOUT, &t->fin)) < 0 ||
	    (rc = cfg_get_u32(ctx, to, tg, "time_wait", 1, CFG_MAX_NAT_TIMEOUT, &t->time_wait)) <
		    0 ||
	    (rc = cfg_get_u32(ctx, to, tg, "close", 1, CFG_MAX_NAT_TIMEOUT, &t->close)) < 0 ||
	    (rc = cfg_get_u32(ctx, to, tg, "udp", 1, CFG_MAX_NAT_TIMEOUT, &t->udp)) < 0)
		return rc;
	/* every worker owns a slice of every source's ports */
	if (c->port_max < c->port_min || c->port_max - c->port_min + 1 < cfg->tables.max_workers)
		return cfg_fail(ctx, config_setting_get_member(n, "port_max"), "nat.port_max",
				"ports %u..%u: fewer than tables.max_workers (%u), one slice each",
				c->port_min, c->port_max, cfg->tables.max_workers);
	return 0;
}

int cfg_parse_vip_nat(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey,
		      unsigned int mode, struct cfg_vip *v)
{
	static const char *const keys[] = {"synproxy", "mss", "nat", NULL};
	const config_setting_t *ng = config_setting_get_member(g, "nat");
	char key[CFG_KEY_LEN], nkey[CFG_KEY_LEN];
	uint32_t mss = 0;
	int rc;

	if (!cfg_mode_is_nat(mode)) {
		for (const char *const *k = keys; *k; k++) {
			const config_setting_t *s = config_setting_get_member(g, *k);

			if (s)
				return cfg_fail(ctx, s, cfg_key(key, gkey, *k),
						"only for mode = \"nat\" or \"http\"");
		}
		return 0;
	}
	/* http reads the request before it opens the instance's connection: the proxy does */
	v->synproxy = mode == SL_MODE_HTTP;
	if ((rc = cfg_get_bool(ctx, g, gkey, "synproxy", &v->synproxy)) < 0 ||
	    (rc = cfg_get_u32(ctx, g, gkey, "mss", 0, CFG_MAX_MSS, &mss)) < 0 ||
	    (rc = get_sources(ctx, ng, cfg_key(nkey, gkey, "nat"), &v->nat_sources)) < 0)
		return rc;
	if (mss && mss < SL_NAT_MSS_MIN)
		return cfg_fail(ctx, config_setting_get_member(g, "mss"), cfg_key(key, gkey, "mss"),
				"%u is below %u (0: no clamp beyond the ports' MTUs)", mss,
				SL_NAT_MSS_MIN);
	if (mode == SL_MODE_HTTP && !v->synproxy)
		return cfg_fail(ctx, config_setting_get_member(g, "synproxy"),
				cfg_key(key, gkey, "synproxy"),
				"mode \"http\" always uses the SYN proxy: leave the key out");
	v->mss = (uint16_t)mss;
	return 0;
}

/* The setting that named source @i of @v's own list, or of nat.sources. */
static const config_setting_t *source_setting(struct cfg_ctx *ctx, const config_setting_t *vg,
					      uint32_t i)
{
	const config_setting_t *g =
		vg ? config_setting_get_member(vg, "nat")
		   : config_setting_get_member(config_root_setting(&ctx->lc), "nat");

	return config_setting_get_elem(config_setting_get_member(g, "sources"), i);
}

/* No source of @list (at @gkey, owned by VIP group @vg or by the nat section) is a VIP's address.
 */
static int check_not_vips(struct cfg_ctx *ctx, const struct cfg *cfg,
			  const struct cfg_nat_sources *list, const config_setting_t *vg,
			  const char *gkey)
{
	char key[CFG_KEY_LEN], text[INET6_ADDRSTRLEN];

	for (uint32_t i = 0; i < list->n; i++)
		for (uint32_t j = 0; j < cfg->n_vips; j++) {
			const struct cfg_vip *o = &cfg->vips[j];

			if (memcmp(&o->addr, &list->a[i].addr, sizeof(o->addr)))
				continue;
			cfg_format_addr(&o->addr, o->af, text, sizeof(text));
			return cfg_fail(ctx, source_setting(ctx, vg, i),
					cfg_elem_key(key, gkey, "sources", (int)i),
					"%s is the address of VIP \"%s\" (line %d)", text, o->name,
					o->line);
		}
	return 0;
}

/* Where @a is listed before VIP @vi's own list: nat.sources or an earlier VIP's; NULL if nowhere.
 */
static const struct cfg_nat_source *listed_before(const struct cfg *cfg, uint32_t vi,
						  const struct sl_addr *a, char *where, size_t len)
{
	for (uint32_t b = 0; b < cfg->nat.sources.n; b++)
		if (!memcmp(&cfg->nat.sources.a[b].addr, a, sizeof(*a))) {
			snprintf(where, len, "nat.sources");
			return &cfg->nat.sources.a[b];
		}
	for (uint32_t j = 0; j < vi; j++)
		for (uint32_t b = 0; b < cfg->vips[j].nat_sources.n; b++)
			if (!memcmp(&cfg->vips[j].nat_sources.a[b].addr, a, sizeof(*a))) {
				snprintf(where, len, "vips[%u].nat.sources", j);
				return &cfg->vips[j].nat_sources.a[b];
			}
	return NULL;
}

/*
 * An address belongs to one list: each list's addresses of a family are
 * one contiguous run of the table's sources, which every VIP using the
 * list shares, and an address listed twice would have its ports handed
 * out twice.
 */
static int check_one_list(struct cfg_ctx *ctx, const struct cfg *cfg, uint32_t vi,
			  const config_setting_t *vg, const char *gkey)
{
	const struct cfg_nat_sources *own = &cfg->vips[vi].nat_sources;
	char key[CFG_KEY_LEN], text[INET6_ADDRSTRLEN], where[48];

	for (uint32_t a = 0; a < own->n; a++) {
		const struct cfg_nat_source *o =
			listed_before(cfg, vi, &own->a[a].addr, where, sizeof(where));

		if (!o)
			continue;
		cfg_format_addr(&own->a[a].addr, own->a[a].af, text, sizeof(text));
		return cfg_fail(ctx, source_setting(ctx, vg, a),
				cfg_elem_key(key, gkey, "sources", (int)a),
				"%s is already in %s (line %d): an address belongs to one list",
				text, where, o->line);
	}
	return 0;
}

static int has_family(const struct cfg_nat_sources *list, uint8_t af)
{
	for (uint32_t i = 0; i < list->n; i++)
		if (list->a[i].af == af)
			return 1;
	return 0;
}

int cfg_check_nat(struct cfg_ctx *ctx, const struct cfg *cfg, const config_setting_t *vl)
{
	char gkey[CFG_KEY_LEN], key[CFG_KEY_LEN];
	uint32_t distinct = cfg->nat.sources.n;
	int rc;

	rc = check_not_vips(ctx, cfg, &cfg->nat.sources, NULL, "nat");
	if (rc)
		return rc;
	for (uint32_t i = 0; i < cfg->n_vips; i++) {
		const struct cfg_vip *v = &cfg->vips[i];
		const config_setting_t *vg = config_setting_get_elem(vl, i);
		const struct cfg_nat_sources *own = &v->nat_sources;

		if (!cfg_mode_is_nat(v->mode))
			continue;
		snprintf(gkey, sizeof(gkey), "vips[%u].nat", i);
		rc = check_not_vips(ctx, cfg, own, vg, gkey);
		if (rc)
			return rc;
		if (!has_family(own->n ? own : &cfg->nat.sources, v->af)) {
			snprintf(key, sizeof(key), "vips[%u].mode", i);
			return cfg_fail(ctx, config_setting_get_member(vg, "mode"), key,
					"mode \"%s\" needs an %s source address, and %s has none",
					v->mode == SL_MODE_HTTP ? "http" : "nat",
					cfg_af_name(v->af),
					own->n ? "its nat.sources" : "nat.sources");
		}
		rc = check_one_list(ctx, cfg, i, vg, gkey);
		if (rc)
			return rc;
		distinct += own->n;
	}
	if (distinct > cfg->tables.max_nat_sources)
		return cfg_fail(ctx,
				config_setting_get_member(config_root_setting(&ctx->lc), "nat"),
				"nat.sources",
				"%u distinct NAT source addresses, "
				"tables.max_nat_sources is %u",
				distinct, cfg->tables.max_nat_sources);
	return 0;
}
