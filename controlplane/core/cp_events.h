/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The model's changes in the event stream: every change the model reports
 * (an instance found, healthy, drained, removed; a pool entering panic) as
 * one "health" line (cp_ev_json_health(), docs/events.md), written at once
 * so a reader following sluiced's output sees each change as it happens.
 */
#ifndef CP_EVENTS_H
#define CP_EVENTS_H

#include "cp_ev_out.h"
#include "cp_model.h"

/*
 * The model's event hook: @e as one line on @out, stamped with the wall
 * clock. A line that cannot be made is logged (health, WARN), not written.
 */
void cp_events_print(struct cp_ev_out *out, const struct cp_model_event *e);

#endif /* CP_EVENTS_H */
