/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluiced's model half: the model of pools and instances (cp_model.h) and
 * what feeds or reads it. Instances entering the model start a health
 * target when their pool checks health (results go back to the model);
 * discovery providers report into the model; the admin socket drains,
 * undrains and shows health; every model event is one JSON line on stdout.
 * Probe sockets are announced to sluice_xdp (sl_probes) on every port of
 * the dataplane so their replies reach the kernel: at start sl_probes is
 * emptied of what a killed sluiced left, and a replaced program (the
 * dataplane restarted) is given every socket still open.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <jansson.h>

#include "cp_admin.h"
#include "cp_daemon.h"
#include "cp_disc_dns.h"
#include "cp_disc_etcd.h"
#include "cp_disc_file.h"
#include "cp_health.h"
#include "cp_model.h"
#include "cp_probe_tc.h"
#include "cp_tables.h"
#include "cp_text.h"
#include "cp_xdp.h"

#define EVENT_LINE_MAX 2048
#define HEALTH_PAGE 512 /* instances per admin "health" reply */

/* One instance's health target (cp_model_inst.probe). */
struct cp_daemon_probe {
	struct sluiced *d;
	struct cp_model_inst *inst;
	struct cp_health_target *target;
	/* through the tunnel: the hook's lookup key and what sl_probes gets */
	int tunnel;
	struct sl_addr remote;
	uint16_t remote_port;
	struct sl_probe_value tv;
	struct cp_daemon_probe *next;
};

/* ---- events ---------------------------------------------------------- */

