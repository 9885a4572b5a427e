/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Backend next-hop resolution over rtnetlink (see cp_neigh.h).
 *
 * A resolved backend keeps its last MAC when its neighbour entry goes away
 * or fails (the kernel garbage-collects entries nobody uses, and the
 * dataplane's traffic never confirms them): the kernel is asked to resolve
 * again, and the MAC changes only when it answers with another one. Taking a
 * backend out because a neighbour entry aged would move its flows.
 *
 * Entries are kept sorted by address (lookups are binary searches) with an
 * index by next hop for neighbour events, and a refresh pass is done in
 * steps of a bounded number of backends, so 100 k backends cost the event
 * loop n log n at a reload and a bounded slice of kernel requests per tick.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "cp_log.h"
#include "cp_loop.h"
#include "cp_neigh.h"
#include "cp_shm.h"

#define CP_NEIGH_RETRIGGER_NS 1000000000ull /* ask the kernel again after 1 s */
#define CP_NEIGH_BUF 32768 /* bytes: one netlink read (MNL_SOCKET_BUFFER_SIZE is not constant) */
#define NUD_USABLE (NUD_REACHABLE | NUD_STALE | NUD_PERMANENT | NUD_DELAY | NUD_PROBE)

struct neigh_entry {
	struct sl_addr addr;
	uint8_t af;
	uint8_t resolved;
	uint8_t mac[6];
	uint16_t tx_port;
	int oif;
	struct sl_addr nh; /* gateway, or the backend itself */
	struct sl_addr src;
	uint64_t triggered_ns;
	char why[160]; /* why unresolved (logged when it changes) */
};

struct neigh_port {
	char iface[IF_NAMESIZE];
	int ifindex;
};

struct cp_neigh {
	struct mnl_socket *req;
	struct mnl_socket *ev;
	uint32_t seq;
	struct neigh_entry *e; /* sorted by addr */
	uint32_t n;
	uint32_t *by_nh; /* indexes into e sorted by (oif, nh); rebuilt when nh_dirty */
	int nh_dirty;
	uint32_t cursor;       /* next entry of the refresh pass */
	uint32_t n_unresolved; /* entries with resolved == 0, kept as they change */
	int in_pass;
	struct neigh_port ports[SL_MAX_PORTS_LIMIT];
	uint32_t n_ports;
	char buf[CP_NEIGH_BUF];
};

static const char *addr_str(const struct sl_addr *a, char *buf, size_t len)
{
	if (sl_addr_is_v4(a))
		return inet_ntop(AF_INET, &a->a32[3], buf, (socklen_t)len);
	return inet_ntop(AF_INET6, a->a8, buf, (socklen_t)len);
}

static int family_of(const struct sl_addr *a)
{
	return sl_addr_is_v4(a) ? AF_INET : AF_INET6;
}

static const void *raw_of(const struct sl_addr *a)
{
	return sl_addr_is_v4(a) ? (const void *)&a->a32[3] : (const void *)a->a8;
}

static void addr_from_raw(struct sl_addr *a, int family, const void *raw)
{
	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		uint32_t v4;

		memcpy(&v4, raw, 4);
		sl_addr_from_v4(a, v4);
	} else {
		memcpy(a->a8, raw, 16);
	}
}

struct cp_neigh *cp_neigh_new(void)
{
	struct cp_neigh *n = calloc(1, sizeof(*n));
	unsigned int groups[] = {RTNLGRP_NEIGH, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE};
	int err;

	if (!n)
		return NULL;
	n->seq = (uint32_t)time(NULL);
	n->req = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	n->ev = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!n->req || !n->ev)
		goto fail;
	if (mnl_socket_bind(n->req, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_bind(n->ev, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (mnl_socket_setsockopt(n->ev, NETLINK_ADD_MEMBERSHIP, &groups[i],
					  sizeof(groups[i])) < 0)
			goto fail;
	return n;
fail:
	err = errno;
	cp_neigh_free(n);
	errno = err;
	return NULL;
}

void cp_neigh_free(struct cp_neigh *n)
{
	if (!n)
		return;
	if (n->req)
		mnl_socket_close(n->req);
	if (n->ev)
		mnl_socket_close(n->ev);
	free(n->e);
	free(n->by_nh);
	free(n);
}

int cp_neigh_fd(const struct cp_neigh *n)
{
	return mnl_socket_get_fd(n->ev);
}

static int addr_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct sl_addr));
}

static int entry_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct neigh_entry *)a)->addr,
		      &((const struct neigh_entry *)b)->addr, sizeof(struct sl_addr));
}

