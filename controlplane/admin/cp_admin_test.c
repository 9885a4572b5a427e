/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cp_admin: the exact reply line of each request, good and bad (not UTF-8
 * included), health pages, and real round trips over the unix socket served
 * by cp_loop (mode 0600): a drain answered when its ticket is settled, a
 * path that is not ours refused, a client past the limit told "busy", and
 * silent clients dropped before talking ones.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <cmocka.h>

#include "cp_admin.h"
#include "cp_loop.h"

struct fake {
	char last[128];
	int reloads;
};

/* pool "web": the reply waits for ticket 7; pool "now": answered at once */
static int f_drain(void *ctx, const char *pool, const char *inst, int drain, char *why, size_t len,
		   uint64_t *ticket)
{
	struct fake *f = ctx;

	if (strcmp(pool, "web") != 0 && strcmp(pool, "now") != 0) {
		snprintf(why, len, "no pool \"%s\"", pool);
		return -ENOENT;
	}
	snprintf(f->last, sizeof(f->last), "%s %s %s", drain ? "drain" : "undrain", pool, inst);
	if (strcmp(pool, "now") == 0)
		return 0;
	*ticket = 7;
	return CP_ADMIN_WAIT;
}

/* two pages: "" then "1.0" */
static json_t *f_health(void *ctx, const char *cursor, char *why, size_t len)
{
	(void)ctx;
	if (!*cursor)
		return json_pack("{s:[{s:s}],s:s}", "pools", "pool", "web", "next", "1.0");
	if (strcmp(cursor, "1.0") == 0)
		return json_pack("{s:[{s:s}]}", "pools", "pool", "api");
	snprintf(why, len, "bad cursor \"%s\"", cursor);
	return NULL;
}

static int f_reload(void *ctx, char *why, size_t len)
{
	struct fake *f = ctx;

	(void)why;
	(void)len;
	f->reloads++;
	return 0;
}

/* The event stream kept two lines. */
static void f_events(void *ctx, void (*each)(void *arg, const char *line), void *arg)
{
	(void)ctx;
	each(arg, "{\"ts\":\"t1\",\"kind\":\"health\"}");
	each(arg, "{\"ts\":\"t2\",\"kind\":\"flow\",\"vip\":\"web\"}");
}

static void expect_reply(const struct cp_admin_ops *ops, const char *req, const char *want)
{
	uint64_t ticket = 99;
	char *r = cp_admin_handle(ops, req, &ticket);

	assert_int_equal(ticket, 0);
	assert_non_null(r);
	assert_string_equal(r, want);
	free(r);
}

