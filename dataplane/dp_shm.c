/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's side of the segment's life cycle (design.md, "Tables
 * through shared memory"). sluiced creates and sizes the segment; the
 * dataplane only maps it, after sl_shm_check_header() agreed with every
 * size and offset, so a dataplane built against another ABI refuses it with
 * a line naming the mismatch instead of following garbage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <rte_cycles.h>

#include "dp_log.h"
#include "dp_shm.h"
#include "sl_shm.h"

void dp_shm_init(struct dp_shm *s, const char *instance)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	snprintf(s->path, sizeof(s->path), SL_SHM_PATH_FMT, instance);
}

/* Log a refusal once per (segment, reason); returns -EAGAIN. */
static int not_yet(struct dp_shm *s, ino_t ino, const char *why)
{
	if (s->logged_ino != ino || strcmp(s->logged_why, why) != 0) {
		DP_SHM_LOG(WARNING, "shm header refused: %s (%s); waiting", why, s->path);
		s->logged_ino = ino;
		snprintf(s->logged_why, sizeof(s->logged_why), "%s", why);
	}
	return -EAGAIN;
}

static int other_dataplane(const struct sl_shm_header *h)
{
	pid_t pid = (pid_t)__atomic_load_n(&h->dp_pid, __ATOMIC_ACQUIRE);

	if (pid == 0 || pid == getpid())
		return 0;
	return kill(pid, 0) == 0 || errno == EPERM ? pid : 0;
}

int dp_shm_try_attach(struct dp_shm *s, unsigned int n_workers, unsigned int n_ports)
{
	struct sl_shm_header *h;
	char why[128];
	struct stat st;
	int fd, rc, pid;

	fd = open(s->path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return -EAGAIN;
		rc = -errno;
		DP_SHM_LOG(ERR, "cannot open %s: %s", s->path, strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		DP_SHM_LOG(ERR, "cannot stat %s: %s", s->path, strerror(errno));
		goto out;
	}
	if ((size_t)st.st_size < sizeof(struct sl_shm_header)) {
		/* sluiced may be between creating and sizing it */
		snprintf(why, sizeof(why), "segment of %lld bytes is smaller than a header",
			 (long long)st.st_size);
		rc = not_yet(s, st.st_ino, why);
		goto out;
	}
	h = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED) {
		rc = -errno;
		DP_SHM_LOG(ERR, "cannot map %s (%lld bytes): %s", s->path, (long long)st.st_size,
			   strerror(errno));
		goto out;
	}
	rc = sl_shm_check_header(h, st.st_size, why, sizeof(why));
	if (rc == 0 && n_workers > h->max_workers) {
		snprintf(why, sizeof(why), "max_workers %u, this dataplane runs %u workers",
			 h->max_workers, n_workers);
		rc = -ERANGE;
	}
	if (rc == 0 && n_ports > h->max_ports) {
		snprintf(why, sizeof(why), "max_ports %u, this dataplane has %u ports",
			 h->max_ports, n_ports);
		rc = -ERANGE;
	}
	if (rc == 0 && (pid = other_dataplane(h)) != 0) {
		snprintf(why, sizeof(why), "dataplane pid %d is attached and running", pid);
		rc = -EBUSY;
	}
	if (rc) {
		munmap(h, st.st_size);
		rc = not_yet(s, st.st_ino, why);
		goto out;
	}
	s->h = h;
	s->mapped = st.st_size;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->logged_gone = 0;
	s->lost = 0;
	s->fd = fd;
	fd = -1; /* kept: dp_shm_shrunk() watches its size */
	DP_SHM_LOG(INFO,
		   "attached to %s (%zu bytes, max_workers %u, max_ports %u, max_vips %u, "
		   "max_backends %u, maglev_size %u, published generation %llu)",
		   s->path, s->mapped, h->max_workers, h->max_ports, h->max_vips, h->max_backends,
		   h->maglev_size,
		   (unsigned long long)SL_GEN_OF(__atomic_load_n(&h->published, __ATOMIC_ACQUIRE)));
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

int dp_shm_attach(struct dp_shm *s, unsigned int n_workers, unsigned int n_ports,
		  const volatile sig_atomic_t *stop)
{
	const struct timespec pause = {0, DP_SHM_POLL_MS * 1000000L};
	int logged = 0;
	int rc;

	while (!*stop) {
		rc = dp_shm_try_attach(s, n_workers, n_ports);
		if (rc != -EAGAIN)
			return rc;
		if (!logged && s->logged_ino == 0) {
			DP_SHM_LOG(INFO, "waiting for sluiced to create %s", s->path);
			logged = 1;
		}
		nanosleep(&pause, NULL);
	}
	return -EINTR;
}

void dp_shm_claim(struct dp_shm *s, unsigned int n_workers)
{
	struct sl_shm_header *h = s->h;
	struct timespec now;

	for (unsigned int i = 0; i < n_workers; i++) {
		__atomic_store_n(&sl_shm_ack(h, i)->word, 0, __ATOMIC_RELAXED);
		memset(sl_shm_worker_stats(h, i), 0, h->worker_stats_bytes);
	}
	clock_gettime(CLOCK_REALTIME, &now);
	/* the event records' clock: this TSC reading is that CLOCK_REALTIME */
	h->dp_tsc_hz = rte_get_tsc_hz();
	h->dp_tsc_ref = rte_rdtsc();
	h->dp_tsc_ref_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	__atomic_store_n(&h->dp_workers, n_workers, __ATOMIC_RELAXED);
	__atomic_store_n(&h->dp_start_ns, (uint64_t)now.tv_sec * 1000000000ull + now.tv_nsec,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&h->dp_pid, (uint64_t)getpid(), __ATOMIC_RELEASE);
}

int dp_shm_replaced(struct dp_shm *s)
{
	struct stat st;

	if (stat(s->path, &st) < 0) {
		if (!s->logged_gone)
			DP_SHM_LOG(WARNING, "%s was removed: keeping the last tables", s->path);
		s->logged_gone = 1;
		return 0;
	}
	s->logged_gone = 0;
	return st.st_dev != s->dev || st.st_ino != s->ino;
}

int dp_shm_shrunk(struct dp_shm *s)
{
	struct stat st;

	if (s->lost)
		return 1;
	if (!s->h || s->fd < 0 || fstat(s->fd, &st) != 0 || (size_t)st.st_size >= s->mapped)
		return 0;
	DP_SHM_LOG(ERR,
		   "%s shrank to %lld bytes under us (mapped %zu): someone truncated it; "
		   "stopping before a worker touches a missing page",
		   s->path, (long long)st.st_size, s->mapped);
	s->lost = 1;
	return 1;
}

void dp_shm_detach(struct dp_shm *s)
{
	if (!s->h)
		return; /* fd is valid only while attached */
	close(s->fd);
	s->fd = -1;
	if (!s->lost && __atomic_load_n(&s->h->dp_pid, __ATOMIC_ACQUIRE) == (uint64_t)getpid())
		__atomic_store_n(&s->h->dp_pid, 0, __ATOMIC_RELEASE);
	munmap(s->h, s->mapped);
	s->h = NULL;
	s->mapped = 0;
}
