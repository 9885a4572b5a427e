/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluicectl: the operator's command line. Reads the shared-memory segment
 * read-only (show, stats, top, nat), signals sluiced (reload), talks to its admin
 * socket (drain, undrain, health), and manages the decap
 * program on backends (backend ...). Exit status: 0 ok, 1 error, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cp_shm.h"
#include "ctl_admin.h"
#include "ctl_backend.h"
#include "ctl_nat.h"
#include "ctl_events.h"
#include "ctl_show.h"
#include "ctl_top.h"
#include "ctl_xdp.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: sluicectl [-c FILE | -i INSTANCE] COMMAND\n"
		"  show            instance, generation, processes, VIPs, pools, backends\n"
		"  stats [--json]  counters per port, worker, VIP, backend; drops by reason\n"
		"  top [--once] [--interval S] [--count N]\n"
		"                  requests/s and errors/s per VIP, route and instance, redrawn\n"
		"                  every S s (default 1); --once or not a terminal: plain frames\n"
		"  nat [--json]    full NAT per worker: connections by state, counters, drops,\n"
		"                  each source's ports in use against each worker's slice\n"
		"  reload          make sluiced reload its config (SIGHUP)\n"
		"  drain POOL INSTANCE    no new flows to INSTANCE (established ones stay)\n"
		"  undrain POOL INSTANCE  take new flows again\n"
		"  health [--json] instances: health state, drain, serving, sources, reason\n"
		"  events [--follow] [--kind flow|request|health] [--instance N] [--vip V] "
		"[--json]\n"
		"                  sluiced's event stream: flows, requests, health changes\n"
		"  backend ...     decap program on a backend host (backend help)\n"
		"  xdp IFACE [--json]  the steering program's counters on IFACE\n\n"
		"  -c, --config FILE      take the instance from FILE (default %s)\n"
		"  -i, --instance NAME    the instance (segment /dev/shm/sluice-NAME,\n"
		"                         admin socket /run/sluice/NAME.sock)\n"
		"  -h, --help             this text\n",
		CFG_DEFAULT_PATH);
}

static int instance_of(const char *config, const char *instance, char *out, size_t len)
{
	struct cfg cfg = {0};
	struct cfg_error err;
	char buf[768];
	int rc;

	if (instance) {
		snprintf(out, len, "%s", instance);
		return 0;
	}
	rc = cfg_load(config, NULL, &cfg, &err);
	if (rc) {
		fprintf(stderr, "sluicectl: %s\n", cfg_strerror(&err, buf, sizeof(buf)));
		return rc;
	}
	snprintf(out, len, "%s", cfg.instance);
	cfg_free(&cfg);
	return 0;
}

static int reload(const struct ctl_segment *s)
{
	const struct sl_shm_header *h = s->hdr;
	uint64_t pid = h->cp_pid, gen = SL_GEN_OF(h->published);

	if (!cp_shm_pid_alive(pid, "sluiced")) {
		fprintf(stderr, "sluicectl: %s: no running sluiced (last pid %llu)\n", s->path,
			(unsigned long long)pid);
		return 1;
	}
	if (kill((pid_t)pid, SIGHUP) != 0) {
		fprintf(stderr, "sluicectl: SIGHUP to sluiced pid %llu: %s\n",
			(unsigned long long)pid, strerror(errno));
		return 1;
	}
	printf("sent SIGHUP to sluiced pid %llu (generation %llu)\n", (unsigned long long)pid,
	       (unsigned long long)gen);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"instance", required_argument, NULL, 'i'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *config = CFG_DEFAULT_PATH, *instance = NULL, *cmd;
	struct ctl_segment seg;
	char name[64], why[256];
	int c, json = 0, rc;

	/* '+': options end at the command, whose own options follow it */
	while ((c = getopt_long(argc, argv, "+c:i:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'i':
			instance = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	if (strcmp(cmd, "backend") == 0)
		return ctl_backend_main(argc - optind, argv + optind);
	if (strcmp(cmd, "xdp") == 0)
		return ctl_xdp_main(argc - optind, argv + optind);
	if (strcmp(cmd, "drain") == 0 || strcmp(cmd, "undrain") == 0 || strcmp(cmd, "health") == 0)
		return ctl_admin_main(config, instance, argc - optind, argv + optind);
	if (strcmp(cmd, "events") == 0)
		return ctl_events_main(config, instance, argc - optind, argv + optind);
	if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "top") == 0) {
		if (instance_of(config, instance, name, sizeof(name)) != 0)
			return 1;
		if (ctl_segment_open(&seg, name, why, sizeof(why)) != 0) {
			fprintf(stderr, "sluicectl: %s\n", why);
			return 1;
		}
		rc = ctl_top_main(&seg, argc - optind, argv + optind);
		ctl_segment_close(&seg);
		return rc;
	}
	if ((strcmp(cmd, "stats") == 0 || strcmp(cmd, "nat") == 0) && optind + 2 == argc &&
	    strcmp(argv[optind + 1], "--json") == 0)
		json = 1;
	else if (optind + 1 != argc || (strcmp(cmd, "show") && strcmp(cmd, "stats") &&
					strcmp(cmd, "nat") && strcmp(cmd, "reload"))) {
		fprintf(stderr, "sluicectl: unknown command or argument: %s\n",
			optind + 1 < argc ? argv[optind + 1] : cmd);
		usage(stderr);
		return 2;
	}

	if (instance_of(config, instance, name, sizeof(name)) != 0)
		return 1;
	if (ctl_segment_open(&seg, name, why, sizeof(why)) != 0) {
		fprintf(stderr, "sluicectl: %s\n", why);
		return 1;
	}
	if (strcmp(cmd, "show") == 0)
		rc = ctl_show(&seg, stdout) ? 1 : 0;
	else if (strcmp(cmd, "stats") == 0)
		rc = ctl_stats(&seg, stdout, json) ? 1 : 0;
	else if (strcmp(cmd, "nat") == 0)
		rc = ctl_nat(&seg, stdout, json) ? 1 : 0;
	else
		rc = reload(&seg);
	ctl_segment_close(&seg);
	return rc;
}
