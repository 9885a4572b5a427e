/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Config loader: the issue's example and a file with every key set load with
 * exact values; defaults; SLUICE_* overrides; and each bad file or variable
 * is refused with its exact "FILE:LINE: KEY: TEXT".
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "cfg.h"
#include "sl_shm.h"

#ifndef CONFIG_DIR
#error "CONFIG_DIR: the directory of the test's .conf files"
#endif
#ifndef EXAMPLE_DIR
#error "EXAMPLE_DIR: the repository's config/ directory"
#endif

static char *const no_env[] = {NULL};

static void assert_v4(const struct sl_addr *a, const char *text)
{
	struct in_addr v4;
	struct sl_addr want;

	assert_int_equal(inet_pton(AF_INET, text, &v4), 1);
	sl_addr_from_v4(&want, v4.s_addr);
	assert_memory_equal(a, &want, sizeof(want));
}

static void assert_v6(const struct sl_addr *a, const char *text)
{
	struct sl_addr want;

	assert_int_equal(inet_pton(AF_INET6, text, want.a8), 1);
	assert_memory_equal(a, &want, sizeof(want));
}

static void load_ok(const char *path, char *const *envp, struct cfg *cfg)
{
	struct cfg_error err;
	char msg[512];
	int rc = cfg_load(path, envp, cfg, &err);

	if (rc)
		fail_msg("%s: rc %d: %s", path, rc, cfg_strerror(&err, msg, sizeof(msg)));
}

static void assert_default_scalars(const struct cfg *c)
{
	const struct cfg_dataplane *d = &c->dataplane;

	assert_int_equal(d->flows_per_worker, 1048576);
	assert_int_equal(d->tcp_timeout, 300);
	assert_int_equal(d->tcp_fin_timeout, 10);
	assert_int_equal(d->udp_timeout, 30);
	assert_int_equal(d->burst, 32);
	assert_int_equal(d->mbufs, 16383);
	assert_int_equal(d->rx_desc, 1024);
	assert_int_equal(d->tx_desc, 1024);
	assert_string_equal(d->xdp_prog, "");
	assert_int_equal(c->tables.max_workers, 16);
	assert_int_equal(c->tables.max_vips, 64);
	assert_int_equal(c->tables.max_pools, 64);
	assert_int_equal(c->tables.max_backends, 4096);
	assert_int_equal(c->tables.maglev_size, 65537);
	assert_int_equal(c->controlplane.publish_timeout_ms, 1000);
	assert_int_equal(c->controlplane.neigh_timeout_ms, 2000);
	assert_int_equal(c->controlplane.drain_timeout, 60);
	assert_int_equal(c->tables.max_nat_sources, 16);
	assert_int_equal(c->tables.max_routes, 1024);
	assert_int_equal(c->nat.conns_per_worker, 262144);
	assert_int_equal(c->nat.cookie_rotate, 60);
	assert_int_equal(c->nat.timeouts.syn, 5);
	assert_int_equal(c->nat.timeouts.established, 300);
	assert_int_equal(c->nat.timeouts.fin, 10);
	assert_int_equal(c->nat.timeouts.time_wait, 10);
	assert_int_equal(c->nat.timeouts.close, 2);
	assert_int_equal(c->nat.timeouts.udp, 30);
}

/* A pool with the defaults: no checks, no dynamic source. */
static void assert_default_pool(const struct cfg_pool *p)
{
	const struct cfg_health *h = &p->health;

	assert_int_equal(h->type, CFG_HEALTH_CHECK_NONE);
	assert_int_equal(h->port, 0);
	assert_string_equal(h->path, "/");
	assert_string_equal(h->host, "");
	assert_int_equal(h->expect_lo, 200);
	assert_int_equal(h->expect_hi, 399);
	assert_string_equal(h->body, "");
	assert_string_equal(h->payload, "");
	assert_string_equal(h->response, "");
	assert_int_equal(h->interval_ms, 1000);
	assert_int_equal(h->timeout_ms, 500);
	assert_int_equal(h->rise, 2);
	assert_int_equal(h->fall, 3);
	assert_int_equal(h->jitter_ms, 100);
	assert_int_equal(h->via_tunnel, 0);
	assert_int_equal(h->passive_fall, 0);
	assert_int_equal(p->panic_threshold, 0);
	assert_int_equal(p->disc.file, 0);
	assert_string_equal(p->disc.dns, "");
	assert_int_equal(p->disc.etcd, 0);
	assert_int_equal(p->balance, SL_BALANCE_MAGLEV);
}

static void assert_default_discovery(const struct cfg_discovery *d)
{
	assert_string_equal(d->file.path, "");
	assert_string_equal(d->dns.resolver, "");
	assert_int_equal(d->dns.resolver_af, 0);
	assert_int_equal(d->dns.resolver_port, 53);
	assert_int_equal(d->dns.timeout_ms, 1000);
	assert_int_equal(d->dns.min_ttl, 1);
	assert_int_equal(d->dns.max_ttl, 300);
	assert_string_equal(d->etcd.endpoints, "");
	assert_string_equal(d->etcd.prefix, "/sluice/pools/");
	assert_int_equal(d->etcd.timeout_ms, 2000);
}

/* metrics.listen's default: loopback, port 9469. */
static void assert_default_metrics(const struct cfg_metrics *m)
{
	assert_string_equal(m->listen, "127.0.0.1:9469");
	assert_int_equal(m->enabled, 1);
	assert_int_equal(m->af, SL_AF_INET);
	assert_int_equal(m->port, 9469);
	assert_int_equal(m->addr.a32[3], htonl(0x7f000001));
	assert_true(sl_addr_is_v4(&m->addr));
}

static void test_defaults(void **state)
{
	struct cfg c;
	struct sl_shm_geometry g;

	(void)state;
	load_ok(CONFIG_DIR "/good-minimal.conf", no_env, &c);
	assert_string_equal(c.file, CONFIG_DIR "/good-minimal.conf");
	/* events: every record, all of them, on stdout */
	assert_int_equal(c.events.flows, 1);
	assert_int_equal(c.events.requests, 1);
	assert_int_equal(c.events.query, 1);
	assert_true(c.events.sample == 1.0);
	assert_int_equal(c.events.output, CFG_EVENTS_STDOUT);
	assert_int_equal(c.events.ring_size, 1024);
	assert_string_equal(c.instance, "default");
	assert_int_equal(c.dataplane.n_eal, 0);
	assert_null(c.dataplane.eal[0]);
	assert_int_equal(c.dataplane.n_ports, 0);
	assert_default_scalars(&c);
	assert_string_equal(c.controlplane.admin_socket, "/run/sluice/default.sock");
	assert_default_metrics(&c.metrics);
	assert_int_equal(c.n_vips, 0);
	assert_int_equal(c.n_pools, 0);
	assert_default_discovery(&c.discovery);
	cfg_geometry(&c, &g);
	assert_int_equal(g.max_workers, 16);
	assert_int_equal(g.max_ports, SL_MAX_PORTS_LIMIT);
	assert_int_equal(g.max_vips, 64);
	assert_int_equal(g.max_pools, 64);
	assert_int_equal(g.max_backends, 4096);
	assert_int_equal(g.maglev_size, 65537);
	assert_int_equal(g.max_nat_sources, 16);
	assert_int_equal(g.max_routes, 1024);
	cfg_free(&c);
}

/* metrics.listen from the file (IPv6), from the environment, and "off". */
static void test_metrics(void **state)
{
	char *const env_v4[] = {"SLUICE_METRICS_LISTEN=0.0.0.0:9100", NULL};
	char *const env_off[] = {"SLUICE_METRICS_LISTEN=off", NULL};
	struct in6_addr want;
	struct cfg c;

	(void)state;
	load_ok(CONFIG_DIR "/good-full.conf", no_env, &c);
	assert_int_equal(c.metrics.enabled, 1);
	assert_int_equal(c.metrics.af, SL_AF_INET6);
	assert_int_equal(c.metrics.port, 9100);
	assert_int_equal(inet_pton(AF_INET6, "2001:2::9", &want), 1);
	assert_memory_equal(c.metrics.addr.a8, &want, 16);
	cfg_free(&c);
	/* a group the file does not have, made by the override */
	load_ok(CONFIG_DIR "/good-minimal.conf", env_v4, &c);
	assert_string_equal(c.metrics.listen, "0.0.0.0:9100");
	assert_int_equal(c.metrics.enabled, 1);
	assert_int_equal(c.metrics.af, SL_AF_INET);
	assert_int_equal(c.metrics.addr.a32[3], 0);
	assert_int_equal(c.metrics.port, 9100);
	cfg_free(&c);
	load_ok(CONFIG_DIR "/good-full.conf", env_off, &c);
	assert_int_equal(c.metrics.enabled, 0);
	cfg_free(&c);
}

