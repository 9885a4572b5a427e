/* SPDX-License-Identifier: BSD-3-Clause */
/* Loading and reloading sluiced's configuration file (see cp_reload.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cp_log.h"
#include "cp_reload.h"

#define CP_RELOAD_ERR_LEN 768 /* bytes of a FILE:LINE: KEY: TEXT message */

static void warn_implicit_pools(const struct cfg *cfg)
{
	for (uint32_t p = 0; p < cfg->n_pools; p++)
		if (cfg->pools[p].implicit)
			CP_LOG_CONFIG(WARN,
				      "%s:%d: pool \"%s\" is named by a VIP but not defined: "
				      "discovery (file, etcd) fills it",
				      cfg->file, cfg->pools[p].line, cfg->pools[p].name);
}

static void config_free(struct cfg *c)
{
	if (!c)
		return;
	cfg_free(c);
	free(c);
}

int cp_reload_first(const char *path, struct cfg **out)
{
	struct cfg *c = calloc(1, sizeof(*c));
	struct cfg_error err;
	char buf[CP_RELOAD_ERR_LEN];
	int rc;

	if (!c)
		return -ENOMEM;
	rc = cfg_load(path, NULL, c, &err);
	if (rc) {
		CP_LOG_CONFIG(ERR, "%s", cfg_strerror(&err, buf, sizeof(buf)));
		free(c);
		return rc;
	}
	CP_LOG_CONFIG(INFO, "%s: instance %s, %u VIPs, %u pools, %u ports", c->file, c->instance,
		      c->n_vips, c->n_pools, c->dataplane.n_ports);
	warn_implicit_pools(c);
	*out = c;
	return 0;
}

/* What only a restart can change: the segment's geometry, the instance. 0 or -EINVAL. */
static int check_restart(const struct cfg *next, const struct cfg *running,
			 const struct sl_shm_header *h, const char *path, char *why, size_t why_len)
{
	struct sl_shm_geometry g, have;

	cfg_geometry(next, &g);
	sl_shm_geometry_of(h, &have);
	if (memcmp(&g, &have, sizeof(g)) != 0) {
		snprintf(why, why_len,
			 "reload refused: %s: tables.* or the port count changed "
			 "the shared-memory geometry; restart sluiced (and sluice-dp) "
			 "to apply",
			 path);
		return -EINVAL;
	}
	if (strcmp(next->instance, running->instance) != 0) {
		snprintf(why, why_len,
			 "reload refused: %s: instance changed from \"%s\" to "
			 "\"%s\"; restart sluiced to apply",
			 path, running->instance, next->instance);
		return -EINVAL;
	}
	return 0;
}

int cp_reload(struct cp_publish_sched *s, const char *path, char *why, size_t why_len)
{
	struct cfg *next = calloc(1, sizeof(*next)), *running = *s->p.cfg;
	struct cfg_error err;
	char buf[CP_RELOAD_ERR_LEN];
	int rc;

	if (!next) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	CP_LOG_CONFIG(INFO, "reloading %s", path);
	rc = cfg_load(path, NULL, next, &err);
	if (rc) {
		cfg_strerror(&err, buf, sizeof(buf));
		CP_LOG_CONFIG(ERR, "reload refused: %s", buf);
		snprintf(why, why_len, "reload refused: %s", buf);
		free(next);
		return rc;
	}
	rc = check_restart(next, running, s->p.shm->hdr, path, why, why_len);
	if (!rc && s->p.nat_addr) {
		rc = cp_nat_addr_check(s->p.nat_addr, next, buf, sizeof(buf));
		if (rc)
			snprintf(why, why_len, "reload refused: %s", buf);
		else
			cp_nat_addr_stage(
				s->p.nat_addr); /* the new sources answer ARP before use */
	}
	if (rc) {
		CP_LOG_CONFIG(ERR, "%s", why);
		config_free(next);
		return rc;
	}
	warn_implicit_pools(next);
	if (strcmp(next->metrics.listen, running->metrics.listen) != 0)
		CP_LOG_CONFIG(WARN,
			      "metrics.listen changed from \"%s\" to \"%s\": applies at the "
			      "next start",
			      running->metrics.listen, next->metrics.listen);
	/* the running config stays alive during the call (the model moves off it) */
	*s->p.cfg = next;
	rc = cp_model_configure(s->p.model, next);
	if (rc) {
		*s->p.cfg = running;
		cp_model_configure(s->p.model, running);
		config_free(next);
		if (s->p.nat_addr)
			cp_nat_addr_discard(s->p.nat_addr);
		snprintf(why, why_len, "reload refused: %s", strerror(-rc));
		CP_LOG_CONFIG(ERR, "%s", why);
		return rc;
	}
	cp_publish_sched_reloaded(s, running);
	return 0;
}