static void test_requests(void **state)
{
	struct fake f = {0};
	struct cp_admin_ops ops = {f_drain, f_health, f_reload, f_events, &f};

	uint64_t ticket = 0;

	(void)state;
	/* a change waits for its ticket: no reply yet */
	assert_null(cp_admin_handle(&ops, "drain web b1", &ticket));
	assert_int_equal(ticket, 7);
	assert_string_equal(f.last, "drain web b1");
	assert_null(cp_admin_handle(&ops, " undrain\tweb  198.18.1.11:80\r", &ticket));
	assert_string_equal(f.last, "undrain web 198.18.1.11:80");
	expect_reply(&ops, "drain now b1", "{\"ok\":true}");
	expect_reply(&ops, "drain api b1", "{\"ok\":false,\"error\":\"no pool \\\"api\\\"\"}");
	expect_reply(&ops, "drain web", "{\"ok\":false,\"error\":\"drain needs POOL INSTANCE\"}");
	expect_reply(&ops, "health",
		     "{\"ok\":true,\"pools\":[{\"pool\":\"web\"}],\"next\":\"1.0\"}");
	expect_reply(&ops, "health 1.0", "{\"ok\":true,\"pools\":[{\"pool\":\"api\"}]}");
	expect_reply(&ops, "health x", "{\"ok\":false,\"error\":\"bad cursor \\\"x\\\"\"}");
	expect_reply(&ops, "health x y",
		     "{\"ok\":false,\"error\":\"health takes at most a cursor, got \\\"x "
		     "y\\\"\"}");
	/* not UTF-8: an answer all the same (jansson refuses such strings) */
	expect_reply(&ops,
		     "drain w\xff"
		     "b x",
		     "{\"ok\":false,\"error\":\"request is not valid UTF-8 (byte 7)\"}");
	expect_reply(&ops,
		     "drain w\xc3\xa9"
		     "b x",
		     "{\"ok\":false,\"error\":\"no pool "
		     "\\\"w\xc3\xa9"
		     "b\\\"\"}");
	expect_reply(&ops, "drain \xed\xa0\x80 x", /* a surrogate */
		     "{\"ok\":false,\"error\":\"request is not valid UTF-8 (byte 6)\"}");
	expect_reply(&ops, "reload", "{\"ok\":true}");
	assert_int_equal(f.reloads, 1);
	expect_reply(&ops, "",
		     "{\"ok\":false,\"error\":\"empty request (expected drain, undrain, "
		     "health, reload or events)\"}");
	expect_reply(&ops, "stats",
		     "{\"ok\":false,\"error\":\"unknown command \\\"stats\\\" "
		     "(expected drain, undrain, health, reload or events)\"}");
	expect_reply(&ops, "events",
		     "{\"ok\":true,\"events\":[{\"ts\":\"t1\",\"kind\":\"health\"},"
		     "{\"ts\":\"t2\",\"kind\":\"flow\",\"vip\":\"web\"}]}");
	expect_reply(&ops, "events tail",
		     "{\"ok\":false,\"error\":\"events takes at most \\\"follow\\\", got "
		     "\\\"tail\\\"\"}");
	{
		char *r = cp_admin_handle(&ops, "events follow", &ticket);

		assert_int_equal(ticket, CP_ADMIN_FOLLOW);
		assert_string_equal(r, "{\"ok\":true,\"follow\":true}");
		free(r);
	}
	expect_reply(&ops, "drain a b c d",
		     "{\"ok\":false,\"error\":\"too many words in \\\"drain a b c d\\\"\"}");
}

