/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vips and pools sections: addresses, ports, modes, and the checks that
 * tie them together (unique names and VIP keys, one address family per
 * pool, table limits). A VIP may name a pool the file does not define: it
 * gets an implicit empty pool (cfg_pool.implicit) that discovery fills.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "cfg.h"
#include "cfg_priv.h"
#include "sl_shm.h"

#define CFG_DEF_GUE_PORT 6080u
#define CFG_MAX_WEIGHT 65535u

static const struct cfg_word protocols[] = {
	{"tcp", IPPROTO_TCP},
	{"udp", IPPROTO_UDP},
	{NULL, 0},
};
static const struct cfg_word modes[] = {
	{"dsr", SL_MODE_DSR},
	{"tunnel", SL_MODE_TUNNEL},
	{"nat", SL_MODE_NAT},
	{"http", SL_MODE_HTTP},
	{NULL, 0},
};
static const struct cfg_word hashes[] = {
	{"5-tuple", 0},
	{"3-tuple", 1},
	{NULL, 0},
};
static const struct cfg_word encaps[] = {
	{"ipip", CFG_ENCAP_IPIP},
	{"gue", CFG_ENCAP_GUE},
	{NULL, 0},
};

static const char *const addr_port[] = {"address", "port", NULL};
static const char *const addr_port_name[] = {"name", "address", "port", NULL};
static const char *const vip_key[] = {"address", "port", "protocol", NULL};

const char *cfg_addr_why(const struct sl_addr *a, uint8_t af)
{
	if (af == SL_AF_INET) {
		uint32_t v4 = ntohl(a->a32[3]);

		if (!sl_addr_is_v4(a))
			return "not an IPv4 address";
		if (v4 == INADDR_ANY || v4 == INADDR_BROADCAST || IN_MULTICAST(v4))
			return "not a unicast address";
		return NULL;
	}
	if (af != SL_AF_INET6)
		return "not an IPv4 or IPv6 address";
	if (sl_addr_is_v4(a))
		return "IPv4-mapped IPv6 address: write the IPv4 address";
	if (a->a64[0] == 0 && a->a64[1] == 0)
		return "not a unicast address";
	if (a->a8[0] == 0xff)
		return "not a unicast address";
	return NULL;
}

