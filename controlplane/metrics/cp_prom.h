/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus text exposition format (version 0.0.4), written: one
 * family at a time (# HELP, # TYPE, then its samples, never interleaved
 * with another family's), label values escaped, counters as exact
 * integers, durations in seconds. No allocation; errors stick in the
 * writer (the first write error is what cp_prom_end() returns).
 */
#ifndef CP_PROM_H
#define CP_PROM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CP_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define CP_PROM_LABELS_MAX 4 /* labels of one sample, le of a histogram bucket aside */

struct cp_prom {
	FILE *out;
	const char *family; /* the family being written */
	int err;	    /* 0 or the first -errno */
};

/*
 * One label. @value is read up to @len bytes or its NUL, whichever comes
 * first (names in the segment are fixed-size fields). A backslash, a
 * double quote and a newline are escaped; other bytes outside printable
 * ASCII are written as '?', so a value is always valid UTF-8.
 */
struct cp_prom_label {
	const char *name;
	const char *value;
	size_t len;
};

/*
 * A histogram of one series: @n finite upper bounds @le (seconds,
 * ascending), @counts[0..n] the observations in each bucket, not
 * cumulative, counts[n] those above the last bound (the +Inf bucket's
 * own), @sum their total in seconds.
 */
struct cp_prom_hist {
	uint32_t n;
	const double *le;
	const uint64_t *counts;
	double sum;
};

void cp_prom_init(struct cp_prom *w, FILE *out);

/* Start family @name: its # HELP and # TYPE (counter, gauge, summary, histogram) lines. */
void cp_prom_family(struct cp_prom *w, const char *name, const char *type, const char *help);

/*
 * A sample of the current family: NAME[SUFFIX]{LABELS} VALUE. @suffix is
 * "" or "_sum", "_count", ...; @l holds @n labels (@n 0: none).
 */
void cp_prom_u64(struct cp_prom *w, const char *suffix, const struct cp_prom_label *l, unsigned n,
		 uint64_t v);
void cp_prom_f64(struct cp_prom *w, const char *suffix, const struct cp_prom_label *l, unsigned n,
		 double v);
/* A duration of @ns nanoseconds, in seconds with every digit kept. */
void cp_prom_ns(struct cp_prom *w, const char *suffix, const struct cp_prom_label *l, unsigned n,
		uint64_t ns);

/*
 * The samples of one histogram series of the current family (type
 * histogram): NAME_bucket{LABELS,le="B"} for each bound and "+Inf"
 * (cumulative), NAME_sum, NAME_count.
 */
void cp_prom_histogram(struct cp_prom *w, const struct cp_prom_label *l, unsigned n,
		       const struct cp_prom_hist *h);

/* Flush; 0 or the first error (-EIO on a short write). */
int cp_prom_end(struct cp_prom *w);

#endif /* CP_PROM_H */
