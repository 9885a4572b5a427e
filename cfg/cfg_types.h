/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The parsed configuration file: what sluiced and sluice-dp both read from
 * one libconfig file (plus SLUICE_* environment overrides). Filled by
 * cfg_load(); every field has a default, documented in
 * docs/configuration.md.
 */
#ifndef CFG_TYPES_H
#define CFG_TYPES_H

#include <stdint.h>
#include <net/if.h>

#include "sl_route.h"
#include "sl_shm_types.h"

#define CFG_DEFAULT_PATH "/etc/sluice/sluice.conf"
#define CFG_DEVARGS_LEN 256
#define CFG_PATH_LEN 256
#define CFG_EAL_ARGS_MAX 64
#define CFG_RISE_FALL_MAX                                                                          \
	1000u /* largest health.rise / health.fall: the checks and the state machine */

struct cfg_port {
	char name[SL_NAME_LEN];
	char devargs[CFG_DEVARGS_LEN]; /* "net_af_xdp0,iface=sl-lb0" or a PCI address */
	char iface[IF_NAMESIZE];       /* Linux interface (from devargs iface=), "" for PCI */
	uint32_t rx_queues;	       /* 0: one per worker */
	uint32_t mtu;		       /* 0: leave the device's MTU */
};

struct cfg_dataplane {
	char *eal[CFG_EAL_ARGS_MAX]; /* EAL arguments, NULL-terminated, owned */
	uint32_t n_eal;
	struct cfg_port ports[SL_MAX_PORTS_LIMIT];
	uint32_t n_ports;
	uint32_t flows_per_worker; /* flow table capacity per worker, power of two */
	uint32_t tcp_timeout;	   /* s: idle established TCP flow */
	uint32_t tcp_fin_timeout;  /* s: idle TCP flow after FIN or RST */
	uint32_t udp_timeout;	   /* s: idle UDP flow */
	uint32_t tcp_syn_timeout;  /* s: TCP flow that has sent only a SYN */
	uint32_t frag_timeout;	   /* s: a fragmented datagram's instance, for its fragments */
	uint32_t burst;		   /* packets per rx burst */
	uint32_t mbufs;		   /* mbufs in the packet pool */
	uint32_t rx_desc;
	uint32_t tx_desc;
	char xdp_prog[CFG_PATH_LEN]; /* af_xdp ports: steering program ("": built-in default) */
};

/* Geometry of the shared-memory segment (struct sl_shm_geometry). */
struct cfg_tables {
	uint32_t max_workers;
	uint32_t max_vips;
	uint32_t max_pools;
	uint32_t max_backends;
	uint32_t maglev_size;
	uint32_t max_nat_sources;
	uint32_t max_routes; /* HTTP routes of every VIP together */
};

/* Idle timeouts of full-NAT connections by state, in seconds (docs/configuration.md). */
struct cfg_nat_timeouts {
	uint32_t syn; /* SYN sent, or SYN-ACK sent, not yet acknowledged */
	uint32_t established;
	uint32_t fin;	    /* one or both FINs seen */
	uint32_t time_wait; /* the last ACK after both FINs */
	uint32_t close;	    /* after an RST */
	uint32_t udp;
};

#define CFG_NAT_SOURCES_MAX 16 /* addresses in one nat.sources list */

/* A full-NAT source address: what the appliance's side of a backend connection comes from. */
struct cfg_nat_source {
	struct sl_addr addr;
	uint8_t af; /* enum sl_af */
	int line;
};

struct cfg_nat_sources {
	struct cfg_nat_source a[CFG_NAT_SOURCES_MAX];
	uint32_t n;
};

/* Full NAT: its source addresses and ports, and the dataplane's connection table. */
struct cfg_nat {
	struct cfg_nat_sources sources; /* for every nat VIP without its own */
	uint32_t port_min, port_max;	/* source ports of every source address */
	uint32_t conns_per_worker;	/* connection table capacity per worker */
	uint32_t cookie_rotate;		/* s: the SYN proxy's cookie key is replaced this often */
	struct cfg_nat_timeouts timeouts;
};

/* events.output */
enum cfg_events_output {
	CFG_EVENTS_STDOUT = 0,
	CFG_EVENTS_TO_FILE = 1, /* appended to path */
	CFG_EVENTS_TO_UNIX = 2, /* written to the stream socket listening at path */
};

/* The event stream: flow and request records, health changes (docs/events.md). */
struct cfg_events {
	uint8_t flows;		 /* the dataplane writes a record for each flow that ends */
	uint8_t requests;	 /* ... for each HTTP request (and nat connection) */
	uint8_t query;		 /* a request's path keeps its query */
	uint8_t output;		 /* enum cfg_events_output */
	uint32_t ring_size;	 /* records per worker's ring (a power of two) */
	double sample;		 /* share of flow and request records written out, 0..1 */
	char path[CFG_PATH_LEN]; /* file or socket of output */
};

