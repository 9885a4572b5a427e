/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluicectl drain / undrain / health: one request line to sluiced's admin
 * socket, one JSON reply line back (cp_admin.h). `health` follows the pages
 * ("next") and prints a table, or with --json one document merging them;
 * drain and undrain print what they did and the generation that carries it.
 * Everything from the daemon is escaped before it reaches the terminal.
 * A "busy" daemon is asked again a few times before giving up.
 */
#include <errno.h>
#include <stdint.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <jansson.h>

#include "cp_admin.h"
#include "cfg.h"
#include "cp_text.h"
#include "ctl_admin.h"

#define CTL_ADMIN_TIMEOUT_MS 5000 /* ms: a live sluiced answers within CP_ADMIN_WAIT_MS */
#define CTL_ADMIN_REPLY_MAX (4u << 20)
#define CTL_ADMIN_BUSY_TRIES 5	   /* asks of a busy daemon */
#define CTL_ADMIN_BUSY_WAIT_MS 300 /* ms between them */
#define CTL_ADMIN_MAX_PAGES 100000 /* health pages followed (a loop guard) */

int ctl_admin_socket_path(const char *config, const char *instance, char *out, size_t len)
{
	struct cfg cfg = {0};
	struct cfg_error err;
	char buf[768];

	if (instance) {
		/* the default of controlplane.admin_socket (docs/configuration.md) */
		snprintf(out, len, "/run/sluice/%s.sock", instance);
		return 0;
	}
	if (cfg_load(config, NULL, &cfg, &err) != 0) {
		fprintf(stderr, "sluicectl: %s\n", cfg_strerror(&err, buf, sizeof(buf)));
		return -EINVAL;
	}
	snprintf(out, len, "%s", cfg.controlplane.admin_socket);
	cfg_free(&cfg);
	return 0;
}

