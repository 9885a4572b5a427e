/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration loader both daemons use: read the libconfig file, apply
 * SLUICE_* overrides to the tree, refuse unknown keys and wrong types, then
 * fill struct cp_config section by section with a default and a range check
 * for every key (docs/configuration.md lists them). Pure: it never logs or
 * exits; the caller decides what an error means.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libgen.h>
#include <sys/un.h>

#include "cp_config.h"
#include "cp_config_priv.h"
#include "sl_maglev.h"
#include "sl_shm.h"

extern char **environ;

/* Defaults, also in config/sluice.conf and docs/configuration.md. */
#define CP_DEF_INSTANCE "default"
#define CP_DEF_FLOWS_PER_WORKER 1048576u
#define CP_MIN_FLOWS_PER_WORKER 1024u
#define CP_MAX_FLOWS_PER_WORKER 67108864u
#define CP_DEF_TCP_TIMEOUT 300u	   /* s */
#define CP_DEF_TCP_FIN_TIMEOUT 10u /* s */
#define CP_DEF_TCP_SYN_TIMEOUT 5u  /* s: a SYN the client did not follow with an ACK */
#define CP_DEF_FRAG_TIMEOUT 2u     /* s: a fragmented datagram's instance, for its fragments */
#define CP_DEF_UDP_TIMEOUT 30u	   /* s */
#define CP_MAX_TIMEOUT 604800u	   /* s: a week */
#define CP_DEF_BURST 32u
#define CP_MAX_BURST 64u
#define CP_DEF_MBUFS 16383u
#define CP_MIN_MBUFS 511u
#define CP_MAX_MBUFS 16777215u
#define CP_DEF_DESC 1024u
#define CP_MIN_DESC 64u
#define CP_MAX_DESC 32768u
#define CP_MIN_MTU 68u
#define CP_MAX_MTU 65535u
#define CP_DEF_MAX_WORKERS 16u
#define CP_DEF_MAX_VIPS 64u
#define CP_DEF_MAX_POOLS 64u
#define CP_DEF_MAX_BACKENDS 4096u
#define CP_DEF_PUBLISH_TIMEOUT_MS 1000u
#define CP_DEF_NEIGH_TIMEOUT_MS 2000u
#define CP_MAX_TIMEOUT_MS 600000u /* ms: ten minutes */
#define CP_DEF_DRAIN_TIMEOUT 60u    /* s */
#define CP_MAX_DRAIN_TIMEOUT 86400u /* s: a day */
#define CP_ADMIN_SOCKET_FMT "/run/sluice/%s.sock"

int cp_config_fail(struct cp_config_ctx *ctx, const config_setting_t *s, const char *key,
		   const char *fmt, ...)
{
	struct cp_config_error *err = ctx->err;
	const char *var = s ? config_setting_get_hook(s) : NULL;
	const char *file = s ? config_setting_source_file(s) : NULL;
	va_list ap;

	if (var) {
		size_t len = strcspn(var, "=");

		if (len >= sizeof(err->key))
			len = sizeof(err->key) - 1;
		snprintf(err->file, sizeof(err->file), "environment");
		err->line = 0;
		memcpy(err->key, var, len);
		err->key[len] = '\0';
	} else {
		snprintf(err->file, sizeof(err->file), "%s", file ? file : ctx->path);
		err->line = s ? (int)config_setting_source_line(s) : 0;
		snprintf(err->key, sizeof(err->key), "%s", key);
	}
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

const char *cp_config_key(char *buf, const char *gkey, const char *name)
{
	int n = snprintf(buf, CP_KEY_LEN, "%s%s%s", gkey, *gkey ? "." : "", name);

	if (n >= CP_KEY_LEN) /* cannot happen with the schema's names; keep the end visible */
		memcpy(buf + CP_KEY_LEN - 4, "...", 4);
	return buf;
}

const char *cp_config_elem_key(char *buf, const char *gkey, const char *name, int idx)
{
	char tail[16];

	snprintf(tail, sizeof(tail), "[%d]", idx);
	if (name)
		cp_config_key(buf, gkey, name);
	else
		snprintf(buf, CP_KEY_LEN, "%s", gkey);
	if (strlen(buf) + strlen(tail) < CP_KEY_LEN)
		strcat(buf, tail);
	return buf;
}

int cp_config_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n >= SL_NAME_LEN)
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-") == n;
}

