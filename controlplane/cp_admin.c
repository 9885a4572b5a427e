/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin socket server (cp_admin.h): accept, read one line, answer with
 * one JSON line, close. Every socket is non-blocking and served from the
 * loop; a client that sends nothing within CP_ADMIN_IDLE_MS is dropped so a
 * stuck client cannot hold a descriptor forever.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "cp_admin.h"
#include "cp_loop.h"

#define CP_ADMIN_IDLE_MS 5000 /* ms: a client must send its line within this */
#define CP_ADMIN_MAX_CLIENTS 64

struct admin_client {
	struct cp_admin *a;
	struct cp_loop_fd lfd;
	struct cp_loop_timer idle;
	int fd;
	char in[CP_ADMIN_LINE_MAX];
	size_t n_in;
	char *out; /* reply, newline-terminated, while being written */
	size_t n_out, off_out;
	struct admin_client *next;
};

struct cp_admin {
	struct cp_loop *loop;
	struct cp_admin_ops ops;
	struct cp_loop_fd lfd;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct admin_client *clients;
	unsigned int n_clients;
};

static char *reply_error(const char *fmt, const char *a, const char *b)
{
	char text[512];
	json_t *o;
	char *s;

	snprintf(text, sizeof(text), fmt, a, b);
	o = json_pack("{s:b,s:s}", "ok", 0, "error", text);
	s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	return s;
}

static char *reply_ok(json_t *pools)
{
	json_t *o = pools ? json_pack("{s:b,s:o}", "ok", 1, "pools", pools)
			  : json_pack("{s:b}", "ok", 1);
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(o);
	return s;
}

char *cp_admin_handle(const struct cp_admin_ops *ops, const char *line)
{
	char copy[CP_ADMIN_LINE_MAX], why[256] = "", *argv[4], *save = NULL, *w;
	int argc = 0, rc;

	snprintf(copy, sizeof(copy), "%s", line);
	for (w = strtok_r(copy, " \t\r", &save); w; w = strtok_r(NULL, " \t\r", &save)) {
		if (argc == 4)
			return reply_error("too many words in \"%.200s%s\"", line, "");
		argv[argc++] = w;
	}
	if (!argc)
		return reply_error("empty request (expected drain, undrain, health or reload)%s%s",
				   "", "");
	if (strcmp(argv[0], "drain") == 0 || strcmp(argv[0], "undrain") == 0) {
		if (argc != 3)
			return reply_error("%s needs POOL INSTANCE%s", argv[0], "");
		rc = ops->drain(ops->ctx, argv[1], argv[2], argv[0][0] == 'd', why, sizeof(why));
		return rc ? reply_error("%s%s", why, "") : reply_ok(NULL);
	}
	if (strcmp(argv[0], "health") == 0) {
		json_t *pools;

		if (argc != 1)
			return reply_error("health takes no argument, got \"%s\"%s", argv[1], "");
		pools = ops->health(ops->ctx);
		return pools ? reply_ok(pools) : reply_error("out of memory%s%s", "", "");
	}
	if (strcmp(argv[0], "reload") == 0) {
		if (argc != 1)
			return reply_error("reload takes no argument, got \"%s\"%s", argv[1], "");
		rc = ops->reload(ops->ctx, why, sizeof(why));
		return rc ? reply_error("%s%s", why, "") : reply_ok(NULL);
	}
	return reply_error("unknown command \"%.100s\" (expected drain, undrain, health or "
			   "reload)%s",
			   argv[0], "");
}

