/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp_steer against the real kernel, in a network namespace of this process:
 * sluice_xdp attached to a veth the way the PMD leaves it, claimed by a
 * child that then dies by SIGKILL (reaped, or still a zombie), by a child
 * that lives on, by this process, or by nobody; dp_steer_check() must
 * replace exactly the first kind and refuse the others with the exact line.
 * The verdicts and their lines are checked on their own too, without root
 * (suite unit); the rest needs root (suite kernel).
 */
#include <errno.h>
#include <net/if.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <cmocka.h>

#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dp_steer.h"
#include "sl_bpf.h"
#include "sluice_xdp.skel.h"
#include "tl_netns.h"
#include "tl_suite.h"

#define VETH "sl-dpst0"
#define VETH_PEER "sl-dpst1"
#define INSTANCE "sltest"

static unsigned int ifindex;

static int setup(void **state)
{
	(void)state;
	if (tl_netns_enter(VETH, VETH_PEER, NULL))
		return -1;
	ifindex = if_nametoindex(VETH);
	return ifindex ? 0 : -1;
}

static uint32_t attached_id(void)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	assert_int_equal(bpf_xdp_query((int)ifindex, 0, &q), 0);
	return q.drv_prog_id;
}

/* Load sluice_xdp and attach it in native mode, as the af_xdp PMD does. */
static struct sluice_xdp *attach(void)
{
	struct sluice_xdp *skel = sluice_xdp__open_and_load();

	assert_non_null(skel);
	assert_int_equal(bpf_xdp_attach((int)ifindex, bpf_program__fd(skel->progs.sluice_xdp),
					XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL),
			 0);
	return skel;
}

/*
 * A child that attaches and claims for @instance, then dies by SIGKILL
 * (@live 0) or waits for it (@live 1). Returns its pid once it claimed.
 */