static int connect_to(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

/* Run the loop until the server closes @fd (bounded: 3 s); the bytes it sent. */
static const char *read_reply(struct cp_loop *l, int fd, char *buf, size_t len)
{
	uint64_t end = cp_loop_now_ns() + 3000000000ull;
	size_t got = 0;

	while (cp_loop_now_ns() < end) {
		ssize_t n;

		cp_loop_run_once(l, 10);
		n = recv(fd, buf + got, len - 1 - got, MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n > 0)
			got += (size_t)n;
	}
	buf[got] = '\0';
	return buf;
}

struct sock_env {
	struct fake f;
	struct cp_admin_ops ops;
	struct cp_loop *l;
	char dir[32], path[100];
};

static int sock_setup(void **state)
{
	struct sock_env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	e->ops = (struct cp_admin_ops){f_drain, f_health, f_reload, f_events, &e->f};
	e->l = cp_loop_new();
	assert_non_null(e->l);
	snprintf(e->dir, sizeof(e->dir), "/tmp/sl-admin-test-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->path, sizeof(e->path), "%s/run/t.sock", e->dir);
	*state = e;
	return 0;
}

static int sock_teardown(void **state)
{
	struct sock_env *e = *state;
	char p[128];

	cp_loop_free(e->l);
	unlink(e->path);
	snprintf(p, sizeof(p), "%s/run", e->dir);
	rmdir(p);
	rmdir(e->dir);
	free(e);
	return 0;
}

static struct cp_admin *admin_ok(struct sock_env *e)
{
	char why[256];
	struct cp_admin *a = cp_admin_new(e->l, e->path, &e->ops, why, sizeof(why));

	if (!a)
		fail_msg("%s", why);
	return a;
}

static void test_socket(void **state)
{
	struct sock_env *e = *state;
	struct cp_admin *a = admin_ok(e);
	char buf[256];
	struct stat st;
	int fd, fd2;

	assert_int_equal(stat(e->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true(S_ISSOCK(st.st_mode));
	fd = connect_to(e->path);
	assert_int_equal(write(fd, "drain now b2\n", 13), 13);
	assert_string_equal(read_reply(e->l, fd, buf, sizeof(buf)), "{\"ok\":true}\n");
	assert_string_equal(e->f.last, "drain now b2");
	close(fd);

	/* a drain is answered when its ticket (7) is settled, not before */
	fd = connect_to(e->path);
	fd2 = connect_to(e->path);
	assert_int_equal(write(fd, "drain web b1\n", 13), 13);
	assert_int_equal(write(fd2, "undrain web b1\n", 15), 15);
	for (int i = 0; i < 20; i++)
		cp_loop_run_once(e->l, 5);
	cp_admin_settle(a, 6, 41, NULL);
	assert_int_equal(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
	cp_admin_settle(a, 7, 42, NULL);
	assert_string_equal(read_reply(e->l, fd, buf, sizeof(buf)),
			    "{\"ok\":true,\"generation\":42}\n");
	assert_string_equal(read_reply(e->l, fd2, buf, sizeof(buf)),
			    "{\"ok\":true,\"generation\":42}\n");
	close(fd);
	close(fd2);
	/* a build that failed settles with its reason */
	fd = connect_to(e->path);
	assert_int_equal(write(fd, "drain web b1\n", 13), 13);
	for (int i = 0; i < 20; i++)
		cp_loop_run_once(e->l, 5);
	cp_admin_settle(a, 9, 0, "generation 3 not built: no memory");
	assert_string_equal(read_reply(e->l, fd, buf, sizeof(buf)),
			    "{\"ok\":false,\"error\":\"generation 3 not built: no memory\"}\n");
	close(fd);
	/* not UTF-8 over the socket: still one JSON line */
	fd = connect_to(e->path);
	assert_int_equal(write(fd,
			       "drain w\xff"
			       "b x\n",
			       12),
			 12);
	assert_string_equal(read_reply(e->l, fd, buf, sizeof(buf)),
			    "{\"ok\":false,\"error\":\"request is not valid UTF-8 (byte 7)\"}\n");
	close(fd);

	cp_admin_free(a);
	assert_int_equal(access(e->path, F_OK), -1);
}

/* Run the loop until @fd has @want bytes (bounded: 3 s); what came, NUL-terminated. */
static const char *read_some(struct cp_loop *l, int fd, char *buf, size_t len, size_t want)
{
	uint64_t end = cp_loop_now_ns() + 3000000000ull;
	size_t got = 0;

	while (got < want && cp_loop_now_ns() < end) {
		ssize_t n;

		cp_loop_run_once(l, 10);
		n = recv(fd, buf + got, len - 1 - got, MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n > 0)
			got += (size_t)n;
	}
	buf[got] = '\0';
	return buf;
}

/* A follower gets the kept lines, then each published one, and stays until it closes. */
static void test_follow(void **state)
{
	struct sock_env *e = *state;
	struct cp_admin *a = admin_ok(e);
	const char *first = "{\"ok\":true,\"follow\":true}\n"
			    "{\"ts\":\"t1\",\"kind\":\"health\"}\n"
			    "{\"ts\":\"t2\",\"kind\":\"flow\",\"vip\":\"web\"}\n";
	char buf[4096];
	int fd = connect_to(e->path), other;

	assert_int_equal(write(fd, "events follow\n", 14), 14);
	assert_string_equal(read_some(e->l, fd, buf, sizeof(buf), strlen(first)), first);
	cp_admin_publish(a, "{\"ts\":\"t3\",\"kind\":\"request\"}");
	assert_string_equal(read_some(e->l, fd, buf, sizeof(buf), 35),
			    "{\"ts\":\"t3\",\"kind\":\"request\"}\n");
	/* other requests are served meanwhile */
	other = connect_to(e->path);
	assert_int_equal(write(other, "reload\n", 7), 7);
	assert_string_equal(read_reply(e->l, other, buf, sizeof(buf)), "{\"ok\":true}\n");
	close(other);
	cp_admin_publish(a, "{\"ts\":\"t4\",\"kind\":\"flow\"}");
	assert_string_equal(read_some(e->l, fd, buf, sizeof(buf), 32),
			    "{\"ts\":\"t4\",\"kind\":\"flow\"}\n");
	/* the follower leaves: publishing goes on without it */
	close(fd);
	for (int i = 0; i < 10; i++)
		cp_loop_run_once(e->l, 5);
	cp_admin_publish(a, "{\"ts\":\"t5\"}");
	cp_admin_free(a);
}

/* What is at the path is someone's unless it is a socket nobody answers on. */
static void test_path_not_ours(void **state)
{
	struct sock_env *e = *state;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct cp_admin *a, *b;
	char why[256], want[256], buf[64];
	FILE *f;
	int fd;

	/* a regular file stays, untouched */
	a = admin_ok(e);
	cp_admin_free(a);
	f = fopen(e->path, "w");
	assert_non_null(f);
	fputs("keep", f);
	fclose(f);
	assert_null(cp_admin_new(e->l, e->path, &e->ops, why, sizeof(why)));
	assert_int_equal(errno, EEXIST);
	snprintf(want, sizeof(want), "%s: a regular file, not a socket: not replaced", e->path);
	assert_string_equal(why, want);
	f = fopen(e->path, "r");
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "keep");
	unlink(e->path);

	/* a live server keeps its socket, and a second one does not start */
	a = admin_ok(e);
	assert_null(cp_admin_new(e->l, e->path, &e->ops, why, sizeof(why)));
	assert_int_equal(errno, EADDRINUSE);
	snprintf(want, sizeof(want), "%s: another process listens on it (another sluiced?)",
		 e->path);
	assert_string_equal(why, want);
	fd = connect_to(e->path);
	assert_int_equal(write(fd, "drain now x\n", 12), 12);
	assert_string_equal(read_reply(e->l, fd, buf, sizeof(buf)), "{\"ok\":true}\n");
	close(fd);
	cp_admin_free(a);

	/* a stale socket (its server died without unlinking) is replaced */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", e->path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	b = admin_ok(e);
	cp_admin_free(b);
}

/* 64 silent clients: the 65th is told busy; the silent ones go first, a talking one stays. */
static void test_busy_and_silent(void **state)
{
	struct sock_env *e = *state;
	struct cp_admin *a = admin_ok(e);
	int fds[CP_ADMIN_MAX_CLIENTS], extra, talker;
	char buf[256];

	talker = connect_to(e->path);
	assert_int_equal(write(talker, "dra", 3), 3);
	for (int i = 0; i < 5; i++)
		cp_loop_run_once(e->l, 5);
	for (int i = 0; i < CP_ADMIN_MAX_CLIENTS - 1; i++)
		fds[i] = connect_to(e->path);
	for (int i = 0; i < 20; i++)
		cp_loop_run_once(e->l, 5);
	extra = connect_to(e->path);
	assert_int_equal(write(extra, "health\n", 7), 7);
	assert_string_equal(read_reply(e->l, extra, buf, sizeof(buf)),
			    "{\"ok\":false,\"busy\":true,\"error\":\"busy: 64 clients connected, "
			    "try again\"}\n");
	close(extra);
	/* the silent ones are dropped after CP_ADMIN_SILENT_MS */
	assert_string_equal(read_reply(e->l, fds[0], buf, sizeof(buf)), "");
	for (int i = 0; i < 40; i++)
		cp_loop_run_once(e->l, 5);
	for (int i = 0; i < CP_ADMIN_MAX_CLIENTS - 1; i++) {
		assert_int_equal(recv(fds[i], buf, sizeof(buf), MSG_DONTWAIT), 0);
		close(fds[i]);
	}
	/* the one that spoke has the longer limit: it may finish its line */
	assert_int_equal(write(talker, "in now b\n", 9), 9);
	assert_string_equal(read_reply(e->l, talker, buf, sizeof(buf)), "{\"ok\":true}\n");
	close(talker);
	cp_admin_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),
		cmocka_unit_test_setup_teardown(test_socket, sock_setup, sock_teardown),
		cmocka_unit_test_setup_teardown(test_follow, sock_setup, sock_teardown),
		cmocka_unit_test_setup_teardown(test_path_not_ours, sock_setup, sock_teardown),
		cmocka_unit_test_setup_teardown(test_busy_and_silent, sock_setup, sock_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
