/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sections about the daemons themselves: dataplane (EAL, ports, flow
 * table, descriptors), tables (the shared-memory geometry) and
 * controlplane (publish, next hops, drains, the admin socket), metrics
 * (where sluiced serves its Prometheus exposition).
 */
#include <errno.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "cfg.h"
#include "cfg_priv.h"
#include "sl_maglev.h"
#include "sl_shm.h"

/* Defaults, also in config/sluice.conf and docs/configuration.md. */
#define CFG_DEF_FLOWS_PER_WORKER 1048576u
#define CFG_MIN_FLOWS_PER_WORKER 1024u
#define CFG_MAX_FLOWS_PER_WORKER 67108864u
#define CFG_DEF_TCP_TIMEOUT 300u    /* s */
#define CFG_DEF_TCP_FIN_TIMEOUT 10u /* s */
#define CFG_DEF_TCP_SYN_TIMEOUT 5u  /* s: a SYN the client did not follow with an ACK */
#define CFG_DEF_FRAG_TIMEOUT 2u	    /* s: a fragmented datagram's instance, for its fragments */
#define CFG_DEF_UDP_TIMEOUT 30u	    /* s */
#define CFG_MAX_TIMEOUT 604800u	    /* s: a week */
#define CFG_DEF_BURST 32u
#define CFG_MAX_BURST 64u
#define CFG_DEF_MBUFS 16383u
#define CFG_MIN_MBUFS 511u
#define CFG_MAX_MBUFS 16777215u
#define CFG_DEF_DESC 1024u
#define CFG_MIN_DESC 64u
#define CFG_MAX_DESC 32768u
#define CFG_MIN_MTU 68u
#define CFG_MAX_MTU 65535u
#define CFG_DEF_MAX_WORKERS 16u
#define CFG_DEF_MAX_VIPS 64u
#define CFG_DEF_MAX_POOLS 64u
#define CFG_DEF_MAX_BACKENDS 4096u
#define CFG_DEF_MAX_NAT_SOURCES 16u
#define CFG_DEF_MAX_ROUTES 1024u
#define CFG_DEF_PUBLISH_TIMEOUT_MS 1000u
#define CFG_DEF_NEIGH_TIMEOUT_MS 2000u
#define CFG_MAX_TIMEOUT_MS 600000u   /* ms: ten minutes */
#define CFG_DEF_DRAIN_TIMEOUT 60u    /* s */
#define CFG_MAX_DRAIN_TIMEOUT 86400u /* s: a day */
#define CFG_ADMIN_SOCKET_FMT "/run/sluice/%s.sock"
#define CFG_DEF_METRICS_LISTEN                                                                     \
	"127.0.0.1:9469" /* loopback: scraped from elsewhere only when set                         \
			  */

static int port_iface(struct cfg_ctx *ctx, const config_setting_t *el, const char *pkey,
		      struct cfg_port *p)
{
	const char *d = p->devargs;
	char key[CFG_KEY_LEN];

	while ((d = strchr(d, ',')) != NULL) {
		size_t len;

		d++;
		if (strncmp(d, "iface=", 6) != 0)
			continue;
		d += 6;
		len = strcspn(d, ",");
		if (len == 0 || len >= sizeof(p->iface))
			return cfg_fail(ctx, config_setting_get_member(el, "devargs"),
					cfg_key(key, pkey, "devargs"),
					"iface= needs an interface name of 1-%zu characters",
					sizeof(p->iface) - 1);
		memcpy(p->iface, d, len);
		p->iface[len] = '\0';
		return 0;
	}
	return 0;
}

