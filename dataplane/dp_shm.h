/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Attaching sluice-dp to the shared-memory segment sluiced creates
 * (/dev/shm/sluice-<instance>): wait for it, refuse a header this build
 * cannot follow, claim it (dp_pid, dp_workers, dp_start_ns), notice when
 * sluiced replaced it with a new one, let go of it on exit.
 */
#ifndef DP_SHM_H
#define DP_SHM_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "sl_shm_types.h"

#define DP_SHM_POLL_MS 100 /* ms between two looks at the segment */

struct dp_shm {
	char path[96];
	struct sl_shm_header *h; /* NULL while not attached */
	size_t mapped;
	dev_t dev;
	ino_t ino;
	int fd;	  /* of the mapped file, to watch its size; valid while h is set */
	int lost; /* it shrank under us: never touched again */
	/* what was last logged, so a waiting loop logs each state once */
	ino_t logged_ino;
	char logged_why[128];
	int logged_gone;
};

/* Zero @s and name the segment of @instance. */
void dp_shm_init(struct dp_shm *s, const char *instance);

/*
 * One attempt: open and map the segment, check its header (sl_shm_check_header),
 * that it has room for @n_workers workers and @n_ports ports, and that no
 * other live dataplane holds it. Returns 0 when attached, -EAGAIN when not
 * (yet): missing or refused, the reason logged once per segment and reason.
 * Other negative errnos: mapping failed for a reason waiting will not fix.
 */
int dp_shm_try_attach(struct dp_shm *s, unsigned int n_workers, unsigned int n_ports);

/*
 * dp_shm_try_attach() every DP_SHM_POLL_MS until it succeeds or *@stop is set
 * (-EINTR). Logs "waiting for sluiced" once.
 */
int dp_shm_attach(struct dp_shm *s, unsigned int n_workers, unsigned int n_ports,
		  const volatile sig_atomic_t *stop);

/*
 * Announce the dataplane in the header: reset the ack cells and statistics
 * blocks of workers 0..@n_workers-1, store dp_workers, dp_start_ns and,
 * last with release order, dp_pid.
 */
void dp_shm_claim(struct dp_shm *s, unsigned int n_workers);

/*
 * 1 when the path now names another file than the one mapped (sluiced
 * recreated the segment), 0 otherwise. A removed segment is logged once and
 * kept: the mapping stays valid and the workers keep their last tables.
 */
int dp_shm_replaced(struct dp_shm *s);

/*
 * 1 when the mapped segment is now shorter than the mapping (someone
 * truncated it: the next touch of a page past its end is SIGBUS); logged
 * once, and from then on dp_shm_detach() only unmaps. 0 otherwise.
 */
int dp_shm_shrunk(struct dp_shm *s);

/* Clear dp_pid if it is ours, unmap. @s may be unattached. */
void dp_shm_detach(struct dp_shm *s);

#endif /* DP_SHM_H */
