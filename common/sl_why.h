/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one way Sluice's checks say why they failed: a message into a
 * caller's buffer, and a negative errno as the return value.
 */
#ifndef SL_WHY_H
#define SL_WHY_H

#include <stddef.h>

/* Format the reason into @why (when @why and @why_len are non-zero); return @err. */
int sl_why(char *why, size_t why_len, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* SL_WHY_H */