static int parse_ports(struct cfg_ctx *ctx, const config_setting_t *dp, struct cfg_dataplane *d)
{
	const config_setting_t *l = dp ? config_setting_get_member(dp, "ports") : NULL;
	int n = l ? config_setting_length(l) : 0;
	char pkey[CFG_KEY_LEN], key[CFG_KEY_LEN];
	int rc;

	if (n > SL_MAX_PORTS_LIMIT)
		return cfg_fail(ctx, l, "dataplane.ports", "%d ports, at most %d", n,
				SL_MAX_PORTS_LIMIT);
	for (int i = 0; i < n; i++) {
		const config_setting_t *el = config_setting_get_elem(l, (unsigned int)i);
		struct cfg_port *p = &d->ports[i];

		snprintf(pkey, sizeof(pkey), "dataplane.ports[%d]", i);
		if ((rc = cfg_need_str(ctx, el, pkey, "name", p->name, sizeof(p->name))) < 0 ||
		    (rc = cfg_need_str(ctx, el, pkey, "devargs", p->devargs, sizeof(p->devargs))) <
			    0 ||
		    (rc = cfg_get_u32(ctx, el, pkey, "rx_queues", 0, SL_MAX_WORKERS_LIMIT,
				      &p->rx_queues)) < 0 ||
		    (rc = cfg_get_u32(ctx, el, pkey, "mtu", 0, CFG_MAX_MTU, &p->mtu)) < 0)
			return rc;
		if (!cfg_name_ok(p->name))
			return cfg_fail(ctx, config_setting_get_member(el, "name"),
					cfg_key(key, pkey, "name"),
					"\"%s\" is not 1-31 of [A-Za-z0-9_.:-]", p->name);
		if (!p->devargs[0])
			return cfg_fail(ctx, config_setting_get_member(el, "devargs"),
					cfg_key(key, pkey, "devargs"), "empty");
		if (p->mtu && p->mtu < CFG_MIN_MTU)
			return cfg_fail(ctx, config_setting_get_member(el, "mtu"),
					cfg_key(key, pkey, "mtu"), "%u out of range 0 or %u..%u",
					p->mtu, CFG_MIN_MTU, CFG_MAX_MTU);
		if ((rc = port_iface(ctx, el, pkey, p)) < 0)
			return rc;
		for (int j = 0; j < i; j++) {
			if (strcmp(d->ports[j].name, p->name) == 0)
				return cfg_fail(ctx, config_setting_get_member(el, "name"),
						cfg_key(key, pkey, "name"),
						"duplicate port name \"%s\"", p->name);
			if (strcmp(d->ports[j].devargs, p->devargs) == 0)
				return cfg_fail(ctx, config_setting_get_member(el, "devargs"),
						cfg_key(key, pkey, "devargs"),
						"same devargs as port \"%s\"", d->ports[j].name);
		}
		d->n_ports++;
	}
	return 0;
}

static int parse_eal(struct cfg_ctx *ctx, const config_setting_t *dp, struct cfg_dataplane *d)
{
	const config_setting_t *a = dp ? config_setting_get_member(dp, "eal") : NULL;
	int n = a ? config_setting_length(a) : 0;

	if (n >= CFG_EAL_ARGS_MAX)
		return cfg_fail(ctx, a, "dataplane.eal", "%d arguments, at most %d", n,
				CFG_EAL_ARGS_MAX - 1);
	for (int i = 0; i < n; i++) {
		d->eal[i] = strdup(config_setting_get_string_elem(a, i));
		if (!d->eal[i])
			return -ENOMEM;
		d->n_eal++;
	}
	return 0;
}

static int pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

