/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluiced: config + discovery + health -> model -> next hops -> tables ->
 * shared memory, in one non-blocking event loop (cp_loop.h: signalfd, the
 * rtnetlink event socket, the probe and provider sockets, timers).
 *
 * Lifecycle: load the config (exit 1 naming file, line and key), check the
 * NAT sources and put them on the ports' interfaces (cp_nat_addr.h; they
 * come off again at exit), create or take over the segment, make the parts and join them
 * (cp_daemon.c), feed the model (static backends, providers, health checks), then let the scheduler
 * publish (cp_publish_sched.h). SIGHUP reloads (cp_reload.h: a bad file is refused and the running
 * tables stay). SIGTERM exits 0 and leaves the segment and its tables to the dataplane; the next
 * sluiced takes over and continues the generation sequence, with each instance's health taken from
 * the generation the dataplane follows (cp_model_adopt), so a restart publishes no instance down.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>

#include "cfg.h"
#include "cp_daemon.h"
#include "cp_log.h"
#include "cp_reload.h"
#include "cp_xdp.h"

#define NOFILE_WANT 65536 /* descriptors: thousands of probes in flight, providers, admin */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: sluiced [-c FILE] [-d]\n"
		"Sluice control plane: builds the load-balancing tables from the config,\n"
		"discovery and health checks, and publishes them to sluice-dp through\n"
		"/dev/shm/sluice-<instance>. Runs in the foreground; logs and the JSON\n"
		"event lines (docs/health.md) go to stdout.\n\n"
		"  -c, --config FILE  configuration file (default %s)\n"
		"  -d, --debug        log debug messages too\n"
		"  -h, --help         this text\n\n"
		"Signals: SIGHUP reloads the file (a bad file is refused, the running\n"
		"tables stay); SIGTERM/SIGINT exit and leave the tables to the dataplane.\n",
		CFG_DEFAULT_PATH);
}

static void on_signal(struct cp_loop_fd *f, uint32_t events)
{
	struct cp_daemon *d = f->ctx;
	struct signalfd_siginfo si;
	char why[1024];

	(void)events;
	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
			CP_LOG_CONFIG(INFO, "SIGHUP");
			cp_reload(&d->sched, d->config_path, why, sizeof(why));
			break;
		case SIGTERM:
		case SIGINT:
			if (cp_publish_sched_shm_lost(&d->sched))
				break;
			CP_LOG_MAIN(INFO,
				    "%s: exiting; generation %llu stays published for the "
				    "dataplane",
				    strsignal((int)si.ssi_signo),
				    (unsigned long long)SL_GEN_OF(d->shm.hdr->published));
			d->stop = true;
			break;
		}
	}
}

/* Thousands of probes each hold a socket while in flight. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= NOFILE_WANT)
		return;
	rl.rlim_cur = NOFILE_WANT;
	if (rl.rlim_max < NOFILE_WANT)
		rl.rlim_max = NOFILE_WANT; /* root may raise the hard limit */
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
		getrlimit(RLIMIT_NOFILE, &rl);
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	getrlimit(RLIMIT_NOFILE, &rl);
	CP_LOG_MAIN(DEBUG, "RLIMIT_NOFILE %llu", (unsigned long long)rl.rlim_cur);
}

/* The segment (created, or taken over with its tables) and the assignment continued from it. */
static int start_segment(struct cp_daemon *d)
{
	struct sl_shm_geometry g;
	char buf[768];
	int rc;

	cfg_geometry(d->cfg, &g);
	rc = cp_shm_open(&d->shm, d->cfg->instance, &g, buf, sizeof(buf));
	if (rc) {
		CP_LOG_SHM(ERR, "%s", buf);
		return rc;
	}
	d->tables = cp_tables_new(g.max_backends);
	if (!d->tables)
		return -ENOMEM;
	if (d->shm.taken_over) {
		const struct sl_shm_header *h = d->shm.hdr;

		rc = cp_tables_adopt(d->tables, h);
		if (rc)
			return rc;
		CP_LOG_SHM(INFO, "took over /dev/shm%s at generation %llu (dataplane %s, pid %llu)",
			   d->shm.name, (unsigned long long)SL_GEN_OF(h->published),
			   cp_shm_pid_alive(h->dp_pid, NULL) ? "attached" : "not attached",
			   (unsigned long long)h->dp_pid);
	} else {
		CP_LOG_SHM(INFO, "created /dev/shm%s (%zu bytes)", d->shm.name, d->shm.size);
	}
	return 0;
}

