/* SPDX-License-Identifier: BSD-3-Clause */
/* Discovery providers to the model (see cp_disc_wire.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "cp_disc_wire.h"
#include "cp_log.h"
#include "cp_tables.h"
#include "cp_text.h"

void cp_disc_wire_init(struct cp_disc_wire *dw, struct cp_loop *loop, struct cp_model *model,
		       struct cfg *const *cfg)
{
	memset(dw, 0, sizeof(*dw));
	dw->loop = loop;
	dw->model = model;
	dw->cfg = cfg;
}

static void on_update(void *ctx, enum cp_disc_source src, const char *pool,
		      const struct cp_disc_instance *v, uint32_t n)
{
	struct cp_disc_wire *dw = ctx;
	int rc = cp_model_update(dw->model, src, pool, v, n);

	CP_LOG_DISC(INFO, "%s: pool %s: %u instances%s", cp_disc_source_name(src), pool, n,
		    cp_tables_pool_index(*dw->cfg, pool) >= 0 ? ""
							      : " (pool not in the config: kept)");
	if (rc)
		CP_LOG_DISC(ERR, "%s: pool %s: %s", cp_disc_source_name(src), pool, strerror(-rc));
}

static void on_error(void *ctx, enum cp_disc_source src, const char *pool, const char *what)
{
	(void)ctx;
	CP_LOG_DISC(WARN, "%s%s%s: %s; the last good set stays", cp_disc_source_name(src),
		    pool && pool[0] ? ": pool " : "", pool ? pool : "", what);
}

void cp_disc_wire_refused(enum cp_disc_source src, const char *pool,
			  const struct cp_model_refusal *r, uint32_t n, uint32_t n_total)
{
	char name[4 * SL_NAME_LEN + 1], addr[INET6_ADDRSTRLEN], epool[4 * SL_NAME_LEN + 1];

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

/* Every pool's SRV name to the dns provider (one it has already is fine). */
static int dns_add_pools(struct cp_disc_wire *dw)
{
	const struct cfg *cfg = *dw->cfg;

	for (uint32_t i = 0; i < cfg->n_pools; i++) {
		const struct cfg_pool *p = &cfg->pools[i];
		int rc;

		if (!p->disc.dns[0])
			continue;
		rc = cp_disc_dns_add(dw->dns, p->name, p->disc.dns);
		if (rc && rc != -EEXIST) {
			CP_LOG_DISC(ERR, "dns: pool %s: SRV name %s: %s", p->name, p->disc.dns,
				    strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static bool any_dns_pool(const struct cfg *cfg)
{
	for (uint32_t i = 0; i < cfg->n_pools; i++)
		if (cfg->pools[i].disc.dns[0])
			return true;
	return false;
}

/* Some pool takes the file's (@etcd false) or etcd's (@etcd true) sets: implicit pools take both.
 */
static bool any_pool_uses(const struct cfg *cfg, bool etcd)
{
	for (uint32_t i = 0; i < cfg->n_pools; i++)
		if (cfg->pools[i].implicit ||
		    (etcd ? cfg->pools[i].disc.etcd : cfg->pools[i].disc.file))
			return true;
	return false;
}

int cp_disc_wire_start(struct cp_disc_wire *dw)
{
	const struct cfg *cfg = *dw->cfg;
	const struct cfg_discovery *dc = &cfg->discovery;
	struct cp_disc_sink sink = {.update = on_update, .error = on_error, .ctx = dw};
	char why[256];

	if (dc->file.path[0] && any_pool_uses(cfg, false)) {
		dw->file = cp_disc_file_new(dw->loop, dc->file.path, &sink);
		if (!dw->file) {
			CP_LOG_DISC(ERR, "file: watching %s: %s", dc->file.path, strerror(errno));
			return -errno;
		}
		CP_LOG_DISC(INFO, "file: watching %s", dc->file.path);
	}
	if (dc->dns.resolver[0] && any_dns_pool(cfg)) {
		struct cp_disc_dns_conf c = {.resolver = dc->dns.resolver,
					     .timeout_ms = dc->dns.timeout_ms,
					     .min_ttl = dc->dns.min_ttl,
					     .max_ttl = dc->dns.max_ttl};

		dw->dns = cp_disc_dns_new(dw->loop, &c, &sink);
		if (!dw->dns) {
			CP_LOG_DISC(ERR, "dns: resolver %s: %s", dc->dns.resolver, strerror(errno));
			return -errno;
		}
		if (dns_add_pools(dw))
			return -EINVAL;
		CP_LOG_DISC(INFO, "dns: resolving SRV names through %s", dc->dns.resolver);
	}
	if (dc->etcd.endpoints[0] && any_pool_uses(cfg, true)) {
		struct cp_disc_etcd_params ep = {.endpoints = dc->etcd.endpoints,
						 .prefix = dc->etcd.prefix,
						 .timeout_ms = dc->etcd.timeout_ms};

		if (cp_disc_etcd_check(&ep, why, sizeof(why)) != 0) {
			CP_LOG_DISC(ERR, "etcd: %s", why);
			return -EINVAL;
		}
		dw->etcd = cp_disc_etcd_new(dw->loop, &ep, &sink);
		if (!dw->etcd) {
			CP_LOG_DISC(ERR, "etcd: %s: %s", dc->etcd.endpoints, strerror(errno));
			return -errno;
		}
		CP_LOG_DISC(INFO, "etcd: watching %s under %s", dc->etcd.endpoints,
			    dc->etcd.prefix);
	}
	return 0;
}

void cp_disc_wire_reload(struct cp_disc_wire *dw, const struct cfg *old)
{
	const struct cfg *cfg = *dw->cfg;
	const struct cfg_discovery *n = &cfg->discovery, *o = &old->discovery;

	if (strcmp(n->file.path, o->file.path) || strcmp(n->dns.resolver, o->dns.resolver) ||
	    n->dns.timeout_ms != o->dns.timeout_ms || n->dns.min_ttl != o->dns.min_ttl ||
	    n->dns.max_ttl != o->dns.max_ttl || strcmp(n->etcd.endpoints, o->etcd.endpoints) ||
	    strcmp(n->etcd.prefix, o->etcd.prefix) || n->etcd.timeout_ms != o->etcd.timeout_ms)
		CP_LOG_DISC(WARN, "the discovery section changed: restart sluiced to apply it "
				  "(providers keep their running settings)");
	if (dw->dns)
		dns_add_pools(dw);
	else if (any_dns_pool(cfg))
		CP_LOG_DISC(WARN, "a pool names an SRV name but the dns provider is not running: "
				  "restart sluiced to start it");
	if (dw->file)
		cp_disc_file_reload(dw->file);
}

void cp_disc_wire_stop(struct cp_disc_wire *dw)
{
	cp_disc_file_free(dw->file);
	cp_disc_dns_free(dw->dns);
	cp_disc_etcd_free(dw->etcd);
	dw->file = NULL;
	dw->dns = NULL;
	dw->etcd = NULL;
}
