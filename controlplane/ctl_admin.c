/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluicectl drain / undrain / health: one request line to sluiced's admin
 * socket, one JSON reply line back (cp_admin.h). `health` prints a table
 * (or the reply as is with --json); drain and undrain print what they did.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <jansson.h>

#include "cp_admin.h"
#include "cp_config.h"
#include "ctl_admin.h"

#define CTL_ADMIN_TIMEOUT_MS 5000 /* ms: a live sluiced answers at once */
#define CTL_ADMIN_REPLY_MAX (4u << 20)

static int socket_path(const char *config, const char *instance, char *out, size_t len)
{
	struct cp_config cfg = { 0 };
	struct cp_config_error err;
	char buf[768];

	if (instance) {
		/* the default of controlplane.admin_socket (docs/configuration.md) */
		snprintf(out, len, "/run/sluice/%s.sock", instance);
		return 0;
	}
	if (cp_config_load(config, NULL, &cfg, &err) != 0) {
		fprintf(stderr, "sluicectl: %s\n", cp_config_strerror(&err, buf, sizeof(buf)));
		return -EINVAL;
	}
	snprintf(out, len, "%s", cfg.controlplane.admin_socket);
	cp_config_free(&cfg);
	return 0;
}

/* Send @line, read the reply into *@reply (caller frees). 0 or 1 (message printed). */
static int request(const char *path, const char *line, char **reply)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
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
	if (write(fd, line, len) != (ssize_t)len || write(fd, "\n", 1) != 1) {
		fprintf(stderr, "sluicectl: %s: sending the request: %s\n", path, strerror(errno));
		goto out;
	}
	buf = malloc(cap);
	if (!buf)
		goto out;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
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

static void print_health(json_t *pools)
{
	size_t i, k;
	json_t *p, *inst;

	printf("%-12s %-20s %-28s %-10s %-8s %-7s %-6s %-14s %s\n", "POOL", "INSTANCE", "ADDRESS",
	       "STATE", "DRAINED", "SERVING", "WEIGHT", "SOURCES", "REASON");
	json_array_foreach(pools, i, p) {
		const char *pool = json_string_value(json_object_get(p, "pool"));
		json_t *insts = json_object_get(p, "instances");

		json_array_foreach(insts, k, inst) {
			char addr[80];
			int port = (int)json_integer_value(json_object_get(inst, "port"));

			snprintf(addr, sizeof(addr), "%s%s%.0d",
				 json_string_value(json_object_get(inst, "address")),
				 port ? ":" : "", port);
			printf("%-12s %-20s %-28s %-10s %-8s %-7s %-6lld %-14s %s\n", pool,
			       json_string_value(json_object_get(inst, "name")), addr,
			       json_string_value(json_object_get(inst, "state")),
			       json_is_true(json_object_get(inst, "drained")) ? "yes" : "no",
			       json_is_true(json_object_get(inst, "serving")) ? "yes" : "no",
			       (long long)json_integer_value(json_object_get(inst, "weight")),
			       json_string_value(json_object_get(inst, "sources")),
			       json_string_value(json_object_get(inst, "reason")));
		}
		printf("pool %s: health %s, %s (panic_threshold %lld%%)\n", pool,
		       json_string_value(json_object_get(p, "health")),
		       json_is_true(json_object_get(p, "panic")) ? "PANIC: every instance serves"
								  : "normal",
		       (long long)json_integer_value(json_object_get(p, "panic_threshold")));
	}
}

int ctl_admin_main(const char *config, const char *instance, int argc, char **argv)
{
	const char *cmd = argv[0];
	char path[CP_PATH_LEN], line[CP_ADMIN_LINE_MAX];
	char *reply = NULL;
	json_error_t jerr;
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
	if (socket_path(config, instance, path, sizeof(path)) != 0)
		return 1;
	if (request(path, line, &reply) != 0)
		return 1;
	o = json_loads(reply, 0, &jerr);
	if (!o || !json_is_object(o)) {
		fprintf(stderr, "sluicectl: %s: reply is not JSON: %.200s\n", path, reply);
		goto out;
	}
	if (!json_is_true(json_object_get(o, "ok"))) {
		const char *e = json_string_value(json_object_get(o, "error"));

		fprintf(stderr, "sluicectl: %s: %s\n", cmd, e ? e : reply);
		goto out;
	}
	if (json)
		printf("%s\n", reply);
	else if (strcmp(cmd, "health") == 0)
		print_health(json_object_get(o, "pools"));
	else
		printf("%s %s %s: ok\n", cmd, argv[1], argv[2]);
	rc = 0;
out:
	json_decref(o);
	free(reply);
	return rc;
}
