/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the BPF programs in bpf/ and their managers in controlplane/ agree on:
 * map names, map keys and values, and the counter indices of both programs.
 * Compiled by clang -target bpf (no vmlinux.h, no libc) and by the userspace
 * compiler, so it includes only <linux/types.h>. Byte order is in the type,
 * padding is explicit and must be zero (keys are hashed as bytes). Counter
 * lists are X-macros: the enum and the names sluicectl prints come from one
 * place; append only.
 */
#ifndef SL_BPF_TYPES_H
#define SL_BPF_TYPES_H

#include <linux/types.h>

/* Map names (BPF object names are at most 15 characters). */
#define SL_XDP_XSKS_MAP "xsks_map"	    /* BPF_MAP_TYPE_XSKMAP the af_xdp PMD fills */
#define SL_XDP_VIPS_MAP "sl_vips"	    /* hash: struct sl_xdp_vip_key -> value */
#define SL_XDP_STATS_MAP "sl_xdp_stats"	    /* per-CPU array [SL_XDP_STAT_MAX] of __u64 */
#define SL_DECAP_LOCAL_MAP "sl_decap_local" /* hash: struct sl_decap_local_key -> __u32 */
#define SL_DECAP_STATS_MAP "sl_decap_stats" /* per-CPU array [SL_DECAP_STAT_MAX] __u64 */
#define SL_PROBES_MAP "sl_probes"	    /* hash: struct sl_probe_key -> sl_probe_value */
#define SL_PROBE_STATS_MAP "sl_probe_stats" /* per-CPU array [SL_PROBE_STAT_MAX] __u64 */
#define SL_XDP_OWNER_MAP "sl_xdp_owner"	    /* array [1]: struct sl_xdp_owner */

#define SL_XDP_PROG_NAME "sluice_xdp"	  /* the XDP program's function name */
#define SL_DECAP_PROG_NAME "sluice_decap" /* the tc program's function name */
#define SL_PROBE_PROG_NAME "sluice_probe" /* the tc-egress program's function name */

/* sl_vips: SL_MAX_VIPS_LIMIT VIPs, as many addresses, SL_MAX_NAT_SOURCES_LIMIT NAT sources */
#define SL_XDP_VIPS_MAX 8448
#define SL_XDP_XSKS_MAX 64	       /* queues per port the XSKMAP can hold */
#define SL_DECAP_LOCAL_MAX 256	       /* local tunnel endpoint addresses */
#define SL_DECAP_GUE_PORT_DEFAULT 6080 /* host order */
#define SL_PROBES_MAX 65536	       /* probe sockets open at once, all interfaces' share */
#define SL_PROBE_MARK 0x51ce0001       /* SO_MARK of probes sluice_probe may tunnel */
#define SL_PROBE_TUNNEL_TTL 64	       /* outer TTL / hop limit, as the dataplane's */

/*
 * Key of sl_vips: the destination as seen on the wire. IPv4 is stored
 * IPv4-mapped (::ffff:a.b.c.d), exactly like struct sl_addr in
 * sl_shm_types.h, so sluiced copies sl_vip.addr byte for byte. port 0 is the
 * wildcard entry: the program looks up (dst, port, proto), then (dst, 0, proto).
 * proto 0 (with port 0) is the address entry: one per VIP address, its
 * value's flags saying which protocols have VIPs there; fragments and ICMP
 * errors, which carry no ports of their own, are steered by it. A full-NAT
 * source address has an address entry too (SL_XDP_ADDR_F_NAT, with its
 * port range): the replies of full NAT come to it.
 */
struct sl_xdp_vip_key {
	union {
		__u8 addr[16];
		__be32 addr32[4];
	};
	__be16 port; /* wire order; 0: any port */
	__u8 proto;  /* IPPROTO_TCP or IPPROTO_UDP; 0: the address entry */
	__u8 pad;    /* always zero */
};
_Static_assert(sizeof(struct sl_xdp_vip_key) == 20, "sl_xdp_vip_key layout");

/* sl_xdp_vip_value.flags of an address entry */
#define SL_XDP_ADDR_F_TCP (1u << 0) /* some TCP VIP has this address */
#define SL_XDP_ADDR_F_UDP (1u << 1) /* some UDP VIP has this address */
#define SL_XDP_ADDR_F_NAT (1u << 2) /* a full-NAT source: nat_port_min..max are the dataplane's */

struct sl_xdp_vip_value {
	__u32 vip_index;    /* index of the VIP (of the NAT source) in the table, informational */
	__u32 flags;	    /* VIP entry: zero; address entry: SL_XDP_ADDR_F_* */
	__u16 nat_port_min; /* SL_XDP_ADDR_F_NAT: the source's port range, host order */
	__u16 nat_port_max;
};
_Static_assert(sizeof(struct sl_xdp_vip_value) == 12, "sl_xdp_vip_value layout");

