/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluicectl events [--follow] [--kind flow|request|health] [--instance N]
 * [--vip V] [--json]: sluiced's event stream (docs/events.md) from its
 * admin socket: the lines it kept, and with --follow every new one until
 * interrupted; filtered here, printed as a table (or as the JSON lines).
 */
#ifndef CTL_EVENTS_H
#define CTL_EVENTS_H

#include <stdio.h>

#include <jansson.h>

struct ctl_events_filter {
	const char *kind;     /* NULL: every kind */
	const char *instance; /* NULL: any */
	const char *vip;      /* NULL: any (a health line has no VIP: left out) */
};

/* Whether event @e passes @f. */
int ctl_events_match(const struct ctl_events_filter *f, json_t *e);

/* @e as one line of the table, terminal-safe, to @out. */
void ctl_events_print(FILE *out, json_t *e);

/* The command; @argv[0] is "events". Exit status: 0, 1 error, 2 usage. */
int ctl_events_main(const char *config, const char *instance, int argc, char **argv);

#endif /* CTL_EVENTS_H */
