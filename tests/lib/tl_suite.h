/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test programs whose cases need different things. The cases are cmocka
 * groups, each tagged with its meson suite: "unit" runs as any user with
 * only the build dependencies, "kernel" needs root (a network namespace,
 * loading BPF programs), "ext" needs a server program. meson runs such a
 * program once per suite, the suite's name as its argument (a unit_tests
 * entry with 'suites'); without an argument every group runs.
 *
 * A group whose needs are not met here does not run: the program prints one
 * line saying why, and exits 77 (meson: SKIP) when nothing ran at all.
 */
#ifndef TL_SUITE_H
#define TL_SUITE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define TL_SKIP 77 /* exit status meson reports as SKIP */

enum tl_need {
	TL_NEED_NETNS = 1u << 0, /* unshare(CLONE_NEWNET) */
	TL_NEED_BPF = 1u << 1,	 /* loading an XDP or tc program */
};

struct tl_group {
	const char *name; /* cmocka's group name, and the skip line's */
	const char *suite;
	const struct CMUnitTest *tests;
	size_t n_tests;
	CMFixtureFunction setup, teardown;
	unsigned int needs;   /* enum tl_need */
	const char *programs; /* space-separated: paths, or names found on PATH; or NULL */
	const char *packages; /* the Debian packages that hold them */
};

#define TL_TESTS(t) (t), sizeof(t) / sizeof((t)[0])

/*
 * 0 when @needs and @programs are met here; else -1 with the reason in @why
 * ("needs root: unshare(CLONE_NEWNET): Operation not permitted").
 */
int tl_suite_can_run(unsigned int needs, const char *programs, const char *packages, char *why,
		     size_t len);

/*
 * Run the groups of suite @argv[1], or every group without an argument.
 * main()'s exit status: 1 if a test failed or no group is of that suite,
 * TL_SKIP if no group could run, else 0.
 */
int tl_suite_run(int argc, char **argv, const struct tl_group *groups, size_t n);

#endif /* TL_SUITE_H */