/* SIGHUP, SIGTERM and SIGINT through a signalfd on the loop. */
static int start_signals(struct cp_daemon *d)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sigfd < 0)
		return -errno;
	return cp_loop_fd_add(d->loop, &d->sig_lfd, d->sigfd, EPOLLIN, on_signal, d);
}

static int start(struct cp_daemon *d)
{
	int rc;

	rc = cp_reload_first(d->config_path, &d->cfg);
	if (rc)
		return rc;
	rc = cp_daemon_nat_start(d);
	if (rc)
		return rc;
	raise_nofile();
	rc = start_segment(d);
	if (rc)
		return rc;
	d->loop = cp_loop_new();
	if (!d->loop)
		return -errno;
	d->neigh = cp_neigh_new();
	if (!d->neigh) {
		rc = -errno;
		CP_LOG_NEIGH(ERR, "rtnetlink: %s", strerror(errno));
		return rc;
	}
	rc = start_signals(d);
	if (rc)
		return rc;
	rc = cp_daemon_join(d);
	if (rc)
		return rc;
	if (d->shm.taken_over) {
		/* who served in the generation the dataplane follows keeps serving */
		rc = cp_model_adopt(d->model, d->shm.hdr);
		if (rc < 0)
			return rc;
		CP_LOG_HEALTH(INFO, "health of %d backends taken over from generation %llu", rc,
			      (unsigned long long)SL_GEN_OF(d->shm.hdr->published));
	}
	/* the model: static backends now, probes start, providers report into it */
	rc = cp_model_configure(d->model, d->cfg);
	if (rc)
		return rc;
	rc = cp_disc_wire_start(&d->disc);
	if (rc)
		return rc;
	d->admin = cp_admin_cmds_listen(&d->admin_cmds, d->loop);
	if (!d->admin)
		return -errno;
	d->sched.admin = d->admin;
	rc = cp_metrics_wire_start(&d->metrics);
	if (rc)
		return rc;
	rc = cp_passive_wire_start(&d->passive);
	if (rc)
		return rc;
	return cp_publish_sched_start(&d->sched);
}

static int run(struct cp_daemon *d)
{
	CP_LOG_MAIN(INFO, "sluiced %d running", (int)getpid());
	while (!d->stop && !d->sched.shm_lost) {
		int rc = cp_loop_run_once(d->loop, -1);

		if (rc < 0)
			return rc;
		cp_publish_sched_update_tick(&d->sched);
	}
	return d->sched.shm_lost ? -EFAULT : 0;
}

/*
 * SIGBUS: a page of the segment vanished between two checks of its size
 * (cp_publish_sched_shm_lost()). Nothing can go on from here; one line
 * through write(2), which a handler may call, says why the process ends.
 */
static void on_sigbus(int sig)
{
	static const char msg[] = "sluiced: SIGBUS: a page of the shared-memory segment is "
				  "gone (the segment was truncated); exiting\n";

	(void)sig;
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nowhere else to say it */
	}
	_exit(1);
}

static void cleanup(struct cp_daemon *d)
{
	if (d->loop && d->sigfd >= 0)
		cp_loop_fd_del(d->loop, &d->sig_lfd);
	cp_daemon_unjoin(d);
	cp_daemon_nat_stop(d);
	if (d->sigfd >= 0)
		close(d->sigfd);
	cp_neigh_free(d->neigh);
	cp_loop_free(d->loop);
	cp_tables_free(d->tables);
	cp_shm_close(&d->shm);
	cp_xdp_cache_flush();
	if (d->cfg) {
		cfg_free(d->cfg);
		free(d->cfg);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"debug", no_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cp_daemon d = {.config_path = CFG_DEFAULT_PATH, .sigfd = -1, .events = stdout};
	int c, rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGBUS, on_sigbus);
	while ((c = getopt_long(argc, argv, "c:dh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			d.config_path = optarg;
			break;
		case 'd':
			cp_log_level = CP_LOG_DEBUG;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	rc = start(&d);
	if (!rc)
		rc = run(&d);
	if (rc)
		CP_LOG_MAIN(ERR, "exiting: %s", strerror(-rc));
	cleanup(&d);
	return rc ? 1 : 0;
}
