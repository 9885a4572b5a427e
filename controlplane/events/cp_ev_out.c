/* SPDX-License-Identifier: BSD-3-Clause */
/* The event stream's output (cp_ev_out.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include "cp_ev_out.h"
#include "cp_log.h"

struct cp_ev_out {
	uint8_t kind; /* enum cfg_events_output */
	char path[CFG_PATH_LEN];
	FILE *stdout_file;
	int fd;		   /* file or socket; -1: none now */
	uint64_t retry_ns; /* socket: next connect attempt */
	uint64_t lost;	   /* lines not written */
	int logged;	   /* the socket's loss was logged since it last worked */
	char *recent[CP_EV_OUT_RECENT];
	uint64_t n_recent; /* lines ever kept: recent[n % RECENT] is the next */
	void (*tap)(void *arg, const char *line);
	void *tap_arg;
};

static int sock_connect(struct cp_ev_out *o)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	size_t len = strlen(o->path);

	if (len >= sizeof(sa.sun_path)) {
		close(fd);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, o->path, len + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	return fd;
}

struct cp_ev_out *cp_ev_out_new(const struct cfg_events *cfg, FILE *stdout_file, char *why,
				size_t why_len)
{
	struct cp_ev_out *o = calloc(1, sizeof(*o));

	if (!o) {
		snprintf(why, why_len, "events: out of memory");
		return NULL;
	}
	o->kind = cfg->output;
	o->stdout_file = stdout_file;
	o->fd = -1;
	snprintf(o->path, sizeof(o->path), "%s", cfg->path);
	if (o->kind == CFG_EVENTS_TO_FILE) {
		o->fd = open(o->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (o->fd < 0) {
			int err = errno;

			snprintf(why, why_len, "events.output: %s: %s", o->path, strerror(err));
			free(o);
			errno = err;
			return NULL;
		}
	}
	return o;
}

void cp_ev_out_free(struct cp_ev_out *o)
{
	if (!o)
		return;
	if (o->fd >= 0)
		close(o->fd);
	for (unsigned int i = 0; i < CP_EV_OUT_RECENT; i++)
		free(o->recent[i]);
	free(o);
}

/* @line and a newline, whole or not at all, to the socket. */
static void sock_write(struct cp_ev_out *o, const char *line, size_t len, uint64_t now_ns)
{
	struct iovec v[2] = {{(void *)line, len}, {"\n", 1}};
	ssize_t n;

	if (o->fd < 0 && now_ns >= o->retry_ns) {
		o->fd = sock_connect(o);
		if (o->fd < 0) {
			if (!o->logged)
				CP_LOG_EVENTS(WARN,
					      "events.output unix:%s: %s: lines are lost until "
					      "it can be connected",
					      o->path, strerror(-o->fd));
			o->logged = 1;
			o->fd = -1;
			o->retry_ns = now_ns + CP_EV_OUT_RETRY_NS;
		} else {
			o->logged = 0;
		}
	}
	if (o->fd < 0) {
		o->lost++;
		return;
	}
	/* whole lines only: a line that does not fit the socket's buffer now is lost */
	n = sendmsg(o->fd, &(struct msghdr){.msg_iov = v, .msg_iovlen = 2},
		    MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n == (ssize_t)len + 1)
		return;
	if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
		/* a part went (the reader now sees half a line) or the reader is gone: reconnect */
		close(o->fd);
		o->fd = -1;
		o->retry_ns = now_ns;
	}
	o->lost++;
}

void cp_ev_out_line(struct cp_ev_out *o, const char *line, uint64_t now_ns)
{
	size_t len = strlen(line);
	char **slot = &o->recent[o->n_recent % CP_EV_OUT_RECENT];

	switch (o->kind) {
	case CFG_EVENTS_STDOUT:
		if (fputs(line, o->stdout_file) < 0 || fputc('\n', o->stdout_file) < 0 ||
		    fflush(o->stdout_file))
			o->lost++;
		break;
	case CFG_EVENTS_TO_FILE: {
		struct iovec v[2] = {{(void *)line, len}, {"\n", 1}};

		if (writev(o->fd, v, 2) != (ssize_t)len + 1)
			o->lost++;
		break;
	}
	default:
		sock_write(o, line, len, now_ns);
		break;
	}
	free(*slot);
	*slot = strdup(line);
	o->n_recent++;
	if (o->tap)
		o->tap(o->tap_arg, line);
}

void cp_ev_out_tap(struct cp_ev_out *o, void (*fn)(void *arg, const char *line), void *arg)
{
	o->tap = fn;
	o->tap_arg = arg;
}

void cp_ev_out_recent(const struct cp_ev_out *o, void (*fn)(void *arg, const char *line), void *arg)
{
	uint64_t first = o->n_recent > CP_EV_OUT_RECENT ? o->n_recent - CP_EV_OUT_RECENT : 0;

	for (uint64_t i = first; i < o->n_recent; i++)
		if (o->recent[i % CP_EV_OUT_RECENT])
			fn(arg, o->recent[i % CP_EV_OUT_RECENT]);
}

uint64_t cp_ev_out_lost(const struct cp_ev_out *o)
{
	return o->lost;
}