/* config/example.conf, value by value. */
static void test_example(void **state)
{
	static const char *const eal[] = {"-l", "0-1", "--no-huge", "-m", "512"};
	struct cfg c;
	const struct cfg_vip *v;
	const struct cfg_pool *p;

	(void)state;
	load_ok(EXAMPLE_DIR "/example.conf", no_env, &c);
	assert_string_equal(c.instance, "edge1");
	assert_int_equal(c.dataplane.n_eal, 5);
	for (int i = 0; i < 5; i++)
		assert_string_equal(c.dataplane.eal[i], eal[i]);
	assert_null(c.dataplane.eal[5]);
	assert_int_equal(c.dataplane.n_ports, 1);
	assert_string_equal(c.dataplane.ports[0].name, "ext0");
	assert_string_equal(c.dataplane.ports[0].devargs, "net_af_xdp0,iface=sl-lb0");
	assert_string_equal(c.dataplane.ports[0].iface, "sl-lb0");
	assert_int_equal(c.dataplane.ports[0].rx_queues, 0);
	assert_int_equal(c.dataplane.ports[0].mtu, 0);
	assert_default_scalars(&c);
	assert_string_equal(c.controlplane.admin_socket, "/run/sluice/edge1.sock");

	assert_int_equal(c.n_vips, 2);
	v = &c.vips[0];
	assert_string_equal(v->name, "web");
	assert_v4(&v->addr, "198.18.100.1");
	assert_int_equal(v->af, SL_AF_INET);
	assert_int_equal(v->port, 80);
	assert_int_equal(v->proto, IPPROTO_TCP);
	assert_int_equal(v->mode, SL_MODE_TUNNEL);
	assert_int_equal(v->hash_3tuple, 0);
	assert_int_equal(v->encap, CFG_ENCAP_IPIP);
	assert_int_equal(v->gue_port, 6080);
	assert_int_equal(v->tunnel_source_plen, 0);
	assert_true(v->tunnel_source.a64[0] == 0 && v->tunnel_source.a64[1] == 0);
	assert_string_equal(v->pool, "web");
	assert_int_equal(v->pool_index, 0);
	assert_int_equal(v->line, 8);
	v = &c.vips[1];
	assert_string_equal(v->name, "web6");
	assert_v6(&v->addr, "2001:2:0:100::1");
	assert_int_equal(v->af, SL_AF_INET6);
	assert_int_equal(v->port, 80);
	assert_int_equal(v->proto, IPPROTO_TCP);
	assert_int_equal(v->mode, SL_MODE_TUNNEL);
	assert_int_equal(v->hash_3tuple, 0);
	assert_int_equal(v->encap, CFG_ENCAP_IPIP);
	assert_int_equal(v->gue_port, 6080);
	assert_string_equal(v->pool, "web6");
	assert_int_equal(v->pool_index, 1);
	assert_int_equal(v->line, 10);

	assert_int_equal(c.n_pools, 2);
	p = &c.pools[0];
	assert_string_equal(p->name, "web");
	assert_int_equal(p->implicit, 0);
	assert_int_equal(p->n_vips, 1);
	assert_int_equal(p->line, 14);
	assert_int_equal(p->n_backends, 2);
	assert_string_equal(p->backends[0].name, "198.18.1.11");
	assert_v4(&p->backends[0].addr, "198.18.1.11");
	assert_int_equal(p->backends[0].af, SL_AF_INET);
	assert_int_equal(p->backends[0].port, 0);
	assert_int_equal(p->backends[0].weight, 1);
	assert_int_equal(p->backends[0].line, 14);
	assert_string_equal(p->backends[1].name, "198.18.1.12");
	assert_v4(&p->backends[1].addr, "198.18.1.12");
	assert_int_equal(p->backends[1].weight, 1);
	assert_int_equal(p->backends[1].line, 15);
	/* "web6" is named by a VIP only: an implicit empty pool */
	p = &c.pools[1];
	assert_string_equal(p->name, "web6");
	assert_int_equal(p->implicit, 1);
	assert_int_equal(p->n_vips, 1);
	assert_int_equal(p->n_backends, 0);
	assert_null(p->backends);
	assert_int_equal(p->line, 10);
	assert_default_pool(&c.pools[0]);
	assert_default_pool(&c.pools[1]);
	assert_default_discovery(&c.discovery);
	cfg_free(&c);
	assert_null(c.vips);
	assert_int_equal(c.n_pools, 0);
}

