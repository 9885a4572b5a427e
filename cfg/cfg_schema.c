/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which keys a sluice config may hold and of what type, and the SLUICE_*
 * environment overrides. Overrides are applied to the libconfig tree before
 * anything is parsed, so a value from the environment goes through exactly
 * the same checks as one from the file. The variable for a setting is its
 * path upper-cased with '.' and list indexes turned into '_':
 * dataplane.flows_per_worker -> SLUICE_DATAPLANE_FLOWS_PER_WORKER,
 * pools.[0].backends.[1].weight -> SLUICE_POOLS_0_BACKENDS_1_WEIGHT.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_priv.h"

#define CFG_ENV_PREFIX "SLUICE"
#define CFG_ENV_NAME_LEN 160

enum cp_kind {
	CFG_K_INT,
	CFG_K_STR,
	CFG_K_BOOL,
	CFG_K_FLOAT, /* a number: float or integer */
	CFG_K_STRS,  /* array (or list) of strings */
	CFG_K_GROUP,
	CFG_K_LIST, /* list of groups */
};

struct cfg_key {
	const char *name;
	enum cp_kind kind;
	const struct cfg_key *sub; /* GROUP: members; LIST: members of each element */
};

static const struct cfg_key port_keys[] = {
	{"name", CFG_K_STR, NULL},
	{"devargs", CFG_K_STR, NULL},
	{"rx_queues", CFG_K_INT, NULL},
	{"mtu", CFG_K_INT, NULL},
	{NULL, 0, NULL},
};

static const struct cfg_key dataplane_keys[] = {
	{"eal", CFG_K_STRS, NULL},
	{"ports", CFG_K_LIST, port_keys},
	{"flows_per_worker", CFG_K_INT, NULL},
	{"tcp_timeout", CFG_K_INT, NULL},
	{"tcp_fin_timeout", CFG_K_INT, NULL},
	{"udp_timeout", CFG_K_INT, NULL},
	{"tcp_syn_timeout", CFG_K_INT, NULL},
	{"frag_timeout", CFG_K_INT, NULL},
	{"burst", CFG_K_INT, NULL},
	{"mbufs", CFG_K_INT, NULL},
	{"rx_desc", CFG_K_INT, NULL},
	{"tx_desc", CFG_K_INT, NULL},
	{"xdp_prog", CFG_K_STR, NULL},
	{NULL, 0, NULL},
};

static const struct cfg_key tables_keys[] = {
	{"max_workers", CFG_K_INT, NULL}, {"max_vips", CFG_K_INT, NULL},
	{"max_pools", CFG_K_INT, NULL},	  {"max_backends", CFG_K_INT, NULL},
	{"maglev_size", CFG_K_INT, NULL}, {"max_nat_sources", CFG_K_INT, NULL},
	{"max_routes", CFG_K_INT, NULL},  {NULL, 0, NULL},
};

static const struct cfg_key nat_timeout_keys[] = {
	{"syn", CFG_K_INT, NULL},
	{"established", CFG_K_INT, NULL},
	{"fin", CFG_K_INT, NULL},
	{"time_wait", CFG_K_INT, NULL},
	{"close", CFG_K_INT, NULL},
	{"udp", CFG_K_INT, NULL},
	{NULL, 0, NULL},
};

static const struct cfg_key nat_keys[] = {
	{"sources", CFG_K_STRS, NULL},
	{"port_min", CFG_K_INT, NULL},
	{"port_max", CFG_K_INT, NULL},
	{"conns_per_worker", CFG_K_INT, NULL},
	{"cookie_rotate", CFG_K_INT, NULL},
	{"timeouts", CFG_K_GROUP, nat_timeout_keys},
	{NULL, 0, NULL},
};

static const struct cfg_key controlplane_keys[] = {
	{"publish_timeout_ms", CFG_K_INT, NULL},
	{"neigh_timeout_ms", CFG_K_INT, NULL},
	{"drain_timeout", CFG_K_INT, NULL},
	{"admin_socket", CFG_K_STR, NULL},
	{NULL, 0, NULL},
};

static const struct cfg_key events_keys[] = {
	{"flows", CFG_K_BOOL, NULL},
	{"requests", CFG_K_BOOL, NULL},
	{"query", CFG_K_BOOL, NULL},
	{"sample", CFG_K_FLOAT, NULL},
	{"output", CFG_K_STR, NULL},
	{"ring_size", CFG_K_INT, NULL},
	{NULL, 0, NULL},
};