/* The entry of @a in the sorted @e[0..n), or NULL. */
static struct neigh_entry *find(const struct neigh_entry *e, uint32_t n, const struct sl_addr *a)
{
	struct neigh_entry key;

	if (!n) /* e may be NULL then, which bsearch() must not be given */
		return NULL;
	key.addr = *a;
	return bsearch(&key, e, n, sizeof(*e), entry_cmp);
}

static const struct neigh_entry *nh_base;

static int nh_cmp(const void *pa, const void *pb)
{
	const struct neigh_entry *a = &nh_base[*(const uint32_t *)pa];
	const struct neigh_entry *b = &nh_base[*(const uint32_t *)pb];

	if (a->oif != b->oif)
		return a->oif < b->oif ? -1 : 1;
	return memcmp(&a->nh, &b->nh, sizeof(a->nh));
}

/* The index by next hop, for neighbour events; 0 or -ENOMEM. */
static int nh_index(struct cp_neigh *n)
{
	uint32_t *ix;

	if (!n->nh_dirty)
		return 0;
	ix = realloc(n->by_nh, (n->n + 1) * sizeof(*ix));
	if (!ix)
		return -ENOMEM;
	for (uint32_t i = 0; i < n->n; i++)
		ix[i] = i;
	nh_base = n->e;
	qsort(ix, n->n, sizeof(*ix), nh_cmp);
	n->by_nh = ix;
	n->nh_dirty = 0;
	return 0;
}

int cp_neigh_configure(struct cp_neigh *n, const struct cfg *cfg)
{
	uint32_t total = 0, k = 0;
	struct sl_addr *addr;
	struct neigh_entry *e;

	for (uint32_t p = 0; p < cfg->n_pools; p++)
		total += cfg->pools[p].n_backends;
	/* sort the bare addresses (small), then lay out the entries (large) in that order */
	addr = malloc((total + 1) * sizeof(*addr));
	e = calloc(total + 1, sizeof(*e));
	if (!addr || !e) {
		free(addr);
		free(e);
		return -ENOMEM;
	}
	for (uint32_t p = 0; p < cfg->n_pools; p++)
		for (uint32_t b = 0; b < cfg->pools[p].n_backends; b++)
			addr[k++] = cfg->pools[p].backends[b].addr;
	qsort(addr, total, sizeof(*addr), addr_cmp);
	k = 0;
	for (uint32_t i = 0; i < total; i++) {
		const struct neigh_entry *old;

		if (k && memcmp(&e[k - 1].addr, &addr[i], sizeof(addr[i])) == 0)
			continue; /* one entry per address, however many pools list it */
		old = find(n->e, n->n, &addr[i]);
		if (old) {
			e[k] = *old;
		} else {
			e[k].addr = addr[i];
			e[k].af = sl_addr_is_v4(&addr[i]) ? SL_AF_INET : SL_AF_INET6;
			snprintf(e[k].why, sizeof(e[k].why), "not looked up yet");
		}
		k++;
	}
	free(addr);
	free(n->e);
	n->e = e;
	n->n = k;
	n->n_unresolved = 0;
	for (uint32_t i = 0; i < k; i++)
		n->n_unresolved += !e[i].resolved;
	n->nh_dirty = 1;
	n->cursor = 0; /* a pass under way starts over on the new set */
	n->n_ports = 0;
	for (uint32_t i = 0; i < cfg->dataplane.n_ports; i++) {
		struct neigh_port *np = &n->ports[n->n_ports++];

		snprintf(np->iface, sizeof(np->iface), "%s", cfg->dataplane.ports[i].iface);
		np->ifindex = 0;
	}
	return 0;
}