static void test_every_key(void **state)
{
	struct cfg c;
	const struct cfg_dataplane *d = &c.dataplane;
	const struct cfg_vip *v;
	const struct cfg_pool *p;
	struct sl_shm_geometry g;

	(void)state;
	load_ok(CONFIG_DIR "/good-full.conf", no_env, &c);
	assert_string_equal(c.instance, "lab-2");
	assert_int_equal(d->n_eal, 4);
	assert_string_equal(d->eal[2], "--file-prefix");
	assert_string_equal(d->eal[3], "sl-cfg");
	assert_null(d->eal[4]);
	assert_int_equal(d->n_ports, 2);
	assert_string_equal(d->ports[0].iface, "sl-cfg0");
	assert_int_equal(d->ports[0].rx_queues, 2);
	assert_int_equal(d->ports[0].mtu, 1500);
	assert_string_equal(d->ports[1].name, "pci1");
	assert_string_equal(d->ports[1].devargs, "0000:03:00.0");
	assert_string_equal(d->ports[1].iface, "");
	assert_int_equal(d->flows_per_worker, 4096);
	assert_int_equal(d->tcp_timeout, 600);
	assert_int_equal(d->tcp_fin_timeout, 5);
	assert_int_equal(d->udp_timeout, 60);
	assert_int_equal(d->burst, 64);
	assert_int_equal(d->mbufs, 8191);
	assert_int_equal(d->rx_desc, 512);
	assert_int_equal(d->tx_desc, 2048);
	assert_string_equal(d->xdp_prog, "/usr/lib/sluice/sluice_xdp.bpf.o");
	cfg_geometry(&c, &g);
	assert_int_equal(g.max_workers, 4);
	assert_int_equal(g.max_ports, SL_MAX_PORTS_LIMIT);
	assert_int_equal(g.max_vips, 8);
	assert_int_equal(g.max_pools, 8);
	assert_int_equal(g.max_backends, 64);
	assert_int_equal(g.maglev_size, 251);
	assert_int_equal(g.max_nat_sources, 4);
	assert_int_equal(c.nat.conns_per_worker, 1024);
	assert_int_equal(c.nat.cookie_rotate, 3600);
	assert_int_equal(c.nat.timeouts.syn, 3);
	assert_int_equal(c.nat.timeouts.established, 7200);
	assert_int_equal(c.nat.timeouts.fin, 20);
	assert_int_equal(c.nat.timeouts.time_wait, 60);
	assert_int_equal(c.nat.timeouts.close, 1);
	assert_int_equal(c.nat.timeouts.udp, 604800);
	assert_int_equal(c.controlplane.publish_timeout_ms, 250);
	assert_int_equal(c.controlplane.neigh_timeout_ms, 0);
	assert_int_equal(c.controlplane.drain_timeout, 0);
	assert_string_equal(c.controlplane.admin_socket, "/tmp/sl-cfg.sock");

	assert_int_equal(c.n_vips, 3);
	v = &c.vips[0];
	assert_v4(&v->addr, "198.18.100.53");
	assert_int_equal(v->port, 53);
	assert_int_equal(v->proto, IPPROTO_UDP);
	assert_int_equal(v->mode, SL_MODE_DSR);
	assert_int_equal(v->hash_3tuple, 1);
	assert_int_equal(v->pool_index, 0);
	v = &c.vips[1];
	assert_v6(&v->addr, "2001:2:0:100::80");
	assert_int_equal(v->port, 0);
	assert_int_equal(v->encap, CFG_ENCAP_GUE);
	assert_int_equal(v->gue_port, 7000);
	assert_v6(&v->tunnel_source, "2001:2:0:200::");
	assert_int_equal(v->tunnel_source_plen, 64);
	assert_int_equal(v->pool_index, 1);
	v = &c.vips[2];
	assert_int_equal(v->proto, IPPROTO_TCP);
	assert_int_equal(v->mode, SL_MODE_TUNNEL);
	assert_v4(&v->tunnel_source, "198.18.200.0");
	assert_int_equal(v->tunnel_source_plen, 24);
	assert_int_equal(v->pool_index, 3);

	assert_int_equal(c.n_pools, 4);
	p = &c.pools[0];
	assert_int_equal(p->n_backends, 2);
	assert_string_equal(p->backends[0].name, "198.18.1.21:5353");
	assert_int_equal(p->backends[0].port, 5353);
	assert_int_equal(p->backends[0].weight, 0);
	assert_string_equal(p->backends[1].name, "dns-b");
	assert_int_equal(p->backends[1].weight, 65535);
	assert_int_equal(p->health.type, CFG_HEALTH_CHECK_UDP);
	assert_string_equal(p->health.payload, "ping");
	assert_string_equal(p->health.response, "pong");
	assert_int_equal(p->health.interval_ms, 10);
	assert_int_equal(p->health.timeout_ms, 10);
	assert_int_equal(p->health.rise, 1);
	assert_int_equal(p->health.fall, 1000);
	assert_int_equal(p->health.jitter_ms, 0);
	assert_int_equal(p->health.passive_fall, 1000);
	assert_int_equal(p->panic_threshold, 100);
	assert_string_equal(p->disc.dns, "_dns._udp.dns.svc.example");
	assert_int_equal(p->disc.file, 0);
	assert_int_equal(p->disc.etcd, 0);
	p = &c.pools[1];
	assert_int_equal(p->health.type, CFG_HEALTH_CHECK_HTTP);
	assert_int_equal(p->health.port, 8000);
	assert_string_equal(p->health.path, "/healthz?full=1");
	assert_string_equal(p->health.host, "web.example");
	assert_int_equal(p->health.expect_lo, 204);
	assert_int_equal(p->health.expect_hi, 204);
	assert_string_equal(p->health.body, "ok all");
	assert_int_equal(p->health.interval_ms, 3600000);
	assert_int_equal(p->health.timeout_ms, 3600000);
	assert_int_equal(p->health.rise, 1000);
	assert_int_equal(p->health.fall, 1);
	assert_int_equal(p->health.jitter_ms, 3599999);
	assert_int_equal(p->health.via_tunnel, 1);
	assert_int_equal(p->health.passive_fall, 1);
	assert_int_equal(p->panic_threshold, 50);
	assert_int_equal(p->disc.file, 1);
	assert_int_equal(p->disc.etcd, 1);
	assert_string_equal(p->disc.dns, "");
	assert_string_equal(p->backends[0].name, "[2001:2:0:1::11]:8080");
	assert_v6(&p->backends[0].addr, "2001:2:0:1::11");
	assert_int_equal(p->backends[0].af, SL_AF_INET6);
	assert_string_equal(p->backends[1].name, "b6");
	assert_int_equal(p->backends[1].port, 8081);
	p = &c.pools[2];
	assert_string_equal(p->name, "spare");
	assert_int_equal(p->n_backends, 0);
	assert_int_equal(p->n_vips, 0);
	assert_int_equal(p->implicit, 0);
	assert_default_pool(p);
	p = &c.pools[3];
	assert_string_equal(p->name, "web");
	assert_int_equal(p->implicit, 1);
	assert_int_equal(p->line, 45);
	assert_default_pool(p);
	assert_string_equal(c.discovery.file.path, "/run/sl-cfg/pools.json");
	assert_string_equal(c.discovery.dns.resolver, "[2001:2::53]:5353");
	assert_v6(&c.discovery.dns.resolver_addr, "2001:2::53");
	assert_int_equal(c.discovery.dns.resolver_af, SL_AF_INET6);
	assert_int_equal(c.discovery.dns.resolver_port, 5353);
	assert_int_equal(c.discovery.dns.timeout_ms, 300);
	assert_int_equal(c.discovery.dns.min_ttl, 5);
	assert_int_equal(c.discovery.dns.max_ttl, 60);
	assert_string_equal(c.discovery.etcd.endpoints,
			    "http://198.18.0.1:2379,http://[2001:2::1]:2379");
	assert_string_equal(c.discovery.etcd.prefix, "/lb/");
	assert_int_equal(c.discovery.etcd.timeout_ms, 700);
	cfg_free(&c);
}

/* config/sluice.conf spells out every default: it must agree with the code. */
static void test_sample_is_defaults(void **state)
{
	struct cfg c;

	(void)state;
	load_ok(EXAMPLE_DIR "/sluice.conf", no_env, &c);
	assert_default_scalars(&c);
	assert_string_equal(c.instance, "default");
	assert_string_equal(c.controlplane.admin_socket, "/run/sluice/default.sock");
	assert_default_metrics(&c.metrics);
	assert_int_equal(c.vips[0].gue_port, 6080);
	assert_int_equal(c.vips[0].hash_3tuple, 0);
	assert_int_equal(c.vips[0].encap, CFG_ENCAP_IPIP);
	assert_int_equal(c.vips[1].mode, SL_MODE_HTTP);
	assert_int_equal(c.vips[1].synproxy, 1);
	assert_int_equal(c.vips[1].http.n_routes, 1);
	assert_string_equal(c.vips[1].http.sticky_cookie, "");
	assert_int_equal(c.vips[1].http.x_forwarded_for, 0);
	assert_int_equal(c.vips[1].http.x_request_id, 0);
	assert_int_equal(c.vips[1].http.head_max, 8192);
	assert_int_equal(c.vips[1].http.head_timeout_ms, 5000);
	assert_int_equal(c.pools[0].backends[0].weight, 1);
	assert_int_equal(c.pools[0].backends[0].port, 0);
	assert_default_pool(&c.pools[0]);
	assert_default_discovery(&c.discovery);
	cfg_free(&c);
}

