/* SPDX-License-Identifier: BSD-3-Clause */
/* The model's events as health lines of the event stream (see cp_events.h). */
#include <string.h>
#include <time.h>

#include "cp_ev_json.h"
#include "cp_events.h"
#include "cp_log.h"
#include "cp_loop.h"

void cp_events_print(struct cp_ev_out *out, const struct cp_model_event *e)
{
	char line[CP_EV_OUT_LINE_MAX];
	struct timespec ts;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	n = cp_ev_json_health((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec, e->event,
			      e->pool, e->instance, e->old_state, e->new_state, e->reason, line,
			      sizeof(line));
	if (n < 0) {
		CP_LOG_HEALTH(WARN, "event %s %s/%s %s -> %s not printed: %s", e->event, e->pool,
			      e->instance ? e->instance : "-", e->old_state, e->new_state,
			      strerror(-n));
		return;
	}
	cp_ev_out_line(out, line, cp_loop_now_ns());
}
