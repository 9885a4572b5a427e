/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Log macros of the dataplane's slow-path components, one registered DPDK log
 * type each ("sluice.dp", "sluice.dp.eal", ".port", ".shm", ".tables"), so
 * `--log-level=sluice.dp.tables:debug` raises one component. Lines go to
 * stdout once dp_main.c has called rte_openlog_stream(stdout). Never used on
 * the fast path.
 */
#ifndef DP_LOG_H
#define DP_LOG_H

#include <rte_log.h>

extern int dp_logtype_main;
extern int dp_logtype_eal;
extern int dp_logtype_port;
extern int dp_logtype_shm;
extern int dp_logtype_tables;

#define DP_LOG_(type, comp, level, fmt, ...)                                                       \
	rte_log(RTE_LOG_##level, type, "sluice-dp " comp ": " fmt "\n", ##__VA_ARGS__)

#define DP_MAIN_LOG(level, fmt, ...) DP_LOG_(dp_logtype_main, "main", level, fmt, ##__VA_ARGS__)
#define DP_EAL_LOG(level, fmt, ...) DP_LOG_(dp_logtype_eal, "eal", level, fmt, ##__VA_ARGS__)
#define DP_PORT_LOG(level, fmt, ...) DP_LOG_(dp_logtype_port, "port", level, fmt, ##__VA_ARGS__)
#define DP_SHM_LOG(level, fmt, ...) DP_LOG_(dp_logtype_shm, "shm", level, fmt, ##__VA_ARGS__)
#define DP_TABLES_LOG(level, fmt, ...)                                                             \
	DP_LOG_(dp_logtype_tables, "tables", level, fmt, ##__VA_ARGS__)

#endif /* DP_LOG_H */
