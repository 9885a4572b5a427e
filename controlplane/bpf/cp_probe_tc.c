// SPDX-License-Identifier: BSD-3-Clause
/*
 * sluice_probe on the dataplane's interface and probe sockets (see
 * cp_probe.h). The XDP program is loaded by the af_xdp PMD, so its
 * sl_probes map is found through the interface and handed to the tc
 * program with bpf_map__reuse_fd() before load; "current" means the tc
 * program's sl_probes has the map id of the XDP program's. A replaced XDP
 * program brings a new, empty map: sluice_probe is reloaded onto it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sl_bpf.h"
#include "cp_probe_tc.h"
#include "cp_xdp.h"
#include "sl_shm.h"
#include "sluice_probe.skel.h"

static const char *const cp_probe_stat_names[] = {
#define CP_PROBE_TC_STAT_NAME(sym, str) [SL_PROBE_##sym] = str,
	SL_PROBE_STATS(CP_PROBE_TC_STAT_NAME)
#undef CP_PROBE_TC_STAT_NAME
};

const char *cp_probe_tc_stat_name(unsigned int stat)
{
	return stat < SL_PROBE_STAT_MAX ? cp_probe_stat_names[stat] : "unknown";
}

static uint32_t cp_probe_map_id(int fd)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

/*
 * id of the sluice_probe on @ifindex's egress into *@prog_id. Returns 0,
 * -ENOENT no such filter, -EINVAL no clsact qdisc at all, or -errno.
 */
static int cp_probe_tc_query_raw(int ifindex, uint32_t *prog_id)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, tc, .handle = CP_PROBE_TC_HANDLE,
			    .priority = CP_PROBE_TC_PRIO);
	int err = bpf_tc_query(&hook, &tc);

	if (err)
		return err;
	*prog_id = tc.prog_id;
	return 0;
}

/* As cp_probe_tc_query_raw(), with "no qdisc" reported as -ENOENT too. */
static int cp_probe_tc_query(int ifindex, uint32_t *prog_id)
{
	int err = cp_probe_tc_query_raw(ifindex, prog_id);

	return err == -EINVAL ? -ENOENT : err;
}

int cp_probe_tc_attach(const char *ifname)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, tc, .handle = CP_PROBE_TC_HANDLE,
			    .priority = CP_PROBE_TC_PRIO, .flags = BPF_TC_F_REPLACE);
	struct sluice_probe *skel = NULL;
	uint32_t tc_prog_id, want_id;
	int ifindex, map_fd, tc_map_fd, ret, qerr;

	ifindex = (int)if_nametoindex(ifname);
	if (!ifindex)
		return -ENODEV;
	map_fd = cp_xdp_probes_map(ifname, NULL);
	if (map_fd < 0)
		return map_fd;
	want_id = cp_probe_map_id(map_fd);
	qerr = cp_probe_tc_query_raw(ifindex, &tc_prog_id);
	if (qerr == 0) {
		char name[16];

		/* our handle and priority, someone else's program: not ours to replace */
		ret = sl_bpf_prog_name(tc_prog_id, name, sizeof(name));
		if (ret == 0 && strcmp(name, SL_PROBE_PROG_NAME) != 0)
			ret = -EEXIST;
		if (ret && ret != -ENOENT)
			goto out;
		tc_map_fd = sl_bpf_prog_map(tc_prog_id, SL_PROBES_MAP, sizeof(struct sl_probe_key),
					    sizeof(struct sl_probe_value));
		if (tc_map_fd >= 0) {
			uint32_t have_id = cp_probe_map_id(tc_map_fd);

			close(tc_map_fd);
			if (want_id && have_id == want_id) {
				ret = 0;
				goto out;
			}
		}
	}
	skel = sluice_probe__open();
	if (!skel) {
		ret = -errno;
		goto out;
	}
	ret = bpf_map__reuse_fd(skel->maps.sl_probes, map_fd);
	if (ret)
		goto out;
	ret = sluice_probe__load(skel);
	if (ret)
		goto out;
	hook.ifindex = ifindex;
	if (qerr == -EINVAL) { /* no clsact yet (creating an existing one logs an error) */
		ret = bpf_tc_hook_create(&hook);
		if (ret && ret != -EEXIST)
			goto out;
	}
	tc.prog_fd = bpf_program__fd(skel->progs.sluice_probe);
	ret = bpf_tc_attach(&hook, &tc);
	if (ret)
		goto out;
	ret = 1;