/* One request, answered synchronously: @cb sees the reply, the ACK ends it. */
static int request(struct cp_neigh *n, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	uint32_t portid = mnl_socket_get_portid(n->req);
	ssize_t len;
	int rc;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++n->seq;
	if (mnl_socket_sendto(n->req, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		len = mnl_socket_recvfrom(n->req, n->buf, sizeof(n->buf));
		if (len < 0)
			return -errno;
		rc = mnl_cb_run(n->buf, (size_t)len, n->seq, portid, cb, data);
	} while (rc > 0);
	return rc < 0 ? -errno : 0;
}

struct route_reply {
	int family;
	int type;
	int oif;
	int have_gw;
	uint8_t gw[16];
	int have_src;
	uint8_t src[16];
};

static int route_attr(const struct nlattr *a, void *data)
{
	struct route_reply *r = data;
	size_t alen = r->family == AF_INET ? 4 : 16;

	switch (mnl_attr_get_type(a)) {
	case RTA_OIF:
		if (mnl_attr_get_payload_len(a) >= 4)
			r->oif = (int)mnl_attr_get_u32(a);
		break;
	case RTA_GATEWAY:
		if (mnl_attr_get_payload_len(a) == alen) {
			memcpy(r->gw, mnl_attr_get_payload(a), alen);
			r->have_gw = 1;
		}
		break;
	case RTA_PREFSRC:
		if (mnl_attr_get_payload_len(a) == alen) {
			memcpy(r->src, mnl_attr_get_payload(a), alen);
			r->have_src = 1;
		}
		break;
	}
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_reply *r = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	r->type = rtm->rtm_type;
	return mnl_attr_parse(nlh, sizeof(*rtm), route_attr, r);
}

static int get_route(struct cp_neigh *n, const struct sl_addr *dst, struct route_reply *r)
{
	char req[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	struct rtmsg *rtm;
	int family = family_of(dst);

	memset(r, 0, sizeof(*r));
	r->family = family;
	nlh->nlmsg_type = RTM_GETROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_dst_len = family == AF_INET ? 32 : 128;
	mnl_attr_put(nlh, RTA_DST, family == AF_INET ? 4 : 16, raw_of(dst));
	return request(n, nlh, route_cb, r);
}

struct neigh_reply {
	int family;
	int ifindex;
	uint8_t dst[16];
	int have_dst;
	uint16_t state;
	uint8_t mac[6];
	int have_mac;
};

static int neigh_attr(const struct nlattr *a, void *data)
{
	struct neigh_reply *r = data;
	size_t alen = r->family == AF_INET ? 4 : 16;

	switch (mnl_attr_get_type(a)) {
	case NDA_DST:
		if (mnl_attr_get_payload_len(a) == alen) {
			memcpy(r->dst, mnl_attr_get_payload(a), alen);
			r->have_dst = 1;
		}
		break;
	case NDA_LLADDR:
		if (mnl_attr_get_payload_len(a) == 6) {
			memcpy(r->mac, mnl_attr_get_payload(a), 6);
			r->have_mac = 1;
		}
		break;
	}
	return MNL_CB_OK;
}

static int parse_neigh(const struct nlmsghdr *nlh, struct neigh_reply *r)
{
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);

	memset(r, 0, sizeof(*r));
	r->family = ndm->ndm_family;
	r->ifindex = ndm->ndm_ifindex;
	r->state = ndm->ndm_state;
	if (r->family != AF_INET && r->family != AF_INET6)
		return MNL_CB_OK;
	return mnl_attr_parse(nlh, sizeof(*ndm), neigh_attr, r);
}

static int neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type != RTM_NEWNEIGH)
		return MNL_CB_OK;
	return parse_neigh(nlh, data);
}

