// SPDX-License-Identifier: BSD-3-Clause
/*
 * Map lookup by program id and name, per-CPU counter sums and the VIP map
 * sync (see sl_bpf.h).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sl_bpf.h"
#include "sl_bpf_types.h"

#define SL_BPF_MAX_MAPS 64 /* maps a program we look into may use */

_Static_assert(SL_XDP_VIPS_MAX >= 2 * SL_MAX_VIPS_LIMIT + SL_MAX_NAT_SOURCES_LIMIT,
	       "sl_vips holds every VIP, every VIP address and every NAT source");

int sl_bpf_prog_map(uint32_t prog_id, const char *name, uint32_t key_size, uint32_t value_size)
{
	uint32_t map_ids[SL_BPF_MAX_MAPS];
	struct bpf_prog_info pinfo;
	uint32_t len, i;
	int prog_fd, fd = -1, ret;

	prog_fd = bpf_prog_get_fd_by_id(prog_id);
	if (prog_fd < 0)
		return errno == ENOENT ? -ENOENT : -errno;
	memset(&pinfo, 0, sizeof(pinfo));
	pinfo.nr_map_ids = SL_BPF_MAX_MAPS;
	pinfo.map_ids = (uint64_t)(uintptr_t)map_ids;
	len = sizeof(pinfo);
	if (bpf_obj_get_info_by_fd(prog_fd, &pinfo, &len)) {
		ret = -errno;
		goto out;
	}
	ret = -ENOENT;
	for (i = 0; i < pinfo.nr_map_ids && i < SL_BPF_MAX_MAPS; i++) {
		struct bpf_map_info minfo;

		fd = bpf_map_get_fd_by_id(map_ids[i]);
		if (fd < 0)
			continue;
		memset(&minfo, 0, sizeof(minfo));
		len = sizeof(minfo);
		if (bpf_obj_get_info_by_fd(fd, &minfo, &len) == 0 &&
		    strncmp(minfo.name, name, sizeof(minfo.name)) == 0) {
			if (minfo.key_size != key_size || minfo.value_size != value_size) {
				ret = -EPROTO;
				break;
			}
			ret = fd;
			fd = -1;
			break;
		}
		close(fd);
		fd = -1;
	}
	if (fd >= 0)
		close(fd);
out:
	close(prog_fd);
	return ret;
}

int sl_bpf_percpu_sum(int map_fd, uint64_t *out, uint32_t n)
{
	struct bpf_map_info minfo;
	uint32_t len = sizeof(minfo), i;
	uint64_t *vals;
	int ncpu, c, ret = 0;

	memset(&minfo, 0, sizeof(minfo));
	if (bpf_obj_get_info_by_fd(map_fd, &minfo, &len))
		return -errno;
	if (minfo.type != BPF_MAP_TYPE_PERCPU_ARRAY || minfo.value_size != sizeof(uint64_t))
		return -EPROTO;
	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return ncpu < 0 ? ncpu : -EINVAL;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		out[i] = 0;
		if (i >= minfo.max_entries)
			continue;
		if (bpf_map_lookup_elem(map_fd, &i, vals)) {
			ret = -errno;
			goto out;
		}
		for (c = 0; c < ncpu; c++)
			out[i] += vals[c];
	}
out:
	free(vals);
	return ret;
}

struct sl_bpf_entry {
	struct sl_xdp_vip_key key;
	struct sl_xdp_vip_value value;
};

static int sl_bpf_entry_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct sl_xdp_vip_key));
}

/*
 * The entries sl_vips must hold for @vips and the NAT sources @src: one per
 * VIP, then one address entry per distinct address with the protocols of
 * the VIPs found there, or a NAT source's flag and port range; sorted by
 * key. Returns how many, or -ENOMEM.
 */
static int sl_bpf_wanted(const struct sl_vip *vips, uint32_t n, const struct sl_nat_source *src,
			 uint32_t n_src, struct sl_bpf_entry **out)
{
	struct sl_bpf_entry *e = calloc(2 * (size_t)n + n_src + 1, sizeof(*e));
	uint32_t i, m = n, k, end = 2 * n + n_src;

	if (!e)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct sl_bpf_entry *a = &e[n + i];

		memcpy(e[i].key.addr, vips[i].addr.a8, sizeof(e[i].key.addr));
		e[i].key.port = vips[i].port;
		e[i].key.proto = vips[i].proto;
		e[i].value.vip_index = i;
		memcpy(a->key.addr, vips[i].addr.a8, sizeof(a->key.addr));
		a->value.vip_index = i;
		a->value.flags =
			vips[i].proto == IPPROTO_TCP ? SL_XDP_ADDR_F_TCP : SL_XDP_ADDR_F_UDP;
	}
	for (i = 0; i < n_src; i++) {
		struct sl_bpf_entry *a = &e[2 * n + i];

		memcpy(a->key.addr, src[i].addr.a8, sizeof(a->key.addr));
		a->value.vip_index = i;
		a->value.flags = SL_XDP_ADDR_F_NAT;
		a->value.nat_port_min = src[i].port_min;
		a->value.nat_port_max = src[i].port_max;
	}
	/* address entries: sorted, then one per address with every flag found there */
	qsort(e + n, end - n, sizeof(*e), sl_bpf_entry_cmp);
	for (i = n, k = n; i < end; i++) {
		if (k > n && sl_bpf_entry_cmp(&e[k - 1], &e[i]) == 0) {
			e[k - 1].value.flags |= e[i].value.flags;
			if (e[i].value.flags & SL_XDP_ADDR_F_NAT) {
				e[k - 1].value.nat_port_min = e[i].value.nat_port_min;
				e[k - 1].value.nat_port_max = e[i].value.nat_port_max;
			}
			continue;
		}
		e[k++] = e[i];
	}
	m = k;
	qsort(e, m, sizeof(*e), sl_bpf_entry_cmp);
	*out = e;
	return (int)m;
}

int sl_bpf_sync_vips(int map_fd, const struct sl_vip *vips, uint32_t n,
		     const struct sl_nat_source *src, uint32_t n_src)
{
	struct sl_xdp_vip_key *stale = NULL, k, next;
	uint32_t i, n_stale = 0, cap_stale = 0;
	struct sl_bpf_entry *want = NULL;
	int ret = 0, has, n_want;

	n_want = sl_bpf_wanted(vips, n, src, n_src, &want);
	if (n_want < 0)
		return n_want;
	for (i = 0; i < (uint32_t)n_want; i++)
		if (bpf_map_update_elem(map_fd, &want[i].key, &want[i].value, BPF_ANY)) {
			ret = -errno;
			goto out;
		}

	/* collect first: deleting while walking restarts a hash map walk */
	for (has = bpf_map_get_next_key(map_fd, NULL, &next) == 0; has;
	     has = bpf_map_get_next_key(map_fd, &k, &next) == 0) {
		k = next;
		if (bsearch(&k, want, (size_t)n_want, sizeof(*want), sl_bpf_entry_cmp))
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
		if (bpf_map_delete_elem(map_fd, &stale[i]) && errno != ENOENT) {
			ret = -errno;
			goto out;
		}
out:
	free(stale);
	free(want);
	return ret;
}

int sl_bpf_prog_name(uint32_t prog_id, char *name, size_t len)
{
	struct bpf_prog_info info;
	uint32_t info_len = sizeof(info);
	int fd, ret = 0;

	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT : -errno;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &info_len))
		ret = -errno;
	else
		snprintf(name, len, "%.*s", (int)sizeof(info.name), info.name);
	close(fd);
	return ret;
}
