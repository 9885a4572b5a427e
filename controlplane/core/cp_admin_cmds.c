/* SPDX-License-Identifier: BSD-3-Clause */
/* The admin socket's commands (see cp_admin_cmds.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "cp_admin_cmds.h"
#include "cp_log.h"
#include "cp_reload.h"

/*
 * The model takes the change at once; the reply waits for the publication
 * that carries it (the scheduler settles the ticket), so "ok" means the
 * dataplane has it. An instance the tables left out has nothing to change.
 */
static int on_drain(void *ctx, const char *pool, const char *instance, int drain, char *why,
		    size_t why_len, uint64_t *ticket)
{
	struct cp_admin_cmds *c = ctx;
	const struct cp_model_inst *inst;
	int rc = cp_model_drain(c->model, pool, instance, drain, why, why_len);

	if (rc)
		return rc;
	CP_LOG_ADMIN(INFO, "%s %s %s", drain ? "drain" : "undrain", pool, instance);
	inst = cp_model_find(c->model, pool, instance);
	if (inst && cp_tables_capped(c->tables, pool, &inst->addr, inst->port)) {
		snprintf(why, why_len,
			 "instance %s of pool %s is not in the tables (tables.max_backends %u "
			 "reached): %s kept, it applies once the instance is published",
			 inst->name, pool, (*c->cfg)->tables.max_backends,
			 drain ? "drain" : "undrain");
		return -ENOSPC;
	}
	*ticket = cp_publish_sched_ticket(c->sched);
	return CP_ADMIN_WAIT;
}

static json_t *inst_json(const struct cp_admin_cmds *c, const char *pool,
			 const struct cp_model_inst *inst)
{
	char addr[INET6_ADDRSTRLEN], src[64];

	if (inst->af == SL_AF_INET)
		inet_ntop(AF_INET, &inst->addr.a32[3], addr, sizeof(addr));
	else
		inet_ntop(AF_INET6, inst->addr.a8, addr, sizeof(addr));
	return json_pack("{s:s,s:s,s:i,s:i,s:s,s:b,s:b,s:b,s:s,s:s}", "name", inst->name, "address",
			 addr, "port", (int)inst->port, "weight", (int)inst->weight, "state",
			 cp_model_inst_state(inst), "drained", (int)inst->drained, "serving",
			 (int)inst->serving, "published",
			 !cp_tables_capped(c->tables, pool, &inst->addr, inst->port), "sources",
			 cp_model_sources_text(inst->sources, src, sizeof(src)), "reason",
			 inst->reason);
}

static const char *const check_names[] = {"none", "tcp", "http", "udp"};

/* "POOL.INSTANCE" indexes where a page starts; "" is the start. 0 or -EINVAL. */
static int parse_cursor(const char *cursor, uint32_t *pool, uint32_t *inst)
{
	unsigned int p = 0, i = 0;
	int n = 0;

	if (!*cursor) {
		*pool = *inst = 0;
		return 0;
	}
	if (sscanf(cursor, "%9u.%9u%n", &p, &i, &n) != 2 || cursor[n])
		return -EINVAL;
	*pool = p;
	*inst = i;
	return 0;
}

/*
 * One page of at most CP_ADMIN_CMDS_HEALTH_PAGE instances from @cursor: a
 * pool cut by the page shows the rest of its instances on the next one
 * (same "pool" object, continued). Pages are read one request each: a
 * change between two shows up in the later page only.
 */
static json_t *on_health(void *ctx, const char *cursor, char *why, size_t why_len)
{
	struct cp_admin_cmds *c = ctx;
	const struct cfg *cfg = *c->cfg;
	json_t *pools = json_array(), *page = NULL;
	uint32_t p0, i0, budget = CP_ADMIN_CMDS_HEALTH_PAGE;
	char next[32] = "";

	if (parse_cursor(cursor, &p0, &i0) < 0) {
		snprintf(why, why_len, "bad cursor \"%.40s\" (expected POOL.INSTANCE)", cursor);
		json_decref(pools);
		return NULL;
	}
	for (uint32_t i = p0; pools && i < cfg->n_pools; i++) {
		const struct cfg_pool *pc = &cfg->pools[i];
		struct cp_model_inst *const *inst;
		uint32_t n = cp_model_pool_instances(c->model, i, &inst);
		uint32_t k = i == p0 ? i0 : 0;
		json_t *arr, *p;

		if (!budget) {
			snprintf(next, sizeof(next), "%u.0", i);
			break;
		}
		arr = json_array();
		for (; arr && k < n && budget; k++, budget--)
			if (json_array_append_new(arr, inst_json(c, pc->name, inst[k]))) {
				json_decref(arr);
				arr = NULL;
			}
		if (k < n)
			snprintf(next, sizeof(next), "%u.%u", i, k);
		p = arr ? json_pack("{s:s,s:s,s:b,s:i,s:i,s:o}", "pool", pc->name, "health",
				    check_names[pc->health.type & 3], "panic",
				    (int)cp_model_pool_panic(c->model, i), "panic_threshold",
				    (int)pc->panic_threshold, "refused",
				    (int)cp_model_pool_refused(c->model, i), "instances", arr)
			: NULL;
		if (!p || json_array_append_new(pools, p)) {
			json_decref(pools);
			pools = NULL;
		}
		if (next[0])
			break;
	}
	if (pools)
		page = next[0] ? json_pack("{s:o,s:s}", "pools", pools, "next", next)
			       : json_pack("{s:o}", "pools", pools);
	/* whether the dataplane follows these states yet, and its generation */
	if (page &&
	    (json_object_set_new(page, "generation",
				 json_integer((json_int_t)cp_publish_sched_generation(c->sched))) ||
	     json_object_set_new(page, "settled",
				 json_boolean(cp_publish_sched_settled(c->sched))))) {
		json_decref(page);
		page = NULL;
	}
	if (!page)
		snprintf(why, why_len, "out of memory");
	return page;
}

static int on_reload(void *ctx, char *why, size_t why_len)
{
	struct cp_admin_cmds *c = ctx;

	return cp_reload(c->sched, c->config_path, why, why_len);
}

static void on_events(void *ctx, void (*each)(void *arg, const char *line), void *arg)
{
	struct cp_admin_cmds *c = ctx;

	if (c->events)
		cp_ev_out_recent(c->events, each, arg);
}

void cp_admin_cmds_ops(struct cp_admin_cmds *c, struct cp_admin_ops *ops)
{
	memset(ops, 0, sizeof(*ops));
	ops->drain = on_drain;
	ops->health = on_health;
	ops->reload = on_reload;
	ops->events = on_events;
	ops->ctx = c;
}

struct cp_admin *cp_admin_cmds_listen(struct cp_admin_cmds *c, struct cp_loop *loop)
{
	const char *path = (*c->cfg)->controlplane.admin_socket;
	struct cp_admin_ops ops;
	struct cp_admin *a;
	char why[512];

	cp_admin_cmds_ops(c, &ops);
	a = cp_admin_new(loop, path, &ops, why, sizeof(why));
	if (!a) {
		int err = errno;

		CP_LOG_ADMIN(ERR, "%s", why);
		errno = err;
		return NULL;
	}
	CP_LOG_ADMIN(INFO, "admin socket %s", path);
	return a;
}