int cp_config_get_u32(struct cp_config_ctx *ctx, const config_setting_t *g, const char *gkey,
		      const char *name, uint32_t lo, uint32_t hi, uint32_t *out)
{
	const config_setting_t *s = g ? config_setting_get_member(g, name) : NULL;
	char key[CP_KEY_LEN];
	long long v;

	const struct cp_config_lit *lit;

	if (!s)
		return 0;
	v = config_setting_get_int64(s);
	lit = config_setting_type(s) == CONFIG_TYPE_INT ? cp_config_lit_find(ctx, s, CP_LIT_BIG)
							: NULL;
	if (lit && lit->kind == CP_LIT_HUGE)
		return cp_config_fail(ctx, s, cp_config_key(key, gkey, name),
				      "beyond 64 bits, out of range %u..%u", lo, hi);
	if (lit)
		v = lit->value; /* what the file says, not libconfig's low 32 bits */
	if (v < lo || v > hi)
		return cp_config_fail(ctx, s, cp_config_key(key, gkey, name),
				      "%lld out of range %u..%u", v, lo, hi);
	*out = (uint32_t)v;
	return 1;
}

int cp_config_get_str(struct cp_config_ctx *ctx, const config_setting_t *g, const char *gkey,
		      const char *name, char *out, size_t len)
{
	const config_setting_t *s = g ? config_setting_get_member(g, name) : NULL;
	char key[CP_KEY_LEN];
	const char *v;

	if (!s)
		return 0;
	v = config_setting_get_string(s);
	if (strlen(v) >= len)
		return cp_config_fail(ctx, s, cp_config_key(key, gkey, name),
				      "longer than %zu characters", len - 1);
	memcpy(out, v, strlen(v) + 1);
	return 1;
}

int cp_config_get_bool(struct cp_config_ctx *ctx, const config_setting_t *g, const char *gkey,
		       const char *name, uint8_t *out)
{
	const config_setting_t *s = g ? config_setting_get_member(g, name) : NULL;

	(void)ctx;
	(void)gkey;
	if (!s)
		return 0;
	*out = config_setting_get_bool(s) ? 1 : 0;
	return 1;
}

int cp_config_need_str(struct cp_config_ctx *ctx, const config_setting_t *g, const char *gkey,
		       const char *name, char *out, size_t len)
{
	char key[CP_KEY_LEN];
	int rc = cp_config_get_str(ctx, g, gkey, name, out, len);

	if (rc == 0)
		return cp_config_fail(ctx, g, cp_config_key(key, gkey, name), "required");
	return rc;
}

int cp_config_get_word(struct cp_config_ctx *ctx, const config_setting_t *g, const char *gkey,
		       const char *name, const struct cp_config_word *words, int *out)
{
	const config_setting_t *s = g ? config_setting_get_member(g, name) : NULL;
	char key[CP_KEY_LEN], expect[128];
	size_t o = 0;
	const char *v;

	if (!s)
		return 0;
	v = config_setting_get_string(s);
	for (const struct cp_config_word *w = words; w->word; w++) {
		if (strcmp(w->word, v) == 0) {
			*out = w->value;
			return 1;
		}
		o += (size_t)snprintf(expect + o, sizeof(expect) - o, "%s\"%s\"",
				      w == words      ? ""
				      : (w + 1)->word ? ", "
						      : " or ",
				      w->word);
	}
	return cp_config_fail(ctx, s, cp_config_key(key, gkey, name),
			      "unknown value \"%s\" (expected %s)", v, expect);
}

static int parse_instance(struct cp_config_ctx *ctx, struct cp_config *cfg)
{
	const config_setting_t *root = config_root_setting(&ctx->lc);
	const config_setting_t *s = config_setting_get_member(root, "instance");
	size_t n;
	int rc;

	snprintf(cfg->instance, sizeof(cfg->instance), CP_DEF_INSTANCE);
	rc = cp_config_get_str(ctx, root, "", "instance", cfg->instance, sizeof(cfg->instance));
	if (rc < 0)
		return rc;
	n = strlen(cfg->instance);
	if (n == 0 || strspn(cfg->instance, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					    "0123456789_-") != n)
		return cp_config_fail(ctx, s, "instance", "\"%s\" is not 1-31 of [A-Za-z0-9_-]",
				      cfg->instance);
	return 0;
}

