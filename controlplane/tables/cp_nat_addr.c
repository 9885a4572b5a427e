/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Full-NAT source addresses on the port interfaces over rtnetlink (see
 * cp_nat_addr.h). Each operation starts from a dump of the kernel's
 * addresses: the kernel is the only record of what an earlier sluiced
 * added, and a few hundred addresses cost one request.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "cp_log.h"
#include "cp_nat_addr.h"
#include "sl_addr.h"

#define CP_NAT_ADDR_BUF 32768 /* bytes: one netlink read */

/* An address the kernel has. */
struct kaddr {
	struct sl_addr addr;
	int ifindex;
	uint8_t prefixlen;
	uint8_t proto; /* IFA_PROTO, 0 when absent */
	uint8_t scope; /* RT_SCOPE_*: link-local and host addresses hold no source's subnet */
};

struct kaddrs {
	struct kaddr *a;
	uint32_t n, cap;
};

/* A source and the port whose interface it goes on. */
struct nat_src {
	struct sl_addr addr;
	int ifindex;
	uint16_t port;
};

struct nat_set {
	struct nat_src s[SL_MAX_NAT_SOURCES_LIMIT];
	uint32_t n;
	int port_if[SL_MAX_PORTS_LIMIT]; /* the ports' interfaces: where marked addresses are ours
					  */
	uint32_t n_ports;
};

struct cp_nat_addr {
	struct mnl_socket *nl;
	uint32_t seq;
	struct nat_set run, staged;
	int has_staged;
	char buf[CP_NAT_ADDR_BUF];
};

static const char *addr_str(const struct sl_addr *a, char *buf, size_t len)
{
	if (sl_addr_is_v4(a))
		return inet_ntop(AF_INET, &a->a32[3], buf, (socklen_t)len);
	return inet_ntop(AF_INET6, a->a8, buf, (socklen_t)len);
}

static const char *if_str(int ifindex, char *buf)
{
	if (!if_indextoname((unsigned int)ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "ifindex %d", ifindex);
	return buf;
}

struct cp_nat_addr *cp_nat_addr_new(void)
{
	struct cp_nat_addr *na = calloc(1, sizeof(*na));
	int err;

	if (!na)
		return NULL;
	na->seq = (uint32_t)time(NULL);
	na->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!na->nl || mnl_socket_bind(na->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = errno;
		cp_nat_addr_free(na);
		errno = err;
		return NULL;
	}
	return na;
}

void cp_nat_addr_free(struct cp_nat_addr *na)
{
	if (!na)
		return;
	if (na->nl)
		mnl_socket_close(na->nl);
	free(na);
}

/* Send @nlh and read until its answer ends (ACK, error or the dump's end). */
static int request(struct cp_nat_addr *na, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	uint32_t portid = mnl_socket_get_portid(na->nl);
	ssize_t len;
	int rc;

	nlh->nlmsg_flags |= NLM_F_REQUEST;
	nlh->nlmsg_seq = ++na->seq;
	if (mnl_socket_sendto(na->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		len = mnl_socket_recvfrom(na->nl, na->buf, sizeof(na->buf));
		if (len < 0)
			return -errno;
		rc = mnl_cb_run(na->buf, (size_t)len, na->seq, portid, cb, data);
	} while (rc > 0);
	return rc < 0 ? -errno : 0;
}

struct addr_attrs {
	const struct nlattr *local, *address, *proto;
};

static int addr_attr(const struct nlattr *a, void *data)
{
	struct addr_attrs *r = data;

	switch (mnl_attr_get_type(a)) {
	case IFA_LOCAL:
		r->local = a;
		break;
	case IFA_ADDRESS:
		r->address = a;
		break;
	case IFA_PROTO:
		if (mnl_attr_validate(a, MNL_TYPE_U8) == 0)
			r->proto = a;
		break;
	}
	return MNL_CB_OK;
}

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct kaddrs *k = data;
	struct addr_attrs r = {0};
	const struct nlattr *at;
	struct kaddr *e;

	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr, &r);
	/* IPv4: IFA_LOCAL is the address, IFA_ADDRESS the peer of a point-to-point link */
	at = ifa->ifa_family == AF_INET && r.local ? r.local : r.address;
	if (!at || mnl_attr_get_payload_len(at) != (ifa->ifa_family == AF_INET ? 4 : 16))
		return MNL_CB_OK;
	if (k->n == k->cap) {
		uint32_t cap = k->cap ? 2 * k->cap : 64;
		struct kaddr *a = realloc(k->a, cap * sizeof(*a));

		if (!a) {
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
		k->a = a;
		k->cap = cap;
	}
	e = &k->a[k->n++];
	memset(e, 0, sizeof(*e));
	if (ifa->ifa_family == AF_INET) {
		uint32_t v4;

		memcpy(&v4, mnl_attr_get_payload(at), 4);
		sl_addr_from_v4(&e->addr, v4);
	} else {
		memcpy(e->addr.a8, mnl_attr_get_payload(at), 16);
	}
	e->ifindex = (int)ifa->ifa_index;
	e->prefixlen = ifa->ifa_prefixlen;
	e->proto = r.proto ? mnl_attr_get_u8(r.proto) : 0;
	e->scope = ifa->ifa_scope;
	return MNL_CB_OK;
}

/* Every address the kernel has, on every interface, into @k (free k->a). */
static int dump(struct cp_nat_addr *na, struct kaddrs *k)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	memset(k, 0, sizeof(*k));
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	return request(na, nlh, dump_cb, k);
}

