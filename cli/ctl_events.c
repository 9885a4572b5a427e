/* SPDX-License-Identifier: BSD-3-Clause */
/* sluicectl events (ctl_events.h). */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "cfg_types.h"
#include "cp_text.h"
#include "ctl_admin.h"
#include "ctl_events.h"

#define CTL_EVENTS_TIMEOUT_MS 5000     /* ms: the first reply of a live sluiced */
#define CTL_EVENTS_LINE_MAX (4u << 20) /* bytes of one reply line ("events" keeps 1024 lines) */

static int field_is(json_t *e, const char *key, const char *want)
{
	const char *v = json_string_value(json_object_get(e, key));

	return v && strcmp(v, want) == 0;
}

int ctl_events_match(const struct ctl_events_filter *f, json_t *e)
{
	return (!f->kind || field_is(e, "kind", f->kind)) &&
	       (!f->instance || field_is(e, "instance", f->instance)) &&
	       (!f->vip || field_is(e, "vip", f->vip));
}

/* String member @key, escaped for a terminal, or "-". */
static const char *str(json_t *e, const char *key, char *buf, size_t len)
{
	const char *v = json_string_value(json_object_get(e, key));

	return cp_text_esc(v ? v : "-", 200, buf, len);
}

/* Microseconds member @key as milliseconds text, or "-". */
static const char *ms(json_t *e, const char *key, char *buf, size_t len)
{
	json_t *v = json_object_get(e, key);

	if (!json_is_integer(v))
		return "-";
	snprintf(buf, len, "%.3f", (double)json_integer_value(v) / 1000.0);
	return buf;
}

void ctl_events_print(FILE *out, json_t *e)
{
	char ts[64], kind[32], who[80], inst[80], a[256], b[256], c[64], d[64], x[64];
	const char *k = json_string_value(json_object_get(e, "kind"));

	str(e, "ts", ts, sizeof(ts));
	str(e, "kind", kind, sizeof(kind));
	if (k && strcmp(k, "health") == 0) {
		fprintf(out, "%-24s %-7s %-12s %-12s %s %s -> %s: %s\n", ts, kind,
			str(e, "pool", who, sizeof(who)), str(e, "instance", inst, sizeof(inst)),
			str(e, "event", c, sizeof(c)), str(e, "old", d, sizeof(d)),
			str(e, "new", x, sizeof(x)), str(e, "reason", a, sizeof(a)));
		return;
	}
	fprintf(out, "%-24s %-7s %-12s %-12s %s:%lld ", ts, kind, str(e, "vip", who, sizeof(who)),
		str(e, "instance", inst, sizeof(inst)), str(e, "client", a, sizeof(a)),
		(long long)json_integer_value(json_object_get(e, "client_port")));
	if (k && strcmp(k, "flow") == 0) {
		json_t *pk = json_object_get(e, "packets"), *by = json_object_get(e, "bytes");

		fprintf(out, "%s %s ms end %s seen %s packets %lld/%lld bytes %lld/%lld\n",
			str(e, "mode", c, sizeof(c)), ms(e, "duration_us", d, sizeof(d)),
			str(e, "end", x, sizeof(x)), str(e, "seen", b, sizeof(b)),
			(long long)json_integer_value(json_object_get(pk, "client")),
			(long long)json_integer_value(json_object_get(pk, "instance")),
			(long long)json_integer_value(json_object_get(by, "client")),
			(long long)json_integer_value(json_object_get(by, "instance")));
		return;
	}
	if (json_object_get(e, "method")) {
		json_t *st = json_object_get(e, "status");
		char route[256], ttfb[64];

		fprintf(out, "%s %s %lld %s ms ttfb %s ms route %s%s%s\n",
			str(e, "method", c, sizeof(c)), str(e, "path", b, sizeof(b)),
			json_is_integer(st) ? (long long)json_integer_value(st) : 0LL,
			ms(e, "duration_us", d, sizeof(d)), ms(e, "ttfb_us", ttfb, sizeof(ttfb)),
			str(e, "route", route, sizeof(route)),
			json_is_string(json_object_get(e, "answer")) ? " answered " : "",
			json_is_string(json_object_get(e, "answer"))
				? str(e, "answer", x, sizeof(x))
				: "");
		return;
	}
	fprintf(out, "%s connection %s ms connect %s ms ttfb %s ms bytes %lld/%lld\n",
		str(e, "mode", c, sizeof(c)), ms(e, "duration_us", d, sizeof(d)),
		ms(e, "connect_us", x, sizeof(x)), ms(e, "ttfb_us", b, sizeof(b)),
		(long long)json_integer_value(json_object_get(e, "req_bytes")),
		(long long)json_integer_value(json_object_get(e, "resp_bytes")));
}