struct cfg_controlplane {
	uint32_t publish_timeout_ms; /* wait for every worker's ack */
	uint32_t neigh_timeout_ms;   /* wait for next-hop resolution at start */
	uint32_t drain_timeout;	     /* s: a removed backend keeps its flows; 0: none */
	char admin_socket[CFG_PATH_LEN];
};

#define CFG_METRICS_LISTEN_LEN 64 /* "[v6 address]:port", NUL included */

/* sluiced's Prometheus endpoint. */
struct cfg_metrics {
	char listen[CFG_METRICS_LISTEN_LEN]; /* as written: "127.0.0.1:9469", "off" */
	uint8_t enabled;		     /* 0: "off" */
	uint8_t af;			     /* enum sl_af */
	uint16_t port;			     /* host order, 1..65535 */
	struct sl_addr addr;		     /* IPv4-mapped for IPv4 */
};

enum cfg_encap {
	CFG_ENCAP_IPIP = 0, /* IPv4-in-IPv4 / IPv6-in-IPv6 */
	CFG_ENCAP_GUE = 1,  /* GUE variant 1 (UDP, no GUE header) */
};

#define CFG_POOL_NONE UINT32_MAX /* cfg_vip.pool_index of an http VIP without a default pool */

/* One HTTP route of a VIP: requests its key matches go to the pool. */
struct cfg_route {
	struct sl_route_key key; /* from host and path (sl_route_key_make) */
	char pool[SL_NAME_LEN];
	uint32_t pool_index; /* resolved index into cfg.pools */
	int line;
};

/* mode "http": what the dataplane reads from each request head, and how it routes it. */
struct cfg_http {
	struct cfg_route *routes; /* owned, in file order */
	uint32_t n_routes;
	char sticky_cookie[SL_NAME_LEN]; /* "": no instance cookie */
	uint8_t x_forwarded_for;	 /* add X-Forwarded-For to each request head */
	uint8_t x_request_id;		 /* add X-Request-Id to each request head */
	uint32_t head_max;		 /* bytes of a request head */
	uint32_t head_timeout_ms;	 /* from the handshake to the end of the head */
};

struct cfg_vip {
	char name[SL_NAME_LEN];
	struct sl_addr addr;
	uint8_t af;    /* enum sl_af */
	uint8_t proto; /* IPPROTO_TCP / IPPROTO_UDP */
	uint8_t mode;  /* enum sl_fwd_mode */
	uint8_t hash_3tuple;
	uint16_t port; /* host order; 0: any */
	uint8_t encap; /* enum cfg_encap */
	uint16_t gue_port;
	struct sl_addr tunnel_source; /* zero: the route's source address */
	uint8_t tunnel_source_plen;
	char pool[SL_NAME_LEN]; /* "" only for an http VIP without a default route */
	uint32_t pool_index;	/* resolved index into cfg.pools, or CFG_POOL_NONE */
	int line;		/* where it was defined, for later errors */
	/* modes nat and http */
	uint8_t synproxy; /* answer SYNs with cookies, open the backend on the ACK */
	uint16_t mss;	  /* MSS clamp of both handshakes, 0: the ports' MTUs */
	struct cfg_nat_sources nat_sources; /* its own sources; n 0: nat.sources */
	struct cfg_http http;		    /* mode http */
};

struct cfg_backend {
	char name[SL_NAME_LEN]; /* default: "address" (port 0), "a.b.c.d:port", "[v6]:port" */
	struct sl_addr addr;
	uint8_t af;
	uint16_t port;	 /* host order; 0: the VIP's port */
	uint32_t weight; /* 0: no new flows */
	int line;
	/*
	 * Set by sluiced's model (never by the file): the instance is not
	 * serving (probing or unhealthy). cp_tables keeps its slot and uid but
	 * publishes it without ACTIVE/RESOLVED, so its flows move on their next
	 * packet and no new flow reaches it. Not a drain.
	 */
	uint8_t down;
};

/* Active health checks of one pool (docs/health.md). */
enum cfg_health_check {
	CFG_HEALTH_CHECK_NONE = 0, /* no checks: an instance serves as soon as discovered */
	CFG_HEALTH_CHECK_TCP = 1,  /* connect() */
	CFG_HEALTH_CHECK_HTTP = 2, /* GET path, status in [expect_lo, expect_hi], optional body */
	CFG_HEALTH_CHECK_UDP = 3,  /* send payload, expect a reply (containing response) */
};

