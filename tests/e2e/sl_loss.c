// SPDX-License-Identifier: BSD-3-Clause
/*
 * Drop PER_MILLE of the TCP segments with data that IFACE sends (tc egress,
 * sl_loss.bpf.c) until SIGINT or SIGTERM, then print how many it saw and
 * dropped and take the program off. Prints "attached" once it is in place.
 * TCP hands the device GSO super-segments whatever its offloads say; for
 * the drops to be single segments, limit the device to one segment per
 * packet (ip link set IFACE gso_max_segs 1).
 *
 *   sl_loss IFACE PER_MILLE
 */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "sl_loss.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, tc, .handle = 0x5100, .priority = 1);
	struct sl_loss *skel = NULL;
	int created = 0, attached = 0, ret = 1, err;
	unsigned long per_mille;
	char *end;

	if (argc != 3 || !(hook.ifindex = (int)if_nametoindex(argv[1]))) {
		fprintf(stderr, "usage: sl_loss IFACE PER_MILLE (IFACE must exist)\n");
		return 2;
	}
	per_mille = strtoul(argv[2], &end, 10);
	if (*end || per_mille > 1000) {
		fprintf(stderr, "sl_loss: PER_MILLE must be 0-1000, not '%s'\n", argv[2]);
		return 2;
	}
	skel = sl_loss__open();
	if (!skel) {
		fprintf(stderr, "sl_loss: open: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->per_mille = (__u32)per_mille;
	err = sl_loss__load(skel);
	if (err) {
		fprintf(stderr, "sl_loss: load: %s\n", strerror(-err));
		goto out;
	}
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		fprintf(stderr, "sl_loss: %s: clsact: %s\n", argv[1], strerror(-err));
		goto out;
	}
	created = !err;
	tc.prog_fd = bpf_program__fd(skel->progs.sl_loss);
	err = bpf_tc_attach(&hook, &tc);
	if (err) {
		fprintf(stderr, "sl_loss: %s: attach: %s\n", argv[1], strerror(-err));
		goto out;
	}
	attached = 1;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("attached\n");
	fflush(stdout);
	while (!stop)
		pause();
	printf("sl_loss: %s: %llu segments with data, %llu dropped\n", argv[1],
	       (unsigned long long)skel->bss->seen, (unsigned long long)skel->bss->dropped);
	ret = 0;
out:
	if (attached) {
		tc.flags = tc.prog_fd = tc.prog_id = 0;
		bpf_tc_detach(&hook, &tc);
	}
	if (created) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS; /* the qdisc itself */
		bpf_tc_hook_destroy(&hook);
	}
	sl_loss__destroy(skel);
	return ret;
}
