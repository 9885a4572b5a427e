/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small DNS codec for the `dns` discovery provider: a query builder and a
 * response parser. Every byte of a response is hostile: each read is
 * bounds-checked, compression pointers must point strictly before the run
 * they interrupt (no loops, no forward jumps), names are limited to 255
 * wire bytes and to letters, digits, '-' and '_', counts must match the
 * records present exactly (no trailing bytes), and the answer must be for
 * the question asked (id, name, type, class IN). Refusals come with a
 * reason naming what and where (byte offset).
 */
#ifndef CP_DNS_H
#define CP_DNS_H

#include <stddef.h>
#include <stdint.h>

#define CP_DNS_NAME_LEN 256  /* presentation form, no trailing dot, NUL included */
#define CP_DNS_MAX_RR 256    /* stored records per message (A, AAAA, SRV, CNAME, SOA) */
#define CP_DNS_EDNS_UDP 4096 /* bytes, advertised in the OPT record of queries */
#define CP_DNS_QUERY_MAX 512 /* bytes, enough for any query we build */

enum cp_dns_type {
	CP_DNS_T_A = 1,
	CP_DNS_T_CNAME = 5,
	CP_DNS_T_SOA = 6,
	CP_DNS_T_AAAA = 28,
	CP_DNS_T_SRV = 33,
	CP_DNS_T_OPT = 41,
};

enum cp_dns_rcode {
	CP_DNS_NOERROR = 0,
	CP_DNS_FORMERR = 1,
	CP_DNS_SERVFAIL = 2,
	CP_DNS_NXDOMAIN = 3,
	CP_DNS_NOTIMP = 4,
	CP_DNS_REFUSED = 5,
};

enum cp_dns_section {
	CP_DNS_SEC_ANSWER = 1,
	CP_DNS_SEC_AUTHORITY = 2,
	CP_DNS_SEC_ADDITIONAL = 3,
};

struct cp_dns_rr {
	char name[CP_DNS_NAME_LEN]; /* owner, lower case */
	uint16_t type;		    /* enum cp_dns_type */
	uint8_t section;	    /* enum cp_dns_section */
	uint32_t ttl;		    /* s */
	union {
		uint8_t a[4];
		uint8_t aaaa[16];
		struct {
			uint16_t priority, weight, port;
			char target[CP_DNS_NAME_LEN]; /* lower case; "." for the root */
		} srv;
		char cname[CP_DNS_NAME_LEN];
		struct {
			uint32_t minimum;
		} soa;
	};
};

struct cp_dns_msg {
	uint16_t id;
	uint8_t rcode; /* enum cp_dns_rcode */
	uint8_t aa;    /* authoritative answer bit */
	char qname[CP_DNS_NAME_LEN];
	uint16_t qtype;
	uint16_t n_answer, n_authority, n_additional; /* counts in the header */
	uint32_t n_rr;				      /* stored in rr[] */
	struct cp_dns_rr rr[CP_DNS_MAX_RR];
};

/*
 * Build a recursive (RD) query for @name (presentation form, an optional
 * trailing dot) of @qtype, class IN, with an EDNS0 OPT record. Returns the
 * length, -EINVAL (bad name: empty label, label > 63, name > 253, a
 * character outside [A-Za-z0-9_-]) or -ENOSPC.
 */
int cp_dns_build_query(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype);

/*
 * Parse the response @pkt[0..@len) to the query (@id, @qname, @qtype) into
 * @m. Records of other types are checked and skipped (OPT included).
 * Answer-section records must be owned by @qname or by a name a CNAME in
 * the answer led to. Any rcode is accepted (the caller decides what it
 * means); a set TC bit is refused. 0, or -EBADMSG with @why filled.
 */
int cp_dns_parse(const uint8_t *pkt, size_t len, uint16_t id, const char *qname, uint16_t qtype,
		 struct cp_dns_msg *m, char *why, size_t why_len);

/* "NOERROR", "SERVFAIL", ... or "RCODE%u" (static buffer per call site: not reentrant). */
const char *cp_dns_rcode_name(uint8_t rcode);

#endif /* CP_DNS_H */
