// SPDX-License-Identifier: BSD-3-Clause
/*
 * sluicectl backend attach|detach|stats (see ctl_backend.h). attach loads
 * the embedded sluice_decap with the GUE port in .rodata, fills
 * sl_decap_local with the interface's IPv4/IPv6 addresses (plus --local
 * ones), creates the clsact qdisc if missing and attaches with a fixed
 * handle and priority, replacing an earlier sluice_decap: running it twice
 * is harmless (counters restart with the new program), and nothing of it
 * depends on the sluicectl process (a kill -9 of it leaves nothing half
 * done that the next attach does not redo). Another program at that handle
 * and priority is refused, never replaced. detach removes only our filter
 * and leaves the clsact qdisc.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sl_bpf.h"
#include "ctl_backend.h"
#include "sl_bpf_types.h"
#include "sluice_decap.skel.h"

#define CTL_BACKEND_LOCAL_MAX 16 /* --local options */

static const char *const ctl_decap_stat_names[] = {
#define CTL_DECAP_STAT_NAME(sym, str) [SL_DECAP_##sym] = str,
	SL_DECAP_STATS(CTL_DECAP_STAT_NAME)
#undef CTL_DECAP_STAT_NAME
};

static void ctl_backend_usage(FILE *f)
{
	fprintf(f, "usage: sluicectl backend attach IFACE [--gue-port N] [--local ADDR]...\n"
		   "       sluicectl backend detach IFACE\n"
		   "       sluicectl backend stats IFACE\n");
}

/* set around calls whose failure is expected and handled (EEXIST, ENOENT) */
static int ctl_libbpf_quiet;

static int ctl_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || ctl_libbpf_quiet)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* "198.18.1.11" or "2001:2::1" into an IPv4-mapped key; 0 or -EINVAL */
static int ctl_parse_addr(const char *s, struct sl_decap_local_key *k)
{
	memset(k, 0, sizeof(*k));
	if (inet_pton(AF_INET6, s, k->addr) == 1)
		return 0;
	k->addr[10] = 0xff;
	k->addr[11] = 0xff;
	return inet_pton(AF_INET, s, k->addr + 12) == 1 ? 0 : -EINVAL;
}

static void ctl_format_addr(const struct sl_decap_local_key *k, char *buf, size_t len)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (memcmp(k->addr, mapped, sizeof(mapped)) == 0)
		inet_ntop(AF_INET, k->addr + 12, buf, len);
	else
		inet_ntop(AF_INET6, k->addr, buf, len);
}

/* Add @ifname's unicast addresses to @map_fd; returns how many, or -errno. */
static int ctl_add_if_addrs(int map_fd, const char *ifname, uint32_t ifindex)
{
	struct ifaddrs *ifa, *i;
	int n = 0;

	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		struct sl_decap_local_key k = {0};

		if (!i->ifa_addr || strcmp(i->ifa_name, ifname) != 0)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			k.addr[10] = 0xff;
			k.addr[11] = 0xff;
			memcpy(k.addr + 12, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			memcpy(k.addr, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		if (bpf_map_update_elem(map_fd, &k, &ifindex, BPF_ANY)) {
			n = -errno;
			break;
		}
		n++;
	}
	freeifaddrs(ifa);
	return n;
}

static void ctl_print_locals(int map_fd)
{
	struct sl_decap_local_key k, next;
	char buf[INET6_ADDRSTRLEN];
	int has;

	printf("local");
	for (has = bpf_map_get_next_key(map_fd, NULL, &next) == 0; has;
	     has = bpf_map_get_next_key(map_fd, &k, &next) == 0) {
		k = next;
		ctl_format_addr(&k, buf, sizeof(buf));
		printf(" %s", buf);
	}
	printf("\n");
}

static int ctl_ifindex(const char *ifname)
{
	unsigned int ifindex = if_nametoindex(ifname);

	if (!ifindex) {
		fprintf(stderr, "sluicectl backend: no such interface: %s\n", ifname);
		return -ENODEV;
	}
	return (int)ifindex;
}

/*
 * Our handle and priority on @hook may hold an earlier sluice_decap (replaced)
 * but not someone else's program: -EEXIST, said on stderr.
 */
static int ctl_backend_foreign(struct bpf_tc_hook *hook, const char *ifname)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, q, .handle = CTL_BACKEND_TC_HANDLE,
			    .priority = CTL_BACKEND_TC_PRIO);
	char name[16];
	int err;

	ctl_libbpf_quiet = 1;
	err = bpf_tc_query(hook, &q);
	ctl_libbpf_quiet = 0;
	if (err || sl_bpf_prog_name(q.prog_id, name, sizeof(name)) != 0 ||
	    strcmp(name, SL_DECAP_PROG_NAME) == 0)
		return 0;
	fprintf(stderr,
		"sluicectl backend attach: the tc ingress filter pref %u handle 0x%x on %s "
		"runs program %s (id %u), not %s: not replacing it; remove it with 'tc "
		"filter del dev %s ingress pref %u handle 0x%x bpf'\n",
		CTL_BACKEND_TC_PRIO, CTL_BACKEND_TC_HANDLE, ifname, name, q.prog_id,
		SL_DECAP_PROG_NAME, ifname, CTL_BACKEND_TC_PRIO, CTL_BACKEND_TC_HANDLE);
	return -EEXIST;
}

