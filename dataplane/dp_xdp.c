/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The steering program of af_xdp ports. The af_xdp PMD loads a program only
 * from a file (xdp_prog=PATH), so the object compiled into sluice-dp through
 * the bpftool skeleton is written out to /run/sluice first. Until the
 * skeleton exists in the build (bpf/sluice_xdp.skel.h), ports without a
 * configured dataplane.xdp_prog get the PMD's default program, which sends
 * every packet to the dataplane.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "dp_log.h"
#include "dp_xdp.h"

#if __has_include("sluice_xdp.skel.h")
#include "sluice_xdp.skel.h"
#define DP_XDP_BUILTIN 1
#else
#define DP_XDP_BUILTIN 0
#endif

#if DP_XDP_BUILTIN
static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

static int write_builtin(const char *path)
{
	char tmp[300];
	const void *obj;
	size_t size;
	int fd, rc;

	if (mkdir(DP_XDP_RUN_DIR, 0755) < 0 && errno != EEXIST) {
		rc = -errno;
		DP_PORT_LOG(ERR, "cannot create %s: %s", DP_XDP_RUN_DIR, strerror(errno));
		return rc;
	}
	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		DP_PORT_LOG(ERR, "cannot create %s: %s", tmp, strerror(errno));
		return rc;
	}
	obj = sluice_xdp__elf_bytes(&size);
	rc = write_all(fd, obj, size);
	if (rc == 0 && fchmod(fd, 0600) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc) {
		DP_PORT_LOG(ERR, "cannot write the XDP program to %s: %s", path, strerror(-rc));
		unlink(tmp);
	}
	return rc;
}
#endif

int dp_xdp_prog_path(const char *configured, const char *instance, char *path, size_t len)
{
	if (configured && configured[0]) {
		if (access(configured, R_OK) < 0) {
			int rc = -errno;

			DP_PORT_LOG(ERR, "dataplane.xdp_prog %s: %s", configured, strerror(errno));
			return rc;
		}
		snprintf(path, len, "%s", configured);
		return 0;
	}
#if DP_XDP_BUILTIN
	snprintf(path, len, DP_XDP_OBJ_FMT, instance);
	return write_builtin(path);
#else
	(void)instance;
	if (len)
		path[0] = '\0';
	return -ENOENT;
#endif
}

void dp_xdp_prog_cleanup(const char *instance)
{
#if DP_XDP_BUILTIN
	char path[300];

	snprintf(path, sizeof(path), DP_XDP_OBJ_FMT, instance);
	unlink(path);
#else
	(void)instance;
#endif
}