static const struct cfg_key metrics_keys[] = {
	{"listen", CFG_K_STR, NULL},
	{NULL, 0, NULL},
};

static const struct cfg_key vip_nat_keys[] = {
	{"sources", CFG_K_STRS, NULL},
	{NULL, 0, NULL},
};

static const struct cfg_key route_keys[] = {
	{"host", CFG_K_STR, NULL},
	{"path", CFG_K_STR, NULL},
	{"pool", CFG_K_STR, NULL},
	{NULL, 0, NULL},
};

static const struct cfg_key sticky_keys[] = {
	{"cookie", CFG_K_STR, NULL},
	{NULL, 0, NULL},
};

static const struct cfg_key header_keys[] = {
	{"x_forwarded_for", CFG_K_BOOL, NULL},
	{"x_request_id", CFG_K_BOOL, NULL},
	{NULL, 0, NULL},
};

static const struct cfg_key vip_http_keys[] = {
	{"head_max", CFG_K_INT, NULL},
	{"head_timeout_ms", CFG_K_INT, NULL},
	{NULL, 0, NULL},
};

static const struct cfg_key vip_keys[] = {
	{"name", CFG_K_STR, NULL},
	{"address", CFG_K_STR, NULL},
	{"port", CFG_K_INT, NULL},
	{"protocol", CFG_K_STR, NULL},
	{"mode", CFG_K_STR, NULL},
	{"pool", CFG_K_STR, NULL},
	{"hash", CFG_K_STR, NULL},
	{"encap", CFG_K_STR, NULL},
	{"gue_port", CFG_K_INT, NULL},
	{"tunnel_source", CFG_K_STR, NULL},
	{"synproxy", CFG_K_BOOL, NULL},
	{"mss", CFG_K_INT, NULL},
	{"nat", CFG_K_GROUP, vip_nat_keys},
	{"routes", CFG_K_LIST, route_keys},
	{"sticky", CFG_K_GROUP, sticky_keys},
	{"headers", CFG_K_GROUP, header_keys},
	{"http", CFG_K_GROUP, vip_http_keys},
	{NULL, 0, NULL},
};

static const struct cfg_key backend_keys[] = {
	{"address", CFG_K_STR, NULL}, {"port", CFG_K_INT, NULL}, {"weight", CFG_K_INT, NULL},
	{"name", CFG_K_STR, NULL},    {NULL, 0, NULL},
};

static const struct cfg_key health_keys[] = {
	{"type", CFG_K_STR, NULL},
	{"port", CFG_K_INT, NULL},
	{"path", CFG_K_STR, NULL},
	{"host", CFG_K_STR, NULL},
	{"expect", CFG_K_STR, NULL},
	{"body", CFG_K_STR, NULL},
	{"payload", CFG_K_STR, NULL},
	{"response", CFG_K_STR, NULL},
	{"interval_ms", CFG_K_INT, NULL},
	{"timeout_ms", CFG_K_INT, NULL},
	{"rise", CFG_K_INT, NULL},
	{"fall", CFG_K_INT, NULL},
	{"jitter_ms", CFG_K_INT, NULL},
	{"via_tunnel", CFG_K_BOOL, NULL},
	{"passive_fall", CFG_K_INT, NULL}, /* connect failures: sluiced's passive health */
	{NULL, 0, NULL},
};

static const struct cfg_key pool_disc_keys[] = {
	{"file", CFG_K_BOOL, NULL},
	{"dns", CFG_K_STR, NULL},
	{"etcd", CFG_K_BOOL, NULL},
	{NULL, 0, NULL},
};

static const struct cfg_key pool_keys[] = {
	{"name", CFG_K_STR, NULL},
	{"backends", CFG_K_LIST, backend_keys},
	{"health", CFG_K_GROUP, health_keys},
	{"panic_threshold", CFG_K_INT, NULL},
	{"discovery", CFG_K_GROUP, pool_disc_keys},
	{"balance", CFG_K_STR, NULL},
	{NULL, 0, NULL},
};

static const struct cfg_key disc_file_keys[] = {
	{"path", CFG_K_STR, NULL},
	{NULL, 0, NULL},
};

static const struct cfg_key disc_dns_keys[] = {
	{"resolver", CFG_K_STR, NULL},
	{"timeout_ms", CFG_K_INT, NULL},
	{"min_ttl", CFG_K_INT, NULL},
	{"max_ttl", CFG_K_INT, NULL},
	{NULL, 0, NULL},
};

