/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The config file as text, before libconfig sees it. libconfig 1.5 has four
 * traits a hostile or careless file can use: its scanner exits the process
 * when an @include names something it cannot read (a directory) and blocks
 * on a FIFO; its lexer is quadratic in the length of one token; it
 * silently truncates an integer literal beyond 32 bits to its low 32 bits;
 * and a NUL byte cuts a string short. So every file (the main one and
 * each include, recursively) is opened without blocking, must be a regular
 * readable file within CFG_MAX_BYTES, and is scanned once: lines and
 * strings are bounded, each include target is checked the same way, and
 * integer literals that do not fit 32 bits and strings that hold a NUL are
 * remembered (cfg_lit) so the typed readers report them with the
 * setting's key instead of using what libconfig made of them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cfg.h"
#include "cfg_priv.h"

#define CFG_INCLUDE_DEPTH_MAX 10 /* libconfig's own limit; deeper is its error to report */

struct scan {
	struct cfg_ctx *ctx;
	const char *file; /* as libconfig names it in config_setting_source_file() */
	const char *text;
	size_t len;
	int depth;
};

static int file_fail(struct cfg_ctx *ctx, const char *file, int line, const char *key,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int file_fail(struct cfg_ctx *ctx, const char *file, int line, const char *key,
		     const char *fmt, ...)
{
	struct cfg_error *err = ctx->err;
	va_list ap;

	snprintf(err->file, sizeof(err->file), "%s", file);
	err->line = line;
	snprintf(err->key, sizeof(err->key), "%s", key);
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

const char *cfg_file_kind(mode_t m)
{
	if (S_ISREG(m))
		return "a regular file";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	return "something else";
}

int cfg_read_file(const char *path, size_t max, char **buf, size_t *len, char *why, size_t wl)
{
	struct stat st;
	size_t got = 0;
	int fd, rc;

	*buf = NULL;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = -errno;
		snprintf(why, wl, "%s", strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		snprintf(why, wl, "%s", strerror(-rc));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		snprintf(why, wl, "%s, not a regular file", cfg_file_kind(st.st_mode));
		goto out;
	}
	if ((unsigned long long)st.st_size > max) {
		rc = -EFBIG;
		snprintf(why, wl, "%lld bytes, more than %zu", (long long)st.st_size, max);
		goto out;
	}
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf) {
		rc = -ENOMEM;
		snprintf(why, wl, "out of memory");
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, *buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			snprintf(why, wl, "%s", strerror(-rc));
			free(*buf);
			*buf = NULL;
			goto out;
		}
		if (r == 0)
			break; /* shrank under us: what is there is what the file says now */
		got += (size_t)r;
	}
	(*buf)[got] = '\0';
	*len = got;
	rc = 0;
out:
	close(fd);
	return rc;
}

static int lit_add(struct cfg_ctx *ctx, const char *file, int line, const char *name,
		   size_t name_len, long long value, uint8_t kind)
{
	struct cfg_lit *l;

	if (ctx->n_lits == ctx->cap_lits) {
		size_t cap = ctx->cap_lits ? ctx->cap_lits * 2 : 8;
		struct cfg_lit *n = realloc(ctx->lits, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		ctx->lits = n;
		ctx->cap_lits = cap;
	}
	l = &ctx->lits[ctx->n_lits];
	memset(l, 0, sizeof(*l));
	l->file = strdup(file);
	if (!l->file)
		return -ENOMEM;
	l->line = line;
	if (name_len >= sizeof(l->name))
		name_len = sizeof(l->name) - 1;
	memcpy(l->name, name, name_len);
	l->value = value;
	l->kind = kind;
	ctx->n_lits++;
	return 0;
}

static int is_name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '*';
}

static int is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/*
 * An integer literal at @p (libconfig's grammar: [-+]?[0-9]+ or 0x[0-9a-f]+,
 * an optional L). Returns its length (0: not one, e.g. a float) and stores
 * the value, or CFG_LIT_HUGE in *@kind when even 64 bits do not hold it.
 */