/* Send @line, read the reply into *@reply (caller frees). 0 or 1 (message printed). */
static int request(const char *path, const char *line, char **reply)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = 0, cap = 4096, len = strlen(line);
	char *buf = NULL;
	int fd, rc = 1;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "sluicectl: admin socket path too long: %s\n", path);
		return 1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "sluicectl: socket: %s\n", strerror(errno));
		return 1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "sluicectl: %s: %s (is sluiced running?)\n", path, strerror(errno));
		goto out;
	}
	/*
	 * A busy server answers and closes before reading: the request then
	 * meets a closed socket (EPIPE, no SIGPIPE), and the answer is still
	 * there to read.
	 */
	if ((send(fd, line, len, MSG_NOSIGNAL) != (ssize_t)len ||
	     send(fd, "\n", 1, MSG_NOSIGNAL) != 1) &&
	    errno != EPIPE && errno != ECONNRESET) {
		fprintf(stderr, "sluicectl: %s: sending the request: %s\n", path, strerror(errno));
		goto out;
	}
	buf = malloc(cap);
	if (!buf)
		goto out;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t r;

		if (poll(&p, 1, CTL_ADMIN_TIMEOUT_MS) <= 0) {
			fprintf(stderr, "sluicectl: %s: no reply within %u ms\n", path,
				CTL_ADMIN_TIMEOUT_MS);
			goto out;
		}
		if (n + 1 == cap) {
			char *nb = cap < CTL_ADMIN_REPLY_MAX ? realloc(buf, cap * 2) : NULL;

			if (!nb) {
				fprintf(stderr, "sluicectl: %s: reply too long\n", path);
				goto out;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			fprintf(stderr, "sluicectl: %s: reading the reply: %s\n", path,
				strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	if (!n) {
		fprintf(stderr, "sluicectl: %s: empty reply\n", path);
		goto out;
	}
	*reply = buf;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

/* A string member of @o escaped for the terminal ("-" when absent). */
static const char *esc(json_t *o, const char *key, char *buf, size_t len)
{
	const char *v = json_string_value(json_object_get(o, key));

	return cp_text_esc(v ? v : "-", SIZE_MAX, buf, len);
}

static void print_pool_line(json_t *p)
{
	char pool[160], health[64];

	long long refused = json_integer_value(json_object_get(p, "refused"));

	printf("pool %s: health %s, %s (panic_threshold %lld%%)",
	       esc(p, "pool", pool, sizeof(pool)), esc(p, "health", health, sizeof(health)),
	       json_is_true(json_object_get(p, "panic")) ? "PANIC: every instance serves"
							 : "normal",
	       (long long)json_integer_value(json_object_get(p, "panic_threshold")));
	if (refused)
		printf(", %lld discovered entries refused (see sluiced's log)", refused);
	printf("\n");
}

static void print_header(void)
{
	printf("%-12s %-20s %-28s %-10s %-8s %-7s %-6s %-14s %s\n", "POOL", "INSTANCE", "ADDRESS",
	       "STATE", "DRAINED", "SERVING", "WEIGHT", "SOURCES", "REASON");
}

/* The rows of one page; a pool's line once its last instance was printed. */
static void print_health(json_t *pools, int more)
{
	size_t i, k;
	json_t *p, *inst;

	json_array_foreach(pools, i, p)
	{
		json_t *insts = json_object_get(p, "instances");
		char pool[160];

		esc(p, "pool", pool, sizeof(pool));
		json_array_foreach(insts, k, inst)
		{
			char addr[200], a[160], name[160], st[64], src[64], why[640], reason[560];
			int port = (int)json_integer_value(json_object_get(inst, "port"));

			snprintf(addr, sizeof(addr), "%s%s%.0d", esc(inst, "address", a, sizeof(a)),
				 port ? ":" : "", port);
			esc(inst, "reason", reason, sizeof(reason));
			if (json_is_false(json_object_get(inst, "published")))
				snprintf(why, sizeof(why),
					 "not in the tables (tables.max_backends); %s", reason);
			else
				snprintf(why, sizeof(why), "%s", reason);
			printf("%-12s %-20s %-28s %-10s %-8s %-7s %-6lld %-14s %s\n", pool,
			       esc(inst, "name", name, sizeof(name)), addr,
			       esc(inst, "state", st, sizeof(st)),
			       json_is_true(json_object_get(inst, "drained")) ? "yes" : "no",
			       json_is_true(json_object_get(inst, "serving")) ? "yes" : "no",
			       (long long)json_integer_value(json_object_get(inst, "weight")),
			       esc(inst, "sources", src, sizeof(src)), why);
		}
		/* the last pool of a page goes on in the next one */
		if (!more || i + 1 < json_array_size(pools))
			print_pool_line(p);
	}
}

/* A page's pools appended to @all; a pool cut by the previous page is continued. */
static int merge_pools(json_t *all, json_t *pools)
{
	size_t i;
	json_t *p;

	json_array_foreach(pools, i, p)
	{
		json_t *last = json_array_get(all, json_array_size(all) - 1);
		const char *name = json_string_value(json_object_get(p, "pool"));

		if (i == 0 && last && name &&
		    json_equal(json_object_get(last, "pool"), json_object_get(p, "pool"))) {
			if (json_array_extend(json_object_get(last, "instances"),
					      json_object_get(p, "instances")))
				return -1;
			continue;
		}
		if (json_array_append(all, p))
			return -1;
	}
	return 0;
}

/* One request, asked again while the daemon says busy. 0, or 1 (printed). */
static int ask(const char *path, const char *line, json_t **out)
{
	for (int t = 0;; t++) {
		char *reply = NULL;
		json_error_t jerr;
		json_t *o;

		if (request(path, line, &reply) != 0)
			return 1;
		o = json_loads(reply, 0, &jerr);
		if (!o || !json_is_object(o)) {
			char e[300];

			fprintf(stderr, "sluicectl: %s: reply is not JSON: %s\n", path,
				cp_text_esc(reply, 200, e, sizeof(e)));
			json_decref(o);
			free(reply);
			return 1;
		}
		if (json_is_true(json_object_get(o, "busy")) && t + 1 < CTL_ADMIN_BUSY_TRIES) {
			json_decref(o);
			free(reply);
			poll(NULL, 0, CTL_ADMIN_BUSY_WAIT_MS);
			continue;
		}
		*out = o;
		free(reply);
		return 0;
	}
}

static int failed(const char *cmd, json_t *o)
{
	char e[600];

	if (json_is_true(json_object_get(o, "ok")))
		return 0;
	fprintf(stderr, "sluicectl: %s: %s%s\n", cmd,
		json_is_true(json_object_get(o, "pending")) ? "pending: " : "",
		esc(o, "error", e, sizeof(e)));
	return 1;
}

static int health(const char *path, int json)
{
	char line[CP_ADMIN_LINE_MAX], cursor[64] = "";
	json_t *all = json ? json_array() : NULL;
	json_int_t gen = 0;
	int rc = 1, settled = 0;

	if (json && !all)
		return 1;
	if (!json)
		print_header();
	for (int page = 0; page < CTL_ADMIN_MAX_PAGES; page++) {
		json_t *o = NULL, *next;
		int more;

		snprintf(line, sizeof(line), cursor[0] ? "health %s" : "health", cursor);
		if (ask(path, line, &o) != 0)
			goto out;
		if (failed("health", o)) {
			json_decref(o);
			goto out;
		}
		next = json_object_get(o, "next");
		more = json_is_string(next) && strlen(json_string_value(next)) < sizeof(cursor);
		if (json ? merge_pools(all, json_object_get(o, "pools")) != 0
			 : (print_health(json_object_get(o, "pools"), more), 0)) {
			json_decref(o);
			goto out;
		}
		if (more)
			snprintf(cursor, sizeof(cursor), "%s", json_string_value(next));
		/* the last page's word: asked after every state above */
		gen = json_integer_value(json_object_get(o, "generation"));
		settled = json_is_true(json_object_get(o, "settled"));
		json_decref(o);
		if (!more) {
			rc = 0;
			break;
		}
	}
	if (!rc && !json)
		printf("dataplane: generation %lld, %s\n", (long long)gen,
		       settled ? "holds every change above"
			       : "a change above is still being published");
	if (!rc && json) {
		json_t *doc = json_pack("{s:b,s:O,s:I,s:b}", "ok", 1, "pools", all, "generation",
					gen, "settled", settled);
		char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

		if (text)
			printf("%s\n", text);
		else
			rc = 1;
		free(text);
		json_decref(doc);
	}
out:
	json_decref(all);
	return rc;
}

int ctl_admin_main(const char *config, const char *instance, int argc, char **argv)
{
	const char *cmd = argv[0];
	char path[CFG_PATH_LEN], line[CP_ADMIN_LINE_MAX];
	json_t *o = NULL;
	int json = 0, rc = 1;

	if (strcmp(cmd, "health") == 0) {
		if (argc == 2 && strcmp(argv[1], "--json") == 0)
			json = 1;
		else if (argc != 1) {
			fprintf(stderr, "sluicectl: usage: health [--json]\n");
			return 2;
		}
		snprintf(line, sizeof(line), "health");
	} else {
		if (argc != 3) {
			fprintf(stderr, "sluicectl: usage: %s POOL INSTANCE\n", cmd);
			return 2;
		}
		if (strpbrk(argv[1], " \t\r\n") || strpbrk(argv[2], " \t\r\n") ||
		    strlen(argv[1]) + strlen(argv[2]) + 16 > sizeof(line)) {
			fprintf(stderr, "sluicectl: %s: pool and instance are single words\n", cmd);
			return 2;
		}
		snprintf(line, sizeof(line), "%s %s %s", cmd, argv[1], argv[2]);
	}
	if (ctl_admin_socket_path(config, instance, path, sizeof(path)) != 0)
		return 1;
	if (strcmp(cmd, "health") == 0)
		return health(path, json);
	if (ask(path, line, &o) != 0)
		return 1;
	if (failed(cmd, o))
		goto out;
	{
		char pool[160], inst[160];

		printf("%s %s %s: ok, published in generation %lld\n", cmd,
		       cp_text_esc(argv[1], SIZE_MAX, pool, sizeof(pool)),
		       cp_text_esc(argv[2], SIZE_MAX, inst, sizeof(inst)),
		       (long long)json_integer_value(json_object_get(o, "generation")));
	}
	rc = 0;
out:
	json_decref(o);
	return rc;
}
