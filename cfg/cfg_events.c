/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The events section: which records the dataplane writes (flows,
 * requests), the share of them sluiced writes out (sample), where the
 * JSON lines go (output), the size of each worker's ring, and whether a
 * request's path keeps its query.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "cfg.h"
#include "cfg_priv.h"
#include "sl_event_types.h"

#define CFG_EVENTS_FILE "file:"
#define CFG_EVENTS_UNIX "unix:"

/* @s is "stdout", "file:/ABS" or "unix:/ABS": the kind, and the path in @path. */
static int parse_output(const char *s, uint8_t *kind, char *path, size_t len)
{
	const char *p;

	if (strcmp(s, "stdout") == 0) {
		*kind = CFG_EVENTS_STDOUT;
		path[0] = '\0';
		return 0;
	}
	if (strncmp(s, CFG_EVENTS_FILE, strlen(CFG_EVENTS_FILE)) == 0) {
		*kind = CFG_EVENTS_TO_FILE;
		p = s + strlen(CFG_EVENTS_FILE);
	} else if (strncmp(s, CFG_EVENTS_UNIX, strlen(CFG_EVENTS_UNIX)) == 0) {
		*kind = CFG_EVENTS_TO_UNIX;
		p = s + strlen(CFG_EVENTS_UNIX);
	} else {
		return -EINVAL;
	}
	if (p[0] != '/' || strlen(p) >= len ||
	    (*kind == CFG_EVENTS_TO_UNIX &&
	     strlen(p) >= sizeof(((struct sockaddr_un *)0)->sun_path)))
		return -EINVAL;
	snprintf(path, len, "%s", p);
	return 0;
}

int cfg_parse_events(struct cfg_ctx *ctx, struct cfg *cfg)
{
	const config_setting_t *ev =
		config_setting_get_member(config_root_setting(&ctx->lc), "events");
	const config_setting_t *s;
	struct cfg_events *c = &cfg->events;
	char output[CFG_PATH_LEN + 8] = "stdout";
	const char *g = "events";
	char key[CFG_KEY_LEN];
	int rc;

	c->flows = 1;
	c->requests = 1;
	c->query = 1;
	c->sample = 1.0;
	c->ring_size = SL_EV_RING_DEFAULT;
	if ((rc = cfg_get_bool(ctx, ev, g, "flows", &c->flows)) < 0 ||
	    (rc = cfg_get_bool(ctx, ev, g, "requests", &c->requests)) < 0 ||
	    (rc = cfg_get_bool(ctx, ev, g, "query", &c->query)) < 0 ||
	    (rc = cfg_get_u32(ctx, ev, g, "ring_size", SL_EV_RING_MIN, SL_EV_RING_MAX,
			      &c->ring_size)) < 0 ||
	    (rc = cfg_get_str(ctx, ev, g, "output", output, sizeof(output))) < 0)
		return rc;
	if (c->ring_size & (c->ring_size - 1))
		return cfg_fail(ctx, config_setting_get_member(ev, "ring_size"),
				cfg_key(key, g, "ring_size"), "%u is not a power of two",
				c->ring_size);
	s = ev ? config_setting_get_member(ev, "sample") : NULL;
	if (s) {
		double v = config_setting_type(s) == CONFIG_TYPE_FLOAT
				   ? config_setting_get_float(s)
				   : (double)config_setting_get_int64(s);

		if (!(v >= 0.0 && v <= 1.0))
			return cfg_fail(ctx, s, cfg_key(key, g, "sample"), "%g out of range 0..1",
					v);
		c->sample = v;
	}
	if (parse_output(output, &c->output, c->path, sizeof(c->path)) < 0)
		return cfg_fail(ctx, config_setting_get_member(ev, "output"),
				cfg_key(key, g, "output"),
				"\"%s\": not \"stdout\", \"file:/PATH\" or \"unix:/PATH\"", output);
	return 0;
}
