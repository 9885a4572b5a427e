/* SPDX-License-Identifier: BSD-3-Clause */
/* The model's events as JSON lines (see cp_events.h). */
#include <string.h>
#include <time.h>

#include "cp_events.h"
#include "cp_log.h"

#define CP_EVENTS_LINE_MAX 2048 /* bytes of one line: names are bounded, reasons too */

void cp_events_print(FILE *out, const struct cp_model_event *e)
{
	char line[CP_EVENTS_LINE_MAX];
	struct timespec ts;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	n = cp_model_event_json(e, (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec, line,
				sizeof(line));
	if (n < 0) {
		CP_LOG_HEALTH(WARN, "event %s %s/%s %s -> %s not printed: %s", e->event, e->pool,
			      e->instance ? e->instance : "-", e->old_state, e->new_state,
			      strerror(-n));
		return;
	}
	fputs(line, out);
	fputc('\n', out);
	fflush(out);
}
