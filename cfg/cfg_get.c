/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The loader's lowest layer: typed readers of one setting (integers range
 * checked on their full value, strings, booleans, words from a list), the
 * key names errors quote, and the one way an error is recorded (FILE:LINE:
 * KEY: TEXT, or "environment: VARIABLE: TEXT" for an override). Every
 * section parser reads through these; none of them calls back up.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "cfg.h"
#include "cfg_priv.h"
#include "sl_addr.h"

int cfg_fail(struct cfg_ctx *ctx, const config_setting_t *s, const char *key, const char *fmt, ...)
{
	struct cfg_error *err = ctx->err;
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

const char *cfg_key(char *buf, const char *gkey, const char *name)
{
	int n = snprintf(buf, CFG_KEY_LEN, "%s%s%s", gkey, *gkey ? "." : "", name);

	if (n >= CFG_KEY_LEN) /* cannot happen with the schema's names; keep the end visible */
		memcpy(buf + CFG_KEY_LEN - 4, "...", 4);
	return buf;
}

const char *cfg_elem_key(char *buf, const char *gkey, const char *name, int idx)
{
	char tail[16];

	snprintf(tail, sizeof(tail), "[%d]", idx);
	if (name)
		cfg_key(buf, gkey, name);
	else
		snprintf(buf, CFG_KEY_LEN, "%s", gkey);
	if (strlen(buf) + strlen(tail) < CFG_KEY_LEN)
		strcat(buf, tail);
	return buf;
}

int cfg_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n >= SL_NAME_LEN)
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-") == n;
}

int cfg_get_u32(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey, const char *name,
		uint32_t lo, uint32_t hi, uint32_t *out)
{
	const config_setting_t *s = g ? config_setting_get_member(g, name) : NULL;
	char key[CFG_KEY_LEN];
	long long v;

	const struct cfg_lit *lit;

	if (!s)
		return 0;
	v = config_setting_get_int64(s);
	lit = config_setting_type(s) == CONFIG_TYPE_INT ? cfg_lit_find(ctx, s, CFG_LIT_BIG) : NULL;
	if (lit && lit->kind == CFG_LIT_HUGE)
		return cfg_fail(ctx, s, cfg_key(key, gkey, name),
				"beyond 64 bits, out of range %u..%u", lo, hi);
	if (lit)
		v = lit->value; /* what the file says, not libconfig's low 32 bits */
	if (v < lo || v > hi)
		return cfg_fail(ctx, s, cfg_key(key, gkey, name), "%lld out of range %u..%u", v, lo,
				hi);
	*out = (uint32_t)v;
	return 1;
}

int cfg_get_str(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey, const char *name,
		char *out, size_t len)
{
	const config_setting_t *s = g ? config_setting_get_member(g, name) : NULL;
	char key[CFG_KEY_LEN];
	const char *v;

	if (!s)
		return 0;
	v = config_setting_get_string(s);
	if (strlen(v) >= len)
		return cfg_fail(ctx, s, cfg_key(key, gkey, name), "longer than %zu characters",
				len - 1);
	memcpy(out, v, strlen(v) + 1);
	return 1;
}

int cfg_get_bool(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey, const char *name,
		 uint8_t *out)
{
	const config_setting_t *s = g ? config_setting_get_member(g, name) : NULL;

	(void)ctx;
	(void)gkey;
	if (!s)
		return 0;
	*out = config_setting_get_bool(s) ? 1 : 0;
	return 1;
}

int cfg_need_str(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey, const char *name,
		 char *out, size_t len)
{
	char key[CFG_KEY_LEN];
	int rc = cfg_get_str(ctx, g, gkey, name, out, len);

	if (rc == 0)
		return cfg_fail(ctx, g, cfg_key(key, gkey, name), "required");
	return rc;
}

int cfg_get_word(struct cfg_ctx *ctx, const config_setting_t *g, const char *gkey, const char *name,
		 const struct cfg_word *words, int *out)
{
	const config_setting_t *s = g ? config_setting_get_member(g, name) : NULL;
	char key[CFG_KEY_LEN], expect[128];
	size_t o = 0;
	const char *v;

	if (!s)
		return 0;
	v = config_setting_get_string(s);
	for (const struct cfg_word *w = words; w->word; w++) {
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
	return cfg_fail(ctx, s, cfg_key(key, gkey, name), "unknown value \"%s\" (expected %s)", v,
			expect);
}

const char *cfg_af_name(uint8_t af)
{
	return af == SL_AF_INET ? "IPv4" : "IPv6";
}

const char *cfg_parse_addr(const char *s, struct sl_addr *a, uint8_t *af)
{
	struct in_addr v4;

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &v4) == 1) {
		sl_addr_from_v4(a, v4.s_addr);
		*af = SL_AF_INET;
	} else if (inet_pton(AF_INET6, s, a->a8) == 1) {
		*af = SL_AF_INET6;
	} else {
		return "not an IPv4 or IPv6 address";
	}
	return cfg_addr_why(a, *af);
}

void cfg_format_addr(const struct sl_addr *a, uint8_t af, char *buf, size_t len)
{
	if (af == SL_AF_INET)
		inet_ntop(AF_INET, &a->a32[3], buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, a->a8, buf, (socklen_t)len);
}