static const struct cfg_key disc_etcd_keys[] = {
	{"endpoints", CFG_K_STR, NULL},
	{"prefix", CFG_K_STR, NULL},
	{"timeout_ms", CFG_K_INT, NULL},
	{NULL, 0, NULL},
};

static const struct cfg_key discovery_keys[] = {
	{"file", CFG_K_GROUP, disc_file_keys},
	{"dns", CFG_K_GROUP, disc_dns_keys},
	{"etcd", CFG_K_GROUP, disc_etcd_keys},
	{NULL, 0, NULL},
};

static const struct cfg_key root_keys[] = {
	{"instance", CFG_K_STR, NULL},
	{"dataplane", CFG_K_GROUP, dataplane_keys},
	{"tables", CFG_K_GROUP, tables_keys},
	{"nat", CFG_K_GROUP, nat_keys},
	{"controlplane", CFG_K_GROUP, controlplane_keys},
	{"events", CFG_K_GROUP, events_keys},
	{"metrics", CFG_K_GROUP, metrics_keys},
	{"discovery", CFG_K_GROUP, discovery_keys},
	{"vips", CFG_K_LIST, vip_keys},
	{"pools", CFG_K_LIST, pool_keys},
	{NULL, 0, NULL},
};

/*
 * Variables under these prefixes are ours: one that names no setting is a
 * typo and refused. Other SLUICE_* variables (build scripts) are ignored.
 */
static const char *const env_sections[] = {
	"SLUICE_INSTANCE=",
	"SLUICE_DATAPLANE_",
	"SLUICE_TABLES_",
	"SLUICE_CONTROLPLANE_",
	"SLUICE_DISCOVERY_",
	"SLUICE_VIPS_",
	"SLUICE_POOLS_",
	"SLUICE_NAT_",
	"SLUICE_EVENTS_",
	"SLUICE_METRICS_",
	NULL,
};

struct cp_env {
	struct cfg_ctx *ctx;
	size_t n;      /* entries in ctx->envp */
	uint8_t *used; /* [n]: consumed by a setting */
};

static int env_find(struct cp_env *e, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < e->n; i++)
		if (strncmp(e->ctx->envp[i], name, len) == 0 && e->ctx->envp[i][len] == '=')
			return (int)i;
	return -1;
}

/* Is any variable named @prefix_...? (decides whether to create a missing group) */
static int env_has_prefix(struct cp_env *e, const char *prefix)
{
	size_t len = strlen(prefix);

	for (size_t i = 0; i < e->n; i++)
		if (strncmp(e->ctx->envp[i], prefix, len) == 0 && e->ctx->envp[i][len] == '_')
			return 1;
	return 0;
}

static void env_name(char *buf, const char *prefix, const char *name)
{
	size_t o = (size_t)snprintf(buf, CFG_ENV_NAME_LEN, "%s_", prefix);

	for (; *name && o + 1 < CFG_ENV_NAME_LEN; name++)
		buf[o++] = (char)toupper((unsigned char)*name);
	buf[o] = '\0';
}

