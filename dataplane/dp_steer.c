/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Owning the steering programs of the af_xdp ports (see dp_steer.h).
 *
 * Ownership lives in the kernel, beside the program: a one-entry array map
 * (struct sl_xdp_owner: magic, pid, the process's start time, instance)
 * bound to the program with BPF_PROG_BIND_MAP. A SIGKILL cannot leave it
 * stale or missing: it is the program's own map and goes with it, whereas a
 * file or the shm header's dp_pid says nothing about which interface
 * carries whose program and outlives a detach. The start time tells a
 * recycled pid from the owner. The PMD attaches with
 * XDP_FLAGS_UPDATE_IF_NOEXIST, so anything on the interface must be gone
 * before the port opens; a replaced program is detached with
 * XDP_FLAGS_REPLACE against the very program judged, never a newer one.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp_log.h"
#include "dp_steer.h"
#include "sl_bpf.h"

_Static_assert(sizeof(((struct sl_xdp_owner *)0)->instance) == SL_NAME_LEN,
	       "the owner record holds an instance name");

int dp_steer_proc_start(pid_t pid, uint64_t *ticks)
{
	char path[64], buf[1024], *p, *save = NULL, *tok;
	unsigned long long start;
	ssize_t n;
	int fd, field;

	if (pid <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n == 0 ? -ESRCH : -errno;
	buf[n] = '\0';
	/* "pid (comm) state ppid ...": comm may hold spaces and parentheses */
	p = strrchr(buf, ')');
	if (!p)
		return -EPROTO;
	tok = strtok_r(p + 1, " ", &save);
	if (!tok)
		return -EPROTO;
	if (tok[0] == 'Z' || tok[0] == 'X')
		return -ESRCH;
	/* tok is field 3 (state); the start time is field 22 */
	for (field = 3; tok && field < 22; field++)
		tok = strtok_r(NULL, " ", &save);
	if (!tok || sscanf(tok, "%llu", &start) != 1)
		return -EPROTO;
	*ticks = start;
	return 0;
}

/* The command that removes @p by hand. */
static const char *off_cmd(const struct dp_steer_prog *p)
{
	return p->mode == XDP_FLAGS_SKB_MODE ? "xdpgeneric off" : "xdp off";
}

int dp_steer_judge(const struct dp_steer_prog *p, const char *port, const char *ifname,
		   const char *instance, char *why, size_t len)
{
	const struct sl_xdp_owner *o = &p->owner;

	if (!p->has_owner) {
		snprintf(why, len,
			 "port %s: %s carries XDP program %s (id %u) that no sluice-dp attached; "
			 "not replacing it: remove it with 'ip link set dev %s %s' if nothing "
			 "needs it",
			 port, ifname, p->name, p->id, ifname, off_cmd(p));
		return -EBUSY;
	}
	if (strncmp(o->instance, instance, sizeof(o->instance)) != 0) {
		snprintf(why, len,
			 "port %s: %s carries XDP program %s (id %u) of sluice instance \"%.*s\" "
			 "(sluice-dp pid %u, %s), not of \"%s\"; not replacing it: stop that "
			 "instance or remove it with 'ip link set dev %s %s'",
			 port, ifname, p->name, p->id, (int)sizeof(o->instance), o->instance,
			 o->pid, p->owner_alive ? "running" : "gone", instance, ifname, off_cmd(p));
		return -EBUSY;
	}
	if (p->owner_alive) {
		snprintf(why, len,
			 "port %s: %s carries XDP program %s (id %u) of a running sluice-dp of "
			 "instance \"%s\" (pid %u); not replacing it: stop pid %u first",
			 port, ifname, p->name, p->id, instance, o->pid, o->pid);
		return -EBUSY;
	}
	snprintf(why, len,
		 "port %s: %s carried XDP program %s (id %u) of sluice-dp pid %u of instance "
		 "\"%s\", which is gone: replaced",
		 port, ifname, p->name, p->id, o->pid, instance);
	return DP_STEER_REPLACE;
}

int dp_steer_owner(uint32_t prog_id, struct sl_xdp_owner *owner)
{
	uint32_t key = 0;
	int fd, rc = 0;

	fd = sl_bpf_prog_map(prog_id, SL_XDP_OWNER_MAP, sizeof(key), sizeof(*owner));
	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &key, owner))
		rc = -errno;
	else if (owner->magic != SL_XDP_OWNER_MAGIC)
		rc = -EPROTO;
	close(fd);
	return rc;
}