static void show(const struct ctl_events_filter *f, int json, json_t *e)
{
	if (!ctl_events_match(f, e))
		return;
	if (json) {
		char *s = json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER);

		if (s)
			puts(s);
		free(s);
	} else {
		ctl_events_print(stdout, e);
	}
	fflush(stdout);
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "sluicectl: admin socket path too long: %s\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "sluicectl: %s: %s (is sluiced running?)\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * Read lines from @fd and give each to @fn until EOF (0), or an error (1,
 * printed). The first line within CTL_EVENTS_TIMEOUT_MS; then, when
 * @follow, as long as it takes.
 */
static int each_line(int fd, const char *path, int follow, int (*fn)(void *arg, char *line),
		     void *arg)
{
	size_t n = 0, cap = 65536;
	char *buf = malloc(cap), *nl;
	int first = 1, rc = 1;

	if (!buf)
		return 1;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t r;

		if (poll(&p, 1, first || !follow ? CTL_EVENTS_TIMEOUT_MS : -1) <= 0) {
			fprintf(stderr, "sluicectl: %s: no reply within %u ms\n", path,
				CTL_EVENTS_TIMEOUT_MS);
			goto out;
		}
		if (n + 1 >= cap) {
			char *nb = cap < CTL_EVENTS_LINE_MAX ? realloc(buf, cap * 2) : NULL;

			if (!nb) {
				fprintf(stderr, "sluicectl: %s: reply line too long\n", path);
				goto out;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			fprintf(stderr, "sluicectl: %s: %s\n", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		buf[n] = '\0';
		while ((nl = memchr(buf, '\n', n))) {
			size_t used = (size_t)(nl - buf) + 1;

			*nl = '\0';
			first = 0;
			if (fn(arg, buf)) {
				rc = 0;
				goto out;
			}
			memmove(buf, buf + used, n - used);
			n -= used;
		}
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

struct run {
	const struct ctl_events_filter *f;
	int json;
	int follow;
	int lines; /* seen so far */
	int failed;
};

static int on_line(void *arg, char *line)
{
	struct run *r = arg;
	json_t *o = json_loads(line, 0, NULL), *ev;
	size_t i;

	if (!o) {
		fprintf(stderr, "sluicectl: events: a line that is not JSON\n");
		r->failed = 1;
		return 1;
	}
	if (r->lines++ == 0) {
		/* the reply: ok, and the kept lines (without --follow) */
		if (!json_is_true(json_object_get(o, "ok"))) {
			char err[512];

			fprintf(stderr, "sluicectl: events: %s\n",
				str(o, "error", err, sizeof(err)));
			r->failed = 1;
			json_decref(o);
			return 1;
		}
		json_array_foreach(json_object_get(o, "events"), i, ev) show(r->f, r->json, ev);
		json_decref(o);
		return !r->follow;
	}
	show(r->f, r->json, o);
	json_decref(o);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "sluicectl: usage: events [--follow] [--kind flow|request|health] "
			"[--instance NAME] [--vip NAME] [--json]\n");
}

int ctl_events_main(const char *config, const char *instance, int argc, char **argv)
{
	static const struct option opts[] = {
		{"follow", no_argument, NULL, 'f'},	    {"kind", required_argument, NULL, 'k'},
		{"instance", required_argument, NULL, 'n'}, {"vip", required_argument, NULL, 'v'},
		{"json", no_argument, NULL, 'j'},	    {NULL, 0, NULL, 0},
	};
	struct ctl_events_filter f = {0};
	struct run r = {.f = &f};
	char path[CFG_PATH_LEN];
	const char *req;
	int c, fd, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			r.follow = 1;
			break;
		case 'k':
			f.kind = optarg;
			break;
		case 'n':
			f.instance = optarg;
			break;
		case 'v':
			f.vip = optarg;
			break;
		case 'j':
			r.json = 1;
			break;
		default:
			usage();
			return 2;
		}
	}
	if (optind != argc || (f.kind && strcmp(f.kind, "flow") && strcmp(f.kind, "request") &&
			       strcmp(f.kind, "health"))) {
		usage();
		return 2;
	}
	if (ctl_admin_socket_path(config, instance, path, sizeof(path)) != 0)
		return 1;
	fd = connect_to(path);
	if (fd < 0)
		return 1;
	req = r.follow ? "events follow\n" : "events\n";
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req)) {
		fprintf(stderr, "sluicectl: %s: sending the request: %s\n", path, strerror(errno));
		close(fd);
		return 1;
	}
	if (!r.json)
		printf("%-24s %-7s %-12s %-12s %s\n", "TIME", "KIND", "VIP/POOL", "INSTANCE",
		       "WHAT");
	rc = each_line(fd, path, r.follow, on_line, &r);
	close(fd);
	return rc || r.failed;
}