/* "net_af_xdp0,iface=sl-lb0,..." -> "sl-lb0"; PCI devargs have none: "". */
static int port_iface(struct cp_config_ctx *ctx, const config_setting_t *el, const char *pkey,
		      struct cp_port_conf *p)
{
	const char *d = p->devargs;
	char key[CP_KEY_LEN];

	while ((d = strchr(d, ',')) != NULL) {
		size_t len;

		d++;
		if (strncmp(d, "iface=", 6) != 0)
			continue;
		d += 6;
		len = strcspn(d, ",");
		if (len == 0 || len >= sizeof(p->iface))
			return cp_config_fail(ctx, config_setting_get_member(el, "devargs"),
					      cp_config_key(key, pkey, "devargs"),
					      "iface= needs an interface name of 1-%zu characters",
					      sizeof(p->iface) - 1);
		memcpy(p->iface, d, len);
		p->iface[len] = '\0';
		return 0;
	}
	return 0;
}

static int parse_ports(struct cp_config_ctx *ctx, const config_setting_t *dp,
		       struct cp_dataplane_conf *d)
{
	const config_setting_t *l = dp ? config_setting_get_member(dp, "ports") : NULL;
	int n = l ? config_setting_length(l) : 0;
	char pkey[CP_KEY_LEN], key[CP_KEY_LEN];
	int rc;

	if (n > SL_MAX_PORTS_LIMIT)
		return cp_config_fail(ctx, l, "dataplane.ports", "%d ports, at most %d", n,
				      SL_MAX_PORTS_LIMIT);
	for (int i = 0; i < n; i++) {
		const config_setting_t *el = config_setting_get_elem(l, (unsigned int)i);
		struct cp_port_conf *p = &d->ports[i];

		snprintf(pkey, sizeof(pkey), "dataplane.ports[%d]", i);
		if ((rc = cp_config_need_str(ctx, el, pkey, "name", p->name, sizeof(p->name))) <
			    0 ||
		    (rc = cp_config_need_str(ctx, el, pkey, "devargs", p->devargs,
					     sizeof(p->devargs))) < 0 ||
		    (rc = cp_config_get_u32(ctx, el, pkey, "rx_queues", 0, SL_MAX_WORKERS_LIMIT,
					    &p->rx_queues)) < 0 ||
		    (rc = cp_config_get_u32(ctx, el, pkey, "mtu", 0, CP_MAX_MTU, &p->mtu)) < 0)
			return rc;
		if (!cp_config_name_ok(p->name))
			return cp_config_fail(ctx, config_setting_get_member(el, "name"),
					      cp_config_key(key, pkey, "name"),
					      "\"%s\" is not 1-31 of [A-Za-z0-9_.:-]", p->name);
		if (!p->devargs[0])
			return cp_config_fail(ctx, config_setting_get_member(el, "devargs"),
					      cp_config_key(key, pkey, "devargs"), "empty");
		if (p->mtu && p->mtu < CP_MIN_MTU)
			return cp_config_fail(ctx, config_setting_get_member(el, "mtu"),
					      cp_config_key(key, pkey, "mtu"),
					      "%u out of range 0 or %u..%u", p->mtu, CP_MIN_MTU,
					      CP_MAX_MTU);
		if ((rc = port_iface(ctx, el, pkey, p)) < 0)
			return rc;
		for (int j = 0; j < i; j++) {
			if (strcmp(d->ports[j].name, p->name) == 0)
				return cp_config_fail(ctx, config_setting_get_member(el, "name"),
						      cp_config_key(key, pkey, "name"),
						      "duplicate port name \"%s\"", p->name);
			if (strcmp(d->ports[j].devargs, p->devargs) == 0)
				return cp_config_fail(ctx, config_setting_get_member(el, "devargs"),
						      cp_config_key(key, pkey, "devargs"),
						      "same devargs as port \"%s\"",
						      d->ports[j].name);
		}
		d->n_ports++;
	}
	return 0;
}