/* Add (RTM_NEWADDR) or remove (RTM_DELADDR) @a as a host address on @ifindex, with our mark. */
static int change(struct cp_nat_addr *na, uint16_t type, const struct sl_addr *a, int ifindex,
		  uint8_t prefixlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int v4 = sl_addr_is_v4(a);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_ACK | (type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = v4 ? AF_INET : AF_INET6;
	ifa->ifa_prefixlen = prefixlen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned int)ifindex;
	if (v4) {
		mnl_attr_put(nlh, IFA_LOCAL, 4, &a->a32[3]);
		mnl_attr_put(nlh, IFA_ADDRESS, 4, &a->a32[3]);
	} else {
		mnl_attr_put(nlh, IFA_ADDRESS, 16, a->a8);
	}
	if (type == RTM_NEWADDR) {
		mnl_attr_put_u8(nlh, IFA_PROTO, CP_NAT_ADDR_PROTO);
		if (!v4) {
			/* deprecated: answered and received, never the kernel's chosen source */
			struct ifa_cacheinfo ci = {.ifa_prefered = 0, .ifa_valid = 0xffffffffu};

			ifa->ifa_flags = IFA_F_NODAD;
			mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD | IFA_F_NOPREFIXROUTE);
			mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(ci), &ci);
		}
	}
	return request(na, nlh, NULL, NULL);
}

/* Whether the first @bits bits of @a and @p agree (@len bytes each). */
static int in_prefix(const uint8_t *a, const uint8_t *p, unsigned int bits)
{
	unsigned int full = bits / 8, rest = bits % 8;

	if (memcmp(a, p, full))
		return 0;
	return !rest || ((a[full] ^ p[full]) & (0xff00 >> rest) & 0xff) == 0;
}

static const uint8_t *raw(const struct sl_addr *a)
{
	return sl_addr_is_v4(a) ? (const uint8_t *)&a->a32[3] : a->a8;
}

static int port_of_if(const struct nat_set *s, int ifindex)
{
	for (uint32_t i = 0; i < s->n_ports; i++)
		if (s->port_if[i] && s->port_if[i] == ifindex)
			return (int)i;
	return -1;
}

/* Whether @e is a subnet of @v4's family on a port's interface (not ours, not a host route). */
static int is_port_subnet(const struct nat_set *s, const struct kaddr *e, int v4)
{
	return port_of_if(s, e->ifindex) >= 0 && e->proto != CP_NAT_ADDR_PROTO &&
	       e->scope == RT_SCOPE_UNIVERSE && sl_addr_is_v4(&e->addr) == v4 &&
	       e->prefixlen < (v4 ? 32 : 128);
}

/* The port whose interface has the longest prefix (not a host address) holding @a, or -1. */
static int subnet_port(const struct nat_set *s, const struct kaddrs *k, const struct sl_addr *a,
		       int *ifindex)
{
	int v4 = sl_addr_is_v4(a), best = -1, best_len = -1;

	for (uint32_t i = 0; i < k->n; i++) {
		const struct kaddr *e = &k->a[i];

		if (!is_port_subnet(s, e, v4) || (int)e->prefixlen <= best_len ||
		    !in_prefix(raw(a), raw(&e->addr), e->prefixlen))
			continue;
		best = port_of_if(s, e->ifindex);
		best_len = e->prefixlen;
		*ifindex = e->ifindex;
	}
	return best;
}