/* What dp_steer_judge() needs to know about program @id attached in @mode. */
static int inspect(uint32_t id, uint32_t mode, struct dp_steer_prog *p)
{
	uint64_t ticks;
	int rc;

	memset(p, 0, sizeof(*p));
	p->id = id;
	p->mode = mode;
	rc = sl_bpf_prog_name(id, p->name, sizeof(p->name));
	if (rc)
		return rc;
	rc = dp_steer_owner(id, &p->owner);
	if (rc == -ENOENT || rc == -EPROTO)
		return 0; /* no record: not ours */
	if (rc)
		return rc;
	p->has_owner = 1;
	p->owner_alive = dp_steer_proc_start((pid_t)p->owner.pid, &ticks) == 0 &&
			 ticks == p->owner.start_ticks;
	return 0;
}

/* Remove exactly program @p from @ifindex (a newer one stays). */
static int detach(unsigned int ifindex, const struct dp_steer_prog *p)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	int fd, rc;

	fd = bpf_prog_get_fd_by_id(p->id);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno; /* gone meanwhile */
	opts.old_prog_fd = fd;
	rc = bpf_xdp_detach((int)ifindex, p->mode | XDP_FLAGS_REPLACE, &opts);
	close(fd);
	return rc;
}

int dp_steer_check(const char *port, const char *ifname, const char *instance, char *why,
		   size_t len)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct dp_steer_prog found[2];
	uint32_t ids[2], modes[2] = {XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE};
	char line[2][512];
	unsigned int ifindex, n = 0;
	size_t off = 0;
	int rc;

	why[0] = '\0';
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		snprintf(why, len, "port %s: no interface %s", port, ifname);
		return -ENODEV;
	}
	rc = bpf_xdp_query((int)ifindex, 0, &q);
	if (rc) {
		snprintf(why, len, "port %s: cannot query the XDP programs of %s: %s", port, ifname,
			 strerror(-rc));
		return rc;
	}
	ids[0] = q.drv_prog_id;
	ids[1] = q.skb_prog_id;
	for (unsigned int i = 0; i < 2; i++) {
		if (!ids[i])
			continue;
		rc = inspect(ids[i], modes[i], &found[n]);
		if (rc == -ENOENT)
			continue; /* detached meanwhile */
		if (rc) {
			snprintf(why, len, "port %s: cannot inspect XDP program id %u on %s: %s",
				 port, ids[i], ifname, strerror(-rc));
			return rc;
		}
		rc = dp_steer_judge(&found[n], port, ifname, instance, line[n], sizeof(line[n]));
		if (rc < 0) {
			snprintf(why, len, "%s", line[n]);
			return rc;
		}
		n++;
	}
	/* every program there is replaceable: only now touch the interface */
	for (unsigned int i = 0; i < n; i++) {
		rc = detach(ifindex, &found[i]);
		if (rc) {
			snprintf(why, len,
				 "port %s: cannot detach XDP program %s (id %u) from %s: %s", port,
				 found[i].name, found[i].id, ifname, strerror(-rc));
			return rc;
		}
		off += snprintf(why + off, off < len ? len - off : 0, "%s%s", i ? "; " : "",
				line[i]);
	}
	return n ? 1 : 0;
}

void dp_steer_init(struct dp_steer *s)
{
	memset(s, 0, sizeof(*s));
}