static int parse_eal(struct cp_config_ctx *ctx, const config_setting_t *dp,
		     struct cp_dataplane_conf *d)
{
	const config_setting_t *a = dp ? config_setting_get_member(dp, "eal") : NULL;
	int n = a ? config_setting_length(a) : 0;

	if (n >= CP_EAL_ARGS_MAX)
		return cp_config_fail(ctx, a, "dataplane.eal", "%d arguments, at most %d", n,
				      CP_EAL_ARGS_MAX - 1);
	for (int i = 0; i < n; i++) {
		d->eal[i] = strdup(config_setting_get_string_elem(a, i));
		if (!d->eal[i])
			return -ENOMEM;
		d->n_eal++;
	}
	return 0;
}

static int pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

static int parse_dataplane(struct cp_config_ctx *ctx, struct cp_config *cfg)
{
	const config_setting_t *dp =
		config_setting_get_member(config_root_setting(&ctx->lc), "dataplane");
	struct cp_dataplane_conf *d = &cfg->dataplane;
	const char *g = "dataplane";
	char key[CP_KEY_LEN];
	int rc;

	d->flows_per_worker = CP_DEF_FLOWS_PER_WORKER;
	d->tcp_timeout = CP_DEF_TCP_TIMEOUT;
	d->tcp_fin_timeout = CP_DEF_TCP_FIN_TIMEOUT;
	d->udp_timeout = CP_DEF_UDP_TIMEOUT;
	d->tcp_syn_timeout = CP_DEF_TCP_SYN_TIMEOUT;
	d->frag_timeout = CP_DEF_FRAG_TIMEOUT;
	d->burst = CP_DEF_BURST;
	d->mbufs = CP_DEF_MBUFS;
	d->rx_desc = CP_DEF_DESC;
	d->tx_desc = CP_DEF_DESC;
	if ((rc = parse_eal(ctx, dp, d)) < 0 || (rc = parse_ports(ctx, dp, d)) < 0 ||
	    (rc = cp_config_get_u32(ctx, dp, g, "flows_per_worker", CP_MIN_FLOWS_PER_WORKER,
				    CP_MAX_FLOWS_PER_WORKER, &d->flows_per_worker)) < 0 ||
	    (rc = cp_config_get_u32(ctx, dp, g, "tcp_timeout", 1, CP_MAX_TIMEOUT,
				    &d->tcp_timeout)) < 0 ||
	    (rc = cp_config_get_u32(ctx, dp, g, "tcp_fin_timeout", 1, CP_MAX_TIMEOUT,
				    &d->tcp_fin_timeout)) < 0 ||
	    (rc = cp_config_get_u32(ctx, dp, g, "udp_timeout", 1, CP_MAX_TIMEOUT,
				    &d->udp_timeout)) < 0 ||
	    (rc = cp_config_get_u32(ctx, dp, g, "tcp_syn_timeout", 1, CP_MAX_TIMEOUT,
				    &d->tcp_syn_timeout)) < 0 ||
	    (rc = cp_config_get_u32(ctx, dp, g, "frag_timeout", 1, CP_MAX_TIMEOUT,
				    &d->frag_timeout)) < 0 ||
	    (rc = cp_config_get_u32(ctx, dp, g, "burst", 1, CP_MAX_BURST, &d->burst)) < 0 ||
	    (rc = cp_config_get_u32(ctx, dp, g, "mbufs", CP_MIN_MBUFS, CP_MAX_MBUFS, &d->mbufs)) <
		    0 ||
	    (rc = cp_config_get_u32(ctx, dp, g, "rx_desc", CP_MIN_DESC, CP_MAX_DESC, &d->rx_desc)) <
		    0 ||
	    (rc = cp_config_get_u32(ctx, dp, g, "tx_desc", CP_MIN_DESC, CP_MAX_DESC, &d->tx_desc)) <
		    0 ||
	    (rc = cp_config_get_str(ctx, dp, g, "xdp_prog", d->xdp_prog, sizeof(d->xdp_prog))) < 0)
		return rc;
	if (!pow2(d->flows_per_worker))
		return cp_config_fail(ctx, config_setting_get_member(dp, "flows_per_worker"),
				      cp_config_key(key, g, "flows_per_worker"),
				      "%u is not a power of two", d->flows_per_worker);
	if (!pow2(d->rx_desc))
		return cp_config_fail(ctx, config_setting_get_member(dp, "rx_desc"),
				      cp_config_key(key, g, "rx_desc"), "%u is not a power of two",
				      d->rx_desc);
	if (!pow2(d->tx_desc))
		return cp_config_fail(ctx, config_setting_get_member(dp, "tx_desc"),
				      cp_config_key(key, g, "tx_desc"), "%u is not a power of two",
				      d->tx_desc);
	return 0;
}