static void test_env_overrides(void **state)
{
	char *env[] = {
		"SLUICE_INSTANCE=edge2",		  /* top scalar */
		"SLUICE_DATAPLANE_FLOWS_PER_WORKER=2048", /* nested, present in the file */
		"SLUICE_TABLES_MAGLEV_SIZE=251",	  /* group absent from the file */
		"SLUICE_VIPS_0_PORT=8080",		  /* list element */
		"SLUICE_VIPS_1_MODE=dsr",
		"SLUICE_POOLS_0_BACKENDS_1_WEIGHT=7", /* element of a nested list */
		"SLUICE_DATAPLANE_EAL=-l 0  --no-huge\t-m 256",
		"SLUICE_DATAPLANE_PORTS_0_MTU=1400",
		"SLUICE_CONTROLPLANE_DRAIN_TIMEOUT=5",
		"SLUICE_POOLS_0_HEALTH_TYPE=http", /* group absent from a list element */
		"SLUICE_POOLS_0_HEALTH_INTERVAL_MS=200",
		"SLUICE_POOLS_0_HEALTH_TIMEOUT_MS=150",
		"SLUICE_POOLS_0_HEALTH_VIA_TUNNEL=true",
		"SLUICE_POOLS_0_HEALTH_PASSIVE_FALL=4",
		"SLUICE_POOLS_0_PANIC_THRESHOLD=30",
		"SLUICE_POOLS_0_DISCOVERY_FILE=true",
		"SLUICE_DISCOVERY_FILE_PATH=/run/sl-env/pools.json", /* top group absent */
		"SLUICE_DISCOVERY_DNS_RESOLVER=198.18.0.53",
		"SLUICE_NAT_CONNS_PER_WORKER=4096", /* nat is absent from the file */
		"SLUICE_NAT_TIMEOUTS_CLOSE=7",
		"SLUICE_TABLES_MAX_NAT_SOURCES=0",
		"SLUICE_EVENTS_FLOWS=false", /* events is absent from the file */
		"SLUICE_EVENTS_SAMPLE=0.25",
		"SLUICE_EVENTS_OUTPUT=unix:/run/sl-env/events.sock",
		"SLUICE_EVENTS_RING_SIZE=64",
		"SLUICE_BUILD_DIR=/elsewhere", /* not a config section: ignored */
		"PATH=/usr/bin",
		NULL,
	};
	struct cfg c;

	(void)state;
	load_ok(EXAMPLE_DIR "/example.conf", env, &c);
	assert_string_equal(c.instance, "edge2");
	assert_string_equal(c.controlplane.admin_socket, "/run/sluice/edge2.sock");
	assert_int_equal(c.dataplane.flows_per_worker, 2048);
	assert_int_equal(c.events.flows, 0);
	assert_int_equal(c.events.requests, 1);
	assert_true(c.events.sample == 0.25);
	assert_int_equal(c.events.output, CFG_EVENTS_TO_UNIX);
	assert_string_equal(c.events.path, "/run/sl-env/events.sock");
	assert_int_equal(c.events.ring_size, 64);
	assert_int_equal(c.tables.maglev_size, 251);
	assert_int_equal(c.tables.max_vips, 64);
	assert_int_equal(c.vips[0].port, 8080);
	assert_int_equal(c.vips[1].port, 80);
	assert_int_equal(c.vips[1].mode, SL_MODE_DSR);
	assert_int_equal(c.pools[0].backends[0].weight, 1);
	assert_int_equal(c.pools[0].backends[1].weight, 7);
	assert_int_equal(c.dataplane.n_eal, 5);
	assert_string_equal(c.dataplane.eal[0], "-l");
	assert_string_equal(c.dataplane.eal[1], "0");
	assert_string_equal(c.dataplane.eal[2], "--no-huge");
	assert_string_equal(c.dataplane.eal[3], "-m");
	assert_string_equal(c.dataplane.eal[4], "256");
	assert_null(c.dataplane.eal[5]);
	assert_int_equal(c.dataplane.ports[0].mtu, 1400);
	assert_int_equal(c.controlplane.drain_timeout, 5);
	assert_int_equal(c.pools[0].health.type, CFG_HEALTH_CHECK_HTTP);
	assert_int_equal(c.pools[0].health.interval_ms, 200);
	assert_int_equal(c.pools[0].health.timeout_ms, 150);
	assert_int_equal(c.pools[0].health.via_tunnel, 1);
	assert_int_equal(c.pools[0].health.passive_fall, 4);
	assert_int_equal(c.pools[0].health.rise, 2);
	assert_int_equal(c.pools[0].panic_threshold, 30);
	assert_int_equal(c.pools[0].disc.file, 1);
	assert_string_equal(c.discovery.file.path, "/run/sl-env/pools.json");
	assert_v4(&c.discovery.dns.resolver_addr, "198.18.0.53");
	assert_int_equal(c.discovery.dns.resolver_port, 53);
	assert_int_equal(c.discovery.dns.resolver_af, SL_AF_INET);
	assert_int_equal(c.nat.conns_per_worker, 4096);
	assert_int_equal(c.nat.timeouts.close, 7);
	assert_int_equal(c.nat.timeouts.syn, 5);
	assert_int_equal(c.tables.max_nat_sources, 0);
	cfg_free(&c);
}

/* envp NULL: the process environment. */
static void test_env_from_environ(void **state)
{
	struct cfg c;

	(void)state;
	assert_int_equal(setenv("SLUICE_TABLES_MAX_VIPS", "128", 1), 0);
	load_ok(CONFIG_DIR "/good-minimal.conf", NULL, &c);
	assert_int_equal(unsetenv("SLUICE_TABLES_MAX_VIPS"), 0);
	assert_int_equal(c.tables.max_vips, 128);
	cfg_free(&c);
}

/* Full NAT: sources (shared and a VIP's own), ports, SYN proxy, MSS; an override of a list. */
static void test_nat(void **state)
{
	char *const env[] = {"SLUICE_VIPS_2_NAT_SOURCES=198.18.1.9 198.18.1.8", NULL};
	const struct cfg_vip *v;
	struct cfg c;

	(void)state;
	load_ok(CONFIG_DIR "/good-nat.conf", no_env, &c);
	assert_int_equal(c.nat.sources.n, 2);
	assert_v4(&c.nat.sources.a[0].addr, "198.18.1.1");
	assert_int_equal(c.nat.sources.a[0].af, SL_AF_INET);
	assert_v6(&c.nat.sources.a[1].addr, "2001:2:0:1::1");
	assert_int_equal(c.nat.sources.a[1].af, SL_AF_INET6);
	assert_int_equal(c.nat.sources.a[1].line, 1);
	assert_int_equal(c.nat.port_min, 20000);
	assert_int_equal(c.nat.port_max, 29999);
	v = &c.vips[0];
	assert_int_equal(v->mode, SL_MODE_NAT);
	assert_int_equal(v->synproxy, 1);
	assert_int_equal(v->mss, 1400);
	assert_int_equal(v->nat_sources.n, 0);
	v = &c.vips[1];
	assert_int_equal(v->mode, SL_MODE_NAT);
	assert_int_equal(v->synproxy, 0);
	assert_int_equal(v->mss, 0);
	v = &c.vips[2];
	assert_int_equal(v->proto, IPPROTO_UDP);
	assert_int_equal(v->nat_sources.n, 2);
	assert_v4(&v->nat_sources.a[0].addr, "198.18.1.2");
	assert_int_equal(v->nat_sources.a[0].line, 7);
	cfg_free(&c);

	load_ok(CONFIG_DIR "/good-nat.conf", env, &c);
	assert_int_equal(c.vips[2].nat_sources.n, 2);
	assert_v4(&c.vips[2].nat_sources.a[0].addr, "198.18.1.9");
	cfg_free(&c);

	/* defaults */
	load_ok(CONFIG_DIR "/good-minimal.conf", no_env, &c);
	assert_int_equal(c.nat.sources.n, 0);
	assert_int_equal(c.nat.port_min, 1024);
	assert_int_equal(c.nat.port_max, 65535);
	cfg_free(&c);
}

static void assert_route(const struct cfg_route *r, uint8_t kind, const char *host,
			 const char *path, const char *pool, uint32_t pool_index, int line)
{
	assert_int_equal(r->key.host_kind, kind);
	assert_int_equal(r->key.host_len, strlen(host));
	assert_memory_equal(r->key.host, host, strlen(host));
	assert_int_equal(r->key.path_len, strlen(path));
	assert_memory_equal(r->key.path, path, strlen(path));
	assert_string_equal(r->pool, pool);
	assert_int_equal(r->pool_index, pool_index);
	assert_int_equal(r->line, line);
}

/* mode "http": routes, sticky, headers, head bounds, balance; overrides of a route and a group. */
static void test_http(void **state)
{
	char *const env[] = {"SLUICE_VIPS_0_ROUTES_1_PATH=/me", "SLUICE_VIPS_1_STICKY_COOKIE=sid",
			     "SLUICE_VIPS_1_HTTP_HEAD_MAX=1024",
			     "SLUICE_POOLS_0_BALANCE=round-robin", NULL};
	const struct cfg_vip *v;
	struct cfg c;

	(void)state;
	load_ok(CONFIG_DIR "/good-http.conf", no_env, &c);
	assert_int_equal(c.tables.max_routes, 8);
	v = &c.vips[0];
	assert_int_equal(v->mode, SL_MODE_HTTP);
	assert_int_equal(v->proto, IPPROTO_TCP);
	assert_int_equal(v->synproxy, 1);
	assert_string_equal(v->pool, "web");
	assert_int_equal(v->pool_index, 0);
	assert_int_equal(v->http.n_routes, 4);
	assert_route(&v->http.routes[0], SL_ROUTE_HOST_ANY, "", "/login", "login", 1, 5);
	assert_route(&v->http.routes[1], SL_ROUTE_HOST_ANY, "", "/profile", "profile", 2, 6);
	assert_route(&v->http.routes[2], SL_ROUTE_HOST_EXACT, "admin.example", "/", "admin", 3, 7);
	assert_route(&v->http.routes[3], SL_ROUTE_HOST_SUFFIX, ".example", "/api/v1", "login", 1,
		     8);
	assert_string_equal(v->http.sticky_cookie, "SLUICE_INSTANCE");
	assert_int_equal(v->http.x_forwarded_for, 1);
	assert_int_equal(v->http.x_request_id, 1);
	assert_int_equal(v->http.head_max, 16384);
	assert_int_equal(v->http.head_timeout_ms, 2000);
	/* no pool: what no route takes is answered 404 */
	v = &c.vips[1];
	assert_string_equal(v->pool, "");
	assert_int_equal(v->pool_index, CFG_POOL_NONE);
	assert_int_equal(v->http.n_routes, 0);
	assert_int_equal(v->http.head_max, 8192);
	assert_int_equal(v->http.head_timeout_ms, 5000);
	assert_string_equal(v->http.sticky_cookie, "");
	assert_int_equal(c.n_pools, 4);
	assert_int_equal(c.pools[0].balance, SL_BALANCE_MAGLEV);
	assert_int_equal(c.pools[1].balance, SL_BALANCE_RR);
	assert_int_equal(c.pools[2].balance, SL_BALANCE_MAGLEV);
	/* a pool reached by a route is used: login by two routes of one VIP counts once */
	assert_int_equal(c.pools[0].n_vips, 1);
	assert_int_equal(c.pools[1].n_vips, 1);
	assert_int_equal(c.pools[3].n_vips, 1);
	assert_true(cfg_vip_uses_pool(&c.vips[0], 3));
	assert_false(cfg_vip_uses_pool(&c.vips[1], 0));
	cfg_free(&c);

	load_ok(CONFIG_DIR "/good-http.conf", env, &c);
	assert_route(&c.vips[0].http.routes[1], SL_ROUTE_HOST_ANY, "", "/me", "profile", 2, 6);
	assert_string_equal(c.vips[1].http.sticky_cookie, "sid");
	assert_int_equal(c.vips[1].http.head_max, 1024);
	assert_int_equal(c.pools[0].balance, SL_BALANCE_RR);
	cfg_free(&c);
}

