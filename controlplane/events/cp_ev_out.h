/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where the event stream's lines go (events.output): stdout (the default:
 * logs are an event stream), a file appended to, or a Unix stream socket
 * sluiced connects to. A line is written whole or not at all: the loop
 * never waits for a slow reader (a socket that cannot take a line now
 * loses it, counted; a lost connection is tried again at most once a
 * second). The last CP_EV_OUT_RECENT lines are kept for `sluicectl
 * events`, and every line is also given to a tap (the admin socket's
 * followers).
 */
#ifndef CP_EV_OUT_H
#define CP_EV_OUT_H

#include <stdint.h>
#include <stdio.h>

#include "cfg_types.h"

#define CP_EV_OUT_RECENT 1024		 /* lines kept for sluicectl events */
#define CP_EV_OUT_LINE_MAX 4096		 /* bytes of one line */
#define CP_EV_OUT_RETRY_NS 1000000000ull /* a lost socket is connected again at most this often */

struct cp_ev_out;

/*
 * Lines to @stdout_file (CFG_EVENTS_STDOUT), or to the file or socket
 * @cfg names. A file that cannot be opened stops the start (NULL, errno,
 * @why naming it); a socket nobody listens on yet is not an error: lines
 * are lost (counted) until it can be connected.
 */
struct cp_ev_out *cp_ev_out_new(const struct cfg_events *cfg, FILE *stdout_file, char *why,
				size_t why_len);
void cp_ev_out_free(struct cp_ev_out *o);

/* One line (no newline) at @now_ns (CLOCK_MONOTONIC): written, kept, tapped. */
void cp_ev_out_line(struct cp_ev_out *o, const char *line, uint64_t now_ns);

/* Every line also goes to @fn (NULL: none). */
void cp_ev_out_tap(struct cp_ev_out *o, void (*fn)(void *arg, const char *line), void *arg);

/* The kept lines, oldest first. */
void cp_ev_out_recent(const struct cp_ev_out *o, void (*fn)(void *arg, const char *line),
		      void *arg);

/* Lines the output could not take. */
uint64_t cp_ev_out_lost(const struct cp_ev_out *o);

#endif /* CP_EV_OUT_H */
