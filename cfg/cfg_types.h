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
};

struct cfg_controlplane {
	uint32_t publish_timeout_ms; /* wait for every worker's ack */
	uint32_t neigh_timeout_ms;   /* wait for next-hop resolution at start */
	uint32_t drain_timeout;	     /* s: a removed backend keeps its flows; 0: none */
	char admin_socket[CFG_PATH_LEN];
};

enum cfg_encap {
	CFG_ENCAP_IPIP = 0, /* IPv4-in-IPv4 / IPv6-in-IPv6 */
	CFG_ENCAP_GUE = 1,  /* GUE variant 1 (UDP, no GUE header) */
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
	char pool[SL_NAME_LEN];
	uint32_t pool_index; /* resolved index into cfg.pools */
	int line;	     /* where it was defined, for later errors */
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
	struct cfg_controlplane controlplane;
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