struct bad_case {
	const char *file; /* under CONFIG_DIR, or an absolute path */
	const char *env[4];
	int rc;
	const char *message; /* "@" stands for the file's path */
};

#define EXAMPLE EXAMPLE_DIR "/example.conf"

static const struct bad_case bad_cases[] = {
	{"bad-syntax.conf", {}, -EINVAL, "@:3: syntax error"},
	{"bad-unknown-key.conf", {}, -EINVAL, "@:3: dataplane.flows_per_workers: unknown key"},
	{"bad-unknown-vip-key.conf", {}, -EINVAL, "@:4: vips[1].moed: unknown key"},
	{"bad-type.conf", {}, -EINVAL, "@:2: vips[0].port: expected an integer"},
	{"bad-group-type.conf", {}, -EINVAL, "@:2: dataplane: expected a group { ... }"},
	{"bad-metrics-listen.conf",
	 {},
	 -EINVAL,
	 "@:3: metrics.listen: \"198.18.0.1\": not ADDRESS:PORT or [IPv6 ADDRESS]:PORT"},
	{"bad-metrics-port.conf",
	 {},
	 -EINVAL,
	 "@:2: metrics.listen: \"[2001:2::1]:0\": port not 1..65535"},
	{"bad-metrics-multicast.conf",
	 {},
	 -EINVAL,
	 "@:2: metrics.listen: \"224.0.0.1:9469\": a broadcast or multicast address"},
	{"good-minimal.conf",
	 {"SLUICE_METRICS_LISTEN=[198.18.0.1]:80"},
	 -EINVAL,
	 "environment: SLUICE_METRICS_LISTEN: \"[198.18.0.1]:80\": not an IPv4 or IPv6 address"},
	{"good-minimal.conf",
	 {"SLUICE_METRICS_LISTEN=2001:2::1:9469"},
	 -EINVAL,
	 "environment: SLUICE_METRICS_LISTEN: \"2001:2::1:9469\": not ADDRESS:PORT or [IPv6 "
	 "ADDRESS]:PORT"},
	{"good-minimal.conf",
	 {"SLUICE_METRICS_LISTEN=127.0.0.1:65536"},
	 -EINVAL,
	 "environment: SLUICE_METRICS_LISTEN: \"127.0.0.1:65536\": port not 1..65535"},
	{"bad-address.conf",
	 {},
	 -EINVAL,
	 "@:2: vips[0].address: \"198.18.100.300\": not an IPv4 or IPv6 address"},
	{"bad-backend-address.conf",
	 {},
	 -EINVAL,
	 "@:3: pools[0].backends[1].address: \"2001:2::1::2\": not an IPv4 or IPv6 address"},
	{"bad-port.conf", {}, -EINVAL, "@:2: vips[0].port: 65536 out of range 0..65535"},
	{"bad-mode.conf",
	 {},
	 -EINVAL,
	 "@:2: vips[0].mode: unknown value \"proxy\" (expected \"dsr\", \"tunnel\", \"nat\" or "
	 "\"http\")"},
	{"bad-nat.conf",
	 {},
	 -EINVAL,
	 "@:2: vips[0].mode: mode \"nat\" needs an IPv4 source address, and nat.sources has "
	 "none"},
	{"bad-nat-source.conf",
	 {},
	 -EINVAL,
	 "@:2: nat.sources[1]: \"198.18.1.300\": not an IPv4 or IPv6 address"},
	{"bad-nat-source-dup.conf", {}, -EINVAL, "@:3: nat.sources[1]: 198.18.1.1 is listed twice"},
	{"bad-nat-source-vip.conf",
	 {},
	 -EINVAL,
	 "@:4: vips[0].nat.sources[1]: 198.18.100.1 is the address of VIP \"web\" (line 2)"},
	{"bad-nat-family.conf",
	 {},
	 -EINVAL,
	 "@:3: vips[0].mode: mode \"nat\" needs an IPv6 source address, and nat.sources has "
	 "none"},
	{"bad-nat-synproxy.conf",
	 {},
	 -EINVAL,
	 "@:3: vips[0].synproxy: only for mode = \"nat\" or \"http\""},
	{"bad-http-udp.conf", {}, -EINVAL, "@:3: vips[0].protocol: mode \"http\" is TCP only"},
	{"bad-http-synproxy.conf",
	 {},
	 -EINVAL,
	 "@:3: vips[0].synproxy: mode \"http\" always uses the SYN proxy: leave the key out"},
	{"bad-http-nat-family.conf",
	 {},
	 -EINVAL,
	 "@:2: vips[0].mode: mode \"http\" needs an IPv6 source address, and nat.sources has none"},
	{"bad-http-routes-nat.conf", {}, -EINVAL, "@:3: vips[0].routes: only for mode = \"http\""},
	{"bad-http-path.conf",
	 {},
	 -EINVAL,
	 "@:5: vips[0].routes[1].path: \"/a/../b\": not in normal form (unreserved characters "
	 "unescaped, escapes upper-case, no \".\" or \"..\" segments)"},
	{"bad-http-path-slash.conf",
	 {},
	 -EINVAL,
	 "@:4: vips[0].routes[0].path: \"login\": a path starts with '/'"},
	{"bad-http-route-nopath.conf", {}, -EINVAL, "@:4: vips[0].routes[0].path: required"},
	{"bad-http-host.conf",
	 {},
	 -EINVAL,
	 "@:4: vips[0].routes[0].host: \"a_b.example\": not a host name or *.name (lower case "
	 "letters, digits, '-', '.')"},
	{"bad-http-dup-route.conf",
	 {},
	 -EINVAL,
	 "@:6: vips[0].routes[2]: matches the same requests as routes[0] (line 4)"},
	{"bad-http-route-pool.conf",
	 {},
	 -EINVAL,
	 "@:4: vips[0].routes[0].pool: no pool \"login\" is defined"},
	{"bad-http-max-routes.conf",
	 {},
	 -EINVAL,
	 "@:4: vips: 3 HTTP routes, tables.max_routes is 2"},
	{"bad-http-cookie.conf",
	 {},
	 -EINVAL,
	 "@:3: vips[0].sticky.cookie: \"SL;ID\" is not a cookie name (1-31 token characters)"},
	{"bad-http-cookie.conf",
	 {"SLUICE_VIPS_0_STICKY_COOKIE=SLUICE_INSTANCE_OF_THIS_APPLIANCE"},
	 -EINVAL,
	 "environment: SLUICE_VIPS_0_STICKY_COOKIE: longer than 31 characters"},
	{"bad-http-cookie-none.conf", {}, -EINVAL, "@:3: vips[0].sticky.cookie: required"},
	{"bad-http-head-max.conf",
	 {},
	 -EINVAL,
	 "@:3: vips[0].http.head_max: 512 out of range 1024..65536"},
	{"bad-http-head-timeout.conf",
	 {},
	 -EINVAL,
	 "@:3: vips[0].http.head_timeout_ms: 60001 out of range 100..60000"},
	{"bad-http-route-family.conf",
	 {},
	 -EINVAL,
	 "@:2: pools[1].backends[0].address: IPv6 backend in pool \"v6\", which serves IPv4 VIP "
	 "\"a\" (line 3)"},
	{"bad-http-route-mixed.conf",
	 {},
	 -EINVAL,
	 "@:5: vips[1].routes[0].pool: pool \"login\" already serves IPv6 VIP \"a\" (line 3)"},
	{"bad-http-nopool.conf", {}, -EINVAL, "@:1: vips[0].pool: required"},
	{"bad-balance.conf",
	 {},
	 -EINVAL,
	 "@:1: pools[0].balance: unknown value \"least-conn\" (expected \"maglev\" or "
	 "\"round-robin\")"},
	{"bad-max-routes.conf", {}, -EINVAL, "@:1: tables.max_routes: 65536 out of range 0..65535"},
	{"bad-nat-mss.conf",
	 {},
	 -EINVAL,
	 "@:4: vips[0].mss: 100 is below 536 (0: no clamp beyond the ports' MTUs)"},
	{"bad-nat-ports.conf",
	 {},
	 -EINVAL,
	 "@:2: nat.port_max: ports 40000..39999: fewer than tables.max_workers (16), one slice "
	 "each"},
	{"bad-nat-sources-empty.conf",
	 {},
	 -EINVAL,
	 "@:3: vips[0].nat.sources: empty: name at least one address, or leave the key out"},
	{"bad-nat-two-lists.conf",
	 {},
	 -EINVAL,
	 "@:7: vips[1].nat.sources[1]: 198.18.1.2 is already in vips[0].nat.sources (line 4): an "
	 "address belongs to one list"},
	{"bad-nat-max-sources.conf",
	 {},
	 -EINVAL,
	 "@:2: nat.sources: 3 distinct NAT source addresses, tables.max_nat_sources is 2"},
	{"bad-dup-vip.conf",
	 {},
	 -EINVAL,
	 "@:3: vips[1]: same address, port and protocol as VIP \"web\" (line 2)"},
	{"bad-dup-vip-name.conf",
	 {},
	 -EINVAL,
	 "@:3: vips[1].name: duplicate VIP name \"web\" (line 2)"},
	{"bad-dup-pool.conf",
	 {},
	 -EINVAL,
	 "@:3: pools[1].name: duplicate pool name \"web\" (line 2)"},
	{"bad-dup-backend.conf",
	 {},
	 -EINVAL,
	 "@:3: pools[0].backends[1]: same address and port as backend \"198.18.1.11:80\" "
	 "(line 2)"},
	{"bad-mixed-family.conf",
	 {},
	 -EINVAL,
	 "@:6: pools[0].backends[1].address: IPv6 backend in pool \"web\", which serves IPv4 "
	 "VIP \"web\" (line 2)"},
	{"bad-mixed-vips.conf",
	 {},
	 -EINVAL,
	 "@:3: vips[1].pool: pool \"web\" already serves IPv4 VIP \"web\" (line 2)"},
	{"bad-maglev.conf", {}, -EINVAL, "@:2: tables.maglev_size: 65536 is not prime"},
	{"bad-flows-pow2.conf",
	 {},
	 -EINVAL,
	 "@:2: dataplane.flows_per_worker: 1000000 is not a power of two"},
	{"bad-flows-range.conf",
	 {},
	 -EINVAL,
	 "@:2: dataplane.flows_per_worker: 512 out of range 1024..67108864"},
	{"bad-tunnel-family.conf",
	 {},
	 -EINVAL,
	 "@:2: vips[0].tunnel_source: IPv6 prefix for an IPv4 VIP"},
	{"bad-tunnel-hostbits.conf",
	 {},
	 -EINVAL,
	 "@:2: vips[0].tunnel_source: \"198.18.200.1/24\" has host bits set"},
	{"bad-encap-dsr.conf", {}, -EINVAL, "@:3: vips[0].encap: only for mode = \"tunnel\""},
	{"bad-missing-pool.conf", {}, -EINVAL, "@:2: vips[0].pool: required"},
	{"bad-instance.conf",
	 {},
	 -EINVAL,
	 "@:1: instance: \"edge 1\" is not 1-31 of [A-Za-z0-9_-]"},
	{"bad-eal-type.conf", {}, -EINVAL, "@:2: dataplane.eal[1]: expected a string"},
	{"bad-iface.conf",
	 {},
	 -EINVAL,
	 "@:2: dataplane.ports[0].devargs: iface= needs an interface name of 1-15 characters"},
	{"bad-too-many-vips.conf", {}, -EINVAL, "@:2: vips: 2 VIPs, tables.max_vips is 1"},
	{"no-such-file.conf", {}, -ENOENT, "@: No such file or directory"},
	/* health, panic, discovery */
	{"bad-health-type.conf",
	 {},
	 -EINVAL,
	 "@:3: pools[0].health.type: unknown value \"icmp\" (expected \"none\", \"tcp\", "
	 "\"http\" or \"udp\")"},
	{"bad-health-timeout.conf",
	 {},
	 -EINVAL,
	 "@:3: pools[0].health.timeout_ms: 500 is longer than interval_ms (200)"},
	{"bad-health-jitter.conf",
	 {},
	 -EINVAL,
	 "@:4: pools[0].health.jitter_ms: 100 is not below interval_ms (100)"},
	{"bad-health-expect.conf",
	 {},
	 -EINVAL,
	 "@:3: pools[0].health.expect: \"2xx\" is not a status \"NNN\" or range \"NNN-NNN\" "
	 "within 100..599"},
	{"bad-health-path.conf",
	 {},
	 -EINVAL,
	 "@:3: pools[0].health.path: \"health z\" must start with '/' and hold no spaces"},
	{"bad-health-rise.conf", {}, -EINVAL, "@:3: pools[0].health.rise: 0 out of range 1..1000"},
	{"bad-health-passive.conf",
	 {},
	 -EINVAL,
	 "@:3: pools[0].health.passive_fall: 1001 out of range 0..1000"},
	{"bad-health-bool.conf",
	 {},
	 -EINVAL,
	 "@:3: pools[0].health.via_tunnel: expected true or false"},
	{"bad-health-via-tunnel.conf",
	 {},
	 -EINVAL,
	 "@:4: pools[0].health.via_tunnel: pool \"web\" serves VIP \"web\" (line 1), which is "
	 "not in tunnel mode"},
	{"bad-health-port.conf",
	 {},
	 -EINVAL,
	 "@:3: pools[0].health.port: required: pool \"web\" serves VIP \"web\" (line 1) on any "
	 "port"},
	{"bad-panic.conf", {}, -EINVAL, "@:3: pools[0].panic_threshold: 101 out of range 0..100"},
	{"bad-disc-file.conf",
	 {},
	 -EINVAL,
	 "@:3: pools[0].discovery.file: true, but discovery.file.path is not set"},
	{"bad-disc-dns-name.conf",
	 {},
	 -EINVAL,
	 "@:4: pools[0].discovery.dns: \"_http._tcp..example\" is not a DNS name of "
	 "[A-Za-z0-9_.-]"},
	{"bad-disc-dns-resolver.conf",
	 {},
	 -EINVAL,
	 "@:3: pools[0].discovery.dns: set, but discovery.dns.resolver is not set"},
	{"bad-disc-etcd.conf",
	 {},
	 -EINVAL,
	 "@:3: pools[0].discovery.etcd: true, but discovery.etcd.endpoints is not set"},
	{"bad-resolver.conf",
	 {},
	 -EINVAL,
	 "@:2: discovery.dns.resolver: \"dns.example\" is not ADDRESS, ADDRESS:PORT or "
	 "[IPv6]:PORT"},
	{"bad-ttl.conf", {}, -EINVAL, "@:3: discovery.dns.max_ttl: 10 is below min_ttl (60)"},
	{"bad-endpoints.conf",
	 {},
	 -EINVAL,
	 "@:2: discovery.etcd.endpoints: endpoint \"https://198.18.0.1:2379\": only http:// is "
	 "supported"},
	/* what the etcd provider would refuse at start is refused by the loader, so by a reload */
	{"bad-endpoints-port.conf",
	 {},
	 -EINVAL,
	 "@:2: discovery.etcd.endpoints: endpoint \"http://127.0.0.1:99999\": not "
	 "http://HOST:PORT"},
	{"bad-endpoints-port0.conf",
	 {},
	 -EINVAL,
	 "@:2: discovery.etcd.endpoints: endpoint \"http://127.0.0.1:0\": not http://HOST:PORT"},
	{"bad-endpoints-host.conf",
	 {},
	 -EINVAL,
	 "@:2: discovery.etcd.endpoints: endpoint \"http://:2379\": host must be an IP address or "
	 "localhost (no DNS here)"},
	/* libconfig keeps only the low 32 bits of an integer literal: the loader reads them all */
	{"bad-port-wrap.conf", {}, -EINVAL, "@:2: vips[0].port: 4294967376 out of range 0..65535"},
	{"bad-max-backends-wrap.conf",
	 {},
	 -EINVAL,
	 "@:2: tables.max_backends: 4294967297 out of range 1..1048576"},
	{"bad-hex-wrap.conf", {}, -EINVAL, "@:2: tables.max_vips: 4294967360 out of range 1..4096"},
	{"bad-tunnel-plen-wrap.conf",
	 {},
	 -EINVAL,
	 "@:2: vips[0].tunnel_source: prefix length \"4294967320\" not in 1..32"},
	{"bad-tunnel-plen-neg.conf",
	 {},
	 -EINVAL,
	 "@:2: vips[0].tunnel_source: prefix length \"-4294967272\" not in 1..32"},
	{"bad-tunnel-plen-space.conf",
	 {},
	 -EINVAL,
	 "@:2: vips[0].tunnel_source: prefix length \" +24\" not in 1..32"},
	/* libconfig's scanner exits the process on an include it cannot read */
	{"bad-include-dir.conf",
	 {},
	 -EINVAL,
	 "@:2: @include: \"incdir\": a directory, not a regular file"},
	{"incdir", {}, -EINVAL, "@: a directory, not a regular file"},
	{"bad-etcd-prefix.conf",
	 {},
	 -EINVAL,
	 "@:2: discovery.etcd.prefix: \"sluice/\" must start with '/'"},
	{"bad-file-path.conf",
	 {},
	 -EINVAL,
	 "@:2: discovery.file.path: \"pools.json\" is not an absolute path"},
	{"bad-disc-unknown.conf", {}, -EINVAL, "@:2: discovery.consul: unknown key"},
	{"bad-nat-conns.conf",
	 {},
	 -EINVAL,
	 "@:2: nat.conns_per_worker: 16777217 out of range 1024..16777216"},
	{"bad-nat-timeout-key.conf", {}, -EINVAL, "@:3: nat.timeouts.syn_sent: unknown key"},
	{"bad-events-sample.conf", {}, -EINVAL, "@:2: events.sample: 1.5 out of range 0..1"},
	{"bad-events-sample-type.conf", {}, -EINVAL, "@:2: events.sample: expected a number"},
	{"bad-events-output.conf",
	 {},
	 -EINVAL,
	 "@:3: events.output: \"syslog\": not \"stdout\", \"file:/PATH\" or \"unix:/PATH\""},
	{"bad-events-output-relative.conf",
	 {},
	 -EINVAL,
	 "@:2: events.output: \"file:events.log\": not \"stdout\", \"file:/PATH\" or "
	 "\"unix:/PATH\""},
	{"bad-events-ring.conf", {}, -EINVAL, "@:2: events.ring_size: 1000 is not a power of two"},
	{EXAMPLE,
	 {"SLUICE_EVENTS_SAMPLE=half"},
	 -EINVAL,
	 "environment: SLUICE_EVENTS_SAMPLE: not a number: \"half\""},
	{EXAMPLE,
	 {"SLUICE_EVENTS_SAMPLE=-0.1"},
	 -EINVAL,
	 "environment: SLUICE_EVENTS_SAMPLE: -0.1 out of range 0..1"},
	{EXAMPLE,
	 {"SLUICE_EVENTS_RING_SIZE=8"},
	 -EINVAL,
	 "environment: SLUICE_EVENTS_RING_SIZE: 8 out of range 16..65536"},
	{"bad-nat-cookie-rotate.conf",
	 {},
	 -EINVAL,
	 "@:2: nat.cookie_rotate: 9 out of range 10..3600"},
	{EXAMPLE,
	 {"SLUICE_NAT_COOKIE_ROTATE=3601"},
	 -EINVAL,
	 "environment: SLUICE_NAT_COOKIE_ROTATE: 3601 out of range 10..3600"},
	{EXAMPLE,
	 {"SLUICE_NAT_TIMEOUTS_UDP=0"},
	 -EINVAL,
	 "environment: SLUICE_NAT_TIMEOUTS_UDP: 0 out of range 1..604800"},
	{EXAMPLE,
	 {"SLUICE_NAT_TIMEOUTS_ESTABLISHED=604801"},
	 -EINVAL,
	 "environment: SLUICE_NAT_TIMEOUTS_ESTABLISHED: 604801 out of range 1..604800"},
	{EXAMPLE,
	 {"SLUICE_NAT_CONNS=1"},
	 -EINVAL,
	 "environment: SLUICE_NAT_CONNS: names no setting of this file"},
	{EXAMPLE,
	 {"SLUICE_TABLES_MAX_NAT_SOURCES=257"},
	 -EINVAL,
	 "environment: SLUICE_TABLES_MAX_NAT_SOURCES: 257 out of range 0..256"},
	/* values from the environment are reported by variable */
	{EXAMPLE,
	 {"SLUICE_DATAPLANE_FLOWS_PER_WORKER=lots"},
	 -EINVAL,
	 "environment: SLUICE_DATAPLANE_FLOWS_PER_WORKER: not an integer: \"lots\""},
	{EXAMPLE,
	 {"SLUICE_DATAPLANE_FLOWS_PER_WORKER="},
	 -EINVAL,
	 "environment: SLUICE_DATAPLANE_FLOWS_PER_WORKER: not an integer: \"\""},
	{EXAMPLE,
	 {"SLUICE_CONTROLPLANE_DRAIN_TIMEOUT=86401"},
	 -EINVAL,
	 "environment: SLUICE_CONTROLPLANE_DRAIN_TIMEOUT: 86401 out of range 0..86400"},
	{EXAMPLE,
	 {"SLUICE_TABLES_MAGLEV_SIZE=1000"},
	 -EINVAL,
	 "environment: SLUICE_TABLES_MAGLEV_SIZE: 1000 is not prime"},
	{EXAMPLE,
	 {"SLUICE_VIPS_1_MODE=nat"},
	 -EINVAL,
	 "environment: SLUICE_VIPS_1_MODE: mode \"nat\" needs an IPv6 source address, and "
	 "nat.sources has none"},
	{EXAMPLE,
	 {"SLUICE_POOLS_0_BACKENDS_0_ADDRESS=2001:2:0:1::11"},
	 -EINVAL,
	 "environment: SLUICE_POOLS_0_BACKENDS_0_ADDRESS: IPv6 backend in pool \"web\", which "
	 "serves IPv4 VIP \"web\" (line 8)"},
	{EXAMPLE,
	 {"SLUICE_POOLS_0_HEALTH_INTERVAL_MS=5"},
	 -EINVAL,
	 "environment: SLUICE_POOLS_0_HEALTH_INTERVAL_MS: 5 out of range 10..3600000"},
	{EXAMPLE,
	 {"SLUICE_POOLS_0_HEALTH_VIA_TUNNEL=yes"},
	 -EINVAL,
	 "environment: SLUICE_POOLS_0_HEALTH_VIA_TUNNEL: not true or false: \"yes\""},
	{EXAMPLE,
	 {"SLUICE_DISCOVERY_DNS_MAX_TTL=0"},
	 -EINVAL,
	 "environment: SLUICE_DISCOVERY_DNS_MAX_TTL: 0 out of range 1..86400"},
	{EXAMPLE,
	 {"SLUICE_POOLS_0_DISCOVERY_ETCD=true"},
	 -EINVAL,
	 "environment: SLUICE_POOLS_0_DISCOVERY_ETCD: true, but discovery.etcd.endpoints is not "
	 "set"},
	{EXAMPLE,
	 {"SLUICE_VIPS_0_PORT=+80"},
	 -EINVAL,
	 "environment: SLUICE_VIPS_0_PORT: not an integer: \"+80\""},
	{EXAMPLE,
	 {"SLUICE_POOLS_0_BACKENDS_1_ADDRESS=198.18.1.11"},
	 -EINVAL,
	 "environment: SLUICE_POOLS_0_BACKENDS_1_ADDRESS: same address and port as backend "
	 "\"198.18.1.11\" (line 14)"},
	{EXAMPLE,
	 {"SLUICE_POOLS_0_BACKENDS_1_NAME=198.18.1.11"},
	 -EINVAL,
	 "environment: SLUICE_POOLS_0_BACKENDS_1_NAME: duplicate backend name \"198.18.1.11\" "
	 "(line 14)"},
	{EXAMPLE,
	 {"SLUICE_VIPS_1_ADDRESS=198.18.100.1"},
	 -EINVAL,
	 "environment: SLUICE_VIPS_1_ADDRESS: same address, port and protocol as VIP \"web\" "
	 "(line 8)"},
	{EXAMPLE,
	 {"SLUICE_DATAPLANE_FLOWS=1"},
	 -EINVAL,
	 "environment: SLUICE_DATAPLANE_FLOWS: names no setting of this file"},
	{EXAMPLE,
	 {"SLUICE_VIPS_2_PORT=1"},
	 -EINVAL,
	 "environment: SLUICE_VIPS_2_PORT: names no setting of this file"},
};