static int get_neigh(struct cp_neigh *n, int ifindex, const struct sl_addr *dst,
		     struct neigh_reply *r)
{
	char req[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	struct ndmsg *ndm;
	int family = family_of(dst);

	memset(r, 0, sizeof(*r));
	nlh->nlmsg_type = RTM_GETNEIGH;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = (uint8_t)family;
	ndm->ndm_ifindex = ifindex;
	mnl_attr_put(nlh, NDA_DST, family == AF_INET ? 4 : 16, raw_of(dst));
	return request(n, nlh, neigh_cb, r);
}

/* Make the kernel resolve @dst on @ifindex, as `ip neigh replace DST dev IF use` does. */
static int trigger(struct cp_neigh *n, int ifindex, const struct sl_addr *dst)
{
	char req[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	struct ndmsg *ndm;
	int family = family_of(dst), rc;

	nlh->nlmsg_type = RTM_NEWNEIGH;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = (uint8_t)family;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_state = NUD_NONE;
	ndm->ndm_flags = NTF_USE;
	mnl_attr_put(nlh, NDA_DST, family == AF_INET ? 4 : 16, raw_of(dst));
	rc = request(n, nlh, NULL, NULL);
	if (rc == 0)
		return 0;

	/* fallback: a datagram to the discard port makes the stack resolve it */
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct sockaddr_storage ss;
	socklen_t sl;

	if (fd < 0)
		return rc;
	sl = sl_addr_to_sockaddr(dst, 9, &ss);
	rc = sendto(fd, "", 0, 0, (struct sockaddr *)&ss, sl) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

/* The ports' interface indexes, looked up once per refresh pass (they change on a reload). */
static void ports_index(struct cp_neigh *n)
{
	for (uint32_t i = 0; i < n->n_ports; i++)
		n->ports[i].ifindex =
			n->ports[i].iface[0] ? (int)if_nametoindex(n->ports[i].iface) : 0;
}

static int port_of(struct cp_neigh *n, int ifindex)
{
	for (uint32_t i = 0; i < n->n_ports; i++)
		if (n->ports[i].ifindex && n->ports[i].ifindex == ifindex)
			return (int)i;
	return -1;
}

static void set_why(struct neigh_entry *e, const char *why)
{
	char a[INET6_ADDRSTRLEN];

	if (strcmp(e->why, why) != 0) {
		snprintf(e->why, sizeof(e->why), "%s", why);
		CP_LOG_NEIGH(WARN, "backend %s unresolved: %s", addr_str(&e->addr, a, sizeof(a)),
			     why);
	}
}

static void set_resolved(struct cp_neigh *n, struct neigh_entry *e)
{
	if (!e->resolved)
		n->n_unresolved--;
	e->resolved = 1;
}

static int unresolve(struct cp_neigh *n, struct neigh_entry *e, const char *why)
{
	int was = e->resolved;

	if (was)
		n->n_unresolved++;
	e->resolved = 0;
	set_why(e, why);
	return was;
}

static void log_resolved(const struct neigh_entry *e, const struct cp_neigh *n)
{
	char a[INET6_ADDRSTRLEN], nh[INET6_ADDRSTRLEN];

	CP_LOG_NEIGH(INFO, "backend %s: next hop %s %02x:%02x:%02x:%02x:%02x:%02x on %s (port %u)",
		     addr_str(&e->addr, a, sizeof(a)), addr_str(&e->nh, nh, sizeof(nh)), e->mac[0],
		     e->mac[1], e->mac[2], e->mac[3], e->mac[4], e->mac[5],
		     n->ports[e->tx_port].iface, e->tx_port);
}

/* Route and neighbour of one backend; returns 1 if its next hop changed. */
static int resolve_one(struct cp_neigh *n, struct neigh_entry *e, uint64_t now)
{
	char a[INET6_ADDRSTRLEN], why[160], ifname[IF_NAMESIZE] = "?";
	struct route_reply r;
	struct neigh_reply nr;
	struct sl_addr nh, src = {0};
	int rc, port, family = family_of(&e->addr), same_path;

	addr_str(&e->addr, a, sizeof(a));
	rc = get_route(n, &e->addr, &r);
	if (rc) {
		snprintf(why, sizeof(why), "no route to %s: %s", a, strerror(-rc));
		return unresolve(n, e, why);
	}
	if (r.type != RTN_UNICAST) {
		snprintf(why, sizeof(why), "route to %s is not unicast (type %d%s)", a, r.type,
			 r.type == RTN_LOCAL ? ", a local address" : "");
		return unresolve(n, e, why);
	}
	port = port_of(n, r.oif);
	if (port < 0) {
		if_indextoname((unsigned int)r.oif, ifname);
		snprintf(why, sizeof(why),
			 "route to %s leaves through %s, which is no dataplane port", a, ifname);
		return unresolve(n, e, why);
	}
	if (r.have_gw)
		addr_from_raw(&nh, family, r.gw);
	else
		nh = e->addr;
	if (r.have_src)
		addr_from_raw(&src, family, r.src);

	same_path = e->resolved && e->oif == r.oif && memcmp(&e->nh, &nh, sizeof(nh)) == 0;
	if (e->oif != r.oif || memcmp(&e->nh, &nh, sizeof(nh)) != 0)
		n->nh_dirty = 1;
	rc = get_neigh(n, r.oif, &nh, &nr);
	if (rc == 0 && nr.have_mac && (nr.state & NUD_USABLE)) {
		int changed = !e->resolved || e->tx_port != port || memcmp(e->mac, nr.mac, 6) ||
			      memcmp(&e->src, &src, sizeof(src));

		set_resolved(n, e);
		e->oif = r.oif;
		e->tx_port = (uint16_t)port;
		e->nh = nh;
		e->src = src;
		memcpy(e->mac, nr.mac, 6);
		e->why[0] = '\0';
		if (changed)
			log_resolved(e, n);
		/* a stale entry is refreshed so a moved MAC is noticed */
		if (nr.state & NUD_STALE)
			trigger(n, r.oif, &nh);
		return changed;
	}
	if (now - e->triggered_ns >= CP_NEIGH_RETRIGGER_NS) {
		e->triggered_ns = now;
		rc = trigger(n, r.oif, &nh);
		if (rc)
			CP_LOG_NEIGH(WARN,
				     "could not ask the kernel to resolve the next hop of %s: %s",
				     a, strerror(-rc));
	}
	if (same_path)
		return 0; /* keep the last MAC until the kernel answers */
	e->oif = r.oif;
	e->tx_port = (uint16_t)port;
	e->nh = nh;
	e->src = src;
	if_indextoname((unsigned int)r.oif, ifname);
	snprintf(why, sizeof(why), "waiting for the %s answer of %s on %s",
		 family == AF_INET ? "ARP" : "ND", addr_str(&nh, a, sizeof(a)), ifname);
	return unresolve(n, e, why);
}

void cp_neigh_refresh_start(struct cp_neigh *n)
{
	ports_index(n);
	n->cursor = 0;
	n->in_pass = 1;
}

int cp_neigh_in_pass(const struct cp_neigh *n)
{
	return n->in_pass;
}

int cp_neigh_refresh_step(struct cp_neigh *n, uint32_t budget)
{
	uint64_t now = cp_loop_now_ns();
	int changed = 0;

	if (!n->in_pass)
		return 0;
	for (; n->cursor < n->n && budget; n->cursor++, budget--)
		changed += resolve_one(n, &n->e[n->cursor], now);
	if (n->cursor >= n->n)
		n->in_pass = 0;
	return changed;
}

int cp_neigh_refresh(struct cp_neigh *n)
{
	cp_neigh_refresh_start(n);
	return cp_neigh_refresh_step(n, UINT32_MAX);
}

/* A neighbour event: update every backend whose next hop it is. */
static int on_neigh(struct cp_neigh *n, const struct nlmsghdr *nlh)
{
	struct neigh_reply r;
	struct sl_addr dst;
	int changed = 0;

	struct neigh_entry key;
	uint32_t lo = 0, hi = n->n;

	parse_neigh(nlh, &r);
	if (!r.have_dst || (r.family != AF_INET && r.family != AF_INET6))
		return 0;
	addr_from_raw(&dst, r.family, r.dst);
	/* the first backend behind (ifindex, dst) in the next-hop index */
	key.oif = r.ifindex;
	key.nh = dst;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct neigh_entry *m = &n->e[n->by_nh[mid]];
		int c = m->oif != key.oif ? (m->oif < key.oif ? -1 : 1)
					  : memcmp(&m->nh, &key.nh, sizeof(key.nh));

		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (uint32_t i = lo; i < n->n; i++) {
		struct neigh_entry *e = &n->e[n->by_nh[i]];

		if (e->oif != r.ifindex || memcmp(&e->nh, &dst, sizeof(dst)) != 0)
			break;
		if (nlh->nlmsg_type == RTM_NEWNEIGH && r.have_mac && (r.state & NUD_USABLE)) {
			if (!e->resolved || memcmp(e->mac, r.mac, 6) != 0) {
				set_resolved(n, e);
				memcpy(e->mac, r.mac, 6);
				e->why[0] = '\0';
				log_resolved(e, n);
				changed++;
			}
		} else if (e->resolved) {
			/* gone or failed: ask again, keep the MAC meanwhile */
			e->triggered_ns = cp_loop_now_ns();
			trigger(n, e->oif, &e->nh);
		}
	}
	return changed;
}

int cp_neigh_process(struct cp_neigh *n)
{
	int changed = 0, routes = 0;
	ssize_t len;

	if (nh_index(n) != 0)
		return -ENOMEM;
	for (;;) {
		len = mnl_socket_recvfrom(n->ev, n->buf, sizeof(n->buf));
		if (len < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == ENOBUFS) { /* events lost: look at everything again */
				routes = 1;
				continue;
			}
			return -errno;
		}
		for (const struct nlmsghdr *nlh = (const void *)n->buf; mnl_nlmsg_ok(nlh, (int)len);
		     nlh = mnl_nlmsg_next(nlh, (int *)&len)) {
			switch (nlh->nlmsg_type) {
			case RTM_NEWNEIGH:
			case RTM_DELNEIGH:
				changed += on_neigh(n, nlh);
				break;
			case RTM_NEWROUTE:
			case RTM_DELROUTE:
				routes = 1;
				break;
			}
		}
	}
	if (routes)
		cp_neigh_refresh_start(n); /* done in steps by the caller */
	return changed;
}

uint32_t cp_neigh_unresolved(const struct cp_neigh *n)
{
	return n->n_unresolved;
}

int cp_neigh_lookup(void *ctx, const struct sl_addr *addr, struct cp_nexthop *nh)
{
	struct cp_neigh *n = ctx;
	const struct neigh_entry *e = find(n->e, n->n, addr);

	if (!e || !e->resolved)
		return -EHOSTUNREACH;
	memset(nh, 0, sizeof(*nh));
	nh->tx_port = e->tx_port;
	memcpy(nh->mac, e->mac, 6);
	nh->src = e->src;
	return 0;
}