static size_t int_literal(const char *p, const char *end, long long *value, uint8_t *kind,
			  int *has_l)
{
	const char *q = p;
	int neg = 0, hex = 0, digits = 0;
	unsigned long long v = 0, lim;

	*kind = CFG_LIT_BIG;
	if (q < end && (*q == '-' || *q == '+'))
		neg = *q++ == '-';
	if (q + 1 < end && q[0] == '0' && (q[1] == 'x' || q[1] == 'X')) {
		hex = 1;
		q += 2;
	}
	lim = neg ? 9223372036854775808ull : 9223372036854775807ull;
	for (; q < end; q++, digits++) {
		unsigned int d;

		if (*q >= '0' && *q <= '9')
			d = (unsigned int)(*q - '0');
		else if (hex && *q >= 'a' && *q <= 'f')
			d = (unsigned int)(*q - 'a' + 10);
		else if (hex && *q >= 'A' && *q <= 'F')
			d = (unsigned int)(*q - 'A' + 10);
		else
			break;
		if (v > (lim - d) / (hex ? 16 : 10))
			*kind = CFG_LIT_HUGE;
		else
			v = v * (hex ? 16 : 10) + d;
	}
	if (!digits)
		return 0;
	if (q < end && (*q == '.' || *q == 'e' || *q == 'E'))
		return 0; /* a float: its type is checked later */
	*has_l = q < end && *q == 'L';
	if (*has_l)
		q++;
	if (hex && !neg && *kind != CFG_LIT_HUGE && v <= 0xffffffffull)
		v = (unsigned long long)(long long)(int32_t)(uint32_t)v; /* libconfig: 32 bits */
	*value = neg ? (long long)(0 - v) : (long long)v;
	return (size_t)(q - p);
}

static int scan_text(struct scan *s);

/* "@include" at the start of a line: check the target, then scan it. */
static int scan_include(struct scan *s, const char **pp, int line)
{
	const char *p = *pp + strlen("@include"), *end = s->text + s->len, *close;
	char name[CFG_PATH_LEN], path[2 * CFG_PATH_LEN + 2], why[160];
	struct scan inc = {.ctx = s->ctx, .file = name, .depth = s->depth + 1};
	char *buf;
	size_t n;
	int rc;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= end || *p != '"')
		return 0; /* not an include libconfig would read: its syntax error */
	close = memchr(p + 1, '"', (size_t)(end - p - 1));
	if (!close || memchr(p + 1, '\n', (size_t)(close - p - 1)))
		return 0;
	n = (size_t)(close - p - 1);
	if (n >= sizeof(name))
		return file_fail(s->ctx, s->file, line, "@include",
				 "file name longer than %zu characters", sizeof(name) - 1);
	memcpy(name, p + 1, n);
	name[n] = '\0';
	*pp = close + 1;
	/* libconfig 1.5 reads every include relative to the main file's directory */
	if (s->ctx->include_dir && s->ctx->include_dir[0])
		snprintf(path, sizeof(path), "%s/%s", s->ctx->include_dir, name);
	else
		snprintf(path, sizeof(path), "%s", name);
	rc = cfg_read_file(path, CFG_MAX_BYTES, &buf, &inc.len, why, sizeof(why));
	if (rc == -ENOMEM)
		return rc;
	if (rc)
		return file_fail(s->ctx, s->file, line, "@include", "\"%s\": %s", name, why);
	if (s->depth + 1 < CFG_INCLUDE_DEPTH_MAX) {
		inc.text = buf;
		rc = scan_text(&inc);
	}
	free(buf);
	return rc;
}