static void test_bad(void **state)
{
	const struct bad_case *t = *state;
	char path[512], want[1024], got[1024], *at;
	char *env[5] = {NULL};
	struct cfg c;
	struct cfg_error err;
	int rc;

	for (int i = 0; i < 4 && t->env[i]; i++)
		env[i] = (char *)t->env[i];
	if (t->file[0] == '/')
		snprintf(path, sizeof(path), "%s", t->file);
	else
		snprintf(path, sizeof(path), "%s/%s", CONFIG_DIR, t->file);
	at = strchr(t->message, '@');
	if (at)
		snprintf(want, sizeof(want), "%.*s%s%s", (int)(at - t->message), t->message, path,
			 at + 1);
	else
		snprintf(want, sizeof(want), "%s", t->message);
	rc = cfg_load(path, env, &c, &err);
	cfg_strerror(&err, got, sizeof(got));
	assert_string_equal(got, want);
	assert_int_equal(rc, t->rc);
	/* nothing is left to free after a failure */
	assert_null(c.vips);
	assert_null(c.pools);
	assert_null(c.dataplane.eal[0]);
}

/* Files a test writes itself: FIFOs, NUL bytes, sizes past the limits. */
static char gen_dir[64];

static void gen_write(const char *name, const char *text, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", gen_dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void gen_refused(const char *name, int want_rc, const char *want_fmt)
{
	char path[128], want[512], got[1024];
	struct cfg c;
	struct cfg_error err;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", gen_dir, name);
	snprintf(want, sizeof(want), want_fmt, path);
	rc = cfg_load(path, no_env, &c, &err);
	assert_string_equal(cfg_strerror(&err, got, sizeof(got)), want);
	assert_int_equal(rc, want_rc);
	assert_null(c.vips);
}

static int gen_setup(void **state)
{
	(void)state;
	snprintf(gen_dir, sizeof(gen_dir), "/tmp/sl-cfgtest-XXXXXX");
	return mkdtemp(gen_dir) ? 0 : -1;
}

static int gen_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", gen_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_include_fifo(void **state)
{
	static const char text[] = "tables = { max_vips = 2; };\n\n@include \"x.fifo\"\n";
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/x.fifo", gen_dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	gen_write("fifo.conf", text, sizeof(text) - 1);
	/* returns at once: nothing opens the FIFO for writing */
	gen_refused("fifo.conf", -EINVAL, "%s:3: @include: \"x.fifo\": a FIFO, not a regular file");
	gen_refused("x.fifo", -EINVAL, "%s: a FIFO, not a regular file");
	gen_write("missing.conf", "@include \"nope.conf\"\n", 21);
	gen_refused("missing.conf", -EINVAL,
		    "%s:1: @include: \"nope.conf\": No such file or directory");
	/* an include's own includes are checked too */
	gen_write("outer.conf", "  @include \"fifo.conf\"\n", 23);
	gen_refused("outer.conf", -EINVAL,
		    "fifo.conf:3: @include: \"x.fifo\": a FIFO, not a regular file");
}

static void test_nul_and_sizes(void **state)
{
	static const char nul[] = "vips = ( { name = \"web\"; address = \"198.18.100.1\0junk\";\n"
				  "  port = 80; pool = \"web\"; } );\n";
	static const char esc[] = "instance = \"a\\x00b\";\n";
	char *big;
	char path[128];
	FILE *f;

	(void)state;
	gen_write("nul.conf", nul, sizeof(nul) - 1);
	gen_refused("nul.conf", -EINVAL, "%s:1: vips[0].address: holds a NUL character");
	gen_write("esc.conf", esc, sizeof(esc) - 1);
	gen_refused("esc.conf", -EINVAL, "%s:1: instance: holds a NUL character");
	gen_write("nul2.conf", "instance = \"x\";\0\n", 16);
	gen_refused("nul2.conf", -EINVAL, "%s:1: NUL byte outside a string");

	/* libconfig's lexer is quadratic in a token's length: lines and strings are bounded */
	big = malloc(80000);
	assert_non_null(big);
	big[0] = '#';
	memset(big + 1, 'a', 70000);
	big[70001] = '\n';
	gen_write("longline.conf", big, 70002);
	gen_refused("longline.conf", -EINVAL, "%s:1: line longer than 65536 bytes");
	memcpy(big, "instance = \"", 12);
	memset(big + 12, 'a', 70000);
	memcpy(big + 12 + 70000, "\";\n", 3);
	for (int i = 0; i < 700; i++)
		big[12 + i * 100 + 99] = '\n';
	gen_write("longstr.conf", big, 12 + 70000 + 3);
	gen_refused("longstr.conf", -EINVAL, "%s:701: string of 70000 bytes, at most 65536");
	free(big);

	snprintf(path, sizeof(path), "%s/huge.conf", gen_dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(ftruncate(fileno(f), (64 << 20) + 1), 0);
	fclose(f);
	gen_refused("huge.conf", -EFBIG, "%s: 67108865 bytes, more than 67108864");
}

static void test_strerror_formats(void **state)
{
	struct cfg_error e = {.file = "f.conf", .line = 7, .key = "vips[0].port", .text = "bad"};
	char buf[64];

	(void)state;
	assert_string_equal(cfg_strerror(&e, buf, sizeof(buf)), "f.conf:7: vips[0].port: bad");
	e.line = 0;
	assert_string_equal(cfg_strerror(&e, buf, sizeof(buf)), "f.conf: vips[0].port: bad");
	e.key[0] = '\0';
	assert_string_equal(cfg_strerror(&e, buf, sizeof(buf)), "f.conf: bad");
	/* truncated, still terminated */
	assert_string_equal(cfg_strerror(&e, buf, 5), "f.co");
}

int main(void)
{
	struct CMUnitTest tests[10 + sizeof(bad_cases) / sizeof(bad_cases[0])] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_sample_is_defaults),
		cmocka_unit_test(test_env_overrides),
		cmocka_unit_test(test_env_from_environ),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_nat),
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_strerror_formats),
		cmocka_unit_test_setup_teardown(test_include_fifo, gen_setup, gen_teardown),
		cmocka_unit_test_setup_teardown(test_nul_and_sizes, gen_setup, gen_teardown),
	};
	size_t n = 9;

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct CMUnitTest t = {.name = bad_cases[i].file,
				       .test_func = test_bad,
				       .initial_state = (void *)&bad_cases[i]};

		/* env cases share a file: name them by their variable */
		if (bad_cases[i].env[0])
			t.name = bad_cases[i].env[0];
		tests[n++] = t;
	}
	return _cmocka_run_group_tests("config", tests, n, NULL, NULL);
}