static int parse_tables(struct cp_config_ctx *ctx, struct cp_config *cfg)
{
	const config_setting_t *t =
		config_setting_get_member(config_root_setting(&ctx->lc), "tables");
	struct cp_tables_conf *c = &cfg->tables;
	const char *g = "tables";
	int rc;

	c->max_workers = CP_DEF_MAX_WORKERS;
	c->max_vips = CP_DEF_MAX_VIPS;
	c->max_pools = CP_DEF_MAX_POOLS;
	c->max_backends = CP_DEF_MAX_BACKENDS;
	c->maglev_size = SL_MAGLEV_SIZE_DEFAULT;
	if ((rc = cp_config_get_u32(ctx, t, g, "max_workers", 1, SL_MAX_WORKERS_LIMIT,
				    &c->max_workers)) < 0 ||
	    (rc = cp_config_get_u32(ctx, t, g, "max_vips", 1, SL_MAX_VIPS_LIMIT, &c->max_vips)) <
		    0 ||
	    (rc = cp_config_get_u32(ctx, t, g, "max_pools", 1, SL_MAX_POOLS_LIMIT, &c->max_pools)) <
		    0 ||
	    (rc = cp_config_get_u32(ctx, t, g, "max_backends", 1, SL_MAX_BACKENDS_LIMIT,
				    &c->max_backends)) < 0 ||
	    (rc = cp_config_get_u32(ctx, t, g, "maglev_size", SL_MAGLEV_SIZE_MIN,
				    SL_MAGLEV_SIZE_MAX, &c->maglev_size)) < 0)
		return rc;
	if (!sl_maglev_is_prime(c->maglev_size))
		return cp_config_fail(ctx, config_setting_get_member(t, "maglev_size"),
				      "tables.maglev_size", "%u is not prime", c->maglev_size);
	return 0;
}

static int parse_controlplane(struct cp_config_ctx *ctx, struct cp_config *cfg)
{
	const config_setting_t *cp =
		config_setting_get_member(config_root_setting(&ctx->lc), "controlplane");
	struct cp_controlplane_conf *c = &cfg->controlplane;
	const char *g = "controlplane";
	int rc;

	c->publish_timeout_ms = CP_DEF_PUBLISH_TIMEOUT_MS;
	c->neigh_timeout_ms = CP_DEF_NEIGH_TIMEOUT_MS;
	c->drain_timeout = CP_DEF_DRAIN_TIMEOUT;
	snprintf(c->admin_socket, sizeof(c->admin_socket), CP_ADMIN_SOCKET_FMT, cfg->instance);
	if ((rc = cp_config_get_u32(ctx, cp, g, "publish_timeout_ms", 1, CP_MAX_TIMEOUT_MS,
				    &c->publish_timeout_ms)) < 0 ||
	    (rc = cp_config_get_u32(ctx, cp, g, "neigh_timeout_ms", 0, CP_MAX_TIMEOUT_MS,
				    &c->neigh_timeout_ms)) < 0 ||
	    (rc = cp_config_get_u32(ctx, cp, g, "drain_timeout", 0, CP_MAX_DRAIN_TIMEOUT,
				    &c->drain_timeout)) < 0 ||
	    (rc = cp_config_get_str(ctx, cp, g, "admin_socket", c->admin_socket,
				    sizeof(((struct sockaddr_un *)0)->sun_path))) < 0)
		return rc;
	if (!c->admin_socket[0])
		return cp_config_fail(ctx, config_setting_get_member(cp, "admin_socket"),
				      "controlplane.admin_socket", "empty");
	return 0;
}