static pid_t child_owner(const char *instance, int live)
{
	int p[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct dp_steer s;
		char why[256];

		dp_steer_init(&s);
		attach();
		if (dp_steer_claim(&s, VETH, instance, why, sizeof(why)) != 0)
			_exit(1);
		if (write(p[1], "k", 1) != 1)
			_exit(1);
		if (!live)
			raise(SIGKILL);
		pause();
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

static void reap(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
}

static void test_judge(void **state)
{
	struct dp_steer_prog p = {.id = 42, .mode = XDP_FLAGS_DRV_MODE, .name = "sluice_xdp"};
	char why[512];

	(void)state;
	assert_int_equal(dp_steer_judge(&p, "ext0", "sl-lb0", "edge1", why, sizeof(why)), -EBUSY);
	assert_string_equal(why, "port ext0: sl-lb0 carries XDP program sluice_xdp (id 42) that "
				 "no sluice-dp attached; not replacing it: remove it with 'ip link "
				 "set dev sl-lb0 xdp off' if nothing needs it");
	p.mode = XDP_FLAGS_SKB_MODE;
	snprintf(p.name, sizeof(p.name), "xdp_dispatcher");
	dp_steer_judge(&p, "ext0", "sl-lb0", "edge1", why, sizeof(why));
	assert_string_equal(why, "port ext0: sl-lb0 carries XDP program xdp_dispatcher (id 42) "
				 "that no sluice-dp attached; not replacing it: remove it with 'ip "
				 "link set dev sl-lb0 xdpgeneric off' if nothing needs it");

	p.mode = XDP_FLAGS_DRV_MODE;
	snprintf(p.name, sizeof(p.name), "sluice_xdp");
	p.has_owner = 1;
	p.owner.magic = SL_XDP_OWNER_MAGIC;
	p.owner.pid = 4242;
	snprintf(p.owner.instance, sizeof(p.owner.instance), "edge2");
	assert_int_equal(dp_steer_judge(&p, "ext0", "sl-lb0", "edge1", why, sizeof(why)), -EBUSY);
	assert_string_equal(why,
			    "port ext0: sl-lb0 carries XDP program sluice_xdp (id 42) of "
			    "sluice instance \"edge2\" (sluice-dp pid 4242, gone), not of "
			    "\"edge1\"; not replacing it: stop that instance or remove it with "
			    "'ip link set dev sl-lb0 xdp off'");
	p.owner_alive = 1;
	dp_steer_judge(&p, "ext0", "sl-lb0", "edge1", why, sizeof(why));
	assert_string_equal(why,
			    "port ext0: sl-lb0 carries XDP program sluice_xdp (id 42) of "
			    "sluice instance \"edge2\" (sluice-dp pid 4242, running), not of "
			    "\"edge1\"; not replacing it: stop that instance or remove it with "
			    "'ip link set dev sl-lb0 xdp off'");

	snprintf(p.owner.instance, sizeof(p.owner.instance), "edge1");
	assert_int_equal(dp_steer_judge(&p, "ext0", "sl-lb0", "edge1", why, sizeof(why)), -EBUSY);
	assert_string_equal(why,
			    "port ext0: sl-lb0 carries XDP program sluice_xdp (id 42) of a "
			    "running sluice-dp of instance \"edge1\" (pid 4242); not replacing "
			    "it: stop pid 4242 first");
	p.owner_alive = 0;
	assert_int_equal(dp_steer_judge(&p, "ext0", "sl-lb0", "edge1", why, sizeof(why)),
			 DP_STEER_REPLACE);
	assert_string_equal(why,
			    "port ext0: sl-lb0 carried XDP program sluice_xdp (id 42) of "
			    "sluice-dp pid 4242 of instance \"edge1\", which is gone: replaced");
}

static void test_proc_start(void **state)
{
	uint64_t self, again, child;
	pid_t pid;

	(void)state;
	assert_int_equal(dp_steer_proc_start(getpid(), &self), 0);
	/* a name with spaces and parentheses must not shift the fields */
	assert_int_equal(prctl(PR_SET_NAME, "a) b (c", 0, 0, 0), 0);
	assert_int_equal(dp_steer_proc_start(getpid(), &again), 0);
	assert_true(again == self);
	assert_int_equal(dp_steer_proc_start(0, &again), -ESRCH);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	assert_int_equal(dp_steer_proc_start(pid, &child), 0);
	assert_true(child >= self);
	kill(pid, SIGKILL);
	/* a zombie has closed its files: as good as gone */
	for (int i = 0; i < 1000 && dp_steer_proc_start(pid, &again) == 0; i++)
		usleep(1000);
	assert_int_equal(dp_steer_proc_start(pid, &again), -ESRCH);
	reap(pid);
	assert_int_equal(dp_steer_proc_start(pid, &again), -ESRCH);
}

static int map_count(int fd)
{
	struct sl_xdp_vip_key k, next;
	int n = 0;

	for (int has = bpf_map_get_next_key(fd, NULL, &next) == 0; has;
	     has = bpf_map_get_next_key(fd, &k, &next) == 0) {
		k = next;
		n++;
	}
	return n;
}

/* sl_vips holds (@v's address, @port, @proto) -> (@index, @flags) */
static void assert_vip_entry(int fd, const struct sl_vip *v, uint16_t port, uint8_t proto,
			     uint32_t index, uint32_t flags)
{
	struct sl_xdp_vip_key k;
	struct sl_xdp_vip_value val;

	memset(&k, 0, sizeof(k));
	memcpy(k.addr, v->addr.a8, sizeof(k.addr));
	k.port = port;
	k.proto = proto;
	assert_int_equal(bpf_map_lookup_elem(fd, &k, &val), 0);
	assert_int_equal(val.vip_index, index);
	assert_int_equal(val.flags, flags);
}

/* The address entry of @v's address carries the NAT port range @pmin..@pmax */
static void assert_nat_range(int fd, const struct sl_vip *v, uint16_t pmin, uint16_t pmax)
{
	struct sl_xdp_vip_key k;
	struct sl_xdp_vip_value val;

	memset(&k, 0, sizeof(k));
	memcpy(k.addr, v->addr.a8, sizeof(k.addr));
	assert_int_equal(bpf_map_lookup_elem(fd, &k, &val), 0);
	assert_int_equal(val.nat_port_min, pmin);
	assert_int_equal(val.nat_port_max, pmax);
}

/* Claimed by this process: the record names it, is frozen, the VIP map is ours to fill. */
static void test_claim_and_sync(void **state)
{
	struct sluice_xdp *skel;
	struct sl_xdp_owner o, forged;
	struct sl_nat_source src;
	struct sl_vip vips[2];
	struct dp_steer s;
	uint64_t ticks;
	uint32_t key = 0;
	char why[512], expect[512];
	int fd;

	(void)state;
	dp_steer_init(&s);
	assert_int_equal(dp_steer_claim(&s, VETH, INSTANCE, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, VETH ": claiming the XDP program: the attached program: No such "
				      "file or directory");
	assert_int_equal(dp_steer_check("ext0", VETH, INSTANCE, why, sizeof(why)), 0);
	assert_int_equal(dp_steer_check("ext0", "sl-dpst-none", INSTANCE, why, sizeof(why)),
			 -ENODEV);
	assert_string_equal(why, "port ext0: no interface sl-dpst-none");

	skel = attach();
	assert_int_equal(dp_steer_owner(attached_id(), &o), -ENOENT);
	assert_int_equal(dp_steer_claim(&s, VETH, INSTANCE, why, sizeof(why)), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.port[0].prog_id, attached_id());
	assert_true(s.port[0].vips_fd >= 0);
	assert_int_equal(dp_steer_owner(attached_id(), &o), 0);
	assert_int_equal(o.magic, SL_XDP_OWNER_MAGIC);
	assert_int_equal(o.pid, (uint32_t)getpid());
	assert_int_equal(dp_steer_proc_start(getpid(), &ticks), 0);
	assert_true(o.start_ticks == ticks);
	assert_string_equal(o.instance, INSTANCE);
	/* frozen: nobody rewrites the owner */
	fd = sl_bpf_prog_map(attached_id(), SL_XDP_OWNER_MAP, sizeof(key), sizeof(forged));
	assert_true(fd >= 0);
	memset(&forged, 0, sizeof(forged));
	assert_int_not_equal(bpf_map_update_elem(fd, &key, &forged, BPF_ANY), 0);
	assert_int_equal(errno, EPERM);
	close(fd);

	memset(vips, 0, sizeof(vips));
	vips[0].addr.a8[10] = vips[0].addr.a8[11] = 0xff;
	inet_pton(AF_INET, "198.18.100.1", vips[0].addr.a8 + 12);
	vips[0].port = htons(80);
	vips[0].proto = IPPROTO_TCP;
	inet_pton(AF_INET6, "2001:2:0:100::1", vips[1].addr.a8);
	vips[1].proto = IPPROTO_UDP;
	/* the same entries sluiced writes: one per VIP, one per VIP address */
	fd = bpf_map__fd(skel->maps.sl_vips);
	assert_int_equal(dp_steer_sync_vips(&s, vips, 2, NULL, 0), 0);
	assert_int_equal(map_count(fd), 4);
	assert_vip_entry(fd, &vips[0], htons(80), IPPROTO_TCP, 0, 0);
	assert_vip_entry(fd, &vips[1], 0, IPPROTO_UDP, 1, 0);
	assert_vip_entry(fd, &vips[0], 0, 0, 0, SL_XDP_ADDR_F_TCP);
	assert_vip_entry(fd, &vips[1], 0, 0, 1, SL_XDP_ADDR_F_UDP);
	assert_int_equal(dp_steer_sync_vips(&s, vips, 1, NULL, 0), 0);
	assert_int_equal(map_count(fd), 2);
	assert_vip_entry(fd, &vips[0], htons(80), IPPROTO_TCP, 0, 0);
	assert_vip_entry(fd, &vips[0], 0, 0, 0, SL_XDP_ADDR_F_TCP);
	/* a full-NAT source: its address entry with its port range, then gone again */
	memset(&src, 0, sizeof(src));
	src.addr = vips[1].addr;
	src.af = SL_AF_INET6;
	src.port_min = 2000;
	src.port_max = 3000;
	assert_int_equal(dp_steer_sync_vips(&s, vips, 1, &src, 1), 0);
	assert_int_equal(map_count(fd), 3);
	assert_vip_entry(fd, &vips[1], 0, 0, 0, SL_XDP_ADDR_F_NAT);
	assert_nat_range(fd, &vips[1], 2000, 3000);
	assert_int_equal(dp_steer_sync_vips(&s, vips, 1, NULL, 0), 0);
	assert_int_equal(map_count(fd), 2);

	/* our own, alive: refused */
	snprintf(expect, sizeof(expect),
		 "port ext0: " VETH " carries XDP program sluice_xdp (id %u) of a running "
		 "sluice-dp of instance \"" INSTANCE "\" (pid %d); not replacing it: stop pid %d "
		 "first",
		 attached_id(), (int)getpid(), (int)getpid());
	assert_int_equal(dp_steer_check("ext0", VETH, INSTANCE, why, sizeof(why)), -EBUSY);
	assert_string_equal(why, expect);
	dp_steer_close(&s);
	assert_int_equal(bpf_xdp_detach((int)ifindex, XDP_FLAGS_DRV_MODE, NULL), 0);
	sluice_xdp__destroy(skel);
}

/* The owner died by SIGKILL (a zombie first, then reaped): replaced, exactly once. */
static void test_dead_owner_replaced(void **state)
{
	char why[512], expect[512];
	uint32_t id;
	pid_t pid;

	(void)state;
	for (int zombie = 1; zombie >= 0; zombie--) {
		pid = child_owner(INSTANCE, 0);
		if (!zombie)
			reap(pid);
		else
			for (int i = 0; i < 1000 && kill(pid, 0) == 0; i++) {
				uint64_t t;

				if (dp_steer_proc_start(pid, &t) == -ESRCH)
					break;
				usleep(1000);
			}
		id = attached_id();
		assert_int_not_equal(id, 0);
		snprintf(expect, sizeof(expect),
			 "port ext0: " VETH " carried XDP program sluice_xdp (id %u) of sluice-dp "
			 "pid %d of instance \"" INSTANCE "\", which is gone: replaced",
			 id, (int)pid);
		assert_int_equal(dp_steer_check("ext0", VETH, INSTANCE, why, sizeof(why)), 1);
		assert_string_equal(why, expect);
		assert_int_equal(attached_id(), 0);
		assert_int_equal(dp_steer_check("ext0", VETH, INSTANCE, why, sizeof(why)), 0);
		if (zombie)
			reap(pid);
	}
}

/* Another instance's (dead) program, a live owner's, nobody's: refused, left in place. */
static void test_refused(void **state)
{
	struct sluice_xdp *skel;
	char why[512], expect[512];
	uint32_t id;
	pid_t pid;

	(void)state;
	pid = child_owner("other", 0);
	reap(pid);
	id = attached_id();
	snprintf(expect, sizeof(expect),
		 "port ext0: " VETH " carries XDP program sluice_xdp (id %u) of sluice instance "
		 "\"other\" (sluice-dp pid %d, gone), not of \"" INSTANCE "\"; not replacing it: "
		 "stop that instance or remove it with 'ip link set dev " VETH " xdp off'",
		 id, (int)pid);
	assert_int_equal(dp_steer_check("ext0", VETH, INSTANCE, why, sizeof(why)), -EBUSY);
	assert_string_equal(why, expect);
	assert_int_equal(attached_id(), id);
	assert_int_equal(bpf_xdp_detach((int)ifindex, XDP_FLAGS_DRV_MODE, NULL), 0);

	pid = child_owner(INSTANCE, 1);
	id = attached_id();
	snprintf(expect, sizeof(expect),
		 "port ext0: " VETH " carries XDP program sluice_xdp (id %u) of a running "
		 "sluice-dp of instance \"" INSTANCE "\" (pid %d); not replacing it: stop pid %d "
		 "first",
		 id, (int)pid, (int)pid);
	assert_int_equal(dp_steer_check("ext0", VETH, INSTANCE, why, sizeof(why)), -EBUSY);
	assert_string_equal(why, expect);
	assert_int_equal(attached_id(), id);
	kill(pid, SIGKILL);
	reap(pid);
	assert_int_equal(dp_steer_check("ext0", VETH, INSTANCE, why, sizeof(why)), 1);

	skel = attach();
	id = attached_id();
	snprintf(expect, sizeof(expect),
		 "port ext0: " VETH " carries XDP program sluice_xdp (id %u) that no sluice-dp "
		 "attached; not replacing it: remove it with 'ip link set dev " VETH " xdp off' if "
		 "nothing needs it",
		 id);
	assert_int_equal(dp_steer_check("ext0", VETH, INSTANCE, why, sizeof(why)), -EBUSY);
	assert_string_equal(why, expect);
	assert_int_equal(attached_id(), id);
	assert_int_equal(bpf_xdp_detach((int)ifindex, XDP_FLAGS_DRV_MODE, NULL), 0);
	sluice_xdp__destroy(skel);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_proc_start),
	};
	const struct CMUnitTest kernel[] = {
		cmocka_unit_test(test_claim_and_sync),
		cmocka_unit_test(test_dead_owner_replaced),
		cmocka_unit_test(test_refused),
	};
	const struct tl_group groups[] = {
		{"dp_steer_verdicts", "unit", TL_TESTS(pure)},
		{"dp_steer", "kernel", TL_TESTS(kernel), setup, NULL, TL_NEED_NETNS | TL_NEED_BPF},
	};

	return tl_suite_run(argc, argv, groups, 2);
}
