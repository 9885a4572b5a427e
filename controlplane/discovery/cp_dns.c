/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS codec for discovery (contract in cp_dns.h). The parser reads through
 * one cursor with explicit bounds; every refusal says what and at which
 * byte offset, so a garbage answer in the event stream can be diagnosed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cp_dns.h"

#define DNS_HDR_LEN 12
#define DNS_CLASS_IN 1
#define DNS_MAX_WIRE_NAME 255 /* bytes, RFC 1035 */
#define DNS_MAX_JUMPS 64      /* belt and braces: pointers already strictly decrease */
#define DNS_MAX_CNAMES 8      /* CNAME chain length followed in an answer */

static int name_char_ok(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

int cp_dns_build_query(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype)
{
	size_t nlen = strlen(name), o = DNS_HDR_LEN, lab;

	if (nlen && name[nlen - 1] == '.')
		nlen--;
	if (nlen == 0 || nlen > 253)
		return -EINVAL;
	if (cap < DNS_HDR_LEN + nlen + 2 + 4 + 11)
		return -ENOSPC;
	memset(buf, 0, DNS_HDR_LEN);
	buf[0] = (uint8_t)(id >> 8);
	buf[1] = (uint8_t)id;
	buf[2] = 0x01; /* RD */
	buf[5] = 1;    /* QDCOUNT */
	buf[11] = 1;   /* ARCOUNT: OPT */
	for (size_t i = 0; i < nlen; i = lab + 1) {
		for (lab = i; lab < nlen && name[lab] != '.'; lab++)
			if (!name_char_ok((uint8_t)name[lab]))
				return -EINVAL;
		if (lab == i || lab - i > 63)
			return -EINVAL;
		buf[o++] = (uint8_t)(lab - i);
		memcpy(buf + o, name + i, lab - i);
		o += lab - i;
		if (lab == nlen)
			break;
		if (lab + 1 == nlen)
			return -EINVAL; /* "a..": empty last label */
	}
	buf[o++] = 0;
	buf[o++] = (uint8_t)(qtype >> 8);
	buf[o++] = (uint8_t)qtype;
	buf[o++] = 0;
	buf[o++] = DNS_CLASS_IN;
	/* OPT: root name, type 41, class = UDP payload size, ttl 0, rdlen 0 */
	buf[o++] = 0;
	buf[o++] = 0;
	buf[o++] = CP_DNS_T_OPT;
	buf[o++] = (uint8_t)(CP_DNS_EDNS_UDP >> 8);
	buf[o++] = (uint8_t)(CP_DNS_EDNS_UDP & 0xff);
	memset(buf + o, 0, 6);
	o += 6;
	return (int)o;
}

struct cursor {
	const uint8_t *p;
	size_t len;
	size_t off;
	char *why;
	size_t why_len;
};

__attribute__((format(printf, 2, 3))) static int refuse(struct cursor *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, c->why_len, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

static int get16(struct cursor *c, uint16_t *v, const char *what)
{
	if (c->len - c->off < 2)
		return refuse(c, "truncated: %s at offset %zu", what, c->off);
	*v = (uint16_t)(c->p[c->off] << 8 | c->p[c->off + 1]);
	c->off += 2;
	return 0;
}

static int get32(struct cursor *c, uint32_t *v, const char *what)
{
	if (c->len - c->off < 4)
		return refuse(c, "truncated: %s at offset %zu", what, c->off);
	*v = (uint32_t)c->p[c->off] << 24 | (uint32_t)c->p[c->off + 1] << 16 |
	     (uint32_t)c->p[c->off + 2] << 8 | c->p[c->off + 3];
	c->off += 4;
	return 0;
}

/*
 * Read the (possibly compressed) name at c->off into @out (lower case, no
 * trailing dot, "." for the root); c->off moves past the name as it is
 * written at that place. A pointer must point strictly before the start of
 * the run of labels it ends, so positions strictly decrease: no loop.
 * @end bounds the name's own bytes (rdata end or packet end).
 */
static int get_name(struct cursor *c, size_t end, char *out, const char *what)
{
	size_t pos = c->off, run_start = c->off, o = 0, wire = 0, after = 0;
	unsigned int jumps = 0;

	for (;;) {
		if (pos >= end)
			return refuse(c, "truncated: %s name at offset %zu", what, pos);
		uint8_t l = c->p[pos];

		if ((l & 0xc0) == 0xc0) {
			if (end - pos < 2)
				return refuse(c, "truncated: %s compression pointer at offset %zu",
					      what, pos);
			size_t target = (size_t)(l & 0x3f) << 8 | c->p[pos + 1];

			if (!jumps)
				after = pos + 2;
			if (target >= c->len)
				return refuse(
					c,
					"%s compression pointer at offset %zu out of bounds (%zu)",
					what, pos, target);
			if (target >= run_start || ++jumps > DNS_MAX_JUMPS)
				return refuse(c,
					      "%s compression pointer at offset %zu does not point "
					      "backwards (%zu)",
					      what, pos, target);
			pos = run_start = target;
			end = c->len; /* the pointed-to name may lie outside the rdata */
			continue;
		}
		if (l & 0xc0)
			return refuse(c, "%s name: reserved label type 0x%02x at offset %zu", what,
				      l, pos);
		wire += 1u + l;
		if (wire > DNS_MAX_WIRE_NAME)
			return refuse(c, "%s name longer than 255 bytes at offset %zu", what, pos);
		if (l == 0) {
			pos++;
			break;
		}
		if (end - pos - 1 < l)
			return refuse(c, "truncated: %s name label at offset %zu", what, pos);
		for (size_t i = 1; i <= l; i++) {
			uint8_t ch = c->p[pos + i];

			if (!name_char_ok(ch))
				return refuse(c, "%s name: invalid character 0x%02x at offset %zu",
					      what, ch, pos + i);
		}
		if (o)
			out[o++] = '.';
		for (size_t i = 1; i <= l; i++) {
			uint8_t ch = c->p[pos + i];

			out[o++] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
		}
		pos += 1u + l;
	}
	if (!o)
		out[o++] = '.';
	out[o] = '\0';
	c->off = jumps ? after : pos;
	return 0;
}

static const char *sec_name(int s)
{
	return s == CP_DNS_SEC_ANSWER	   ? "answer"
	       : s == CP_DNS_SEC_AUTHORITY ? "authority"
					   : "additional";
}

/* One resource record; stores the ones we use. */
static int get_rr(struct cursor *c, struct cp_dns_msg *m, int sec, unsigned int idx,
		  unsigned int count, char (*owners)[CP_DNS_NAME_LEN], unsigned int *n_owners)
{
	char what[48], name[CP_DNS_NAME_LEN];
	uint16_t type, cls, rdlen;
	size_t start = c->off, rd_end;
	struct cp_dns_rr *rr;
	uint32_t ttl;
	int rc;

	snprintf(what, sizeof(what), "%s record %u of %u", sec_name(sec), idx + 1, count);
	if ((rc = get_name(c, c->len, name, what)) || (rc = get16(c, &type, what)) ||
	    (rc = get16(c, &cls, what)) || (rc = get32(c, &ttl, what)) ||
	    (rc = get16(c, &rdlen, what)))
		return rc;
	if (c->len - c->off < rdlen)
		return refuse(c, "%s (offset %zu): rdata of %u bytes overruns the packet", what,
			      start, rdlen);
	rd_end = c->off + rdlen;
	if (type == CP_DNS_T_OPT) {
		if (sec != CP_DNS_SEC_ADDITIONAL)
			return refuse(c, "%s (offset %zu): OPT outside the additional section",
				      what, start);
		c->off = rd_end;
		return 0;
	}
	if (type != CP_DNS_T_A && type != CP_DNS_T_AAAA && type != CP_DNS_T_SRV &&
	    type != CP_DNS_T_CNAME && type != CP_DNS_T_SOA) {
		c->off = rd_end; /* a type we do not use: bounds checked, skipped */
		return 0;
	}
	if (cls != DNS_CLASS_IN)
		return refuse(c, "%s (offset %zu): class %u, not IN", what, start, cls);
	if (sec == CP_DNS_SEC_ANSWER) {
		unsigned int k;

		for (k = 0; k < *n_owners && strcmp(owners[k], name); k++)
			;
		if (k == *n_owners)
			return refuse(c, "%s (offset %zu) is for \"%s\", not the question \"%s\"",
				      what, start, name, m->qname);
	}
	if (m->n_rr >= CP_DNS_MAX_RR)
		return refuse(c, "more than %d records", CP_DNS_MAX_RR);
	rr = &m->rr[m->n_rr];
	memset(rr, 0, sizeof(*rr));
	memcpy(rr->name, name, sizeof(name));
	rr->type = type;
	rr->section = (uint8_t)sec;
	rr->ttl = ttl > 0x7fffffffu ? 0 : ttl; /* RFC 2181: treat as 0 */
	switch (type) {
	case CP_DNS_T_A:
		if (rdlen != 4)
			return refuse(c, "%s (offset %zu): A with rdlength %u", what, start, rdlen);
		memcpy(rr->a, c->p + c->off, 4);
		break;
	case CP_DNS_T_AAAA:
		if (rdlen != 16)
			return refuse(c, "%s (offset %zu): AAAA with rdlength %u", what, start,
				      rdlen);
		memcpy(rr->aaaa, c->p + c->off, 16);
		break;
	case CP_DNS_T_SRV: {
		struct cursor rd = {c->p, rd_end, c->off, c->why, c->why_len};

		if ((rc = get16(&rd, &rr->srv.priority, what)) ||
		    (rc = get16(&rd, &rr->srv.weight, what)) ||
		    (rc = get16(&rd, &rr->srv.port, what)))
			return refuse(c, "%s (offset %zu): SRV rdata too short", what, start);
		rd.len = c->len; /* pointers may leave the rdata, the name itself may not */
		if ((rc = get_name(&rd, rd_end, rr->srv.target, what)))
			return rc;
		if (rd.off != rd_end)
			return refuse(c, "%s (offset %zu): %zu bytes after the SRV target", what,
				      start, rd_end - rd.off);
		break;
	}
	case CP_DNS_T_CNAME: {
		struct cursor rd = {c->p, c->len, c->off, c->why, c->why_len};

		if ((rc = get_name(&rd, rd_end, rr->cname, what)))
			return rc;
		if (rd.off != rd_end)
			return refuse(c, "%s (offset %zu): %zu bytes after the CNAME target", what,
				      start, rd_end - rd.off);
		if (sec == CP_DNS_SEC_ANSWER) {
			if (*n_owners >= DNS_MAX_CNAMES)
				return refuse(c, "%s (offset %zu): CNAME chain longer than %d",
					      what, start, DNS_MAX_CNAMES);
			memcpy(owners[(*n_owners)++], rr->cname, CP_DNS_NAME_LEN);
		}
		break;
	}
	case CP_DNS_T_SOA: {
		struct cursor rd = {c->p, c->len, c->off, c->why, c->why_len};
		char skip[CP_DNS_NAME_LEN];
		uint32_t v[5];

		if ((rc = get_name(&rd, rd_end, skip, what)) ||
		    (rc = get_name(&rd, rd_end, skip, what)))
			return rc;
		rd.len = rd_end;
		for (int i = 0; i < 5; i++)
			if (get32(&rd, &v[i], what))
				return refuse(c, "%s (offset %zu): SOA rdata too short", what,
					      start);
		if (rd.off != rd_end)
			return refuse(c, "%s (offset %zu): %zu bytes after the SOA", what, start,
				      rd_end - rd.off);
		rr->soa.minimum = v[4];
		break;
	}
	}
	m->n_rr++;
	c->off = rd_end;
	return 0;
}

int cp_dns_parse(const uint8_t *pkt, size_t len, uint16_t id, const char *qname, uint16_t qtype,
		 struct cp_dns_msg *m, char *why, size_t why_len)
{
	struct cursor c = {pkt, len, 0, why, why_len};
	char owners[DNS_MAX_CNAMES + 1][CP_DNS_NAME_LEN];
	unsigned int n_owners = 1;
	uint16_t flags, qd, qt, qc;
	size_t ql = strlen(qname);
	int rc;

	m->n_rr = 0;
	if (len < DNS_HDR_LEN)
		return refuse(&c, "truncated: header of %zu bytes", len);
	m->id = (uint16_t)(pkt[0] << 8 | pkt[1]);
	if (m->id != id)
		return refuse(&c, "wrong id 0x%04x (expected 0x%04x)", m->id, id);
	flags = (uint16_t)(pkt[2] << 8 | pkt[3]);
	if (!(flags & 0x8000))
		return refuse(&c, "not a response (QR clear)");
	if ((flags >> 11) & 0xf)
		return refuse(&c, "unexpected opcode %u", (flags >> 11) & 0xf);
	if (flags & 0x0200)
		return refuse(&c, "truncated response (TC set); TCP fallback is not supported");
	m->rcode = flags & 0xf;
	m->aa = (flags & 0x0400) != 0;
	qd = (uint16_t)(pkt[4] << 8 | pkt[5]);
	m->n_answer = (uint16_t)(pkt[6] << 8 | pkt[7]);
	m->n_authority = (uint16_t)(pkt[8] << 8 | pkt[9]);
	m->n_additional = (uint16_t)(pkt[10] << 8 | pkt[11]);
	if (qd != 1)
		return refuse(&c, "question count %u, expected 1", qd);
	c.off = DNS_HDR_LEN;
	if ((rc = get_name(&c, len, m->qname, "question")) || (rc = get16(&c, &qt, "question")) ||
	    (rc = get16(&c, &qc, "question")))
		return rc;
	if (ql && qname[ql - 1] == '.')
		ql--;
	if (strlen(m->qname) != ql || strncasecmp(m->qname, qname, ql))
		return refuse(&c, "answer for another name \"%s\" (asked \"%.*s\")", m->qname,
			      (int)ql, qname);
	if (qt != qtype)
		return refuse(&c, "answer for another type %u (asked %u)", qt, qtype);
	if (qc != DNS_CLASS_IN)
		return refuse(&c, "answer for class %u, not IN", qc);
	m->qtype = qt;
	memcpy(owners[0], m->qname, CP_DNS_NAME_LEN);
	for (unsigned int i = 0; i < m->n_answer; i++)
		if ((rc = get_rr(&c, m, CP_DNS_SEC_ANSWER, i, m->n_answer, owners, &n_owners)))
			return rc;
	for (unsigned int i = 0; i < m->n_authority; i++)
		if ((rc = get_rr(&c, m, CP_DNS_SEC_AUTHORITY, i, m->n_authority, owners,
				 &n_owners)))
			return rc;
	for (unsigned int i = 0; i < m->n_additional; i++)
		if ((rc = get_rr(&c, m, CP_DNS_SEC_ADDITIONAL, i, m->n_additional, owners,
				 &n_owners)))
			return rc;
	if (c.off != len)
		return refuse(&c, "%zu trailing bytes after the last record (offset %zu)",
			      len - c.off, c.off);
	return 0;
}

const char *cp_dns_rcode_name(uint8_t rcode)
{
	static const char *names[] = {"NOERROR",  "FORMERR", "SERVFAIL",
				      "NXDOMAIN", "NOTIMP",  "REFUSED"};
	static char buf[16];

	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	snprintf(buf, sizeof(buf), "RCODE%u", rcode);
	return buf;
}
