/* SPDX-License-Identifier: BSD-3-Clause */
/* Registration of the dataplane's log types (see dp_log.h). */
#define RTE_LOG_DEFAULT_LOGTYPE sluice.dp

#include "dp_log.h"

RTE_LOG_REGISTER_DEFAULT(dp_logtype_main, INFO);
RTE_LOG_REGISTER_SUFFIX(dp_logtype_eal, eal, INFO);
RTE_LOG_REGISTER_SUFFIX(dp_logtype_port, port, INFO);
RTE_LOG_REGISTER_SUFFIX(dp_logtype_shm, shm, INFO);
RTE_LOG_REGISTER_SUFFIX(dp_logtype_tables, tables, INFO);