int cfg_backend_name_ok(const char *name)
{
	size_t n = strnlen(name, SL_NAME_LEN);

	return n >= 1 && n < SL_NAME_LEN &&
	       strspn(name,
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-[]") == n;
}

const char *cfg_instance_why(const struct sl_addr *a, uint8_t af, uint32_t weight, const char *name,
			     uint8_t pool_af, char *buf, size_t len)
{
	const char *why = cfg_addr_why(a, af);

	if (why)
		return why;
	if (pool_af && af != pool_af) {
		snprintf(buf, len, "%s instance in a pool that serves %s VIPs", cfg_af_name(af),
			 cfg_af_name(pool_af));
		return buf;
	}
	if (weight > CFG_MAX_WEIGHT) {
		snprintf(buf, len, "weight %u out of range 0..%u", weight, CFG_MAX_WEIGHT);
		return buf;
	}
	if (name && name[0] && !cfg_backend_name_ok(name))
		return "name is not 1-31 of [A-Za-z0-9_.:[]-]";
	return NULL;
}

static int get_addr(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey,
		    struct sl_addr *a, uint8_t *af)
{
	char text[INET6_ADDRSTRLEN + 8], key[CFG_KEY_LEN];
	const char *why;
	int rc = cfg_need_str(ctx, g, gkey, "address", text, sizeof(text));

	if (rc < 0)
		return rc;
	why = cfg_parse_addr(text, a, af);
	if (why)
		return cfg_fail(ctx, config_setting_get_member(g, "address"),
				cfg_key(key, gkey, "address"), "\"%s\": %s", text, why);
	return 0;
}

/* "198.18.200.0/24", "2001:2:0:200::/64" (no "/len": one address). */
static int get_tunnel_source(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey,
			     struct cfg_vip *v)
{
	const config_setting_t *s = config_setting_get_member(g, "tunnel_source");
	char text[INET6_ADDRSTRLEN + 8], key[CFG_KEY_LEN];
	unsigned int max, plen;
	const char *why = NULL;
	char *slash;
	uint8_t af;
	int rc;

	rc = cfg_get_str(ctx, g, gkey, "tunnel_source", text, sizeof(text));
	if (rc <= 0)
		return rc;
	cfg_key(key, gkey, "tunnel_source");
	slash = strchr(text, '/');
	if (slash)
		*slash = '\0';
	why = cfg_parse_addr(text, &v->tunnel_source, &af);
	if (why)
		return cfg_fail(ctx, s, key, "\"%s\": %s", text, why);
	if (af != v->af)
		return cfg_fail(ctx, s, key, "%s prefix for an %s VIP", cfg_af_name(af),
				cfg_af_name(v->af));
	max = af == SL_AF_INET ? 32 : 128;
	plen = max;
	if (slash) {
		/* digits only: strtoul would take "+24", " 24" and wrap "-4294967272" */
		size_t nd = strspn(slash + 1, "0123456789");

		plen = nd && nd <= 3 && !slash[1 + nd] ? (unsigned int)atoi(slash + 1) : 0;
		if (plen < 1 || plen > max)
			return cfg_fail(ctx, s, key, "prefix length \"%s\" not in 1..%u", slash + 1,
					max);
	}
	/* host bits must be zero: the dataplane fills them per flow */
	for (unsigned int bit = (af == SL_AF_INET ? 96 : 0) + plen; bit < 128; bit++)
		if (v->tunnel_source.a8[bit / 8] & (0x80 >> (bit % 8)))
			return cfg_fail(ctx, s, key, "\"%s/%u\" has host bits set", text, plen);
	v->tunnel_source_plen = (uint8_t)plen;
	return 0;
}

/*
 * The setting to blame for a conflict of element @g: the first of @names
 * whose value came from the environment (so the error names the variable),
 * else the element itself.
 */
static const config_setting_t *blame(const config_setting_t *g, const char *const *names)
{
	for (; *names; names++) {
		const config_setting_t *s = config_setting_get_member(g, *names);

		if (s && config_setting_get_hook(s))
			return s;
	}
	return g;
}

static int parse_backend(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey,
			 struct cfg_pool *pool)
{
	struct cfg_backend *b = &pool->backends[pool->n_backends];
	char key[CFG_KEY_LEN], text[INET6_ADDRSTRLEN];
	uint32_t port = 0;
	int rc;

	b->line = config_setting_source_line(g);
	b->weight = 1;
	if ((rc = get_addr(ctx, g, gkey, &b->addr, &b->af)) < 0 ||
	    (rc = cfg_get_u32(ctx, g, gkey, "port", 0, 65535, &port)) < 0 ||
	    (rc = cfg_get_u32(ctx, g, gkey, "weight", 0, CFG_MAX_WEIGHT, &b->weight)) < 0 ||
	    (rc = cfg_get_str(ctx, g, gkey, "name", b->name, sizeof(b->name))) < 0)
		return rc;
	b->port = (uint16_t)port;
	if (rc == 0) {
		int n;

		cfg_format_addr(&b->addr, b->af, text, sizeof(text));
		if (!port)
			n = snprintf(b->name, sizeof(b->name), "%s", text);
		else if (b->af == SL_AF_INET)
			n = snprintf(b->name, sizeof(b->name), "%s:%u", text, port);
		else
			n = snprintf(b->name, sizeof(b->name), "[%s]:%u", text, port);
		if (n >= (int)sizeof(b->name))
			return cfg_fail(ctx, g, gkey,
					"default name longer than %zu characters: "
					"give the backend a name",
					sizeof(b->name) - 1);
	} else if (!cfg_backend_name_ok(b->name)) {
		return cfg_fail(ctx, config_setting_get_member(g, "name"),
				cfg_key(key, gkey, "name"),
				"\"%s\" is not 1-31 of [A-Za-z0-9_.:[]-]", b->name);
	}
	pool->n_backends++;
	return 0;
}

/* Sorting backends by (address, port) or by name, ties in file order. */
static const struct cfg_backend *sort_base;

static int same_key(uint32_t a, uint32_t b, int by_name)
{
	const struct cfg_backend *x = &sort_base[a], *y = &sort_base[b];

	if (by_name)
		return strcmp(x->name, y->name) == 0;
	return x->port == y->port && memcmp(&x->addr, &y->addr, sizeof(x->addr)) == 0;
}

static int cmp_index(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_addr(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	const struct cfg_backend *x = &sort_base[a], *y = &sort_base[b];
	int c = memcmp(&x->addr, &y->addr, sizeof(x->addr));

	if (!c)
		c = (int)x->port - (int)y->port;
	return c ? c : cmp_index(a, b);
}

static int cmp_name(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	int c = strcmp(sort_base[a].name, sort_base[b].name);

	return c ? c : cmp_index(a, b);
}

/*
 * The first backend (in file order) that repeats an earlier one's address
 * and port, or its name: sorted, so a pool of n backends costs n log n.
 * Reported at that backend, naming the first one it repeats.
 */
static int check_dup_backends(struct cfg_ctx *ctx, const config_setting_t *l, const char *pkey,
			      const struct cfg_pool *p)
{
	uint32_t *ix, first = UINT32_MAX, other = 0;
	int same_addr = 0;
	char bkey[CFG_KEY_LEN];
	const config_setting_t *g;

	if (p->n_backends < 2)
		return 0;
	ix = malloc(p->n_backends * sizeof(*ix));
	if (!ix)
		return -ENOMEM;
	sort_base = p->backends;
	for (int by_name = 0; by_name < 2; by_name++) {
		uint32_t head = 0;

		for (uint32_t i = 0; i < p->n_backends; i++)
			ix[i] = i;
		qsort(ix, p->n_backends, sizeof(*ix), by_name ? cmp_name : cmp_addr);
		for (uint32_t i = 1; i < p->n_backends; i++) {
			if (!same_key(ix[head], ix[i], by_name)) {
				head = i;
				continue;
			}
			/* by address first, as a backend is checked in that order */
			if (ix[i] < first) {
				first = ix[i];
				other = ix[head];
				same_addr = !by_name;
			}
		}
	}
	free(ix);
	if (first == UINT32_MAX)
		return 0;
	cfg_elem_key(bkey, pkey, "backends", (int)first);
	g = config_setting_get_elem(l, first);
	if (same_addr)
		return cfg_fail(ctx, blame(g, addr_port), bkey,
				"same address and port as backend \"%s\" (line %d)",
				p->backends[other].name, p->backends[other].line);
	return cfg_fail(ctx, blame(g, addr_port_name), bkey,
			"duplicate backend name \"%s\" (line %d)", p->backends[first].name,
			p->backends[other].line);
}

static int parse_pool(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey,
		      struct cfg *cfg)
{
	struct cfg_pool *p = &cfg->pools[cfg->n_pools];
	const config_setting_t *l = config_setting_get_member(g, "backends");
	int n = l ? config_setting_length(l) : 0;
	char key[CFG_KEY_LEN], bkey[CFG_KEY_LEN];
	int rc;

	p->line = config_setting_source_line(g);
	if ((rc = cfg_need_str(ctx, g, gkey, "name", p->name, sizeof(p->name))) < 0)
		return rc;
	cfg_key(key, gkey, "name");
	if (!cfg_name_ok(p->name))
		return cfg_fail(ctx, config_setting_get_member(g, "name"), key,
				"\"%s\" is not 1-31 of [A-Za-z0-9_.:-]", p->name);
	for (uint32_t j = 0; j < cfg->n_pools; j++)
		if (strcmp(cfg->pools[j].name, p->name) == 0)
			return cfg_fail(ctx, config_setting_get_member(g, "name"), key,
					"duplicate pool name \"%s\" (line %d)", p->name,
					cfg->pools[j].line);
	if (n) {
		p->backends = calloc((size_t)n, sizeof(*p->backends));
		if (!p->backends)
			return -ENOMEM;
	}
	cfg->n_pools++; /* from here on cfg_free() releases the backends */
	for (int i = 0; i < n; i++) {
		cfg_elem_key(bkey, gkey, "backends", i);
		rc = parse_backend(ctx, config_setting_get_elem(l, (unsigned int)i), bkey, p);
		if (rc)
			return rc;
	}
	rc = check_dup_backends(ctx, l, gkey, p);
	if (rc)
		return rc;
	rc = cfg_parse_pool_balance(ctx, g, gkey, p);
	if (rc)
		return rc;
	return cfg_parse_pool_extras(ctx, g, gkey, cfg, p);
}

static int find_pool(struct cfg *cfg, const char *name)
{
	for (uint32_t i = 0; i < cfg->n_pools; i++)
		if (strcmp(cfg->pools[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Encapsulation keys mean something only in tunnel mode: refuse them elsewhere. */
static int check_tunnel_keys(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey)
{
	static const char *const keys[] = {"encap", "gue_port", "tunnel_source", NULL};
	char key[CFG_KEY_LEN];

	for (const char *const *k = keys; *k; k++) {
		const config_setting_t *s = config_setting_get_member(g, *k);

		if (s)
			return cfg_fail(ctx, s, cfg_key(key, gkey, *k),
					"only for mode = \"tunnel\"");
	}
	return 0;
}

static int parse_vip(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey,
		     struct cfg *cfg)
{
	struct cfg_vip *v = &cfg->vips[cfg->n_vips];
	int proto = IPPROTO_TCP, mode = SL_MODE_TUNNEL, hash = 0, encap = CFG_ENCAP_IPIP;
	uint32_t port = 0, gue_port = CFG_DEF_GUE_PORT;
	char key[CFG_KEY_LEN];
	int rc, pi;

	v->line = config_setting_source_line(g);
	if ((rc = cfg_need_str(ctx, g, gkey, "name", v->name, sizeof(v->name))) < 0)
		return rc;
	if (!cfg_name_ok(v->name))
		return cfg_fail(ctx, config_setting_get_member(g, "name"),
				cfg_key(key, gkey, "name"), "\"%s\" is not 1-31 of [A-Za-z0-9_.:-]",
				v->name);
	if ((rc = get_addr(ctx, g, gkey, &v->addr, &v->af)) < 0 ||
	    (rc = cfg_get_u32(ctx, g, gkey, "port", 0, 65535, &port)) < 0 ||
	    (rc = cfg_get_word(ctx, g, gkey, "protocol", protocols, &proto)) < 0 ||
	    (rc = cfg_get_word(ctx, g, gkey, "mode", modes, &mode)) < 0)
		return rc;
	/* an http VIP's pool is its default route: without one, what no route takes gets 404 */
	rc = mode == SL_MODE_HTTP ? cfg_get_str(ctx, g, gkey, "pool", v->pool, sizeof(v->pool))
				  : cfg_need_str(ctx, g, gkey, "pool", v->pool, sizeof(v->pool));
	if (rc < 0 || (rc = cfg_get_word(ctx, g, gkey, "hash", hashes, &hash)) < 0 ||
	    (rc = cfg_get_word(ctx, g, gkey, "encap", encaps, &encap)) < 0 ||
	    (rc = cfg_get_u32(ctx, g, gkey, "gue_port", 1, 65535, &gue_port)) < 0)
		return rc;
	if (mode != SL_MODE_TUNNEL && (rc = check_tunnel_keys(ctx, g, gkey)) < 0)
		return rc;
	if ((rc = get_tunnel_source(ctx, g, gkey, v)) < 0 ||
	    (rc = cfg_parse_vip_nat(ctx, g, gkey, (unsigned int)mode, v)) < 0)
		return rc;
	v->port = (uint16_t)port;
	v->proto = (uint8_t)proto;
	v->mode = (uint8_t)mode;
	v->hash_3tuple = (uint8_t)hash;
	v->encap = (uint8_t)encap;
	v->gue_port = (uint16_t)gue_port;
	for (uint32_t j = 0; j < cfg->n_vips; j++) {
		const struct cfg_vip *o = &cfg->vips[j];

		if (strcmp(o->name, v->name) == 0)
			return cfg_fail(ctx, config_setting_get_member(g, "name"),
					cfg_key(key, gkey, "name"),
					"duplicate VIP name \"%s\" (line %d)", v->name, o->line);
		if (memcmp(&o->addr, &v->addr, sizeof(v->addr)) == 0 && o->port == v->port &&
		    o->proto == v->proto)
			return cfg_fail(ctx, blame(g, vip_key), gkey,
					"same address, port and protocol as VIP \"%s\" "
					"(line %d)",
					o->name, o->line);
	}
	pi = find_pool(cfg, v->pool);
	if (pi < 0 && v->pool[0]) {
		struct cfg_pool *p = &cfg->pools[cfg->n_pools];

		if (!cfg_name_ok(v->pool))
			return cfg_fail(ctx, config_setting_get_member(g, "pool"),
					cfg_key(key, gkey, "pool"),
					"\"%s\" is not 1-31 of [A-Za-z0-9_.:-]", v->pool);
		memcpy(p->name, v->pool, sizeof(p->name));
		cfg_pool_defaults(p);
		p->implicit = 1;
		p->line = v->line;
		pi = (int)cfg->n_pools++;
	}
	v->pool_index = pi < 0 ? CFG_POOL_NONE : (uint32_t)pi;
	rc = cfg_parse_vip_http(ctx, g, gkey, cfg, v);
	if (rc)
		return rc;
	for (uint32_t p = 0; p < cfg->n_pools; p++)
		if (cfg_vip_uses_pool(v, p))
			cfg->pools[p].n_vips++;
	cfg->n_vips++;
	return 0;
}

/* The setting and key by which VIP @i (group @vg) names pool @p: its pool, or a route's. */
static const config_setting_t *pool_use(const struct cfg_vip *v, uint32_t i,
					const config_setting_t *vg, uint32_t p, char *key)
{
	if (v->pool_index == p) {
		snprintf(key, CFG_KEY_LEN, "vips[%u].pool", i);
		return config_setting_get_member(vg, "pool");
	}
	for (uint32_t r = 0; r < v->http.n_routes; r++)
		if (v->http.routes[r].pool_index == p) {
			snprintf(key, CFG_KEY_LEN, "vips[%u].routes[%u].pool", i, r);
			return config_setting_get_member(
				config_setting_get_elem(config_setting_get_member(vg, "routes"), r),
				"pool");
		}
	return NULL;
}

/*
 * One family per pool: tunnel mode is v4-in-v4 / v6-in-v6, dsr needs the
 * backend on the VIP's segment, and full NAT reaches instances of its own
 * family. Reported at the backend (or second VIP). A pool an http VIP routes
 * to counts as the VIP's.
 */
static int check_families(struct cfg_ctx *ctx, struct cfg *cfg, const config_setting_t *vl,
			  const config_setting_t *pl)
{
	char key[CFG_KEY_LEN];

	for (uint32_t i = 0; i < cfg->n_vips; i++) {
		const struct cfg_vip *v = &cfg->vips[i];
		const config_setting_t *vg = config_setting_get_elem(vl, i);

		for (uint32_t pi = 0; pi < cfg->n_pools; pi++) {
			const struct cfg_pool *p = &cfg->pools[pi];
			const config_setting_t *use;

			if (!cfg_vip_uses_pool(v, pi))
				continue;
			for (uint32_t j = 0; j < i; j++) {
				const struct cfg_vip *o = &cfg->vips[j];

				if (!cfg_vip_uses_pool(o, pi) || o->af == v->af)
					continue;
				use = pool_use(v, i, vg, pi, key);
				return cfg_fail(
					ctx, use, key,
					"pool \"%s\" already serves %s VIP \"%s\" (line %d)",
					p->name, cfg_af_name(o->af), o->name, o->line);
			}
			for (uint32_t b = 0; b < p->n_backends; b++) {
				const config_setting_t *pg, *bg;

				if (p->backends[b].af == v->af)
					continue;
				/* defined pools come first, in file order */
				pg = config_setting_get_elem(pl, pi);
				bg = config_setting_get_elem(
					config_setting_get_member(pg, "backends"), b);
				snprintf(key, sizeof(key), "pools[%u].backends[%u].address", pi, b);
				return cfg_fail(ctx, config_setting_get_member(bg, "address"), key,
						"%s backend in pool \"%s\", which serves %s VIP "
						"\"%s\" (line %d)",
						cfg_af_name(p->backends[b].af), p->name,
						cfg_af_name(v->af), v->name, v->line);
			}
		}
	}
	return 0;
}

int cfg_parse_lb(struct cfg_ctx *ctx, struct cfg *cfg)
{
	const config_setting_t *root = config_root_setting(&ctx->lc);
	const config_setting_t *vl = config_setting_get_member(root, "vips");
	const config_setting_t *pl = config_setting_get_member(root, "pools");
	int nv = vl ? config_setting_length(vl) : 0;
	int np = pl ? config_setting_length(pl) : 0;
	char gkey[CFG_KEY_LEN];
	uint32_t n_backends = 0;
	int rc;

	/* room for every defined pool plus one implicit pool per VIP */
	if (np + nv) {
		cfg->pools = calloc((size_t)(np + nv), sizeof(*cfg->pools));
		if (!cfg->pools)
			return -ENOMEM;
	}
	if (nv) {
		cfg->vips = calloc((size_t)nv, sizeof(*cfg->vips));
		if (!cfg->vips)
			return -ENOMEM;
	}
	for (int i = 0; i < np; i++) {
		snprintf(gkey, sizeof(gkey), "pools[%d]", i);
		rc = parse_pool(ctx, config_setting_get_elem(pl, (unsigned int)i), gkey, cfg);
		if (rc)
			return rc;
		n_backends += cfg->pools[i].n_backends;
	}
	for (int i = 0; i < nv; i++) {
		snprintf(gkey, sizeof(gkey), "vips[%d]", i);
		rc = parse_vip(ctx, config_setting_get_elem(vl, (unsigned int)i), gkey, cfg);
		if (rc)
			return rc;
	}
	rc = check_families(ctx, cfg, vl, pl);
	if (rc)
		return rc;
	rc = cfg_check_pool_extras(ctx, cfg, pl);
	if (rc)
		return rc;
	rc = cfg_check_nat(ctx, cfg, vl);
	if (rc)
		return rc;
	rc = cfg_check_http(ctx, cfg, vl);
	if (rc)
		return rc;
	if (cfg->n_vips > cfg->tables.max_vips)
		return cfg_fail(ctx, vl, "vips", "%u VIPs, tables.max_vips is %u", cfg->n_vips,
				cfg->tables.max_vips);
	if (cfg->n_pools > cfg->tables.max_pools)
		return cfg_fail(ctx, pl ? pl : vl, pl ? "pools" : "vips",
				"%u pools (implicit ones included), tables.max_pools is %u",
				cfg->n_pools, cfg->tables.max_pools);
	if (n_backends > cfg->tables.max_backends)
		return cfg_fail(ctx, pl, "pools", "%u backends, tables.max_backends is %u",
				n_backends, cfg->tables.max_backends);
	return 0;
}
