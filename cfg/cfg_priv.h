/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals shared by the config loader's files, in the order they call
 * each other: cfg.c (the entry points) -> the sections (cfg_daemon.c:
 * dataplane, tables, controlplane; cfg_lb.c: vips and pools; cfg_disc.c:
 * discovery and each pool's health and sources) and the whole-tree passes
 * (cfg_file.c: files read as text; cfg_schema.c: known keys, types and
 * SLUICE_* overrides) -> cfg_get.c (typed readers, key names, errors).
 * Not for other modules.
 */
#ifndef CFG_PRIV_H
#define CFG_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <libconfig.h>

#include "cfg_types.h"

#define CFG_KEY_LEN 128 /* bytes of a setting path, "pools[3].backends[12].address" */

#define CFG_MAX_BYTES (64u << 20) /* bytes of one file (main or included) */
#define CFG_MAX_LINE 65536u	  /* bytes of one line */
#define CFG_MAX_STRING 65536u	  /* bytes of one string literal */

/* A literal libconfig would misread (cfg_file.c). */
enum {
	CFG_LIT_BIG = 1,  /* an integer beyond 32 bits without L: value holds it */
	CFG_LIT_HUGE = 2, /* beyond 64 bits too */
	CFG_LIT_NUL = 3,  /* a string holding a NUL byte (raw or \x00) */
};

struct cfg_lit {
	char *file; /* as config_setting_source_file() names it */
	int line;
	char name[64]; /* the setting's name */
	long long value;
	uint8_t kind;
};

struct cfg_ctx {
	const char *path;  /* the file given to cfg_load() */
	char *const *envp; /* overrides, environ-style */
	struct cfg_error *err;
	config_t lc;		 /* the parsed tree (overrides applied) */
	const char *include_dir; /* where libconfig looks for @include files */
	struct cfg_lit *lits;
	size_t n_lits, cap_lits;
};

/*
 * Check the file and every file it includes before libconfig reads them
 * (cfg_file.c): regular, readable, within the size limits; remember
 * the literals libconfig would misread. 0 or a negative errno with
 * ctx->err filled (the main file: -ENOENT, -EACCES, -EINVAL not a regular
 * file, -EFBIG; an include or a limit: -EINVAL at FILE:LINE).
 */
int cfg_prescan(struct cfg_ctx *ctx);
/* The remembered literal of @kind behind setting @s, or NULL. */
const struct cfg_lit *cfg_lit_find(const struct cfg_ctx *ctx, const config_setting_t *s,
				   uint8_t kind);
void cfg_lits_free(struct cfg_ctx *ctx);

/*
 * Fill ctx->err for setting @s (NULL: no line) at path @key and return
 * -EINVAL. A setting whose value came from the environment is reported as
 * file "environment", key = the variable's name.
 */
int cfg_fail(struct cfg_ctx *ctx, const config_setting_t *s, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Replace or add settings from SLUICE_* variables of ctx->envp. 0 or -EINVAL/-ENOMEM. */
int cfg_env_apply(struct cfg_ctx *ctx);

/* Refuse unknown keys and values of the wrong type. 0 or -EINVAL. */
int cfg_schema_check(struct cfg_ctx *ctx);

/*
 * Typed readers of member @name of group @g (NULL: absent) whose path is
 * @gkey ("" at the root). Each returns 1 when the key is present and valid
 * (value stored), 0 when absent (*out untouched), -EINVAL with ctx->err
 * filled otherwise. Types were checked by cfg_schema_check().
 */
int cfg_get_u32(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey, const char *name,
		uint32_t lo, uint32_t hi, uint32_t *out);
int cfg_get_str(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey, const char *name,
		char *out, size_t len);
/* Present or -EINVAL "required". */
int cfg_need_str(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey, const char *name,
		 char *out, size_t len);

struct cfg_word {
	const char *word;
	int value;
};
/* A string among @words (NULL-terminated); "unknown value" otherwise. */
int cfg_get_word(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey, const char *name,
		 const struct cfg_word *words, int *out);

/* "gkey.name" ("name" at the root) into @buf. */
const char *cfg_key(char *buf, const char *gkey, const char *name);
/* "gkey.name[idx]" (@name NULL: "gkey[idx]") into @buf. */
const char *cfg_elem_key(char *buf, const char *gkey, const char *name, int idx);

/* Names of vips, pools, ports: [A-Za-z0-9_.:-]{1,31}. 1 if @s is one. */
int cfg_name_ok(const char *s);

/* "IPv4" or "IPv6" for an enum sl_af. */
const char *cfg_af_name(uint8_t af);
/* Text -> IPv4-mapped or IPv6 sl_addr. NULL, or why @s is refused. */
const char *cfg_parse_addr(const char *s, struct sl_addr *a, uint8_t *af);
/* An address as text (INET6_ADDRSTRLEN). */
void cfg_format_addr(const struct sl_addr *a, uint8_t af, char *buf, size_t len);

/* Boolean member (true/false); same contract as cfg_get_u32(). */
int cfg_get_bool(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey, const char *name,
		 uint8_t *out);

/* vips and pools sections, after the scalar sections. 0 or a negative errno. */
int cfg_parse_lb(struct cfg_ctx *ctx, struct cfg *cfg);
/* The dataplane, tables and controlplane sections (cfg_daemon.c); same contract. */
int cfg_parse_dataplane(struct cfg_ctx *ctx, struct cfg *cfg);
int cfg_parse_tables(struct cfg_ctx *ctx, struct cfg *cfg);
int cfg_parse_controlplane(struct cfg_ctx *ctx, struct cfg *cfg);
int cfg_parse_events(struct cfg_ctx *ctx, struct cfg *cfg);
/* The metrics section (cfg_daemon.c); same contract. */
int cfg_parse_metrics(struct cfg_ctx *ctx, struct cfg *cfg);
/* The nat section (cfg_nat.c), after the tables section; same contract. */
int cfg_parse_nat(struct cfg_ctx *ctx, struct cfg *cfg);
/*
 * A VIP's full-NAT keys (synproxy, mss, nat.sources), refused unless its
 * @mode is nat; same contract.
 */
int cfg_parse_vip_nat(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey,
		      unsigned int mode, struct cfg_vip *v);
/* Checks that need every VIP (@vl: the vips list); same contract. */
int cfg_check_nat(struct cfg_ctx *ctx, const struct cfg *cfg, const config_setting_t *vl);

/* cfg_http.c: mode nat or http (both full NAT). 1 or 0. */
int cfg_mode_is_nat(unsigned int mode);
/*
 * A VIP's HTTP keys (routes, sticky, headers, http), refused unless its mode
 * is http, after its mode, protocol and the pools are known. On failure
 * nothing of @v's http part is left to free. 0 or a negative errno.
 */
int cfg_parse_vip_http(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey,
		       const struct cfg *cfg, struct cfg_vip *v);
/* Checks that need every VIP (@vl: the vips list): the routes' room in the tables. */
int cfg_check_http(struct cfg_ctx *ctx, const struct cfg *cfg, const config_setting_t *vl);
/* A pool's balance key of group @g at @gkey. */
int cfg_parse_pool_balance(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey,
			   struct cfg_pool *p);

/* cfg_disc.c: the top-level discovery section, before the pools. */
int cfg_parse_discovery(struct cfg_ctx *ctx, struct cfg *cfg);
/* Health, panic and discovery defaults of a pool (defined or implicit). */
void cfg_pool_defaults(struct cfg_pool *p);
/* health, panic_threshold and discovery of pool group @g at @gkey. */
int cfg_parse_pool_extras(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey,
			  const struct cfg *cfg, struct cfg_pool *p);
/* Checks that need the VIPs (pool @i's group is element i of @pl). */
int cfg_check_pool_extras(struct cfg_ctx *ctx, const struct cfg *cfg, const config_setting_t *pl);

#endif /* CFG_PRIV_H */
