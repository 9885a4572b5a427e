/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control-plane logging: one line per event on stdout, "HH:MM:SS.mmm LEVEL
 * component: text", line-buffered so tests and the demo can follow it.
 * Never call from a signal handler.
 */
#ifndef CP_LOG_H
#define CP_LOG_H

enum cp_log_level {
	CP_LOG_ERR = 0,
	CP_LOG_WARN = 1,
	CP_LOG_INFO = 2,
	CP_LOG_DEBUG = 3,
};

/* Messages above this level are dropped (default CP_LOG_INFO). */
extern int cp_log_level;

void cp_log(int level, const char *component, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* One macro per component: LOG_X(INFO, "fmt", ...) */
#define CP_LOG_MAIN(lvl, ...) cp_log(CP_LOG_##lvl, "main", __VA_ARGS__)
#define CP_LOG_SHM(lvl, ...) cp_log(CP_LOG_##lvl, "shm", __VA_ARGS__)
#define CP_LOG_TABLES(lvl, ...) cp_log(CP_LOG_##lvl, "tables", __VA_ARGS__)
#define CP_LOG_PUBLISH(lvl, ...) cp_log(CP_LOG_##lvl, "publish", __VA_ARGS__)
#define CP_LOG_NEIGH(lvl, ...) cp_log(CP_LOG_##lvl, "neigh", __VA_ARGS__)
#define CP_LOG_XDP(lvl, ...) cp_log(CP_LOG_##lvl, "xdp", __VA_ARGS__)
#define CP_LOG_CONFIG(lvl, ...) cp_log(CP_LOG_##lvl, "config", __VA_ARGS__)
#define CP_LOG_HEALTH(lvl, ...) cp_log(CP_LOG_##lvl, "health", __VA_ARGS__)
#define CP_LOG_DISC(lvl, ...) cp_log(CP_LOG_##lvl, "discovery", __VA_ARGS__)
#define CP_LOG_EVENTS(lvl, ...) cp_log(CP_LOG_##lvl, "events", __VA_ARGS__)
#define CP_LOG_ADMIN(lvl, ...) cp_log(CP_LOG_##lvl, "admin", __VA_ARGS__)
#define CP_LOG_NAT(lvl, ...) cp_log(CP_LOG_##lvl, "nat", __VA_ARGS__)

#endif /* CP_LOG_H */