static int ctl_backend_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{"gue-port", required_argument, NULL, 'g'},
		{"local", required_argument, NULL, 'l'},
		{NULL, 0, NULL, 0},
	};
	struct sl_decap_local_key locals[CTL_BACKEND_LOCAL_MAX];
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, tc, .handle = CTL_BACKEND_TC_HANDLE,
			    .priority = CTL_BACKEND_TC_PRIO, .flags = BPF_TC_F_REPLACE);
	struct sluice_decap *skel = NULL;
	unsigned long gue_port = SL_DECAP_GUE_PORT_DEFAULT;
	int n_locals = 0, ifindex, n, i, c, ret = 1, err;
	const char *ifname;
	char *end;

	optind = 0; /* 0, not 1: re-initialise GNU getopt after sluicectl's "+" scan */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'g':
			errno = 0;
			gue_port = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || gue_port > 65535) {
				fprintf(stderr,
					"sluicectl backend attach: --gue-port: "
					"not a port (0-65535, 0 disables GUE): %s\n",
					optarg);
				return 2;
			}
			break;
		case 'l':
			if (n_locals == CTL_BACKEND_LOCAL_MAX) {
				fprintf(stderr, "sluicectl backend attach: more than %d --local\n",
					CTL_BACKEND_LOCAL_MAX);
				return 2;
			}
			if (ctl_parse_addr(optarg, &locals[n_locals])) {
				fprintf(stderr,
					"sluicectl backend attach: --local: "
					"not an IPv4/IPv6 address: %s\n",
					optarg);
				return 2;
			}
			n_locals++;
			break;
		default:
			ctl_backend_usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		ctl_backend_usage(stderr);
		return 2;
	}
	ifname = argv[optind];
	ifindex = ctl_ifindex(ifname);
	if (ifindex < 0)
		return 1;

	skel = sluice_decap__open();
	if (!skel) {
		fprintf(stderr, "sluicectl backend attach: opening sluice_decap: %s\n",
			strerror(errno));
		goto out;
	}
	skel->rodata->sl_gue_port = htons((uint16_t)gue_port);
	err = sluice_decap__load(skel);
	if (err) {
		fprintf(stderr, "sluicectl backend attach: loading sluice_decap: %s\n",
			strerror(-err));
		goto out;
	}
	n = ctl_add_if_addrs(bpf_map__fd(skel->maps.sl_decap_local), ifname, ifindex);
	if (n < 0) {
		fprintf(stderr, "sluicectl backend attach: addresses of %s: %s\n", ifname,
			strerror(-n));
		goto out;
	}
	for (i = 0; i < n_locals; i++) {
		uint32_t v = 0;

		if (bpf_map_update_elem(bpf_map__fd(skel->maps.sl_decap_local), &locals[i], &v,
					BPF_ANY)) {
			fprintf(stderr, "sluicectl backend attach: local address: %s\n",
				strerror(errno));
			goto out;
		}
	}
	if (n + n_locals == 0)
		fprintf(stderr,
			"sluicectl backend: warning: %s has no address and no --local "
			"was given: nothing will be decapsulated\n",
			ifname);

	hook.ifindex = ifindex;
	ctl_libbpf_quiet = 1;
	err = bpf_tc_hook_create(&hook);
	ctl_libbpf_quiet = 0;
	if (err && err != -EEXIST) {
		fprintf(stderr, "sluicectl backend attach: creating clsact qdisc on %s: %s\n",
			ifname, strerror(-err));
		goto out;
	}
	err = ctl_backend_foreign(&hook, ifname);
	if (err)
		goto out;
	tc.prog_fd = bpf_program__fd(skel->progs.sluice_decap);
	err = bpf_tc_attach(&hook, &tc);
	if (err) {
		fprintf(stderr, "sluicectl backend attach: tc ingress on %s: %s\n", ifname,
			strerror(-err));
		goto out;
	}
	printf("attached sluice_decap to %s ingress: prog id %u, gue port %lu%s\n", ifname,
	       tc.prog_id, gue_port, gue_port ? "" : " (GUE off)");
	ctl_print_locals(bpf_map__fd(skel->maps.sl_decap_local));
	ret = 0;
