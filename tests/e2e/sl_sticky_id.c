// SPDX-License-Identifier: BSD-3-Clause
/*
 * The sticky cookie's value for an instance, for the e2e tests: built the
 * way sluiced builds it (SipHash-2-4 under the segment's sticky key of the
 * pool's name, a NUL and the instance's name), as the 16 hex digits a
 * client sends in the cookie.
 *
 *   sl_sticky_id INSTANCE POOL NAME
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "sl_shm.h"
#include "sl_siphash.h"

int main(int argc, char **argv)
{
	const struct sl_shm_header *h;
	char path[128], why[256], msg[2 * SL_NAME_LEN];
	size_t pl, nl;
	struct stat st;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: sl_sticky_id INSTANCE POOL NAME\n");
		return 2;
	}
	pl = strlen(argv[2]);
	nl = strlen(argv[3]);
	if (pl >= SL_NAME_LEN || nl >= SL_NAME_LEN) {
		fprintf(stderr, "sl_sticky_id: names are shorter than %d bytes\n", SL_NAME_LEN);
		return 2;
	}
	snprintf(path, sizeof(path), SL_SHM_PATH_FMT, argv[1]);
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) != 0) {
		perror(path);
		return 1;
	}
	h = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED || sl_shm_check_header(h, (size_t)st.st_size, why, sizeof(why))) {
		fprintf(stderr, "%s: %s\n", path, h == MAP_FAILED ? "mmap failed" : why);
		return 1;
	}
	memcpy(msg, argv[2], pl);
	msg[pl] = '\0';
	memcpy(msg + pl + 1, argv[3], nl);
	printf("%016llx\n",
	       (unsigned long long)sl_siphash24(h->sticky.key, msg, (uint32_t)(pl + 1 + nl)));
	return 0;
}