int cfg_parse_dataplane(struct cfg_ctx *ctx, struct cfg *cfg)
{
	const config_setting_t *dp =
		config_setting_get_member(config_root_setting(&ctx->lc), "dataplane");
	struct cfg_dataplane *d = &cfg->dataplane;
	const char *g = "dataplane";
	char key[CFG_KEY_LEN];
	int rc;

	d->flows_per_worker = CFG_DEF_FLOWS_PER_WORKER;
	d->tcp_timeout = CFG_DEF_TCP_TIMEOUT;
	d->tcp_fin_timeout = CFG_DEF_TCP_FIN_TIMEOUT;
	d->udp_timeout = CFG_DEF_UDP_TIMEOUT;
	d->tcp_syn_timeout = CFG_DEF_TCP_SYN_TIMEOUT;
	d->frag_timeout = CFG_DEF_FRAG_TIMEOUT;
	d->burst = CFG_DEF_BURST;
	d->mbufs = CFG_DEF_MBUFS;
	d->rx_desc = CFG_DEF_DESC;
	d->tx_desc = CFG_DEF_DESC;
	if ((rc = parse_eal(ctx, dp, d)) < 0 || (rc = parse_ports(ctx, dp, d)) < 0 ||
	    (rc = cfg_get_u32(ctx, dp, g, "flows_per_worker", CFG_MIN_FLOWS_PER_WORKER,
			      CFG_MAX_FLOWS_PER_WORKER, &d->flows_per_worker)) < 0 ||
	    (rc = cfg_get_u32(ctx, dp, g, "tcp_timeout", 1, CFG_MAX_TIMEOUT, &d->tcp_timeout)) <
		    0 ||
	    (rc = cfg_get_u32(ctx, dp, g, "tcp_fin_timeout", 1, CFG_MAX_TIMEOUT,
			      &d->tcp_fin_timeout)) < 0 ||
	    (rc = cfg_get_u32(ctx, dp, g, "udp_timeout", 1, CFG_MAX_TIMEOUT, &d->udp_timeout)) <
		    0 ||
	    (rc = cfg_get_u32(ctx, dp, g, "tcp_syn_timeout", 1, CFG_MAX_TIMEOUT,
			      &d->tcp_syn_timeout)) < 0 ||
	    (rc = cfg_get_u32(ctx, dp, g, "frag_timeout", 1, CFG_MAX_TIMEOUT, &d->frag_timeout)) <
		    0 ||
	    (rc = cfg_get_u32(ctx, dp, g, "burst", 1, CFG_MAX_BURST, &d->burst)) < 0 ||
	    (rc = cfg_get_u32(ctx, dp, g, "mbufs", CFG_MIN_MBUFS, CFG_MAX_MBUFS, &d->mbufs)) < 0 ||
	    (rc = cfg_get_u32(ctx, dp, g, "rx_desc", CFG_MIN_DESC, CFG_MAX_DESC, &d->rx_desc)) <
		    0 ||
	    (rc = cfg_get_u32(ctx, dp, g, "tx_desc", CFG_MIN_DESC, CFG_MAX_DESC, &d->tx_desc)) <
		    0 ||
	    (rc = cfg_get_str(ctx, dp, g, "xdp_prog", d->xdp_prog, sizeof(d->xdp_prog))) < 0)
		return rc;
	if (!pow2(d->flows_per_worker))
		return cfg_fail(ctx, config_setting_get_member(dp, "flows_per_worker"),
				cfg_key(key, g, "flows_per_worker"), "%u is not a power of two",
				d->flows_per_worker);
	if (!pow2(d->rx_desc))
		return cfg_fail(ctx, config_setting_get_member(dp, "rx_desc"),
				cfg_key(key, g, "rx_desc"), "%u is not a power of two", d->rx_desc);
	if (!pow2(d->tx_desc))
		return cfg_fail(ctx, config_setting_get_member(dp, "tx_desc"),
				cfg_key(key, g, "tx_desc"), "%u is not a power of two", d->tx_desc);
	return 0;
}

int cfg_parse_tables(struct cfg_ctx *ctx, struct cfg *cfg)
{
	const config_setting_t *t =
		config_setting_get_member(config_root_setting(&ctx->lc), "tables");
	struct cfg_tables *c = &cfg->tables;
	const char *g = "tables";
	int rc;

	c->max_workers = CFG_DEF_MAX_WORKERS;
	c->max_vips = CFG_DEF_MAX_VIPS;
	c->max_pools = CFG_DEF_MAX_POOLS;
	c->max_backends = CFG_DEF_MAX_BACKENDS;
	c->maglev_size = SL_MAGLEV_SIZE_DEFAULT;
	c->max_nat_sources = CFG_DEF_MAX_NAT_SOURCES;
	c->max_routes = CFG_DEF_MAX_ROUTES;
	if ((rc = cfg_get_u32(ctx, t, g, "max_workers", 1, SL_MAX_WORKERS_LIMIT, &c->max_workers)) <
		    0 ||
	    (rc = cfg_get_u32(ctx, t, g, "max_vips", 1, SL_MAX_VIPS_LIMIT, &c->max_vips)) < 0 ||
	    (rc = cfg_get_u32(ctx, t, g, "max_pools", 1, SL_MAX_POOLS_LIMIT, &c->max_pools)) < 0 ||
	    (rc = cfg_get_u32(ctx, t, g, "max_backends", 1, SL_MAX_BACKENDS_LIMIT,
			      &c->max_backends)) < 0 ||
	    (rc = cfg_get_u32(ctx, t, g, "maglev_size", SL_MAGLEV_SIZE_MIN, SL_MAGLEV_SIZE_MAX,
			      &c->maglev_size)) < 0 ||
	    (rc = cfg_get_u32(ctx, t, g, "max_nat_sources", 0, SL_MAX_NAT_SOURCES_LIMIT,
			      &c->max_nat_sources)) < 0 ||
	    (rc = cfg_get_u32(ctx, t, g, "max_routes", 0, SL_MAX_ROUTES_LIMIT, &c->max_routes)) < 0)
		return rc;
	if (!sl_maglev_is_prime(c->maglev_size))
		return cfg_fail(ctx, config_setting_get_member(t, "maglev_size"),
				"tables.maglev_size", "%u is not prime", c->maglev_size);
	return 0;
}

