/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The event stream: every change the model reports (an instance found,
 * healthy, drained, removed; a pool entering panic) as one JSON line
 * (cp_model_event_json(), docs/health.md), written and flushed at once so
 * a reader following sluiced's stdout sees each change as it happens.
 */
#ifndef CP_EVENTS_H
#define CP_EVENTS_H

#include <stdio.h>

#include "cp_model.h"

/*
 * The model's event hook: @e as one line on @out, stamped with the wall
 * clock. A line that cannot be made is logged (health, WARN), not written.
 */
void cp_events_print(FILE *out, const struct cp_model_event *e);

#endif /* CP_EVENTS_H */
