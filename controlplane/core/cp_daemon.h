/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluiced's state: the parts every job runs on (the loop, the segment and
 * its tables, next hops, the model, the probe engine, the admin socket)
 * and the state of each wiring module of core/ that joins them. cp_main.c
 * makes the parts and frees them, cp_daemon.c joins them; each module sees
 * only the parts it is given.
 */
#ifndef CP_DAEMON_H
#define CP_DAEMON_H

#include <stdbool.h>
#include <stdio.h>

#include "cfg_types.h"
#include "cp_admin.h"
#include "cp_admin_cmds.h"
#include "cp_disc_wire.h"
#include "cp_ev_drain.h"
#include "cp_ev_out.h"
#include "cp_health.h"
#include "cp_health_wire.h"
#include "cp_loop.h"
#include "cp_metrics_hist.h"
#include "cp_metrics_wire.h"
#include "cp_model.h"
#include "cp_nat_addr.h"
#include "cp_passive_wire.h"
#include "cp_neigh.h"
#include "cp_port_sync.h"
#include "cp_publish_sched.h"
#include "cp_shm.h"
#include "cp_tables.h"

struct cp_daemon {
	const char *config_path;
	struct cfg *cfg; /* the running config: a reload replaces it, so modules keep &cfg */
	struct cp_loop *loop;
	struct cp_shm shm;
	struct cp_tables *tables;
	struct cp_neigh *neigh;
	struct cp_nat_addr *nat_addr; /* the NAT sources on the ports' interfaces */
	struct cp_model *model;
	struct cp_health *health;
	struct cp_admin *admin;
	struct cp_loop_fd sig_lfd;
	int sigfd;
	bool stop;		     /* SIGTERM/SIGINT seen */
	FILE *events;		     /* stdout: where the event stream goes by default */
	struct cp_ev_out *ev_out;    /* the event stream (events.output) */
	struct cp_ev_drain ev_drain; /* the workers' records -> the stream, histograms */

	struct cp_health_wire health_wire; /* instances -> health targets -> the model */
	struct cp_passive_wire passive;	   /* the dataplane's connect failures -> the model */
	struct cp_port_sync ports;	   /* VIP maps, probe sockets, sluice_probe per port */
	struct cp_disc_wire disc;	   /* providers -> the model */
	struct cp_publish_sched sched;	   /* when tables are built and published */
	struct cp_admin_cmds admin_cmds;   /* what the admin socket's commands do */
	struct cp_metrics_wire metrics;	   /* the Prometheus endpoint */
	struct cp_metrics_hists hists;	   /* ev_drain's histograms, as a scrape's families */
};

/*
 * The NAT sources of d->cfg checked against the ports' interfaces and put
 * on them (cp_nat_addr.h), before anything is built: 0, or -errno with
 * the reason logged (FILE:LINE: KEY: TEXT for a source refused).
 */
int cp_daemon_nat_start(struct cp_daemon *d);
/* The NAT sources sluiced added taken off the interfaces again (exit). */
void cp_daemon_nat_stop(struct cp_daemon *d);

/*
 * With the loop, the segment, the tables and next hops made: make the
 * model (its hooks fan out to the wiring modules) and the probe engine,
 * and ready every wiring module (nothing probed, built or started yet).
 * 0 or -errno, logged.
 */
int cp_daemon_join(struct cp_daemon *d);
/* Stop and free what cp_daemon_join() made and the admin socket (never from a loop handler). */
void cp_daemon_unjoin(struct cp_daemon *d);

#endif /* CP_DAEMON_H */
