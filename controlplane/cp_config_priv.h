/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals shared by the config loader's files (cp_config.c: sections and
 * entry points; cp_config_schema.c: known keys, types and SLUICE_*
 * overrides; cp_config_lb.c: vips and pools). Not for other modules.
 */
#ifndef CP_CONFIG_PRIV_H
#define CP_CONFIG_PRIV_H

#include <stdint.h>
#include <libconfig.h>

#include "cp_config_types.h"

#define CP_KEY_LEN 128 /* bytes of a setting path, "pools[3].backends[12].address" */

#define CP_CONFIG_MAX_BYTES (64u << 20) /* bytes of one file (main or included) */
#define CP_CONFIG_MAX_LINE 65536u	/* bytes of one line */
#define CP_CONFIG_MAX_STRING 65536u	/* bytes of one string literal */

/* A literal libconfig would misread (cp_config_file.c). */
enum {
	CP_LIT_BIG = 1,	 /* an integer beyond 32 bits without L: value holds it */
	CP_LIT_HUGE = 2, /* beyond 64 bits too */
	CP_LIT_NUL = 3,	 /* a string holding a NUL byte (raw or \x00) */
};

struct cp_config_lit {
	char *file; /* as config_setting_source_file() names it */
	int line;
	char name[64]; /* the setting's name */
	long long value;
	uint8_t kind;
};

struct cp_config_ctx {
	const char *path;  /* the file given to cp_config_load() */
	char *const *envp; /* overrides, environ-style */
	struct cp_config_error *err;
	config_t lc; /* the parsed tree (overrides applied) */
	const char *include_dir; /* where libconfig looks for @include files */
	struct cp_config_lit *lits;
	size_t n_lits, cap_lits;
};

/*
 * Check the file and every file it includes before libconfig reads them
 * (cp_config_file.c): regular, readable, within the size limits; remember
 * the literals libconfig would misread. 0 or a negative errno with
 * ctx->err filled (the main file: -ENOENT, -EACCES, -EINVAL not a regular
 * file, -EFBIG; an include or a limit: -EINVAL at FILE:LINE).
 */
int cp_config_prescan(struct cp_config_ctx *ctx);
/* The remembered literal of @kind behind setting @s, or NULL. */
const struct cp_config_lit *cp_config_lit_find(const struct cp_config_ctx *ctx,
					       const config_setting_t *s, uint8_t kind);
void cp_config_lits_free(struct cp_config_ctx *ctx);

/*
 * Fill ctx->err for setting @s (NULL: no line) at path @key and return
 * -EINVAL. A setting whose value came from the environment is reported as
 * file "environment", key = the variable's name.
 */
int cp_config_fail(struct cp_config_ctx *ctx, const config_setting_t *s, const char *key,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Replace or add settings from SLUICE_* variables of ctx->envp. 0 or -EINVAL/-ENOMEM. */
int cp_config_env_apply(struct cp_config_ctx *ctx);

/* Refuse unknown keys and values of the wrong type. 0 or -EINVAL. */
int cp_config_schema_check(struct cp_config_ctx *ctx);

/*
 * Typed readers of member @name of group @g (NULL: absent) whose path is
 * @gkey ("" at the root). Each returns 1 when the key is present and valid
 * (value stored), 0 when absent (*out untouched), -EINVAL with ctx->err
 * filled otherwise. Types were checked by cp_config_schema_check().
 */
int cp_config_get_u32(struct cp_config_ctx *ctx, const config_setting_t *g, const char *gkey,
		      const char *name, uint32_t lo, uint32_t hi, uint32_t *out);
int cp_config_get_str(struct cp_config_ctx *ctx, const config_setting_t *g, const char *gkey,
		      const char *name, char *out, size_t len);
/* Present or -EINVAL "required". */
int cp_config_need_str(struct cp_config_ctx *ctx, const config_setting_t *g, const char *gkey,
		       const char *name, char *out, size_t len);

struct cp_config_word {
	const char *word;
	int value;
};
/* A string among @words (NULL-terminated); "unknown value" otherwise. */
int cp_config_get_word(struct cp_config_ctx *ctx, const config_setting_t *g, const char *gkey,
		       const char *name, const struct cp_config_word *words, int *out);

/* "gkey.name" ("name" at the root) into @buf. */
const char *cp_config_key(char *buf, const char *gkey, const char *name);
/* "gkey.name[idx]" (@name NULL: "gkey[idx]") into @buf. */
const char *cp_config_elem_key(char *buf, const char *gkey, const char *name, int idx);

/* Names of vips, pools, ports: [A-Za-z0-9_.:-]{1,31}. 1 if @s is one. */
int cp_config_name_ok(const char *s);

/* Boolean member (true/false); same contract as cp_config_get_u32(). */
int cp_config_get_bool(struct cp_config_ctx *ctx, const config_setting_t *g, const char *gkey,
		       const char *name, uint8_t *out);

/* vips and pools sections, after the scalar sections. 0 or a negative errno. */
int cp_config_parse_lb(struct cp_config_ctx *ctx, struct cp_config *cfg);

/* cp_config_disc.c: the top-level discovery section, before the pools. */
int cp_config_parse_discovery(struct cp_config_ctx *ctx, struct cp_config *cfg);
/* Health, panic and discovery defaults of a pool (defined or implicit). */
void cp_config_pool_defaults(struct cp_pool_conf *p);
/* health, panic_threshold and discovery of pool group @g at @gkey. */
int cp_config_parse_pool_extras(struct cp_config_ctx *ctx, const config_setting_t *g,
				const char *gkey, const struct cp_config *cfg,
				struct cp_pool_conf *p);
/* Checks that need the VIPs (pool @i's group is element i of @pl). */
int cp_config_check_pool_extras(struct cp_config_ctx *ctx, const struct cp_config *cfg,
				const config_setting_t *pl);

#endif /* CP_CONFIG_PRIV_H */