static void client_close(struct admin_client *c)
{
	struct cp_admin *a = c->a;

	for (struct admin_client **pp = &a->clients; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	a->n_clients--;
	cp_loop_timer_cancel(a->loop, &c->idle);
	cp_loop_fd_del(a->loop, &c->lfd);
	close(c->fd);
	free(c->out);
	free(c);
}

static void client_write(struct admin_client *c)
{
	while (c->off_out < c->n_out) {
		ssize_t n = write(c->fd, c->out + c->off_out, c->n_out - c->off_out);

		if (n < 0 && errno == EAGAIN) {
			cp_loop_fd_mod(c->a->loop, &c->lfd, EPOLLOUT);
			return;
		}
		if (n <= 0)
			break;
		c->off_out += (size_t)n;
	}
	client_close(c);
}

/* Send reply @r (owned) and close. */
static void client_send(struct admin_client *c, char *r)
{
	size_t len;

	if (!r) {
		client_close(c);
		return;
	}
	len = strlen(r);
	c->out = malloc(len + 1);
	if (!c->out) {
		free(r);
		client_close(c);
		return;
	}
	memcpy(c->out, r, len);
	c->out[len] = '\n';
	c->n_out = len + 1;
	free(r);
	client_write(c);
}

static void client_reply(struct admin_client *c, const char *line)
{
	client_send(c, cp_admin_handle(&c->a->ops, line));
}

static void on_client(struct cp_loop_fd *f, uint32_t events)
{
	struct admin_client *c = f->ctx;
	char *nl;
	ssize_t n;

	if (c->out) {
		client_write(c);
		return;
	}
	if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
		client_close(c);
		return;
	}
	n = read(c->fd, c->in + c->n_in, sizeof(c->in) - 1 - c->n_in);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		/* EOF without a newline: serve what came, if anything */
		if (c->n_in) {
			c->in[c->n_in] = '\0';
			client_reply(c, c->in);
		} else {
			client_close(c);
		}
		return;
	}
	c->n_in += (size_t)n;
	c->in[c->n_in] = '\0';
	nl = strchr(c->in, '\n');
	if (nl) {
		*nl = '\0';
		client_reply(c, c->in);
	} else if (c->n_in == sizeof(c->in) - 1) {
		client_send(c, reply_error("request longer than %s bytes%s", "1023", ""));
	}
}

static void on_idle(struct cp_loop_timer *t)
{
	client_close(t->ctx);
}

static void on_accept(struct cp_loop_fd *f, uint32_t events)
{
	struct cp_admin *a = f->ctx;

	(void)events;
	for (;;) {
		int fd = accept4(a->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct admin_client *c;

		if (fd < 0)
			return;
		if (a->n_clients >= CP_ADMIN_MAX_CLIENTS || !(c = calloc(1, sizeof(*c)))) {
			close(fd);
			continue;
		}
		c->a = a;
		c->fd = fd;
		cp_loop_timer_init(&c->idle, on_idle, c);
		if (cp_loop_fd_add(a->loop, &c->lfd, fd, EPOLLIN, on_client, c) != 0) {
			close(fd);
			free(c);
			continue;
		}
		cp_loop_timer_in(a->loop, &c->idle, CP_ADMIN_IDLE_MS);
		c->next = a->clients;
		a->clients = c;
		a->n_clients++;
	}
}

static int mkdir_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

struct cp_admin *cp_admin_new(struct cp_loop *l, const char *path, const struct cp_admin_ops *ops,
			      char *why, size_t why_len)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct cp_admin *a = NULL;
	mode_t old_mask;
	int rc;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(why, why_len, "%s: path too long", path);
		errno = ENAMETOOLONG;
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(why, why_len, "%s: out of memory", path);
		return NULL;
	}
	a->loop = l;
	a->ops = *ops;
	a->fd = -1;
	snprintf(a->path, sizeof(a->path), "%s", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	rc = mkdir_parent(path);
	if (rc) {
		snprintf(why, why_len, "%s: creating its directory: %s", path, strerror(-rc));
		goto fail;
	}
	a->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->fd < 0) {
		rc = -errno;
		snprintf(why, why_len, "%s: socket: %s", path, strerror(errno));
		goto fail;
	}
	unlink(path);
	old_mask = umask(0177); /* the socket file is born 0600 */
	rc = bind(a->fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 ? 0 : -errno;
	umask(old_mask);
	if (!rc && chmod(path, 0600) != 0)
		rc = -errno;
	if (!rc && listen(a->fd, 16) != 0)
		rc = -errno;
	if (!rc)
		rc = cp_loop_fd_add(l, &a->lfd, a->fd, EPOLLIN, on_accept, a);
	if (rc) {
		snprintf(why, why_len, "%s: %s", path, strerror(-rc));
		goto fail;
	}
	return a;
fail:
	if (a->fd >= 0)
		close(a->fd);
	free(a);
	errno = -rc;
	return NULL;
}

void cp_admin_free(struct cp_admin *a)
{
	if (!a)
		return;
	while (a->clients)
		client_close(a->clients);
	cp_loop_fd_del(a->loop, &a->lfd);
	close(a->fd);
	unlink(a->path);
	free(a);
}