out:
	sluice_decap__destroy(skel); /* the tc filter keeps the program and its maps */
	return ret;
}

static int ctl_backend_detach(const char *ifname)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, tc, .handle = CTL_BACKEND_TC_HANDLE,
			    .priority = CTL_BACKEND_TC_PRIO);
	int ifindex, err;

	ifindex = ctl_ifindex(ifname);
	if (ifindex < 0)
		return 1;
	hook.ifindex = ifindex;
	ctl_libbpf_quiet = 1;
	err = bpf_tc_detach(&hook, &tc);
	ctl_libbpf_quiet = 0;
	if (err == -ENOENT || err == -EINVAL) {
		/* no clsact qdisc (EINVAL) or no filter of ours (ENOENT) */
		printf("sluice_decap was not attached to %s\n", ifname);
		return 0;
	}
	if (err) {
		fprintf(stderr, "sluicectl backend detach: %s: %s\n", ifname, strerror(-err));
		return 1;
	}
	printf("detached sluice_decap from %s\n", ifname);
	return 0;
}

static int ctl_backend_stats(const char *ifname)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, tc, .handle = CTL_BACKEND_TC_HANDLE,
			    .priority = CTL_BACKEND_TC_PRIO);
	uint64_t stats[SL_DECAP_STAT_MAX];
	int ifindex, err, fd = -1, local_fd = -1, ret = 1;
	unsigned int i;

	ifindex = ctl_ifindex(ifname);
	if (ifindex < 0)
		return 1;
	hook.ifindex = ifindex;
	ctl_libbpf_quiet = 1;
	err = bpf_tc_query(&hook, &tc);
	ctl_libbpf_quiet = 0;
	if (err) {
		fprintf(stderr, "sluicectl backend stats: sluice_decap is not attached to %s\n",
			ifname);
		return 1;
	}
	fd = sl_bpf_prog_map(tc.prog_id, SL_DECAP_STATS_MAP, sizeof(uint32_t), sizeof(uint64_t));
	local_fd = sl_bpf_prog_map(tc.prog_id, SL_DECAP_LOCAL_MAP,
				   sizeof(struct sl_decap_local_key), sizeof(uint32_t));
	if (fd < 0 || local_fd < 0) {
		fprintf(stderr,
			"sluicectl backend stats: the program on %s ingress (id %u) "
			"is not this sluice_decap: %s\n",
			ifname, tc.prog_id, strerror(-(fd < 0 ? fd : local_fd)));
		goto out;
	}
	err = sl_bpf_percpu_sum(fd, stats, SL_DECAP_STAT_MAX);
	if (err) {
		fprintf(stderr, "sluicectl backend stats: reading counters: %s\n", strerror(-err));
		goto out;
	}
	printf("sluice_decap on %s ingress: prog id %u\n", ifname, tc.prog_id);
	ctl_print_locals(local_fd);
	for (i = 0; i < SL_DECAP_STAT_MAX; i++)
		printf("%-16s %llu\n", ctl_decap_stat_names[i], (unsigned long long)stats[i]);
	ret = 0;
out:
	if (local_fd >= 0)
		close(local_fd);
	if (fd >= 0)
		close(fd);
	return ret;
}

int ctl_backend_main(int argc, char **argv)
{
	const char *verb;

	libbpf_set_print(ctl_libbpf_print);
	if (argc < 2) {
		ctl_backend_usage(stderr);
		return 2;
	}
	verb = argv[1];
	if (strcmp(verb, "attach") == 0)
		return ctl_backend_attach(argc - 1, argv + 1);
	if ((strcmp(verb, "detach") == 0 || strcmp(verb, "stats") == 0) && argc != 3) {
		ctl_backend_usage(stderr);
		return 2;
	}
	if (strcmp(verb, "detach") == 0)
		return ctl_backend_detach(argv[2]);
	if (strcmp(verb, "stats") == 0)
		return ctl_backend_stats(argv[2]);
	if (strcmp(verb, "-h") == 0 || strcmp(verb, "--help") == 0) {
		ctl_backend_usage(stdout);
		return 0;
	}
	fprintf(stderr, "sluicectl backend: unknown command: %s\n", verb);
	ctl_backend_usage(stderr);
	return 2;
}
