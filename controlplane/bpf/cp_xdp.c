// SPDX-License-Identifier: BSD-3-Clause
/*
 * sluice_xdp's VIP map, probe map and counters, reached through the
 * interface it is attached to (see cp_xdp.h). Sync adds before it deletes,
 * so a VIP present in both the old and the new set is never missing from
 * the map. Probes come and go at the health checks' rate, so their map fd
 * is kept per interface, checked against the attached program id (one
 * netlink query) on every use.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sl_bpf.h"
#include "cp_xdp.h"
#include "sl_shm.h"

#define CP_XDP_CACHE_MAX 8 /* interfaces whose sl_probes fd is kept open */

struct cp_xdp_cached_map {
	unsigned int ifindex; /* 0: free slot */
	uint32_t prog_id;     /* the program the fd belongs to */
	int fd;
};

static struct cp_xdp_cached_map cp_xdp_probes_cache[CP_XDP_CACHE_MAX];

static const char *const cp_xdp_stat_names[] = {
#define CP_XDP_STAT_NAME(sym, str) [SL_XDP_##sym] = str,
	SL_XDP_STATS(CP_XDP_STAT_NAME)
#undef CP_XDP_STAT_NAME
};

const char *cp_xdp_stat_name(unsigned int stat)
{
	return stat < SL_XDP_STAT_MAX ? cp_xdp_stat_names[stat] : "unknown";
}

/* ids of the native and generic XDP programs on @ifindex (0 where none) */
static int cp_xdp_prog_ids(unsigned int ifindex, uint32_t ids[2])
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int ret;

	ret = bpf_xdp_query(ifindex, 0, &q);
	if (ret)
		return ret;
	ids[0] = q.drv_prog_id;
	ids[1] = q.skb_prog_id;
	return 0;
}

/*
 * fd of map @name of the XDP program on @ifname (driver mode first, then
 * skb); the id of the program it belongs to into *@prog_id if not NULL.
 */
static int cp_xdp_map_of(const char *ifname, const char *name, uint32_t key_size,
			 uint32_t value_size, uint32_t *prog_id)
{
	uint32_t ids[2];
	unsigned int ifindex, i;
	int ret;

	ifindex = if_nametoindex(ifname);
	if (!ifindex)
		return -ENODEV;
	ret = cp_xdp_prog_ids(ifindex, ids);
	if (ret)
		return ret;
	ret = -ENOENT;
	for (i = 0; i < 2 && ret == -ENOENT; i++) {
		if (!ids[i])
			continue;
		ret = sl_bpf_prog_map(ids[i], name, key_size, value_size);
		if (ret >= 0 && prog_id)
			*prog_id = ids[i];
	}
	return ret;
}

static int cp_xdp_map(const char *ifname, const char *name, uint32_t key_size, uint32_t value_size)
{
	return cp_xdp_map_of(ifname, name, key_size, value_size, NULL);
}

int cp_xdp_probes_map(const char *ifname, uint32_t *prog_id)
{
	return cp_xdp_map_of(ifname, SL_PROBES_MAP, sizeof(struct sl_probe_key),
			     sizeof(struct sl_probe_value), prog_id);
}

int cp_xdp_prog_id(const char *ifname, uint32_t *prog_id)
{
	int fd = cp_xdp_probes_map(ifname, prog_id);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

void cp_xdp_cache_flush(void)
{
	unsigned int i;

	for (i = 0; i < CP_XDP_CACHE_MAX; i++) {
		if (cp_xdp_probes_cache[i].ifindex)
			close(cp_xdp_probes_cache[i].fd);
		cp_xdp_probes_cache[i].ifindex = 0;
	}
}

/*
 * sl_probes of the program on @ifname, from the cache while that program is
 * still attached. The fd belongs to the cache: do not close it.
 */
static int cp_xdp_probes_fd(const char *ifname)
{
	struct cp_xdp_cached_map *c = NULL, *free_slot = NULL;
	unsigned int ifindex, i;
	uint32_t ids[2], prog_id = 0;
	int ret, fd;

	ifindex = if_nametoindex(ifname);
	if (!ifindex)
		return -ENODEV;
	for (i = 0; i < CP_XDP_CACHE_MAX; i++) {
		if (cp_xdp_probes_cache[i].ifindex == ifindex)
			c = &cp_xdp_probes_cache[i];
		else if (!cp_xdp_probes_cache[i].ifindex && !free_slot)
			free_slot = &cp_xdp_probes_cache[i];
	}
	if (c) {
		ret = cp_xdp_prog_ids(ifindex, ids);
		if (ret)
			return ret;
		if (c->prog_id && (c->prog_id == ids[0] || c->prog_id == ids[1]))
			return c->fd;
		close(c->fd); /* replaced or gone: look again */
		c->ifindex = 0;
		free_slot = c;
	}
	fd = cp_xdp_probes_map(ifname, &prog_id);
	if (fd < 0 || !free_slot)
		return fd; /* uncached: the caller sees a fd it must close (see below) */
	free_slot->ifindex = ifindex;
	free_slot->prog_id = prog_id;
	free_slot->fd = fd;
	return fd;
}

/* whether @fd is one the cache owns */
static int cp_xdp_cached(int fd)
{
	unsigned int i;

	for (i = 0; i < CP_XDP_CACHE_MAX; i++)
		if (cp_xdp_probes_cache[i].ifindex && cp_xdp_probes_cache[i].fd == fd)
			return 1;
	return 0;
}

static int cp_xdp_probe_key(struct sl_probe_key *k, const struct sl_addr *local,
			    uint16_t local_port, uint8_t proto)
{
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, local->a8, sizeof(k->addr));
	k->port = htons(local_port);
	k->proto = proto;
	return 0;
}