static void on_event(void *ctx, const struct cp_model_event *e)
{
	char line[EVENT_LINE_MAX];
	struct timespec ts;
	int n;

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	n = cp_model_event_json(e, (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec, line,
				sizeof(line));
	if (n < 0) {
		CP_LOG_HEALTH(WARN, "event %s %s/%s %s -> %s not printed: %s", e->event, e->pool,
			      e->instance ? e->instance : "-", e->old_state, e->new_state,
			      strerror(-n));
		return;
	}
	fputs(line, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

/* ---- health targets ---------------------------------------------------- */

/* The first VIP of pool @pool_index (of @af, in tunnel mode if @tunnel), or NULL. */
static const struct cfg_vip *pool_vip(const struct cfg *cfg, uint32_t pool_index, int tunnel,
				      uint8_t af)
{
	for (uint32_t i = 0; i < cfg->n_vips; i++) {
		const struct cfg_vip *v = &cfg->vips[i];

		if (v->pool_index != pool_index)
			continue;
		if (tunnel && (v->mode != SL_MODE_TUNNEL || v->af != af))
			continue;
		if (!tunnel && !v->port)
			continue;
		return v;
	}
	return NULL;
}

static void spec_of(struct cp_health_spec *s, const struct cfg_health *h)
{
	memset(s, 0, sizeof(*s));
	switch (h->type) {
	case CFG_HEALTH_CHECK_TCP:
		s->type = CP_HEALTH_TCP;
		break;
	case CFG_HEALTH_CHECK_HTTP:
		s->type = CP_HEALTH_HTTP;
		break;
	default:
		s->type = CP_HEALTH_UDP;
		break;
	}
	s->interval_ms = h->interval_ms;
	s->timeout_ms = h->timeout_ms;
	s->jitter_ms = h->jitter_ms;
	snprintf(s->http_path, sizeof(s->http_path), "%s", h->path);
	snprintf(s->http_host, sizeof(s->http_host), "%s", h->host);
	s->status_min = h->expect_lo;
	s->status_max = h->expect_hi;
	snprintf(s->http_body, sizeof(s->http_body), "%s", h->body);
	s->udp_payload_len = (uint16_t)strnlen(h->payload, sizeof(h->payload));
	memcpy(s->udp_payload, h->payload, s->udp_payload_len);
	s->udp_expect_len = (uint16_t)strnlen(h->response, sizeof(h->response));
	memcpy(s->udp_expect, h->response, s->udp_expect_len);
}

static void on_result(void *ctx, bool ok, const char *reason)
{
	struct cp_daemon_probe *p = ctx;

	cp_model_health_result(p->d->model, p->inst, ok, reason);
}

static void on_inst_added(void *ctx, struct cp_model_inst *inst, const struct cfg_pool *pool)
{
	struct sluiced *d = ctx;
	const struct cfg_health *h = &pool->health;
	const struct cfg_vip *vip;
	struct cp_health_spec spec;
	struct cp_daemon_probe *p;
	uint16_t port;
	int rc;

	d->neigh_dirty = 1;
	if (h->type == CFG_HEALTH_CHECK_NONE)
		return;
	p = calloc(1, sizeof(*p));
	if (!p) {
		CP_LOG_HEALTH(ERR, "%s/%s: no memory for a health target: not probed", pool->name,
			      inst->name);
		return;
	}
	p->d = d;
	p->inst = inst;
	spec_of(&spec, h);
	vip = pool_vip(d->cfg, inst->pool_index, 0, inst->af);
	port = h->port ? h->port : inst->port ? inst->port : vip ? vip->port : 0;
	if (h->via_tunnel) {
		const struct cfg_vip *tv = pool_vip(d->cfg, inst->pool_index, 1, inst->af);

		if (!tv) {
			CP_LOG_HEALTH(WARN,
				      "%s/%s: health.via_tunnel but no tunnel VIP of this "
				      "family: probing the instance directly",
				      pool->name, inst->name);
		} else {
			rc = cp_probe_tc_tunnel_value(
				&p->tv, &inst->addr, port, &tv->addr, tv->port ? tv->port : port,
				tv->encap == CFG_ENCAP_GUE ? htons(tv->gue_port) : 0);
			if (rc == 0) {
				p->tunnel = 1;
				p->remote = inst->addr;
				p->remote_port = port;
				spec.mark = SL_PROBE_MARK;
				d->tunnel_wanted = 1;
			}
		}
	}
	if (port && cp_probe_tc_route_source(&inst->addr, port, spec.mark, &spec.src) == 0)
		spec.src_af = inst->af;
	p->target =
		cp_health_target_add(d->health, &spec, &inst->addr, inst->af, port, on_result, p);
	if (!p->target) {
		CP_LOG_HEALTH(ERR, "%s/%s: cannot probe port %u: %s%s", pool->name, inst->name,
			      port, strerror(errno),
			      port ? "" : " (no health.port, instance port or VIP port)");
		free(p);
		return;
	}
	if (p->tunnel) {
		p->next = d->tunnel_probes;
		d->tunnel_probes = p;
	}
	inst->probe = p;
}

static void on_inst_removed(void *ctx, struct cp_model_inst *inst)
{
	struct sluiced *d = ctx;
	struct cp_daemon_probe *p = inst->probe, **pp;

	d->neigh_dirty = 1;
	if (!p)
		return;
	cp_health_target_remove(d->health, p->target);
	for (pp = &d->tunnel_probes; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	free(p);
	inst->probe = NULL;
}

static void on_changed(void *ctx)
{
	cp_daemon_changed(ctx);
}

/* What sl_probes gets for an open socket: the tunnel rewrite, or NULL (direct). */
static const struct sl_probe_value *tunnel_value(const struct sluiced *d,
						 const struct cp_health_sock *s)
{
	if (s->mark != SL_PROBE_MARK)
		return NULL;
	for (const struct cp_daemon_probe *p = d->tunnel_probes; p; p = p->next)
		if (p->remote_port == s->remote_port &&
		    memcmp(&p->remote, &s->remote, sizeof(p->remote)) == 0)
			return &p->tv;
	return NULL;
}

/* Put an open probe socket into the sl_probes of port @i; log changes of outcome. */
static void probe_sock_add(struct sluiced *d, uint32_t i, const struct cp_health_sock *s)
{
	const char *iface = d->cfg->dataplane.ports[i].iface;
	int rc = cp_xdp_probe_add(iface, &s->local, s->local_port, s->proto, tunnel_value(d, s));

	if (rc == d->probe_rc[i])
		return;
	if (rc)
		CP_LOG_HEALTH(WARN,
			      "%s: cannot add probe sockets to sl_probes: %s (replies may "
			      "reach the dataplane)",
			      iface, strerror(-rc));
	else if (d->probe_rc[i] != 1)
		CP_LOG_HEALTH(INFO, "%s: probe sockets go to sl_probes again", iface);
	d->probe_rc[i] = rc;
}

static int sock_bound(const struct cp_health_sock *s)
{
	static const struct sl_addr zero;

	/* unbound (no route at add time): nothing to key on */
	return memcmp(&s->local, &zero, sizeof(zero)) != 0;
}

/* Tell every port's sluice_xdp about a probe socket so its replies reach the kernel. */
static void on_probe_sock(void *ctx, int open, const struct cp_health_sock *s)
{
	struct sluiced *d = ctx;

	if (!sock_bound(s))
		return;
	for (uint32_t i = 0; i < d->cfg->dataplane.n_ports; i++) {
		const char *iface = d->cfg->dataplane.ports[i].iface;

		if (!iface[0])
			continue;
		if (open)
			probe_sock_add(d, i, s);
		else
			cp_xdp_probe_del(iface, &s->local, s->local_port, s->proto);
	}
}

struct readd_ctx {
	struct sluiced *d;
	uint32_t port;
};

static void readd_sock(void *ctx, int open, const struct cp_health_sock *s)
{
	struct readd_ctx *c = ctx;

	if (open && sock_bound(s))
		probe_sock_add(c->d, c->port, s);
}

unsigned int cp_daemon_probes_readd(struct sluiced *d, uint32_t port)
{
	struct readd_ctx c = {.d = d, .port = port};

	if (!d->health || port >= d->cfg->dataplane.n_ports ||
	    !d->cfg->dataplane.ports[port].iface[0])
		return 0;
	return cp_health_each_open_sock(d->health, readd_sock, &c);
}

/* sl_probes entries a killed sluiced left behind would stay there forever. */
static void probes_clear(struct sluiced *d)
{
	for (uint32_t i = 0; i < d->cfg->dataplane.n_ports; i++) {
		const char *iface = d->cfg->dataplane.ports[i].iface;
		int n;

		if (!iface[0])
			continue;
		n = cp_xdp_probes_clear(iface);
		if (n > 0)
			CP_LOG_HEALTH(INFO,
				      "%s: removed %d probe sockets of an earlier sluiced from "
				      "sl_probes",
				      iface, n);
	}
}

void cp_daemon_probe_sync(struct sluiced *d)
{
	if (!d->tunnel_wanted)
		return;
	for (uint32_t i = 0; i < d->cfg->dataplane.n_ports; i++) {
		const char *iface = d->cfg->dataplane.ports[i].iface;
		int rc;

		if (!iface[0])
			continue;
		rc = cp_probe_tc_attach(iface);
		if (rc == 1)
			CP_LOG_HEALTH(INFO,
				      "%s: sluice_probe attached (tc egress): tunnel probes "
				      "follow the VIP path",
				      iface);
		if (rc == -EEXIST && rc != d->tc_rc[i])
			CP_LOG_HEALTH(WARN,
				      "%s: the tc egress filter pref %u handle 0x%x runs "
				      "another program than sluice_probe: not replacing it "
				      "(tunnel probes go direct); remove it with 'tc filter del "
				      "dev %s egress pref %u handle 0x%x bpf'",
				      iface, CP_PROBE_TC_PRIO, CP_PROBE_TC_HANDLE, iface,
				      CP_PROBE_TC_PRIO, CP_PROBE_TC_HANDLE);
		else if (rc < 0 && rc != d->tc_rc[i])
			CP_LOG_HEALTH(WARN, "%s: cannot attach sluice_probe: %s", iface,
				      strerror(-rc));
		d->tc_rc[i] = rc < 0 ? rc : 0;
	}
}

/* ---- discovery --------------------------------------------------------- */

static void disc_update(void *ctx, enum cp_disc_source src, const char *pool,
			const struct cp_disc_instance *v, uint32_t n)
{
	struct sluiced *d = ctx;
	int rc = cp_model_update(d->model, src, pool, v, n);

	CP_LOG_DISC(INFO, "%s: pool %s: %u instances%s", cp_disc_source_name(src), pool, n,
		    cp_tables_pool_index(d->cfg, pool) >= 0 ? ""
							    : " (pool not in the config: kept)");
	if (rc)
		CP_LOG_DISC(ERR, "%s: pool %s: %s", cp_disc_source_name(src), pool, strerror(-rc));
}

/* Entries a source reported against the config's rules: logged (escaped), never published. */
static void on_refused(void *ctx, enum cp_disc_source src, const char *pool,
		       const struct cp_model_refusal *r, uint32_t n, uint32_t n_total)
{
	char name[4 * SL_NAME_LEN + 1], addr[INET6_ADDRSTRLEN], epool[4 * SL_NAME_LEN + 1];

	(void)ctx;
	cp_text_esc(pool, SL_NAME_LEN, epool, sizeof(epool));
	for (uint32_t i = 0; i < n; i++) {
		if (r[i].inst.af == SL_AF_INET)
			inet_ntop(AF_INET, &r[i].inst.addr.a32[3], addr, sizeof(addr));
		else
			inet_ntop(AF_INET6, r[i].inst.addr.a8, addr, sizeof(addr));
		CP_LOG_DISC(WARN, "%s: pool %s: refused %s port %u%s%s%s: %s",
			    cp_disc_source_name(src), epool, addr, r[i].inst.port,
			    r[i].inst.name[0] ? " (name \"" : "",
			    cp_text_esc(r[i].inst.name, SL_NAME_LEN, name, sizeof(name)),
			    r[i].inst.name[0] ? "\")" : "", r[i].why);
	}
	if (n_total > n)
		CP_LOG_DISC(WARN, "%s: pool %s: %u more entries refused", cp_disc_source_name(src),
			    epool, n_total - n);
}

static void disc_error(void *ctx, enum cp_disc_source src, const char *pool, const char *what)
{
	(void)ctx;
	CP_LOG_DISC(WARN, "%s%s%s: %s; the last good set stays", cp_disc_source_name(src),
		    pool && pool[0] ? ": pool " : "", pool ? pool : "", what);
}

static int dns_add_pools(struct sluiced *d)
{
	for (uint32_t i = 0; i < d->cfg->n_pools; i++) {
		const struct cfg_pool *p = &d->cfg->pools[i];
		int rc;

		if (!p->disc.dns[0])
			continue;
		rc = cp_disc_dns_add(d->disc_dns, p->name, p->disc.dns);
		if (rc && rc != -EEXIST) {
			CP_LOG_DISC(ERR, "dns: pool %s: SRV name %s: %s", p->name, p->disc.dns,
				    strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static int any_dns_pool(const struct cfg *cfg)
{
	for (uint32_t i = 0; i < cfg->n_pools; i++)
		if (cfg->pools[i].disc.dns[0])
			return 1;
	return 0;
}

/* Some pool takes the file's (@etcd 0) or etcd's (@etcd 1) sets: implicit pools take both. */
static int any_pool_uses(const struct cfg *cfg, int etcd)
{
	for (uint32_t i = 0; i < cfg->n_pools; i++)
		if (cfg->pools[i].implicit ||
		    (etcd ? cfg->pools[i].disc.etcd : cfg->pools[i].disc.file))
			return 1;
	return 0;
}

static int start_providers(struct sluiced *d)
{
	const struct cfg_discovery *dc = &d->cfg->discovery;
	struct cp_disc_sink sink = {.update = disc_update, .error = disc_error, .ctx = d};
	char why[256];

	if (dc->file.path[0] && any_pool_uses(d->cfg, 0)) {
		d->disc_file = cp_disc_file_new(d->loop, dc->file.path, &sink);
		if (!d->disc_file) {
			CP_LOG_DISC(ERR, "file: watching %s: %s", dc->file.path, strerror(errno));
			return -errno;
		}
		CP_LOG_DISC(INFO, "file: watching %s", dc->file.path);
	}
	if (dc->dns.resolver[0] && any_dns_pool(d->cfg)) {
		struct cp_disc_dns_conf c = {.resolver = dc->dns.resolver,
					     .timeout_ms = dc->dns.timeout_ms,
					     .min_ttl = dc->dns.min_ttl,
					     .max_ttl = dc->dns.max_ttl};

		d->disc_dns = cp_disc_dns_new(d->loop, &c, &sink);
		if (!d->disc_dns) {
			CP_LOG_DISC(ERR, "dns: resolver %s: %s", dc->dns.resolver, strerror(errno));
			return -errno;
		}
		if (dns_add_pools(d))
			return -EINVAL;
		CP_LOG_DISC(INFO, "dns: resolving SRV names through %s", dc->dns.resolver);
	}
	if (dc->etcd.endpoints[0] && any_pool_uses(d->cfg, 1)) {
		struct cp_disc_etcd_params ep = {.endpoints = dc->etcd.endpoints,
						 .prefix = dc->etcd.prefix,
						 .timeout_ms = dc->etcd.timeout_ms};

		if (cp_disc_etcd_check(&ep, why, sizeof(why)) != 0) {
			CP_LOG_DISC(ERR, "etcd: %s", why);
			return -EINVAL;
		}
		d->disc_etcd = cp_disc_etcd_new(d->loop, &ep, &sink);
		if (!d->disc_etcd) {
			CP_LOG_DISC(ERR, "etcd: %s: %s", dc->etcd.endpoints, strerror(errno));
			return -errno;
		}
		CP_LOG_DISC(INFO, "etcd: watching %s under %s", dc->etcd.endpoints,
			    dc->etcd.prefix);
	}
	return 0;
}

void cp_daemon_services_reload(struct sluiced *d, const struct cfg *old)
{
	const struct cfg_discovery *n = &d->cfg->discovery, *o = &old->discovery;

	if (strcmp(n->file.path, o->file.path) || strcmp(n->dns.resolver, o->dns.resolver) ||
	    n->dns.timeout_ms != o->dns.timeout_ms || n->dns.min_ttl != o->dns.min_ttl ||
	    n->dns.max_ttl != o->dns.max_ttl || strcmp(n->etcd.endpoints, o->etcd.endpoints) ||
	    strcmp(n->etcd.prefix, o->etcd.prefix) || n->etcd.timeout_ms != o->etcd.timeout_ms)
		CP_LOG_DISC(WARN, "the discovery section changed: restart sluiced to apply it "
				  "(providers keep their running settings)");
	if (d->disc_dns)
		dns_add_pools(d);
	else if (any_dns_pool(d->cfg))
		CP_LOG_DISC(WARN, "a pool names an SRV name but the dns provider is not running: "
				  "restart sluiced to start it");
	if (d->disc_file)
		cp_disc_file_reload(d->disc_file);
	if (strcmp(d->cfg->controlplane.admin_socket, old->controlplane.admin_socket))
		CP_LOG_ADMIN(WARN,
			     "controlplane.admin_socket changed: restart sluiced to apply it");
}

/* ---- admin socket ------------------------------------------------------ */

/*
 * The model takes the change at once; the reply waits for the publication
 * that carries it (cp_main.c settles the ticket), so "ok" means the
 * dataplane has it. An instance the tables left out has nothing to change.
 */
static int admin_drain(void *ctx, const char *pool, const char *instance, int drain, char *why,
		       size_t why_len, uint64_t *ticket)
{
	struct sluiced *d = ctx;
	const struct cp_model_inst *inst;
	int rc = cp_model_drain(d->model, pool, instance, drain, why, why_len);

	if (rc)
		return rc;
	CP_LOG_ADMIN(INFO, "%s %s %s", drain ? "drain" : "undrain", pool, instance);
	inst = cp_model_find(d->model, pool, instance);
	if (inst && cp_tables_capped(d->tables, pool, &inst->addr, inst->port)) {
		snprintf(why, why_len,
			 "instance %s of pool %s is not in the tables (tables.max_backends %u "
			 "reached): %s kept, it applies once the instance is published",
			 inst->name, pool, d->cfg->tables.max_backends,
			 drain ? "drain" : "undrain");
		return -ENOSPC;
	}
	*ticket = cp_daemon_ticket(d);
	return CP_ADMIN_WAIT;
}

static json_t *inst_json(const struct sluiced *d, const char *pool,
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
			 !cp_tables_capped(d->tables, pool, &inst->addr, inst->port), "sources",
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
 * One page of at most HEALTH_PAGE instances from @cursor: a pool cut by the
 * page shows the rest of its instances on the next one (same "pool"
 * object, continued). Pages are read one request each: a change between two
 * shows up in the later page only.
 */
static json_t *admin_health(void *ctx, const char *cursor, char *why, size_t why_len)
{
	struct sluiced *d = ctx;
	json_t *pools = json_array(), *page = NULL;
	uint32_t p0, i0, budget = HEALTH_PAGE;
	char next[32] = "";

	if (parse_cursor(cursor, &p0, &i0) < 0) {
		snprintf(why, why_len, "bad cursor \"%.40s\" (expected POOL.INSTANCE)", cursor);
		json_decref(pools);
		return NULL;
	}
	for (uint32_t i = p0; pools && i < d->cfg->n_pools; i++) {
		const struct cfg_pool *pc = &d->cfg->pools[i];
		struct cp_model_inst *const *inst;
		uint32_t n = cp_model_pool_instances(d->model, i, &inst);
		uint32_t k = i == p0 ? i0 : 0;
		json_t *arr, *p;

		if (!budget) {
			snprintf(next, sizeof(next), "%u.0", i);
			break;
		}
		arr = json_array();
		for (; arr && k < n && budget; k++, budget--)
			if (json_array_append_new(arr, inst_json(d, pc->name, inst[k]))) {
				json_decref(arr);
				arr = NULL;
			}
		if (k < n)
			snprintf(next, sizeof(next), "%u.%u", i, k);
		p = arr ? json_pack("{s:s,s:s,s:b,s:i,s:i,s:o}", "pool", pc->name, "health",
				    check_names[pc->health.type & 3], "panic",
				    (int)cp_model_pool_panic(d->model, i), "panic_threshold",
				    (int)pc->panic_threshold, "refused",
				    (int)cp_model_pool_refused(d->model, i), "instances", arr)
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
	if (!page)
		snprintf(why, why_len, "out of memory");
	return page;
}

static int admin_reload(void *ctx, char *why, size_t why_len)
{
	return cp_daemon_reload(ctx, why, why_len);
}

/* ---- life cycle -------------------------------------------------------- */

int cp_daemon_model_init(struct sluiced *d)
{
	struct cp_model_hooks hooks = {
		.event = on_event,
		.inst_added = on_inst_added,
		.inst_removed = on_inst_removed,
		.changed = on_changed,
		.refused = on_refused,
		.ctx = d,
	};

	for (uint32_t i = 0; i < SL_MAX_PORTS_LIMIT; i++)
		d->probe_rc[i] = d->tc_rc[i] = 1;
	d->health = cp_health_new(d->loop);
	if (!d->health) {
		CP_LOG_HEALTH(ERR, "probe engine: %s", strerror(errno));
		return -errno;
	}
	cp_health_set_sock_hook(d->health, on_probe_sock, d);
	probes_clear(d);
	d->model = cp_model_new(&hooks);
	if (!d->model) {
		CP_LOG_HEALTH(ERR, "model: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

int cp_daemon_services_start(struct sluiced *d)
{
	struct cp_admin_ops ops = {
		.drain = admin_drain,
		.health = admin_health,
		.reload = admin_reload,
		.ctx = d,
	};
	char why[512];
	int rc;

	rc = start_providers(d);
	if (rc)
		return rc;
	d->admin = cp_admin_new(d->loop, d->cfg->controlplane.admin_socket, &ops, why, sizeof(why));
	if (!d->admin) {
		rc = -errno;
		CP_LOG_ADMIN(ERR, "%s", why);
		return rc;
	}
	CP_LOG_ADMIN(INFO, "admin socket %s", d->cfg->controlplane.admin_socket);
	return 0;
}

void cp_daemon_model_fini(struct sluiced *d)
{
	cp_admin_free(d->admin);
	d->admin = NULL;
	cp_disc_file_free(d->disc_file);
	cp_disc_dns_free(d->disc_dns);
	cp_disc_etcd_free(d->disc_etcd);
	d->disc_file = NULL;
	d->disc_dns = NULL;
	d->disc_etcd = NULL;
	cp_model_free(d->model); /* removes every health target */
	d->model = NULL;
	if (d->health)
		cp_health_free(d->health);
	d->health = NULL;
}