/*
 * Who attached an XDP steering program. sluice-dp creates this one-entry
 * array (sl_xdp_owner) right after the af_xdp PMD attached the program,
 * fills and freezes it, and binds it to the program (BPF_PROG_BIND_MAP): it
 * lives exactly as long as the program, whatever happens to the process,
 * and is found through the program's map ids like its other maps. The
 * program's code never reads it. A process is the same one when its pid and
 * its start time (field 22 of /proc/PID/stat, clock ticks since boot) match.
 */
#define SL_XDP_OWNER_MAGIC 0x50444c53u /* "SLDP" little-endian */

struct sl_xdp_owner {
	__u32 magic;	   /* SL_XDP_OWNER_MAGIC */
	__u32 pid;	   /* the sluice-dp that attached the program */
	__u64 start_ticks; /* its start time, /proc/PID/stat field 22 */
	char instance[32]; /* its instance (config "instance"), NUL-terminated */
};
_Static_assert(sizeof(struct sl_xdp_owner) == 48, "sl_xdp_owner layout");

/* One counter per verdict of sluice_xdp, in sl_xdp_stats. */
#define SL_XDP_STATS(X)                                                                            \
	X(REDIRECTED, "redirected")		  /* VIP: handed to the queue's AF_XDP socket */   \
	X(PASS_NO_XSK, "pass_no_xsk")		  /* VIP, but no socket on this queue: kernel */   \
	X(PASS_NON_IP, "pass_non_ip")		  /* ARP, LLDP, ...: not IPv4/IPv6 */              \
	X(PASS_ICMP6, "pass_icmp6")		  /* ICMPv6 (ND, ping, errors not to a VIP) */     \
	X(PASS_HOST, "pass_host")		  /* TCP/UDP not matching a VIP: host traffic */   \
	X(PASS_NOT_L4, "pass_not_l4")		  /* IP, neither TCP nor UDP (ICMP, GRE, ...) */   \
	X(PASS_FRAGMENT, "pass_fragment")	  /* fragment not to a VIP address */              \
	X(PASS_TRUNCATED, "pass_truncated")	  /* headers cut short or malformed */             \
	X(PASS_PROBE, "pass_probe")		  /* reply to a probe socket (sl_probes) */        \
	X(PASS_PROBE_TUNNEL, "pass_probe_tunnel") /* tunnel probe reply, VIP->backend */           \
	X(REDIRECTED_FRAGMENT, "redirected_fragment") /* fragment to a VIP address */              \
	X(REDIRECTED_ICMP, "redirected_icmp_error")   /* ICMP error to a VIP address */            \
	X(PASS_IP6_EXT_LIMIT, "pass_ip6_ext_limit")   /* over SL_IP6_EXT_MAX ext headers */        \
	X(REDIRECTED_NAT, "redirected_nat")	      /* TCP/UDP to a NAT source, in its ports */  \
	X(REDIRECTED_NAT_ICMP, "redirected_nat_icmp_error")   /* ICMP error to a NAT source */     \
	X(REDIRECTED_NAT_FRAGMENT, "redirected_nat_fragment") /* fragment to a NAT source */       \
	X(PASS_NAT_PORT, "pass_nat_port") /* TCP/UDP to a NAT source, outside its ports */

enum sl_xdp_stat {
#define SL_XDP_STAT_ENUM(sym, str) SL_XDP_##sym,
	SL_XDP_STATS(SL_XDP_STAT_ENUM)
#undef SL_XDP_STAT_ENUM
		SL_XDP_STAT_MAX
};

/*
 * Key of sl_decap_local: an address of this host that tunnels may be
 * addressed to (outer destination), IPv4-mapped for IPv4.
 */
struct sl_decap_local_key {
	union {
		__u8 addr[16];
		__be32 addr32[4];
	};
};
_Static_assert(sizeof(struct sl_decap_local_key) == 16, "sl_decap_local_key layout");

/* One counter per outcome of sluice_decap, in sl_decap_stats. */
#define SL_DECAP_STATS(X)                                                                          \
	X(IPIP, "decap_ipip")		      /* IPv4 in IPv4 (proto 4) */                         \
	X(IP6IP6, "decap_ip6ip6")	      /* IPv6 in IPv6 (next header 41) */                  \
	X(IP6IP, "decap_ip6ip")		      /* IPv6 in IPv4 (proto 41) */                        \
	X(IPIP6, "decap_ipip6")		      /* IPv4 in IPv6 (next header 4) */                   \
	X(GUE4, "decap_gue4")		      /* GUE variant 1 in outer IPv4 */                    \
	X(GUE6, "decap_gue6")		      /* GUE variant 1 in outer IPv6 */                    \
	X(PASS_NOT_TUNNEL, "pass_not_tunnel") /* not a tunnel packet: untouched */                 \
	X(PASS_NOT_LOCAL, "pass_not_local")   /* tunnel, outer dst not a local address */          \
	X(PASS_FRAGMENT, "pass_fragment")     /* fragmented outer IPv4: left to the kernel */      \
	X(DROP_INNER_BAD, "drop_inner_bad")   /* inner header truncated or wrong version */        \
	X(DROP_ADJUST, "drop_adjust")	      /* the kernel refused to strip the header */

