/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared-memory segment from sluiced's side: create it, or take over the
 * one a previous sluiced left behind without disturbing a running dataplane.
 */
#ifndef CP_SHM_H
#define CP_SHM_H

#include <stddef.h>
#include <stdint.h>

#include "sl_shm.h"

struct cp_shm {
	struct sl_shm_header *hdr;
	size_t size;	/* bytes mapped */
	char name[64];	/* shm_open name, "/sluice-<instance>" */
	int taken_over; /* 1: an existing segment with the same geometry was adopted */
	int fd;		/* kept open to watch the size (cp_shm_check()) */
};

/*
 * Map /dev/shm/sluice-<@instance> read-write with geometry @g. An existing
 * segment whose header passes sl_shm_check_header() with the same geometry
 * is taken over as it is (published word, tables, acks, statistics). One
 * with another geometry (or a bad header) is replaced, unless a dataplane is
 * attached to it. Writes cp_pid. Returns 0, or a negative errno with @why:
 *   -EBUSY  another live sluiced owns it, or a dataplane is attached to a
 *           segment of another geometry
 *   -EINVAL bad instance name or geometry
 *   -ENOSPC /dev/shm cannot hold it (every page is reserved at creation,
 *           posix_fallocate: a sparse segment would end in SIGBUS later)
 *   others from shm_open/ftruncate/mmap
 */
int cp_shm_open(struct cp_shm *s, const char *instance, const struct sl_shm_geometry *g, char *why,
		size_t why_len);

/*
 * Whether the segment still has the size it was mapped with: touching a page
 * past a truncation is SIGBUS. 0, or -EFAULT (shrunk) / -errno with @why.
 */
int cp_shm_check(const struct cp_shm *s, char *why, size_t why_len);

/* Unmap; the segment itself stays for the dataplane and the next sluiced. */
void cp_shm_close(struct cp_shm *s);

/* Remove /dev/shm/sluice-<@instance>. Returns 0 or a negative errno. */
int cp_shm_unlink(const char *instance);

/*
 * Rotate the SYN proxy's cookie key when the last rotation (the segment's
 * synproxy.rotated_ns, so the schedule survives a restart) is @every_ns
 * before @now (CLOCK_MONOTONIC): a new random key into the one that is not
 * current, then current switched to it with release order. Cookies made
 * under the key that was current stay valid until the next rotation. The
 * keys are drawn when the segment is created; a segment taken over keeps
 * its keys. 1 rotated, 0 not due, or a negative errno from getrandom.
 */
int cp_shm_rotate_secret(struct cp_shm *s, uint64_t every_ns, uint64_t now);

/* Store the current CLOCK_MONOTONIC time into cp_heartbeat_ns. */
void cp_shm_heartbeat(struct cp_shm *s);

/* 1 if process @pid exists (and, when @comm is not NULL, is named @comm). */
int cp_shm_pid_alive(uint64_t pid, const char *comm);

#endif /* CP_SHM_H */
