/* SPDX-License-Identifier: BSD-3-Clause */
/* Drop reason names, generated from the one list in sl_drop_types.h. */
#include "sl_drop.h"

static const char *const drop_names[SL_DROP_MAX] = {
#define SL_DROP_NAME(sym, str) [SL_DROP_##sym] = str,
	SL_DROP_REASONS(SL_DROP_NAME)
#undef SL_DROP_NAME
};

const char *sl_drop_name(unsigned int reason)
{
	if (reason >= SL_DROP_MAX)
		return "unknown";
	return drop_names[reason];
}