/* "198.18.0.2/24 on sl-lb0, ..." : the subnets of @v4's family on the ports' interfaces. */
static void subnets_str(const struct nat_set *s, const struct kaddrs *k, int v4, char *out,
			size_t len)
{
	char text[INET6_ADDRSTRLEN], ifn[IF_NAMESIZE];
	size_t used = 0;

	out[0] = '\0';
	for (uint32_t i = 0; i < k->n && used < len; i++) {
		const struct kaddr *e = &k->a[i];

		if (!is_port_subnet(s, e, v4))
			continue;
		used += (size_t)snprintf(out + used, len - used, "%s%s/%u on %s", used ? ", " : "",
					 addr_str(&e->addr, text, sizeof(text)), e->prefixlen,
					 if_str(e->ifindex, ifn));
	}
	if (!out[0])
		snprintf(out, len, "no %s subnet on the ports' interfaces", v4 ? "IPv4" : "IPv6");
}

/* Source @src (KEY @key) of @cfg into @s, or -EINVAL with @why. */
static int check_one(struct nat_set *s, const struct kaddrs *k, const struct cfg *cfg,
		     const struct cfg_nat_source *src, const char *key, char *why, size_t why_len)
{
	char text[INET6_ADDRSTRLEN], ifn[IF_NAMESIZE], subnets[256];
	int port, ifindex = 0;

	addr_str(&src->addr, text, sizeof(text));
	for (uint32_t i = 0; i < k->n; i++)
		if (k->a[i].proto != CP_NAT_ADDR_PROTO &&
		    !memcmp(&k->a[i].addr, &src->addr, sizeof(src->addr))) {
			snprintf(why, why_len,
				 "%s:%d: %s: %s is an address the kernel already has on %s (not "
				 "one sluiced added): name an unused address of the subnet",
				 cfg->file, src->line, key, text, if_str(k->a[i].ifindex, ifn));
			return -EINVAL;
		}
	port = subnet_port(s, k, &src->addr, &ifindex);
	if (port < 0) {
		subnets_str(s, k, sl_addr_is_v4(&src->addr), subnets, sizeof(subnets));
		snprintf(why, why_len, "%s:%d: %s: %s is on no dataplane port's subnet (%s)",
			 cfg->file, src->line, key, text, subnets);
		return -EINVAL;
	}
	for (uint32_t i = 0; i < s->n; i++)
		if (!memcmp(&s->s[i].addr, &src->addr, sizeof(src->addr)))
			return 0; /* the loader gives an address to one list; a view may not */
	if (s->n == SL_MAX_NAT_SOURCES_LIMIT) {
		snprintf(why, why_len, "%s:%d: %s: more than %u NAT sources", cfg->file, src->line,
			 key, SL_MAX_NAT_SOURCES_LIMIT);
		return -EINVAL;
	}
	s->s[s->n++] =
		(struct nat_src){.addr = src->addr, .ifindex = ifindex, .port = (uint16_t)port};
	return 0;
}

static int check_list(struct nat_set *s, const struct kaddrs *k, const struct cfg *cfg,
		      const struct cfg_nat_sources *l, const char *gkey, char *why, size_t why_len)
{
	char key[96];
	int rc;

	for (uint32_t i = 0; i < l->n; i++) {
		snprintf(key, sizeof(key), "%s.sources[%u]", gkey, i);
		rc = check_one(s, k, cfg, &l->a[i], key, why, why_len);
		if (rc)
			return rc;
	}
	return 0;
}

int cp_nat_addr_check(struct cp_nat_addr *na, const struct cfg *cfg, char *why, size_t why_len)
{
	struct nat_set *s = calloc(1, sizeof(*s));
	struct kaddrs k = {0};
	char gkey[32];
	int rc;

	if (!s)
		return -ENOMEM;
	for (uint32_t i = 0; i < cfg->dataplane.n_ports; i++)
		s->port_if[i] = cfg->dataplane.ports[i].iface[0]
					? (int)if_nametoindex(cfg->dataplane.ports[i].iface)
					: 0;
	s->n_ports = cfg->dataplane.n_ports;
	rc = dump(na, &k);
	if (rc) {
		snprintf(why, why_len, "reading the interfaces' addresses: %s", strerror(-rc));
		goto out;
	}
	rc = check_list(s, &k, cfg, &cfg->nat.sources, "nat", why, why_len);
	for (uint32_t i = 0; !rc && i < cfg->n_vips; i++) {
		if (!sl_mode_is_nat(cfg->vips[i].mode))
			continue;
		snprintf(gkey, sizeof(gkey), "vips[%u].nat", i);
		rc = check_list(s, &k, cfg, &cfg->vips[i].nat_sources, gkey, why, why_len);
	}
	if (!rc) {
		na->staged = *s;
		na->has_staged = 1;
	}
out:
	free(k.a);
	free(s);
	return rc;
}

static int in_set(const struct nat_set *s, const struct kaddr *e)
{
	for (uint32_t i = 0; s && i < s->n; i++)
		if (s->s[i].ifindex == e->ifindex &&
		    !memcmp(&s->s[i].addr, &e->addr, sizeof(e->addr)))
			return 1;
	return 0;
}

