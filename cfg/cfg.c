/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration loader both daemons use: read the libconfig file (and
 * its includes) as text first (cfg_file.c), apply SLUICE_* overrides to the
 * tree and refuse unknown keys and wrong types (cfg_schema.c), then fill
 * struct cfg section by section (cfg_daemon.c, cfg_lb.c, cfg_disc.c), a
 * default and a range check for every key (docs/configuration.md lists
 * them). Pure: it never logs or exits; the caller decides what an error
 * means.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libgen.h>
#include <sys/un.h>

#include "cfg.h"
#include "cfg_priv.h"
#include "sl_maglev.h"
#include "sl_shm.h"

extern char **environ;

#define CFG_DEF_INSTANCE "default"

static int parse_instance(struct cfg_ctx *ctx, struct cfg *cfg)
{
	const config_setting_t *root = config_root_setting(&ctx->lc);
	const config_setting_t *s = config_setting_get_member(root, "instance");
	size_t n;
	int rc;

	snprintf(cfg->instance, sizeof(cfg->instance), CFG_DEF_INSTANCE);
	rc = cfg_get_str(ctx, root, "", "instance", cfg->instance, sizeof(cfg->instance));
	if (rc < 0)
		return rc;
	n = strlen(cfg->instance);
	if (n == 0 || strspn(cfg->instance, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					    "0123456789_-") != n)
		return cfg_fail(ctx, s, "instance", "\"%s\" is not 1-31 of [A-Za-z0-9_-]",
				cfg->instance);
	return 0;
}

/* "net_af_xdp0,iface=sl-lb0,..." -> "sl-lb0"; PCI devargs have none: "". */
int cfg_load(const char *path, char *const *envp, struct cfg *cfg, struct cfg_error *err)
{
	struct cfg_ctx ctx = {.path = path, .envp = envp ? envp : environ, .err = err};
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
	rc = cfg_prescan(&ctx);
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
	if ((rc = cfg_env_apply(&ctx)) < 0 || (rc = cfg_schema_check(&ctx)) < 0 ||
	    (rc = parse_instance(&ctx, cfg)) < 0 || (rc = cfg_parse_dataplane(&ctx, cfg)) < 0 ||
	    (rc = cfg_parse_tables(&ctx, cfg)) < 0 || (rc = cfg_parse_nat(&ctx, cfg)) < 0 ||
	    (rc = cfg_parse_controlplane(&ctx, cfg)) < 0 ||
	    (rc = cfg_parse_events(&ctx, cfg)) < 0 || (rc = cfg_parse_metrics(&ctx, cfg)) < 0 ||
	    (rc = cfg_parse_discovery(&ctx, cfg)) < 0 || (rc = cfg_parse_lb(&ctx, cfg)) < 0)
		goto out;
	rc = 0;
out:
	if (rc == -ENOMEM && !err->text[0]) {
		snprintf(err->file, sizeof(err->file), "%s", path);
		snprintf(err->text, sizeof(err->text), "out of memory");
	}
	if (rc)
		cfg_free(cfg);
	cfg_lits_free(&ctx);
	free(dir_copy);
	config_destroy(&ctx.lc);
	return rc;
}

void cfg_free(struct cfg *cfg)
{
	for (uint32_t i = 0; i < CFG_EAL_ARGS_MAX; i++)
		free(cfg->dataplane.eal[i]);
	for (uint32_t i = 0; cfg->pools && i < cfg->n_pools; i++)
		free(cfg->pools[i].backends);
	free(cfg->pools);
	for (uint32_t i = 0; cfg->vips && i < cfg->n_vips; i++)
		free(cfg->vips[i].http.routes);
	free(cfg->vips);
	memset(cfg, 0, sizeof(*cfg));
}

const char *cfg_strerror(const struct cfg_error *err, char *buf, size_t len)
{
	char where[CFG_PATH_LEN + 16];

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

void cfg_geometry(const struct cfg *cfg, struct sl_shm_geometry *g)
{
	g->max_workers = cfg->tables.max_workers;
	g->max_ports = SL_MAX_PORTS_LIMIT;
	g->max_vips = cfg->tables.max_vips;
	g->max_pools = cfg->tables.max_pools;
	g->max_backends = cfg->tables.max_backends;
	g->maglev_size = cfg->tables.maglev_size;
	g->max_nat_sources = cfg->tables.max_nat_sources;
	g->max_routes = cfg->tables.max_routes;
	g->ev_ring_size = cfg->events.ring_size;
}