enum sl_decap_stat {
#define SL_DECAP_STAT_ENUM(sym, str) SL_DECAP_##sym,
	SL_DECAP_STATS(SL_DECAP_STAT_ENUM)
#undef SL_DECAP_STAT_ENUM
		SL_DECAP_STAT_MAX
};

/*
 * Key of sl_probes: a health-check socket of sluiced as seen from this
 * host: its local address (IPv4-mapped for IPv4), local port and protocol.
 * sluice_xdp looks up (destination, destination port, protocol) of every
 * TCP/UDP packet before the VIPs, sluice_probe (tc egress) looks up (source,
 * source port, protocol) of packets marked SL_PROBE_MARK.
 */
struct sl_probe_key {
	union {
		__u8 addr[16];
		__be32 addr32[4];
	};
	__be16 port; /* wire order */
	__u8 proto;  /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;    /* always zero */
};
_Static_assert(sizeof(struct sl_probe_key) == 20, "sl_probe_key layout");

/* sl_probe_value.encap */
enum sl_probe_encap {
	SL_PROBE_ENCAP_NONE = 0, /* direct probe: replies are only passed to the kernel */
	SL_PROBE_ENCAP_IPIP = 1, /* IPv4-in-IPv4 / IPv6-in-IPv6, as the dataplane's tunnel */
	SL_PROBE_ENCAP_GUE = 2,	 /* GUE variant 1 (UDP to gue_port, bare inner IP) */
};

/* sl_probe_value.flags */
#define SL_PROBE_F_TUNNEL (1u << 0) /* through the tunnel to vip:vip_port */

/*
 * Value of sl_probes. Without SL_PROBE_F_TUNNEL only the key matters (the
 * rest is zero). With it, the probe socket is connected to
 * backend:backend_port and the packets on the wire are those of a client of
 * vip:vip_port: sluice_probe rewrites the inner destination backend ->
 * vip (and backend_port -> vip_port) and encapsulates towards backend;
 * sluice_xdp rewrites the reply's source vip:vip_port -> backend:backend_port.
 * The VIP and the backend have the family of the key (the inner packet is the
 * socket's, the outer goes to the backend).
 */
struct sl_probe_value {
	union {
		__u8 backend[16]; /* the probe socket's peer, IPv4-mapped for IPv4 */
		__be32 backend32[4];
	};
	union {
		__u8 vip[16]; /* the VIP the backend must answer for */
		__be32 vip32[4];
	};
	__be16 backend_port; /* the socket's peer port, wire order */
	__be16 vip_port;     /* wire order */
	__be16 gue_port;     /* GUE destination port, wire order (encap GUE only) */
	__u8 encap;	     /* enum sl_probe_encap */
	__u8 flags;	     /* SL_PROBE_F_* */
};
_Static_assert(sizeof(struct sl_probe_value) == 40, "sl_probe_value layout");

/* One counter per outcome of sluice_probe (tc egress), in sl_probe_stats. */
#define SL_PROBE_STATS(X)                                                                          \
	X(TUNNEL_IPIP, "tunnel_ipip")	    /* tunnel probe sent as IPIP / IP6IP6 */               \
	X(TUNNEL_GUE, "tunnel_gue")	    /* tunnel probe sent as GUE */                         \
	X(PASS_UNMARKED, "pass_unmarked")   /* not SL_PROBE_MARK: not ours, untouched */           \
	X(PASS_NOT_PROBE, "pass_not_probe") /* marked, not TCP/UDP or not in sl_probes */          \
	X(PASS_DIRECT, "pass_direct")	    /* a probe without SL_PROBE_F_TUNNEL */                \
	X(PASS_OTHER_DST, "pass_other_dst") /* tunnel probe not addressed to its backend */        \
	X(DROP_BAD_ENTRY, "drop_bad_entry") /* family/encap of the entry unusable */               \
	X(DROP_REWRITE, "drop_rewrite")	    /* the kernel refused a store or checksum fix */       \
	X(DROP_ADJUST, "drop_adjust")	    /* the kernel refused to add the outer header */

enum sl_probe_stat {
#define SL_PROBE_STAT_ENUM(sym, str) SL_PROBE_##sym,
	SL_PROBE_STATS(SL_PROBE_STAT_ENUM)
#undef SL_PROBE_STAT_ENUM
		SL_PROBE_STAT_MAX
};

#endif /* SL_BPF_TYPES_H */