int cp_config_load(const char *path, char *const *envp, struct cp_config *cfg,
		   struct cp_config_error *err)
{
	struct cp_config_ctx ctx = {.path = path, .envp = envp ? envp : environ, .err = err};
	char *dir_copy = NULL;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	memset(err, 0, sizeof(*err));
	config_init(&ctx.lc);
	if (strlen(path) >= sizeof(cfg->file)) {
		snprintf(err->file, sizeof(err->file), "%.*s...", (int)sizeof(err->file) - 4, path);
		snprintf(err->text, sizeof(err->text), "path longer than %zu characters",
			 sizeof(cfg->file) - 1);
		rc = -ENAMETOOLONG;
		goto out;
	}
	/* @include "x" is relative to the main file's directory */
	dir_copy = strdup(path);
	if (!dir_copy) {
		rc = -ENOMEM;
		goto out;
	}
	ctx.include_dir = dirname(dir_copy);
	rc = cp_config_prescan(&ctx);
	if (rc)
		goto out;
	config_set_include_dir(&ctx.lc, ctx.include_dir);
	if (config_read_file(&ctx.lc, path) != CONFIG_TRUE) {
		if (config_error_type(&ctx.lc) == CONFIG_ERR_FILE_IO) {
			snprintf(err->file, sizeof(err->file), "%s", path);
			snprintf(err->text, sizeof(err->text), "%s", config_error_text(&ctx.lc));
			rc = -EIO;
			goto out;
		}
		snprintf(err->file, sizeof(err->file), "%s",
			 config_error_file(&ctx.lc) ? config_error_file(&ctx.lc) : path);
		err->line = config_error_line(&ctx.lc);
		snprintf(err->text, sizeof(err->text), "%s", config_error_text(&ctx.lc));
		rc = -EINVAL;
		goto out;
	}
	snprintf(cfg->file, sizeof(cfg->file), "%s", path);
	if ((rc = cp_config_env_apply(&ctx)) < 0 || (rc = cp_config_schema_check(&ctx)) < 0 ||
	    (rc = parse_instance(&ctx, cfg)) < 0 || (rc = parse_dataplane(&ctx, cfg)) < 0 ||
	    (rc = parse_tables(&ctx, cfg)) < 0 || (rc = parse_controlplane(&ctx, cfg)) < 0 ||
	    (rc = cp_config_parse_discovery(&ctx, cfg)) < 0 || (rc = cp_config_parse_lb(&ctx, cfg)) < 0)
		goto out;
	rc = 0;
out:
	if (rc == -ENOMEM && !err->text[0]) {
		snprintf(err->file, sizeof(err->file), "%s", path);
		snprintf(err->text, sizeof(err->text), "out of memory");
	}
	if (rc)
		cp_config_free(cfg);
	cp_config_lits_free(&ctx);
	free(dir_copy);
	config_destroy(&ctx.lc);
	return rc;
}

void cp_config_free(struct cp_config *cfg)
{
	for (uint32_t i = 0; i < CP_EAL_ARGS_MAX; i++)
		free(cfg->dataplane.eal[i]);
	for (uint32_t i = 0; cfg->pools && i < cfg->n_pools; i++)
		free(cfg->pools[i].backends);
	free(cfg->pools);
	free(cfg->vips);
	memset(cfg, 0, sizeof(*cfg));
}

const char *cp_config_strerror(const struct cp_config_error *err, char *buf, size_t len)
{
	char where[CP_PATH_LEN + 16];

	if (err->line > 0)
		snprintf(where, sizeof(where), "%s:%d", err->file, err->line);
	else
		snprintf(where, sizeof(where), "%s", err->file);
	if (err->key[0])
		snprintf(buf, len, "%s: %s: %s", where, err->key, err->text);
	else
		snprintf(buf, len, "%s: %s", where, err->text);
	return buf;
}

void cp_config_geometry(const struct cp_config *cfg, struct sl_shm_geometry *g)
{
	g->max_workers = cfg->tables.max_workers;
	g->max_ports = SL_MAX_PORTS_LIMIT;
	g->max_vips = cfg->tables.max_vips;
	g->max_pools = cfg->tables.max_pools;
	g->max_backends = cfg->tables.max_backends;
	g->maglev_size = cfg->tables.maglev_size;
}
