// SPDX-License-Identifier: BSD-3-Clause
/*
 * sluice_xdp's VIP map and counters, reached through the interface it is
 * attached to (see cp_xdp.h). Sync adds before it deletes, so a VIP present
 * in both the old and the new set is never missing from the map.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cp_bpf.h"
#include "cp_xdp.h"

static const char *const cp_xdp_stat_names[] = {
#define CP_XDP_STAT_NAME(sym, str) [SL_XDP_##sym] = str,
	SL_XDP_STATS(CP_XDP_STAT_NAME)
#undef CP_XDP_STAT_NAME
};

const char *cp_xdp_stat_name(unsigned int stat)
{
	return stat < SL_XDP_STAT_MAX ? cp_xdp_stat_names[stat] : "unknown";
}

/* fd of map @name of the XDP program on @ifname (driver mode first, then skb). */
static int cp_xdp_map(const char *ifname, const char *name, uint32_t key_size,
		      uint32_t value_size)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	uint32_t ids[2];
	unsigned int ifindex, i;
	int ret;

	ifindex = if_nametoindex(ifname);
	if (!ifindex)
		return -ENODEV;
	ret = bpf_xdp_query(ifindex, 0, &q);
	if (ret)
		return ret;
	ids[0] = q.drv_prog_id;
	ids[1] = q.skb_prog_id;
	ret = -ENOENT;
	for (i = 0; i < 2 && ret == -ENOENT; i++)
		if (ids[i])
			ret = cp_bpf_prog_map(ids[i], name, key_size, value_size);
	return ret;
}

static int cp_xdp_key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct sl_xdp_vip_key));
}

int cp_xdp_sync_vips(const char *ifname, const struct sl_vip *vips, uint32_t n)
{
	struct sl_xdp_vip_key *want = NULL, *stale = NULL, k, next;
	uint32_t i, n_stale = 0, cap_stale = 0;
	int fd, ret = 0, has;

	fd = cp_xdp_map(ifname, SL_XDP_VIPS_MAP, sizeof(struct sl_xdp_vip_key),
			sizeof(struct sl_xdp_vip_value));
	if (fd < 0)
		return fd;
	want = calloc(n ? n : 1, sizeof(*want));
	if (!want) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct sl_xdp_vip_value v = {.vip_index = i};

		memcpy(want[i].addr, vips[i].addr.a8, sizeof(want[i].addr));
		want[i].port = vips[i].port;
		want[i].proto = vips[i].proto;
		if (bpf_map_update_elem(fd, &want[i], &v, BPF_ANY)) {
			ret = -errno;
			goto out;
		}
	}
	qsort(want, n, sizeof(*want), cp_xdp_key_cmp);

	/* collect first: deleting while walking restarts a hash map walk */
	for (has = bpf_map_get_next_key(fd, NULL, &next) == 0; has;
	     has = bpf_map_get_next_key(fd, &k, &next) == 0) {
		k = next;
		if (bsearch(&k, want, n, sizeof(*want), cp_xdp_key_cmp))
			continue;
		if (n_stale == cap_stale) {
			uint32_t cap = cap_stale ? 2 * cap_stale : 16;
			void *p = realloc(stale, cap * sizeof(*stale));

			if (!p) {
				ret = -ENOMEM;
				goto out;
			}
			stale = p;
			cap_stale = cap;
		}
		stale[n_stale++] = k;
	}
	for (i = 0; i < n_stale; i++)
		if (bpf_map_delete_elem(fd, &stale[i]) && errno != ENOENT) {
			ret = -errno;
			goto out;
		}
out:
	free(stale);
	free(want);
	close(fd);
	return ret;
}

int cp_xdp_read_stats(const char *ifname, uint64_t out[SL_XDP_STAT_MAX])
{
	int fd, ret;

	fd = cp_xdp_map(ifname, SL_XDP_STATS_MAP, sizeof(uint32_t), sizeof(uint64_t));
	if (fd < 0)
		return fd;
	ret = cp_bpf_percpu_sum(fd, out, SL_XDP_STAT_MAX);
	close(fd);
	return ret;
}
