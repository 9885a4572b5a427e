/* SPDX-License-Identifier: BSD-3-Clause */
/* Names of the drop reasons, for logs and sluicectl. */
#ifndef SL_DROP_H
#define SL_DROP_H

#include "sl_drop_types.h"

/* Returns the short name of @reason ("not_vip"), or "unknown". */
const char *sl_drop_name(unsigned int reason);

#endif /* SL_DROP_H */
