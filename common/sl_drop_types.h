/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every reason the dataplane drops a packet, one counter each in the shared
 * statistics area. The X-macro keeps the enum and the names printed by
 * sluicectl in one place; append only (the index is part of the shm ABI).
 */
#ifndef SL_DROP_TYPES_H
#define SL_DROP_TYPES_H

#define SL_DROP_REASONS(X)                                                                         \
	X(ETH_TRUNCATED, "eth_truncated")	    /* shorter than an Ethernet header */          \
	X(VLAN_TRUNCATED, "vlan_truncated")	    /* 802.1Q tag cut short */                     \
	X(NOT_IP, "not_ip")			    /* ARP, LLDP, ...: belongs to the kernel */    \
	X(IP4_TRUNCATED, "ip4_truncated")	    /* shorter than a minimal IPv4 header */       \
	X(IP4_BAD_VERSION, "ip4_bad_version")	    /* version nibble is not 4 */                  \
	X(IP4_BAD_IHL, "ip4_bad_ihl")		    /* IHL < 5 or beyond the frame */              \
	X(IP4_BAD_LENGTH, "ip4_bad_length")	    /* total length < IHL or > frame */            \
	X(IP6_TRUNCATED, "ip6_truncated")	    /* shorter than an IPv6 header */              \
	X(IP6_BAD_VERSION, "ip6_bad_version")	    /* version nibble is not 6 */                  \
	X(IP6_BAD_LENGTH, "ip6_bad_length")	    /* payload length beyond the frame */          \
	X(IP6_EXTHDR, "ip6_exthdr")		    /* extension header cut short or unknown */    \
	X(FRAGMENT, "fragment")			    /* first fragment without its L4 header */     \
	X(L4_UNSUPPORTED, "l4_unsupported")	    /* neither TCP nor UDP */                      \
	X(L4_TRUNCATED, "l4_truncated")		    /* TCP/UDP header cut short */                 \
	X(TCP_BAD_DOFF, "tcp_bad_doff")		    /* TCP data offset < 5 or beyond packet */     \
	X(NOT_VIP, "not_vip")			    /* no VIP for address, port, protocol */       \
	X(NO_TABLE, "no_table")			    /* no table published yet */                   \
	X(NO_BACKEND, "no_backend")		    /* the VIP's pool has no active backend */     \
	X(TOO_BIG, "too_big")			    /* over the MTU after encap; ICMP sent */      \
	X(TOO_BIG_NO_ICMP, "too_big_no_icmp")	    /* over the MTU, no ICMP possible */           \
	X(NO_HEADROOM, "no_headroom")		    /* mbuf lacks room for the outer header */     \
	X(NO_MBUF, "no_mbuf")			    /* could not allocate (ICMP reply) */          \
	X(TX_FULL, "tx_full")			    /* TX queue did not take the packet */         \
	X(BAD_TX_PORT, "bad_tx_port")		    /* backend names a port we do not have */      \
	X(IP6_EXT_LIMIT, "ip6_ext_limit")	    /* over SL_IP6_EXT_MAX extension headers */    \
	X(FRAG_UNPLACED, "fragment_unplaced")	    /* later fragment, its first not seen */       \
	X(FRAG_SPLIT_LIMIT, "fragment_split_limit") /* would need over DP_FRAG_MAX pieces */       \
	X(ICMP_NOT_ERROR, "icmp_not_error")	    /* ICMP to a VIP, not an error we forward */   \
	X(ICMP_TRUNCATED, "icmp_truncated")	    /* error quotes less than IP + 8 bytes */      \
	X(ICMP_UNMATCHED, "icmp_unmatched")	    /* quoted packet matches no VIP flow */        \
	X(NAT_NO_CONN, "nat_no_conn")		    /* to a NAT source, no connection */           \
	X(NAT_MID_STREAM, "nat_mid_stream")	    /* TCP to a NAT VIP, no SYN, no connection */  \
	X(NAT_PORT_EXHAUSTED, "nat_port_exhausted") /* no free source port: SYN dropped */         \
	X(NAT_CONN_FULL, "nat_conn_full")	    /* connection table full: SYN dropped */       \
	X(NAT_HANDOFF_FULL, "nat_handoff_full")	    /* the owner worker's hand-off ring full */    \
	X(NAT_BACKEND_GONE, "nat_backend_gone")	    /* the connection's backend left the table */  \
	X(NAT_FAMILY, "nat_family")		    /* backend or source of the other family */    \
	X(NAT_FRAGMENT, "nat_fragment")		    /* fragments are not translated */             \
	X(SYNPROXY_BAD_COOKIE, "synproxy_bad_cookie") /* ACK whose cookie is not valid */          \
	X(SYNPROXY_HELD_FULL, "synproxy_held_full") /* client segment, backend opening, no room */ \
	X(SYNPROXY_ABANDONED, "synproxy_abandoned") /* held for a backend that never opened */     \
	X(SYNPROXY_BACKEND, "synproxy_backend") /* backend segment while it opens, not SYN-ACK */  \
	X(HTTP_OUT_OF_ORDER, "http_out_of_order") /* head or chunk bytes out of order: resent */   \
	X(HTTP_CTX_FULL, "http_ctx_full")	  /* no HTTP context left: cookie ACK refused */   \
	X(HTTP_BACKEND, "http_backend")	  /* backend segment while it opens, not SYN-ACK */        \
	X(HTTP_IDLE_ACK, "http_idle_ack") /* client ACK, no data, no instance to tell */

enum sl_drop {
#define SL_DROP_ENUM(sym, str) SL_DROP_##sym,
	SL_DROP_REASONS(SL_DROP_ENUM)
#undef SL_DROP_ENUM
		SL_DROP_MAX
};

#endif /* SL_DROP_TYPES_H */