int cfg_parse_controlplane(struct cfg_ctx *ctx, struct cfg *cfg)
{
	const config_setting_t *cp =
		config_setting_get_member(config_root_setting(&ctx->lc), "controlplane");
	struct cfg_controlplane *c = &cfg->controlplane;
	const char *g = "controlplane";
	int rc;

	c->publish_timeout_ms = CFG_DEF_PUBLISH_TIMEOUT_MS;
	c->neigh_timeout_ms = CFG_DEF_NEIGH_TIMEOUT_MS;
	c->drain_timeout = CFG_DEF_DRAIN_TIMEOUT;
	snprintf(c->admin_socket, sizeof(c->admin_socket), CFG_ADMIN_SOCKET_FMT, cfg->instance);
	if ((rc = cfg_get_u32(ctx, cp, g, "publish_timeout_ms", 1, CFG_MAX_TIMEOUT_MS,
			      &c->publish_timeout_ms)) < 0 ||
	    (rc = cfg_get_u32(ctx, cp, g, "neigh_timeout_ms", 0, CFG_MAX_TIMEOUT_MS,
			      &c->neigh_timeout_ms)) < 0 ||
	    (rc = cfg_get_u32(ctx, cp, g, "drain_timeout", 0, CFG_MAX_DRAIN_TIMEOUT,
			      &c->drain_timeout)) < 0 ||
	    (rc = cfg_get_str(ctx, cp, g, "admin_socket", c->admin_socket,
			      sizeof(((struct sockaddr_un *)0)->sun_path))) < 0)
		return rc;
	if (!c->admin_socket[0])
		return cfg_fail(ctx, config_setting_get_member(cp, "admin_socket"),
				"controlplane.admin_socket", "empty");
	return 0;
}

/*
 * "ADDR:PORT" (IPv4) or "[ADDR]:PORT" (IPv6) into @m, or why not. The
 * unspecified address (every address of the host) is allowed: it is what
 * an operator writes to be scraped from elsewhere; multicast and broadcast
 * are not addresses to listen on.
 */
static const char *metrics_listen_why(const char *text, struct cfg_metrics *m)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *port;
	struct in_addr v4;
	char *end;
	unsigned long p;
	size_t n;

	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':')
			return "not ADDRESS:PORT or [IPv6 ADDRESS]:PORT";
		n = (size_t)(close - text - 1);
		port = close + 2;
	} else {
		colon = strrchr(text, ':');
		if (!colon || strchr(text, ':') != colon)
			return "not ADDRESS:PORT or [IPv6 ADDRESS]:PORT";
		n = (size_t)(colon - text);
		port = colon + 1;
	}
	if (n == 0 || n >= sizeof(host))
		return "not an IPv4 or IPv6 address";
	memcpy(host, text[0] == '[' ? text + 1 : text, n);
	host[n] = '\0';
	memset(&m->addr, 0, sizeof(m->addr));
	if (text[0] != '[' && inet_pton(AF_INET, host, &v4) == 1) {
		uint32_t a = ntohl(v4.s_addr);

		if (a == INADDR_BROADCAST || IN_MULTICAST(a))
			return "a broadcast or multicast address";
		sl_addr_from_v4(&m->addr, v4.s_addr);
		m->af = SL_AF_INET;
	} else if (text[0] == '[' && inet_pton(AF_INET6, host, m->addr.a8) == 1) {
		if (m->addr.a8[0] == 0xff)
			return "a multicast address";
		if (sl_addr_is_v4(&m->addr))
			return "IPv4-mapped IPv6 address: write the IPv4 address";
		m->af = SL_AF_INET6;
	} else {
		return "not an IPv4 or IPv6 address";
	}
	errno = 0;
	p = strtoul(port, &end, 10);
	if (!*port || *end || port[0] < '0' || port[0] > '9' || errno || p < 1 || p > 65535)
		return "port not 1..65535";
	m->port = (uint16_t)p;
	return NULL;
}

int cfg_parse_metrics(struct cfg_ctx *ctx, struct cfg *cfg)
{
	const config_setting_t *g =
		config_setting_get_member(config_root_setting(&ctx->lc), "metrics");
	struct cfg_metrics *m = &cfg->metrics;
	const char *why;
	int rc;

	snprintf(m->listen, sizeof(m->listen), CFG_DEF_METRICS_LISTEN);
	rc = cfg_get_str(ctx, g, "metrics", "listen", m->listen, sizeof(m->listen));
	if (rc < 0)
		return rc;
	if (strcmp(m->listen, "off") == 0) {
		m->enabled = 0;
		return 0;
	}
	why = metrics_listen_why(m->listen, m);
	if (why)
		return cfg_fail(ctx, g ? config_setting_get_member(g, "listen") : NULL,
				"metrics.listen", "\"%s\": %s", m->listen, why);
	m->enabled = 1;
	return 0;
}