static int has(const struct kaddrs *k, const struct nat_src *src)
{
	for (uint32_t i = 0; i < k->n; i++)
		if (k->a[i].ifindex == src->ifindex &&
		    !memcmp(&k->a[i].addr, &src->addr, sizeof(src->addr)))
			return 1;
	return 0;
}

/* Add the sources of @s that @k lacks. The first negative errno, or 0. */
static int add_missing(struct cp_nat_addr *na, const struct kaddrs *k, const struct nat_set *s)
{
	char text[INET6_ADDRSTRLEN], ifn[IF_NAMESIZE];
	int first = 0;

	for (uint32_t i = 0; s && i < s->n; i++) {
		const struct nat_src *src = &s->s[i];
		uint8_t plen = sl_addr_is_v4(&src->addr) ? 32 : 128;
		int rc;

		if (has(k, src))
			continue;
		rc = change(na, RTM_NEWADDR, &src->addr, src->ifindex, plen);
		addr_str(&src->addr, text, sizeof(text));
		if_str(src->ifindex, ifn);
		if (rc) {
			CP_LOG_NAT(ERR, "adding source %s/%u to %s: %s", text, plen, ifn,
				   strerror(-rc));
			first = first ? first : rc;
			continue;
		}
		CP_LOG_NAT(INFO, "source %s/%u added to %s", text, plen, ifn);
	}
	return first;
}

/*
 * The kernel holds, of the addresses with our mark on the ports'
 * interfaces (the running and the staged config's), exactly those of @a
 * and @b (either may be NULL): the missing are added first, then the rest
 * removed. The first negative errno, or 0.
 */
static int apply(struct cp_nat_addr *na, const struct nat_set *a, const struct nat_set *b)
{
	char text[INET6_ADDRSTRLEN], ifn[IF_NAMESIZE];
	struct kaddrs k;
	int rc, first;

	rc = dump(na, &k);
	if (rc) {
		CP_LOG_NAT(ERR, "reading the interfaces' addresses: %s", strerror(-rc));
		goto out;
	}
	first = add_missing(na, &k, a);
	rc = add_missing(na, &k, b);
	first = first ? first : rc;
	for (uint32_t i = 0; i < k.n; i++) {
		const struct kaddr *e = &k.a[i];
		int ours = port_of_if(&na->run, e->ifindex) >= 0 ||
			   (na->has_staged && port_of_if(&na->staged, e->ifindex) >= 0);

		if (e->proto != CP_NAT_ADDR_PROTO || !ours || in_set(a, e) || in_set(b, e))
			continue;
		rc = change(na, RTM_DELADDR, &e->addr, e->ifindex, e->prefixlen);
		addr_str(&e->addr, text, sizeof(text));
		if_str(e->ifindex, ifn);
		if (rc && rc != -EADDRNOTAVAIL) {
			CP_LOG_NAT(ERR, "removing source %s/%u from %s: %s", text, e->prefixlen,
				   ifn, strerror(-rc));
			first = first ? first : rc;
			continue;
		}
		CP_LOG_NAT(INFO, "source %s/%u removed from %s", text, e->prefixlen, ifn);
	}
	rc = first;
out:
	free(k.a);
	return rc;
}

int cp_nat_addr_stage(struct cp_nat_addr *na)
{
	return apply(na, &na->run, na->has_staged ? &na->staged : NULL);
}

int cp_nat_addr_commit(struct cp_nat_addr *na)
{
	int rc;

	if (na->has_staged)
		na->run = na->staged;
	rc = apply(na, &na->run, NULL);
	na->has_staged = 0;
	return rc;
}

int cp_nat_addr_discard(struct cp_nat_addr *na)
{
	int rc = apply(na, &na->run, NULL);

	na->has_staged = 0;
	return rc;
}

int cp_nat_addr_clear(struct cp_nat_addr *na)
{
	int rc;

	na->run.n = 0;
	if (na->has_staged)
		na->staged.n = 0;
	rc = apply(na, NULL, NULL);
	na->has_staged = 0;
	return rc;
}

int cp_nat_addr_port(void *ctx, const struct sl_addr *addr, uint16_t *tx_port)
{
	const struct cp_nat_addr *na = ctx;
	const struct nat_set *s = na->has_staged ? &na->staged : &na->run;

	for (uint32_t i = 0; i < s->n; i++)
		if (!memcmp(&s->s[i].addr, addr, sizeof(*addr))) {
			*tx_port = s->s[i].port;
			return 0;
		}
	return -ENOENT;
}
