// SPDX-License-Identifier: BSD-3-Clause
/* Map lookup by program id and name, and per-CPU counter sums (see cp_bpf.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cp_bpf.h"

#define CP_BPF_MAX_MAPS 64 /* maps a program we look into may use */

int cp_bpf_prog_map(uint32_t prog_id, const char *name, uint32_t key_size,
		    uint32_t value_size)
{
	uint32_t map_ids[CP_BPF_MAX_MAPS];
	struct bpf_prog_info pinfo;
	uint32_t len, i;
	int prog_fd, fd = -1, ret;

	prog_fd = bpf_prog_get_fd_by_id(prog_id);
	if (prog_fd < 0)
		return errno == ENOENT ? -ENOENT : -errno;
	memset(&pinfo, 0, sizeof(pinfo));
	pinfo.nr_map_ids = CP_BPF_MAX_MAPS;
	pinfo.map_ids = (uint64_t)(uintptr_t)map_ids;
	len = sizeof(pinfo);
	if (bpf_obj_get_info_by_fd(prog_fd, &pinfo, &len)) {
		ret = -errno;
		goto out;
	}
	ret = -ENOENT;
	for (i = 0; i < pinfo.nr_map_ids && i < CP_BPF_MAX_MAPS; i++) {
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

int cp_bpf_percpu_sum(int map_fd, uint64_t *out, uint32_t n)
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