/* The text of one file; see the top. */
static int scan_text(struct scan *s)
{
	const char *p = s->text, *end = s->text + s->len, *line_start = s->text;
	const char *name = NULL, *str_start = NULL;
	size_t name_len = 0;
	int line = 1, at_line_start = 1, nul_in_str = 0, rc;
	enum { CODE, STRING, LINE_COMMENT, BLOCK_COMMENT } st = CODE;

	while (p < end) {
		char c = *p;

		/* refused as soon as it is too long, not after scanning 50 MB of one line */
		if ((size_t)(p - line_start) > CFG_MAX_LINE && c != '\n')
			return file_fail(s->ctx, s->file, line, "", "line longer than %u bytes",
					 CFG_MAX_LINE);
		if (c == '\n') {
			if ((size_t)(p - line_start) > CFG_MAX_LINE)
				return file_fail(s->ctx, s->file, line, "",
						 "line of %zu bytes, at most %u",
						 (size_t)(p - line_start), CFG_MAX_LINE);
			line++;
			line_start = ++p;
			at_line_start = 1;
			if (st == LINE_COMMENT)
				st = CODE;
			continue;
		}
		switch (st) {
		case STRING:
			if (c == '\\' && p + 1 < end) {
				if (p[1] == 'x' && p + 3 < end && p[2] == '0' && p[3] == '0')
					nul_in_str = 1;
				p += 2;
				continue;
			}
			if (c == '\0')
				nul_in_str = 1;
			if (c == '"') {
				if ((size_t)(p - str_start) > CFG_MAX_STRING)
					return file_fail(s->ctx, s->file, line, "",
							 "string of %zu bytes, at most %u",
							 (size_t)(p - str_start), CFG_MAX_STRING);
				if (nul_in_str && name &&
				    (rc = lit_add(s->ctx, s->file, line, name, name_len, 0,
						  CFG_LIT_NUL)) < 0)
					return rc;
				st = CODE;
			}
			p++;
			continue;
		case LINE_COMMENT:
			p++;
			continue;
		case BLOCK_COMMENT:
			if (c == '*' && p + 1 < end && p[1] == '/') {
				st = CODE;
				p += 2;
				continue;
			}
			p++;
			continue;
		case CODE:
			break;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
			p++;
			continue;
		}
		if (c == '\0')
			return file_fail(s->ctx, s->file, line, "", "NUL byte outside a string");
		if (at_line_start && c == '@' && (size_t)(end - p) >= 8 &&
		    !memcmp(p, "@include", 8)) {
			rc = scan_include(s, &p, line);
			if (rc)
				return rc;
			at_line_start = 0;
			continue;
		}
		at_line_start = 0;
		if (c == '#' || (c == '/' && p + 1 < end && p[1] == '/')) {
			st = LINE_COMMENT;
			p++;
			continue;
		}
		if (c == '/' && p + 1 < end && p[1] == '*') {
			st = BLOCK_COMMENT;
			p += 2;
			continue;
		}
		if (c == '"') {
			st = STRING;
			str_start = p + 1;
			nul_in_str = 0;
			p++;
			continue;
		}
		if (is_name_start(c)) {
			name = p;
			while (p < end && is_name_char(*p))
				p++;
			name_len = (size_t)(p - name);
			continue;
		}
		if (c == '-' || c == '+' || (c >= '0' && c <= '9')) {
			long long v = 0;
			uint8_t kind;
			int has_l = 0;
			size_t n = int_literal(p, end, &v, &kind, &has_l);

			if (!n) {
				p++;
				continue;
			}
			if (name &&
			    (kind == CFG_LIT_HUGE ||
			     (!has_l && (v > INT32_MAX || v < INT32_MIN))) &&
			    (rc = lit_add(s->ctx, s->file, line, name, name_len, v, kind)) < 0)
				return rc;
			p += n;
			continue;
		}
		p++;
	}
	if ((size_t)(p - line_start) > CFG_MAX_LINE)
		return file_fail(s->ctx, s->file, line, "", "line of %zu bytes, at most %u",
				 (size_t)(p - line_start), CFG_MAX_LINE);
	if (st == STRING && (size_t)(p - str_start) > CFG_MAX_STRING)
		return file_fail(s->ctx, s->file, line, "", "string of %zu bytes, at most %u",
				 (size_t)(p - str_start), CFG_MAX_STRING);
	return 0;
}

int cfg_prescan(struct cfg_ctx *ctx)
{
	struct scan s = {.ctx = ctx, .file = ctx->path};
	char why[160], *buf;
	int rc;

	rc = cfg_read_file(ctx->path, CFG_MAX_BYTES, &buf, &s.len, why, sizeof(why));
	if (rc) {
		snprintf(ctx->err->file, sizeof(ctx->err->file), "%s", ctx->path);
		snprintf(ctx->err->text, sizeof(ctx->err->text), "%s", why);
		return rc;
	}
	s.text = buf;
	rc = scan_text(&s);
	free(buf);
	return rc;
}

const struct cfg_lit *cfg_lit_find(const struct cfg_ctx *ctx, const config_setting_t *s,
				   uint8_t kind)
{
	const char *file = config_setting_source_file(s);
	const char *name = config_setting_name(s);
	int line = (int)config_setting_source_line(s);

	if (config_setting_get_hook(s) || !file)
		return NULL; /* from the environment: parsed by us, not by libconfig */
	if (!name && config_setting_parent(s))
		name = config_setting_name(config_setting_parent(s)); /* an array element */
	for (size_t i = 0; name && i < ctx->n_lits; i++) {
		const struct cfg_lit *l = &ctx->lits[i];

		if (l->kind != kind && !(kind == CFG_LIT_BIG && l->kind == CFG_LIT_HUGE))
			continue;
		if (l->line != line || strcmp(l->name, name) || strcmp(l->file, file))
			continue;
		if (kind != CFG_LIT_NUL && l->kind == CFG_LIT_BIG &&
		    (int32_t)(uint32_t)(unsigned long long)l->value != config_setting_get_int(s))
			continue; /* another literal of that name on the same line */
		return l;
	}
	return NULL;
}

void cfg_lits_free(struct cfg_ctx *ctx)
{
	for (size_t i = 0; i < ctx->n_lits; i++)
		free(ctx->lits[i].file);
	free(ctx->lits);
	ctx->lits = NULL;
	ctx->n_lits = ctx->cap_lits = 0;
}
