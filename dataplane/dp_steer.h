/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's hold on the XDP steering programs of its af_xdp ports.
 * Before a port opens: look at what the interface carries already, replace
 * the program a dead sluice-dp of the same instance left there (kill -9
 * leaves it attached, and the PMD refuses to attach over it), refuse
 * anything else with one line saying what to do. After the ports are up:
 * record who owns the new program (struct sl_xdp_owner, bound to it), and
 * keep its sl_vips map equal to the table the workers follow, so the
 * dataplane serves without sluiced (a restart while sluiced is down).
 */
#ifndef DP_STEER_H
#define DP_STEER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dp_types.h"
#include "sl_bpf_types.h"
#include "sl_shm_types.h"

/* A program found on an interface, as dp_steer_judge() weighs it. */
struct dp_steer_prog {
	uint32_t id;
	char name[16]; /* the kernel's program name, e.g. "sluice_xdp" */
	uint32_t mode; /* XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE */
	int has_owner; /* it carries a valid struct sl_xdp_owner */
	struct sl_xdp_owner owner;
	int owner_alive; /* owner.pid runs and started at owner.start_ticks */
};

enum dp_steer_verdict {
	DP_STEER_REPLACE = 1, /* ours, its sluice-dp is gone: detach it */
};

/*
 * Decide about @p found on @ifname for port @port of instance @instance.
 * Returns DP_STEER_REPLACE (a Sluice steering program of @instance whose
 * owner is gone) or -EBUSY (anything else: no owner record, another
 * instance's, or a live owner's), with the one line to log in @why either
 * way: it names the interface, the program (name and id) and the way out.
 */
int dp_steer_judge(const struct dp_steer_prog *p, const char *port, const char *ifname,
		   const char *instance, char *why, size_t len);

/*
 * Start time of process @pid (/proc/PID/stat field 22, clock ticks since
 * boot) into *@ticks. Returns 0, -ESRCH when there is no such process or it
 * has exited (a zombie: its files, the program among them, are closed), or
 * another negative errno.
 */
int dp_steer_proc_start(pid_t pid, uint64_t *ticks);

/*
 * Before the PMD attaches to @ifname: judge every program there (driver
 * and generic mode) and detach those dp_steer_judge() replaces. Returns 0
 * when the interface is free (nothing was there), 1 when programs were
 * replaced (@why says which), -EBUSY refused (@why), -ENODEV no such
 * interface, or another negative errno (@why names the failing step).
 */
int dp_steer_check(const char *port, const char *ifname, const char *instance, char *why,
		   size_t len);

/* One af_xdp port's steering program, once claimed. */
struct dp_steer_port {
	char ifname[32];
	uint32_t prog_id;
	int vips_fd; /* its sl_vips, -1: the program has none (a custom xdp_prog) */
	int vips_rc; /* last sync result, so a change is logged once */
};

struct dp_steer {
	unsigned int n;
	struct dp_steer_port port[DP_MAX_PORTS];
};

/* Empty set (no fd open). */
void dp_steer_init(struct dp_steer *s);

/*
 * After the PMD attached its program to @ifname: bind a struct
 * sl_xdp_owner naming this process and @instance to it, and remember the
 * program and its sl_vips in @s. Returns 0, -ENOENT no XDP program on
 * @ifname, -ENOSPC more than DP_MAX_PORTS, or another negative errno (@why
 * names the step).
 */
int dp_steer_claim(struct dp_steer *s, const char *ifname, const char *instance, char *why,
		   size_t len);

/*
 * The owner record bound to program @prog_id into @owner. Returns 0,
 * -ENOENT the program has none (or is gone), -EPROTO a record of another
 * layout or magic, or another negative errno.
 */
int dp_steer_owner(uint32_t prog_id, struct sl_xdp_owner *owner);

/*
 * Make every claimed program's sl_vips hold exactly @vips[0..n) and the
 * full-NAT sources @src[0..n_src) (sl_bpf_sync_vips()). Logs a port whose
 * map cannot be written once, and again when it recovers. Returns 0 or the
 * first negative errno.
 */
int dp_steer_sync_vips(struct dp_steer *s, const struct sl_vip *vips, uint32_t n,
		       const struct sl_nat_source *src, uint32_t n_src);

/* Close the map fds (the programs stay until the PMD detaches them). */
void dp_steer_close(struct dp_steer *s);

#endif /* DP_STEER_H */