int dp_steer_claim(struct dp_steer *s, const char *ifname, const char *instance, char *why,
		   size_t len)
{
	LIBBPF_OPTS(bpf_map_create_opts, mopts, .map_flags = BPF_F_RDONLY_PROG);
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct sl_xdp_owner owner = {.magic = SL_XDP_OWNER_MAGIC};
	struct dp_steer_port *sp;
	unsigned int ifindex;
	uint32_t key = 0, id;
	int prog_fd = -1, map_fd = -1, rc;
	const char *step;
	uint64_t ticks;

	if (s->n == DP_MAX_PORTS) {
		snprintf(why, len, "%s: more than %u steered ports", ifname, DP_MAX_PORTS);
		return -ENOSPC;
	}
	step = "interface";
	ifindex = if_nametoindex(ifname);
	rc = ifindex ? bpf_xdp_query((int)ifindex, 0, &q) : -ENODEV;
	if (rc)
		goto out;
	step = "the attached program";
	id = q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id;
	rc = -ENOENT;
	if (!id)
		goto out;
	prog_fd = bpf_prog_get_fd_by_id(id);
	if (prog_fd < 0) {
		rc = -errno;
		goto out;
	}
	step = "own start time";
	owner.pid = (uint32_t)getpid();
	rc = dp_steer_proc_start(getpid(), &ticks);
	if (rc)
		goto out;
	owner.start_ticks = ticks;
	snprintf(owner.instance, sizeof(owner.instance), "%s", instance);
	step = "owner map";
	map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, SL_XDP_OWNER_MAP, sizeof(key), sizeof(owner), 1,
				&mopts);
	if (map_fd < 0) {
		rc = -errno;
		goto out;
	}
	rc = bpf_map_update_elem(map_fd, &key, &owner, BPF_ANY) ? -errno : 0;
	if (!rc)
		rc = bpf_map_freeze(map_fd) ? -errno : 0;
	if (rc)
		goto out;
	step = "binding the owner map";
	rc = bpf_prog_bind_map(prog_fd, map_fd, NULL) ? -errno : 0;
	if (rc)
		goto out;
	sp = &s->port[s->n++];
	snprintf(sp->ifname, sizeof(sp->ifname), "%s", ifname);
	sp->prog_id = id;
	sp->vips_rc = 1; /* nothing logged yet */
	sp->vips_fd = sl_bpf_prog_map(id, SL_XDP_VIPS_MAP, sizeof(struct sl_xdp_vip_key),
				      sizeof(struct sl_xdp_vip_value));
	if (sp->vips_fd < 0)
		sp->vips_fd = -1;
out:
	if (rc)
		snprintf(why, len, "%s: claiming the XDP program: %s: %s", ifname, step,
			 strerror(-rc));
	if (map_fd >= 0)
		close(map_fd); /* the program holds it now */
	if (prog_fd >= 0)
		close(prog_fd);
	return rc;
}

int dp_steer_sync_vips(struct dp_steer *s, const struct sl_vip *vips, uint32_t n,
		       const struct sl_nat_source *src, uint32_t n_src)
{
	int first = 0;

	for (unsigned int i = 0; i < s->n; i++) {
		struct dp_steer_port *sp = &s->port[i];
		int rc;

		if (sp->vips_fd < 0)
			continue;
		rc = sl_bpf_sync_vips(sp->vips_fd, vips, n, src, n_src);
		if (rc != sp->vips_rc) {
			if (rc)
				DP_PORT_LOG(WARNING,
					    "%s: cannot write the VIP map of XDP program id "
					    "%u: %s (VIP traffic reaches the kernel)",
					    sp->ifname, sp->prog_id, strerror(-rc));
			else if (sp->vips_rc != 1)
				DP_PORT_LOG(INFO, "%s: VIP map writable again", sp->ifname);
			sp->vips_rc = rc;
		}
		if (rc && !first)
			first = rc;
	}
	return first;
}

void dp_steer_close(struct dp_steer *s)
{
	for (unsigned int i = 0; i < s->n; i++)
		if (s->port[i].vips_fd >= 0)
			close(s->port[i].vips_fd);
	s->n = 0;
}