out:
	sluice_probe__destroy(skel); /* the filter keeps the program and its maps */
	close(map_fd);
	return ret;
}

int cp_probe_tc_detach(const char *ifname)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, tc, .handle = CP_PROBE_TC_HANDLE,
			    .priority = CP_PROBE_TC_PRIO);
	uint32_t prog_id;
	int ifindex, ret;

	ifindex = (int)if_nametoindex(ifname);
	if (!ifindex)
		return -ENODEV;
	/* query first: detaching what is not there makes libbpf log an error */
	ret = cp_probe_tc_query(ifindex, &prog_id);
	if (ret)
		return ret;
	hook.ifindex = ifindex;
	return bpf_tc_detach(&hook, &tc);
}

int cp_probe_tc_read_stats(const char *ifname, uint64_t out[SL_PROBE_STAT_MAX])
{
	uint32_t prog_id;
	int ifindex, fd, ret;

	ifindex = (int)if_nametoindex(ifname);
	if (!ifindex)
		return -ENODEV;
	ret = cp_probe_tc_query(ifindex, &prog_id);
	if (ret)
		return ret;
	fd = sl_bpf_prog_map(prog_id, SL_PROBE_STATS_MAP, sizeof(uint32_t), sizeof(uint64_t));
	if (fd < 0)
		return fd;
	ret = sl_bpf_percpu_sum(fd, out, SL_PROBE_STAT_MAX);
	close(fd);
	return ret;
}

int cp_probe_tc_tunnel_value(struct sl_probe_value *v, const struct sl_addr *backend,
			     uint16_t backend_port, const struct sl_addr *vip, uint16_t vip_port,
			     uint16_t gue_port)
{
	if (sl_addr_is_v4(backend) != sl_addr_is_v4(vip))
		return -EAFNOSUPPORT;
	memset(v, 0, sizeof(*v));
	memcpy(v->backend, backend->a8, sizeof(v->backend));
	memcpy(v->vip, vip->a8, sizeof(v->vip));
	v->backend_port = htons(backend_port);
	v->vip_port = htons(vip_port);
	v->gue_port = gue_port;
	v->encap = gue_port ? SL_PROBE_ENCAP_GUE : SL_PROBE_ENCAP_IPIP;
	v->flags = SL_PROBE_F_TUNNEL;
	return 0;
}

int cp_probe_tc_route_source(const struct sl_addr *dst, uint16_t port, uint32_t mark,
			     struct sl_addr *src)
{
	struct sockaddr_storage ss;
	socklen_t len = sl_addr_to_sockaddr(dst, port, &ss);
	uint16_t unused_port;
	int fd, ret = 0;

	/* a connected UDP socket sends nothing: it only asks routing */
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (mark && setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)))
		ret = -errno;
	if (!ret && connect(fd, (struct sockaddr *)&ss, len))
		ret = -errno;
	len = sizeof(ss);
	if (!ret && getsockname(fd, (struct sockaddr *)&ss, &len))
		ret = -errno;
	if (!ret)
		ret = sl_addr_from_sockaddr(&ss, src, &unused_port);
	close(fd);
	return ret;
}

int cp_probe_tc_socket_prepare(int fd, const struct sl_addr *backend, uint16_t backend_port,
			       int tunnel, struct sl_addr *local, uint16_t *local_port)
{
	struct sockaddr_storage ss;
	uint32_t mark = SL_PROBE_MARK;
	socklen_t len;
	int ret;

	ret = cp_probe_tc_route_source(backend, backend_port, tunnel ? mark : 0, local);
	if (ret)
		return ret;
	len = sl_addr_to_sockaddr(local, 0, &ss);
	if (tunnel && setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)))
		return -errno;
	if (bind(fd, (struct sockaddr *)&ss, len))
		return -errno;
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return -errno;
	return sl_addr_from_sockaddr(&ss, local, local_port);
}