static int cp_xdp_is_v4(const uint8_t a8[16])
{
	struct sl_addr a;

	memcpy(a.a8, a8, sizeof(a.a8));
	return sl_addr_is_v4(&a);
}

static int cp_xdp_tunnel_check(const struct sl_addr *local, const struct sl_probe_value *v)
{
	int v4 = sl_addr_is_v4(local);

	if (!(v->flags & SL_PROBE_F_TUNNEL) || v->flags & ~SL_PROBE_F_TUNNEL)
		return -EINVAL;
	if (v->encap != SL_PROBE_ENCAP_IPIP && v->encap != SL_PROBE_ENCAP_GUE)
		return -EINVAL;
	if (v->encap == SL_PROBE_ENCAP_GUE && !v->gue_port)
		return -EINVAL;
	if (cp_xdp_is_v4(v->backend) != v4 || cp_xdp_is_v4(v->vip) != v4)
		return -EAFNOSUPPORT;
	return 0;
}

int cp_xdp_probe_add(const char *ifname, const struct sl_addr *local, uint16_t local_port,
		     uint8_t proto, const struct sl_probe_value *tunnel)
{
	struct sl_probe_value v;
	struct sl_probe_key k;
	int fd, ret;

	ret = cp_xdp_probe_key(&k, local, local_port, proto);
	if (ret)
		return ret;
	memset(&v, 0, sizeof(v));
	if (tunnel) {
		ret = cp_xdp_tunnel_check(local, tunnel);
		if (ret)
			return ret;
		v = *tunnel;
	}
	fd = cp_xdp_probes_fd(ifname);
	if (fd < 0)
		return fd;
	ret = bpf_map_update_elem(fd, &k, &v, BPF_ANY) ? -errno : 0;
	if (!cp_xdp_cached(fd))
		close(fd);
	return ret;
}

int cp_xdp_probe_del(const char *ifname, const struct sl_addr *local, uint16_t local_port,
		     uint8_t proto)
{
	struct sl_probe_key k;
	int fd, ret;

	ret = cp_xdp_probe_key(&k, local, local_port, proto);
	if (ret)
		return ret;
	fd = cp_xdp_probes_fd(ifname);
	if (fd < 0)
		return fd;
	ret = bpf_map_delete_elem(fd, &k) ? -errno : 0;
	if (!cp_xdp_cached(fd))
		close(fd);
	return ret;
}

int cp_xdp_probes_clear(const char *ifname)
{
	struct sl_probe_key k;
	int fd, n = 0;

	fd = cp_xdp_probes_map(ifname, NULL);
	if (fd < 0)
		return fd;
	/* always from the first key: a hash map walk restarts after a delete anyway */
	while (bpf_map_get_next_key(fd, NULL, &k) == 0) {
		if (bpf_map_delete_elem(fd, &k) && errno != ENOENT) {
			n = -errno;
			break;
		}
		n++;
	}
	close(fd);
	return n;
}

int cp_xdp_sync_vips(const char *ifname, const struct sl_vip *vips, uint32_t n,
		     const struct sl_nat_source *src, uint32_t n_src)
{
	int fd, ret;

	fd = cp_xdp_map(ifname, SL_XDP_VIPS_MAP, sizeof(struct sl_xdp_vip_key),
			sizeof(struct sl_xdp_vip_value));
	if (fd < 0)
		return fd;
	ret = sl_bpf_sync_vips(fd, vips, n, src, n_src);
	close(fd);
	return ret;
}

int cp_xdp_read_stats(const char *ifname, uint64_t out[SL_XDP_STAT_MAX])
{
	int fd, ret;

	fd = cp_xdp_map(ifname, SL_XDP_STATS_MAP, sizeof(uint32_t), sizeof(uint64_t));
	if (fd < 0)
		return fd;
	ret = sl_bpf_percpu_sum(fd, out, SL_XDP_STAT_MAX);
	close(fd);
	return ret;
}