/* The report for a variable: file "environment", key its name. */
static int env_fail(struct cfg_ctx *ctx, const char *var, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int env_fail(struct cfg_ctx *ctx, const char *var, const char *fmt, ...)
{
	struct cfg_error *err = ctx->err;
	size_t len = strcspn(var, "=");
	va_list ap;

	if (len >= sizeof(err->key))
		len = sizeof(err->key) - 1;
	snprintf(err->file, sizeof(err->file), "environment");
	err->line = 0;
	memcpy(err->key, var, len);
	err->key[len] = '\0';
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A decimal integer, optionally with a '-', nothing else. */
static int parse_int(const char *s, long long *v)
{
	char *end;

	if (!*s || isspace((unsigned char)*s) || *s == '+')
		return -EINVAL;
	errno = 0;
	*v = strtoll(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	return 0;
}

static config_setting_t *replace(config_setting_t *parent, const char *name, int type)
{
	config_setting_t *s = config_setting_get_member(parent, name);

	if (s && config_setting_type(s) == type && type != CONFIG_TYPE_ARRAY)
		return s;
	if (s && config_setting_remove(parent, name) != CONFIG_TRUE)
		return NULL;
	return config_setting_add(parent, name, type);
}

static int env_set(struct cp_env *e, config_setting_t *parent, const struct cfg_key *k, int idx)
{
	char *var = e->ctx->envp[idx];
	const char *val = var + strcspn(var, "=") + 1;
	config_setting_t *s;
	long long v;

	e->used[idx] = 1;
	switch (k->kind) {
	case CFG_K_INT:
		if (parse_int(val, &v))
			return env_fail(e->ctx, var, "not an integer: \"%s\"", val);
		s = replace(parent, k->name, CONFIG_TYPE_INT64);
		if (!s || config_setting_set_int64(s, v) != CONFIG_TRUE)
			return -ENOMEM;
		break;
	case CFG_K_STR:
		s = replace(parent, k->name, CONFIG_TYPE_STRING);
		if (!s || config_setting_set_string(s, val) != CONFIG_TRUE)
			return -ENOMEM;
		break;
	case CFG_K_BOOL:
		if (strcmp(val, "true") == 0)
			v = 1;
		else if (strcmp(val, "false") == 0)
			v = 0;
		else
			return env_fail(e->ctx, var, "not true or false: \"%s\"", val);
		s = replace(parent, k->name, CONFIG_TYPE_BOOL);
		if (!s || config_setting_set_bool(s, (int)v) != CONFIG_TRUE)
			return -ENOMEM;
		break;
	case CFG_K_FLOAT: {
		char *end;
		double d;

		errno = 0;
		d = strtod(val, &end);
		if (!*val || isspace((unsigned char)*val) || errno || *end)
			return env_fail(e->ctx, var, "not a number: \"%s\"", val);
		s = replace(parent, k->name, CONFIG_TYPE_FLOAT);
		if (!s || config_setting_set_float(s, d) != CONFIG_TRUE)
			return -ENOMEM;
		break;
	}
	case CFG_K_STRS: {
		const char *p = val;

		s = replace(parent, k->name, CONFIG_TYPE_ARRAY);
		if (!s)
			return -ENOMEM;
		while (*p) {
			char word[CFG_DEVARGS_LEN];
			size_t len;
			config_setting_t *el;

			p += strspn(p, " \t\n");
			len = strcspn(p, " \t\n");
			if (!len)
				break;
			if (len >= sizeof(word))
				return env_fail(e->ctx, var, "word of %zu characters, at most %zu",
						len, sizeof(word) - 1);
			memcpy(word, p, len);
			word[len] = '\0';
			p += len;
			el = config_setting_set_string_elem(s, -1, word);
			if (!el)
				return -ENOMEM;
			config_setting_set_hook(el, var);
		}
		break;
	}
	default:
		return -EINVAL;
	}
	config_setting_set_hook(s, var);
	return 0;
}

static int env_walk(struct cp_env *e, config_setting_t *g, const struct cfg_key *keys,
		    const char *prefix)
{
	char name[CFG_ENV_NAME_LEN];
	int rc;

	for (const struct cfg_key *k = keys; k->name; k++) {
		config_setting_t *s = config_setting_get_member(g, k->name);
		int idx;

		env_name(name, prefix, k->name);
		switch (k->kind) {
		case CFG_K_INT:
		case CFG_K_STR:
		case CFG_K_BOOL:
		case CFG_K_FLOAT:
		case CFG_K_STRS:
			idx = env_find(e, name);
			if (idx >= 0 && (rc = env_set(e, g, k, idx)))
				return rc;
			break;
		case CFG_K_GROUP:
			if (!s && env_has_prefix(e, name))
				s = config_setting_add(g, k->name, CONFIG_TYPE_GROUP);
			/* a member of the wrong type is reported by the schema check */
			if (s && config_setting_is_group(s) && (rc = env_walk(e, s, k->sub, name)))
				return rc;
			break;
		case CFG_K_LIST:
			if (!s || !config_setting_is_list(s))
				break;
			for (int i = 0; i < config_setting_length(s); i++) {
				config_setting_t *el = config_setting_get_elem(s, (unsigned int)i);
				char elname[CFG_ENV_NAME_LEN];

				snprintf(elname, sizeof(elname), "%s_%d", name, i);
				if (config_setting_is_group(el) &&
				    (rc = env_walk(e, el, k->sub, elname)))
					return rc;
			}
			break;
		}
	}
	return 0;
}

int cfg_env_apply(struct cfg_ctx *ctx)
{
	struct cp_env e = {.ctx = ctx};
	int rc = 0;

	while (ctx->envp[e.n])
		e.n++;
	if (!e.n)
		return 0;
	e.used = calloc(e.n, 1);
	if (!e.used)
		return -ENOMEM;
	rc = env_walk(&e, config_root_setting(&ctx->lc), root_keys, CFG_ENV_PREFIX);
	if (rc)
		goto out;
	for (size_t i = 0; i < e.n; i++) {
		if (e.used[i])
			continue;
		for (const char *const *p = env_sections; *p; p++) {
			if (strncmp(ctx->envp[i], *p, strlen(*p)) == 0) {
				rc = env_fail(ctx, ctx->envp[i], "names no setting of this file");
				goto out;
			}
		}
	}
out:
	free(e.used);
	return rc;
}

static const char *kind_text(enum cp_kind k)
{
	switch (k) {
	case CFG_K_INT:
		return "expected an integer";
	case CFG_K_STR:
		return "expected a string";
	case CFG_K_BOOL:
		return "expected true or false";
	case CFG_K_FLOAT:
		return "expected a number";
	case CFG_K_STRS:
		return "expected an array of strings [ \"...\", ... ]";
	case CFG_K_GROUP:
		return "expected a group { ... }";
	case CFG_K_LIST:
		return "expected a list of groups ( { ... }, ... )";
	}
	return "unexpected type";
}

static int check_group(struct cfg_ctx *ctx, const config_setting_t *g, const struct cfg_key *keys,
		       const char *gkey);

static int check_value(struct cfg_ctx *ctx, const config_setting_t *s, const struct cfg_key *k,
		       const char *key)
{
	int type = config_setting_type(s);
	char ekey[CFG_KEY_LEN];
	int rc;

	switch (k->kind) {
	case CFG_K_INT:
		if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
			goto bad;
		return 0;
	case CFG_K_STR:
		if (type != CONFIG_TYPE_STRING)
			goto bad;
		if (cfg_lit_find(ctx, s, CFG_LIT_NUL))
			return cfg_fail(ctx, s, key, "holds a NUL character");
		return 0;
	case CFG_K_BOOL:
		if (type != CONFIG_TYPE_BOOL)
			goto bad;
		return 0;
	case CFG_K_FLOAT:
		if (type != CONFIG_TYPE_FLOAT && type != CONFIG_TYPE_INT &&
		    type != CONFIG_TYPE_INT64)
			goto bad;
		return 0;
	case CFG_K_STRS:
		if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
			goto bad;
		for (int i = 0; i < config_setting_length(s); i++) {
			const config_setting_t *el = config_setting_get_elem(s, (unsigned int)i);

			if (config_setting_type(el) != CONFIG_TYPE_STRING) {
				cfg_elem_key(ekey, key, NULL, i);
				return cfg_fail(ctx, el, ekey, "expected a string");
			}
			if (cfg_lit_find(ctx, el, CFG_LIT_NUL)) {
				cfg_elem_key(ekey, key, NULL, i);
				return cfg_fail(ctx, el, ekey, "holds a NUL character");
			}
		}
		return 0;
	case CFG_K_GROUP:
		if (type != CONFIG_TYPE_GROUP)
			goto bad;
		return check_group(ctx, s, k->sub, key);
	case CFG_K_LIST:
		/* "( )" and "[ ]" both read as an empty list */
		if (type == CONFIG_TYPE_ARRAY && config_setting_length(s) == 0)
			return 0;
		if (type != CONFIG_TYPE_LIST)
			goto bad;
		for (int i = 0; i < config_setting_length(s); i++) {
			const config_setting_t *el = config_setting_get_elem(s, (unsigned int)i);

			cfg_elem_key(ekey, key, NULL, i);
			if (config_setting_type(el) != CONFIG_TYPE_GROUP)
				return cfg_fail(ctx, el, ekey, "expected a group { ... }");
			rc = check_group(ctx, el, k->sub, ekey);
			if (rc)
				return rc;
		}
		return 0;
	}
bad:
	return cfg_fail(ctx, s, key, "%s", kind_text(k->kind));
}

static int check_group(struct cfg_ctx *ctx, const config_setting_t *g, const struct cfg_key *keys,
		       const char *gkey)
{
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned int)i);
		const char *name = config_setting_name(s);
		const struct cfg_key *k;
		char key[CFG_KEY_LEN];
		int rc;

		cfg_key(key, gkey, name);
		for (k = keys; k->name; k++)
			if (strcmp(k->name, name) == 0)
				break;
		if (!k->name)
			return cfg_fail(ctx, s, key, "unknown key");
		rc = check_value(ctx, s, k, key);
		if (rc)
			return rc;
	}
	return 0;
}

int cfg_schema_check(struct cfg_ctx *ctx)
{
	return check_group(ctx, config_root_setting(&ctx->lc), root_keys, "");
}
