/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Creating or adopting the shared-memory segment. Adopting is the normal
 * case after a restart of sluiced: the dataplane keeps following the
 * published slot, and the new sluiced continues the generation sequence.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "cp_loop.h"
#include "cp_shm.h"
#include "sl_why.h"

int cp_shm_pid_alive(uint64_t pid, const char *comm)
{
	char path[64], name[64];
	ssize_t n;
	int fd;

	if (pid == 0 || pid > INT32_MAX)
		return 0;
	if (kill((pid_t)pid, 0) != 0 && errno != EPERM)
		return 0;
	if (!comm)
		return 1;
	snprintf(path, sizeof(path), "/proc/%llu/comm", (unsigned long long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, name, sizeof(name) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	name[n] = '\0';
	name[strcspn(name, "\n")] = '\0';
	return strcmp(name, comm) == 0;
}

static int shm_name(char *buf, size_t len, const char *instance)
{
	if (!instance || !instance[0] || strchr(instance, '/'))
		return -EINVAL;
	if ((size_t)snprintf(buf, len, SL_SHM_NAME_FMT, instance) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int cp_shm_unlink(const char *instance)
{
	char name[64];
	int rc = shm_name(name, sizeof(name), instance);

	if (rc)
		return rc;
	return shm_unlink(name) == 0 ? 0 : -errno;
}

static int same_geometry(const struct sl_shm_header *h, const struct sl_shm_geometry *g)
{
	struct sl_shm_geometry have;

	sl_shm_geometry_of(h, &have);
	return memcmp(&have, g, sizeof(have)) == 0;
}

/*
 * Give the segment its pages now: a sparse one that /dev/shm cannot fill
 * kills whoever touches the missing page first with SIGBUS. 0 or -errno
 * with @why naming the size needed and the room there is.
 */
static int reserve(int fd, const char *name, uint64_t bytes, char *why, size_t why_len)
{
	int err = posix_fallocate(fd, 0, (off_t)bytes);
	struct statvfs vfs;

	if (!err)
		return 0;
	if (err == ENOSPC && fstatvfs(fd, &vfs) == 0)
		return sl_why(why, why_len, -err,
			      "/dev/shm%s: %s: the segment needs %llu bytes, /dev/shm has %llu "
			      "free (lower tables.* or grow /dev/shm)",
			      name, strerror(err), (unsigned long long)bytes,
			      (unsigned long long)vfs.f_bavail * vfs.f_frsize);
	return sl_why(why, why_len, -err, "/dev/shm%s: reserving %llu bytes: %s", name,
		      (unsigned long long)bytes, strerror(err));
}

/*
 * Look at an existing segment. Returns 1 when it was adopted (@s filled),
 * 0 when it must be replaced, or a negative errno.
 */
static int try_adopt(struct cp_shm *s, int fd, const struct sl_shm_geometry *g, char *why,
		     size_t why_len)
{
	struct sl_shm_header *h;
	struct stat st;
	char reason[160];
	int rc = 0;

	if (fstat(fd, &st) != 0)
		return sl_why(why, why_len, -errno, "fstat %s: %s", s->name, strerror(errno));
	if ((size_t)st.st_size < sizeof(*h))
		return 0;
	h = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED)
		return sl_why(why, why_len, -errno, "mmap %s: %s", s->name, strerror(errno));

	if (h->magic == SL_SHM_MAGIC && h->cp_pid != (uint64_t)getpid() &&
	    cp_shm_pid_alive(h->cp_pid, "sluiced")) {
		rc = sl_why(why, why_len, -EBUSY, "%s is owned by a running sluiced (pid %llu)",
			    s->name, (unsigned long long)h->cp_pid);
		goto out;
	}
	if (sl_shm_check_header(h, (size_t)st.st_size, reason, sizeof(reason)) == 0 &&
	    same_geometry(h, g)) {
		/* one made sparse elsewhere gets its pages too, or is not used */
		rc = reserve(fd, s->name, (uint64_t)st.st_size, why, why_len);
		if (rc)
			goto out;
		s->hdr = h;
		s->size = (size_t)st.st_size;
		s->taken_over = 1;
		return 1;
	}
	if (sl_shm_check_header(h, (size_t)st.st_size, reason, sizeof(reason)) == 0) {
		struct sl_shm_geometry old;

		sl_shm_geometry_of(h, &old);
		snprintf(reason, sizeof(reason),
			 "geometry differs (workers %u ports %u vips %u pools %u backends %u "
			 "maglev %u in the segment)",
			 old.max_workers, old.max_ports, old.max_vips, old.max_pools,
			 old.max_backends, old.maglev_size);
	}
	if (h->magic == SL_SHM_MAGIC && cp_shm_pid_alive(h->dp_pid, NULL)) {
		rc = sl_why(why, why_len, -EBUSY,
			    "%s: %s and sluice-dp pid %llu is attached; stop it first", s->name,
			    reason, (unsigned long long)h->dp_pid);
		goto out;
	}
	rc = 0;
out:
	munmap(h, (size_t)st.st_size);
	return rc;
}

/* @n bytes from the kernel's CSPRNG into @buf: 0 or a negative errno. */
static int random_bytes(void *buf, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t r = getrandom((uint8_t *)buf + got, n - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		got += (size_t)r;
	}
	return 0;
}

static int create(struct cp_shm *s, const struct sl_shm_geometry *g, char *why, size_t why_len)
{
	struct sl_shm_header layout, *h;
	int fd, rc;

	rc = sl_shm_layout(g, &layout, why, why_len);
	if (rc)
		return rc;
	/* both keys: a cookie is checked under the current and the other one */
	rc = random_bytes(layout.synproxy.key, sizeof(layout.synproxy.key));
	if (rc)
		return sl_why(why, why_len, rc, "getrandom: %s", strerror(-rc));
	layout.synproxy.current = 0;
	layout.synproxy.rotated_ns = cp_loop_now_ns();
	fd = shm_open(s->name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, SL_SHM_MODE);
	if (fd < 0)
		return sl_why(why, why_len, -errno, "create %s: %s", s->name, strerror(errno));
	if (fchmod(fd, SL_SHM_MODE) != 0 || ftruncate(fd, (off_t)layout.total_bytes) != 0) {
		rc = sl_why(why, why_len, -errno, "size %s to %llu bytes: %s", s->name,
			    (unsigned long long)layout.total_bytes, strerror(errno));
		goto out_unlink;
	}
	rc = reserve(fd, s->name, layout.total_bytes, why, why_len);
	if (rc)
		goto out_unlink;
	h = mmap(NULL, layout.total_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED) {
		rc = sl_why(why, why_len, -errno, "mmap %s: %s", s->name, strerror(errno));
		goto out_unlink;
	}
	/* the sticky cookie's key lives as long as the segment: cookies survive restarts */
	if (getrandom(layout.sticky.key, sizeof(layout.sticky.key), 0) !=
	    (ssize_t)sizeof(layout.sticky.key)) {
		rc = sl_why(why, why_len, -EIO, "getrandom for the sticky key: %s",
			    strerror(errno));
		munmap(h, layout.total_bytes);
		goto out_unlink;
	}
	/* magic last: a dataplane polling for the segment never sees half a header */
	layout.magic = 0;
	memcpy(h, &layout, sizeof(layout));
	__atomic_store_n(&h->magic, SL_SHM_MAGIC, __ATOMIC_RELEASE);
	s->hdr = h;
	s->size = layout.total_bytes;
	s->taken_over = 0;
	s->fd = fd;
	return 0;

out_unlink:
	shm_unlink(s->name);
	close(fd);
	return rc;
}

int cp_shm_open(struct cp_shm *s, const char *instance, const struct sl_shm_geometry *g, char *why,
		size_t why_len)
{
	int fd, rc;

	memset(s, 0, sizeof(*s));
	rc = shm_name(s->name, sizeof(s->name), instance);
	if (rc)
		return sl_why(why, why_len, rc, "bad instance name \"%s\"",
			      instance ? instance : "");

	s->fd = -1;
	fd = shm_open(s->name, O_RDWR | O_CLOEXEC, 0);
	if (fd >= 0) {
		rc = try_adopt(s, fd, g, why, why_len);
		if (rc == 1)
			s->fd = fd; /* kept: cp_shm_check() watches its size */
		else
			close(fd);
		if (rc < 0)
			return rc;
		if (rc == 0 && shm_unlink(s->name) != 0 && errno != ENOENT)
			return sl_why(why, why_len, -errno, "unlink %s: %s", s->name,
				      strerror(errno));
	} else if (errno != ENOENT) {
		return sl_why(why, why_len, -errno, "open %s: %s", s->name, strerror(errno));
	}
	if (!s->hdr) {
		rc = create(s, g, why, why_len);
		if (rc)
			return rc;
	}
	__atomic_store_n(&s->hdr->cp_pid, (uint64_t)getpid(), __ATOMIC_RELEASE);
	cp_shm_heartbeat(s);
	return 0;
}

void cp_shm_close(struct cp_shm *s)
{
	if (s->hdr)
		munmap(s->hdr, s->size);
	if (s->hdr && s->fd >= 0)
		close(s->fd);
	s->hdr = NULL;
	s->size = 0;
	s->fd = -1;
}

int cp_shm_check(const struct cp_shm *s, char *why, size_t why_len)
{
	struct stat st;

	if (fstat(s->fd, &st) != 0)
		return sl_why(why, why_len, -errno, "/dev/shm%s: fstat: %s", s->name,
			      strerror(errno));
	if ((uint64_t)st.st_size < s->size)
		return sl_why(why, why_len, -EFAULT,
			      "/dev/shm%s shrank to %lld bytes under us (the segment is %zu): "
			      "someone truncated it; not touching it again",
			      s->name, (long long)st.st_size, s->size);
	return 0;
}

int cp_shm_rotate_secret(struct cp_shm *s, uint64_t every_ns, uint64_t now)
{
	struct sl_synproxy_secrets *sec = &s->hdr->synproxy;
	unsigned int next = !__atomic_load_n(&sec->current, __ATOMIC_RELAXED);
	uint64_t key[2];
	int rc;

	if (now - __atomic_load_n(&sec->rotated_ns, __ATOMIC_RELAXED) < every_ns)
		return 0;
	rc = random_bytes(key, sizeof(key));
	if (rc)
		return rc;
	/* the idle key first, then the switch: a worker never makes a cookie with a torn key */
	__atomic_store_n(&sec->key[next][0], key[0], __ATOMIC_RELAXED);
	__atomic_store_n(&sec->key[next][1], key[1], __ATOMIC_RELAXED);
	__atomic_store_n(&sec->current, next, __ATOMIC_RELEASE);
	__atomic_store_n(&sec->rotated_ns, now, __ATOMIC_RELAXED);
	return 1;
}

void cp_shm_heartbeat(struct cp_shm *s)
{
	__atomic_store_n(&s->hdr->cp_heartbeat_ns, cp_loop_now_ns(), __ATOMIC_RELEASE);
}
