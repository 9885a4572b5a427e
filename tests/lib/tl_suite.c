/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Running a test program's groups by suite, and finding out whether a group
 * can run here (see tl_suite.h). Each need is tried for real rather than
 * inferred from the user id: a namespace is made in a child that then
 * exits, a two-instruction XDP program is loaded and closed.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "tl_suite.h"

/* 0, or the errno unshare(CLONE_NEWNET) fails with (tried in a child). */
static int try_netns(void)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(unshare(CLONE_NEWNET) ? errno : 0);
	if (waitpid(pid, &st, 0) != pid)
		return errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : ECHILD;
}

/* 0, or the errno loading "return XDP_PASS" fails with. */
static int try_bpf(void)
{
	struct bpf_insn prog[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
		{.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_XDP;
	attr.insns = (uintptr_t)prog;
	attr.insn_cnt = sizeof(prog) / sizeof(prog[0]);
	attr.license = (uintptr_t) "GPL";
	fd = (int)syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* Is @name an executable file, itself if it has a slash, else in a directory of $PATH? */
static int on_path(const char *name, size_t len)
{
	const char *path = getenv("PATH");
	char file[4096];

	if (memchr(name, '/', len)) {
		snprintf(file, sizeof(file), "%.*s", (int)len, name);
		return access(file, X_OK) == 0;
	}
	for (const char *d = path ? path : "/usr/bin:/bin"; *d;) {
		size_t dl = strcspn(d, ":");

		snprintf(file, sizeof(file), "%.*s/%.*s", (int)dl, d, (int)len, name);
		if (dl && access(file, X_OK) == 0)
			return 1;
		d += dl + (d[dl] == ':');
	}
	return 0;
}

int tl_suite_can_run(unsigned int needs, const char *programs, const char *packages, char *why,
		     size_t len)
{
	int err;

	if ((needs & TL_NEED_NETNS) && (err = try_netns()) != 0) {
		snprintf(why, len, "needs root: unshare(CLONE_NEWNET): %s", strerror(err));
		return -1;
	}
	if ((needs & TL_NEED_BPF) && (err = try_bpf()) != 0) {
		snprintf(why, len, "needs root: loading an XDP program: %s", strerror(err));
		return -1;
	}
	for (const char *p = programs ? programs : ""; *p;) {
		size_t n = strcspn(p, " ");

		if (n && !on_path(p, n)) {
			snprintf(why, len, "needs %.*s (apt-get install %s)", (int)n, p,
				 packages ? packages : "it");
			return -1;
		}
		p += n + (p[n] == ' ');
	}
	return 0;
}

int tl_suite_run(int argc, char **argv, const struct tl_group *groups, size_t n)
{
	const char *suite = argc > 1 ? argv[1] : NULL;
	int selected = 0, ran = 0, failed = 0;
	char why[256];

	for (size_t i = 0; i < n; i++) {
		const struct tl_group *g = &groups[i];

		if (suite && strcmp(suite, g->suite) != 0)
			continue;
		selected++;
		if (tl_suite_can_run(g->needs, g->programs, g->packages, why, sizeof(why))) {
			printf("%s: %s: skipped\n", g->name, why);
			continue;
		}
		ran++;
		failed += _cmocka_run_group_tests(g->name, g->tests, g->n_tests, g->setup,
						  g->teardown) != 0;
	}
	if (!selected) {
		fprintf(stderr, "%s: no group of suite \"%s\"\n", argv[0], suite);
		return 1;
	}
	fflush(stdout);
	return failed ? 1 : ran ? 0 : TL_SKIP;
}