#define CFG_HEALTH_STR_LEN 256	 /* path, host, payload */
#define CFG_HEALTH_MATCH_LEN 128 /* body, response: substrings looked for */

struct cfg_health {
	uint8_t type;			  /* enum cfg_health_check */
	uint8_t via_tunnel;		  /* tunnel-mode pools: probe the VIP through the tunnel */
	uint16_t port;			  /* host order; 0: the instance's port (else the VIP's) */
	char path[CFG_HEALTH_STR_LEN];	  /* http: starts with '/' */
	char host[CFG_HEALTH_STR_LEN];	  /* http: Host header ("": the instance's address) */
	uint16_t expect_lo, expect_hi;	  /* http: accepted status range, 100..599 */
	char body[CFG_HEALTH_MATCH_LEN];  /* http: substring the body must hold ("": any) */
	char payload[CFG_HEALTH_STR_LEN]; /* udp: datagram sent */
	char response[CFG_HEALTH_MATCH_LEN]; /* udp: substring the reply must hold ("": any) */
	uint32_t interval_ms;		     /* between two probes of one instance */
	uint32_t timeout_ms;		     /* one probe; <= interval_ms */
	uint32_t rise;			     /* consecutive successes to become healthy */
	uint32_t fall;			     /* consecutive failures to become unhealthy */
	uint32_t jitter_ms;		     /* each interval +- up to this; < interval_ms */
	uint32_t passive_fall; /* connect failures within one interval that mark down; 0: off */
};

/* Which dynamic sources feed a pool besides its static backends (they combine). */
struct cfg_pool_disc {
	uint8_t file;		      /* the watched file (discovery.file.path) */
	uint8_t etcd;		      /* keys <discovery.etcd.prefix><pool>/ */
	char dns[CFG_HEALTH_STR_LEN]; /* SRV name, "_http._tcp.web.svc.example"; "": none */
};

struct cfg_pool {
	char name[SL_NAME_LEN];
	struct cfg_backend *backends; /* owned */
	uint32_t n_backends;
	int line;	  /* for an implicit pool: the line of the first VIP naming it */
	uint8_t implicit; /* named by a VIP, not defined in the file: empty until discovery */
	uint32_t n_vips;  /* VIPs using this pool (0: defined but unused) */
	struct cfg_health health;
	uint32_t panic_threshold; /* %: below this share of serving instances, serve all */
	struct cfg_pool_disc disc;
	uint8_t balance; /* enum sl_balance */
};

/* The discovery providers' own settings (docs/discovery.md). */
struct cfg_discovery_file {
	char path[CFG_PATH_LEN]; /* JSON file written by an orchestrator; "": provider off */
};

struct cfg_discovery_dns {
	char resolver[64];	      /* "198.18.0.53", "198.18.0.53:5353", "[2001:2::53]:53" */
	struct sl_addr resolver_addr; /* parsed; IPv4-mapped for IPv4 */
	uint8_t resolver_af;	      /* enum sl_af; 0 while resolver is "" */
	uint16_t resolver_port;	      /* host order; default 53 */
	uint32_t timeout_ms;	      /* one query */
	uint32_t min_ttl;	      /* s: refresh no sooner than this */
	uint32_t max_ttl;	      /* s: refresh no later than this */
};

struct cfg_discovery_etcd {
	char endpoints[CFG_PATH_LEN]; /* "http://127.0.0.1:2379[,...]"; "": provider off */
	char prefix[CFG_PATH_LEN];    /* keys <prefix><pool>/<instance> */
	uint32_t timeout_ms;
};

struct cfg_discovery {
	struct cfg_discovery_file file;
	struct cfg_discovery_dns dns;
	struct cfg_discovery_etcd etcd;
};

struct cfg {
	char file[CFG_PATH_LEN];
	char instance[SL_NAME_LEN]; /* names the shm segment /dev/shm/sluice-<instance> */
	struct cfg_dataplane dataplane;
	struct cfg_tables tables;
	struct cfg_nat nat;
	struct cfg_controlplane controlplane;
	struct cfg_events events;
	struct cfg_metrics metrics;
	struct cfg_discovery discovery;
	struct cfg_vip *vips; /* owned */
	uint32_t n_vips;
	struct cfg_pool *pools; /* owned */
	uint32_t n_pools;
};

/*
 * Why a file was refused: "FILE:LINE: KEY: TEXT" (line 0 when unknown).
 * key is the setting's path, "dataplane.flows_per_worker",
 * "vips[1].mode", "pools[0].backends[2].address"; for a value from the
 * environment file is "environment" and key the variable's name.
 */
struct cfg_error {
	char file[CFG_PATH_LEN];
	int line;
	char key[128];
	char text[256];
};

#endif /* CFG_TYPES_H */
