/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus text format writer (cp_prom.h). Numbers: integers as
 * they are; doubles in the shortest form that reads back to the same
 * value (%.15g, else %.17g), with NaN and the infinities spelled as
 * Prometheus spells them; durations from nanoseconds as exact decimals.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cp_prom.h"

void cp_prom_init(struct cp_prom *w, FILE *out)
{
	w->out = out;
	w->family = "";
	w->err = 0;
}

static void put(struct cp_prom *w, const char *s)
{
	if (!w->err && fputs(s, w->out) == EOF)
		w->err = -EIO;
}

static void putc_w(struct cp_prom *w, char c)
{
	if (!w->err && fputc(c, w->out) == EOF)
		w->err = -EIO;
}

/* HELP text: backslash and newline escaped. */
static void put_help(struct cp_prom *w, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			put(w, "\\\\");
		else if (*s == '\n')
			put(w, "\\n");
		else
			putc_w(w, *s);
	}
}

static void put_value(struct cp_prom *w, const char *v, size_t len)
{
	for (size_t i = 0; i < len && v[i]; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '\\')
			put(w, "\\\\");
		else if (c == '"')
			put(w, "\\\"");
		else if (c == '\n')
			put(w, "\\n");
		else
			putc_w(w, c >= 0x20 && c < 0x7f ? (char)c : '?');
	}
}

void cp_prom_family(struct cp_prom *w, const char *name, const char *type, const char *help)
{
	w->family = name;
	put(w, "# HELP ");
	put(w, name);
	putc_w(w, ' ');
	put_help(w, help);
	put(w, "\n# TYPE ");
	put(w, name);
	putc_w(w, ' ');
	put(w, type);
	putc_w(w, '\n');
}

/* NAME SUFFIX {labels[, le="..."]} and the space before the value */
static void head(struct cp_prom *w, const char *suffix, const struct cp_prom_label *l, unsigned n,
		 const char *le)
{
	put(w, w->family);
	put(w, suffix);
	if (n || le) {
		putc_w(w, '{');
		for (unsigned i = 0; i < n; i++) {
			if (i)
				putc_w(w, ',');
			put(w, l[i].name);
			put(w, "=\"");
			put_value(w, l[i].value, l[i].len);
			putc_w(w, '"');
		}
		if (le) {
			put(w, n ? ",le=\"" : "le=\"");
			put(w, le);
			putc_w(w, '"');
		}
		putc_w(w, '}');
	}
	putc_w(w, ' ');
}

static const char *f64_str(double v, char *buf, size_t len)
{
	if (isnan(v))
		return "NaN";
	if (isinf(v))
		return v > 0 ? "+Inf" : "-Inf";
	snprintf(buf, len, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, len, "%.17g", v);
	return buf;
}

static void u64_line(struct cp_prom *w, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu\n", (unsigned long long)v);
	put(w, num);
}

void cp_prom_u64(struct cp_prom *w, const char *suffix, const struct cp_prom_label *l, unsigned n,
		 uint64_t v)
{
	head(w, suffix, l, n, NULL);
	u64_line(w, v);
}

void cp_prom_f64(struct cp_prom *w, const char *suffix, const struct cp_prom_label *l, unsigned n,
		 double v)
{
	char num[40];

	head(w, suffix, l, n, NULL);
	put(w, f64_str(v, num, sizeof(num)));
	putc_w(w, '\n');
}

void cp_prom_ns(struct cp_prom *w, const char *suffix, const struct cp_prom_label *l, unsigned n,
		uint64_t ns)
{
	char num[32];
	int len;

	head(w, suffix, l, n, NULL);
	len = snprintf(num, sizeof(num), "%llu.%09llu", (unsigned long long)(ns / 1000000000ull),
		       (unsigned long long)(ns % 1000000000ull));
	while (len > 0 && num[len - 1] == '0')
		num[--len] = '\0';
	if (len > 0 && num[len - 1] == '.')
		num[--len] = '\0';
	put(w, num);
	putc_w(w, '\n');
}

void cp_prom_histogram(struct cp_prom *w, const struct cp_prom_label *l, unsigned n,
		       const struct cp_prom_hist *h)
{
	uint64_t cum = 0;
	char le[40];

	for (uint32_t i = 0; i < h->n; i++) {
		cum += h->counts[i];
		head(w, "_bucket", l, n, f64_str(h->le[i], le, sizeof(le)));
		u64_line(w, cum);
	}
	cum += h->counts[h->n];
	head(w, "_bucket", l, n, "+Inf");
	u64_line(w, cum);
	cp_prom_f64(w, "_sum", l, n, h->sum);
	cp_prom_u64(w, "_count", l, n, cum);
}

int cp_prom_end(struct cp_prom *w)
{
	if (!w->err && fflush(w->out) == EOF)
		w->err = -EIO;
	return w->err;
}
