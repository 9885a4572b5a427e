/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cp_admin: the exact reply line of each request, good and bad, and a real
 * round trip over the unix socket served by cp_loop (mode 0600).
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

static int f_drain(void *ctx, const char *pool, const char *inst, int drain, char *why,
		   size_t len)
{
	struct fake *f = ctx;

	if (strcmp(pool, "web") != 0) {
		snprintf(why, len, "no pool \"%s\"", pool);
		return -ENOENT;
	}
	snprintf(f->last, sizeof(f->last), "%s %s %s", drain ? "drain" : "undrain", pool, inst);
	return 0;
}

static json_t *f_health(void *ctx)
{
	(void)ctx;
	return json_pack("[{s:s}]", "name", "web");
}

static int f_reload(void *ctx, char *why, size_t len)
{
	struct fake *f = ctx;

	(void)why;
	(void)len;
	f->reloads++;
	return 0;
}

static void expect_reply(const struct cp_admin_ops *ops, const char *req, const char *want)
{
	char *r = cp_admin_handle(ops, req);

	assert_non_null(r);
	assert_string_equal(r, want);
	free(r);
}

static void test_requests(void **state)
{
	struct fake f = {0};
	struct cp_admin_ops ops = {f_drain, f_health, f_reload, &f};

	(void)state;
	expect_reply(&ops, "drain web b1", "{\"ok\":true}");
	assert_string_equal(f.last, "drain web b1");
	expect_reply(&ops, " undrain\tweb  198.18.1.11:80\r", "{\"ok\":true}");
	assert_string_equal(f.last, "undrain web 198.18.1.11:80");
	expect_reply(&ops, "drain api b1", "{\"ok\":false,\"error\":\"no pool \\\"api\\\"\"}");
	expect_reply(&ops, "drain web",
		     "{\"ok\":false,\"error\":\"drain needs POOL INSTANCE\"}");
	expect_reply(&ops, "health", "{\"ok\":true,\"pools\":[{\"name\":\"web\"}]}");
	expect_reply(&ops, "health x",
		     "{\"ok\":false,\"error\":\"health takes no argument, got \\\"x\\\"\"}");
	expect_reply(&ops, "reload", "{\"ok\":true}");
	assert_int_equal(f.reloads, 1);
	expect_reply(&ops, "", "{\"ok\":false,\"error\":\"empty request (expected drain, undrain, "
			       "health or reload)\"}");
	expect_reply(&ops, "stats", "{\"ok\":false,\"error\":\"unknown command \\\"stats\\\" "
				    "(expected drain, undrain, health or reload)\"}");
	expect_reply(&ops, "drain a b c d",
		     "{\"ok\":false,\"error\":\"too many words in \\\"drain a b c d\\\"\"}");
}

static void test_socket(void **state)
{
	struct fake f = {0};
	struct cp_admin_ops ops = {f_drain, f_health, f_reload, &f};
	struct cp_loop *l = cp_loop_new();
	char dir[] = "/tmp/sl-core4-admin-XXXXXX", path[100], why[256], buf[256];
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct cp_admin *a;
	struct stat st;
	size_t got = 0;
	int fd;

	(void)state;
	assert_non_null(l);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/run/t.sock", dir);
	a = cp_admin_new(l, path, &ops, why, sizeof(why));
	if (!a)
		fail_msg("%s", why);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true(S_ISSOCK(st.st_mode));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(write(fd, "drain web b2\n", 13), 13);
	for (int i = 0; i < 100; i++) {
		ssize_t n;

		cp_loop_run_once(l, 10);
		n = recv(fd, buf + got, sizeof(buf) - 1 - got, MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n > 0)
			got += (size_t)n;
	}
	buf[got] = '\0';
	assert_string_equal(buf, "{\"ok\":true}\n");
	assert_string_equal(f.last, "drain web b2");
	close(fd);
	cp_admin_free(a);
	assert_int_equal(access(path, F_OK), -1);
	cp_loop_free(l);
	snprintf(path, sizeof(path), "%s/run", dir);
	rmdir(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
