/* SPDX-License-Identifier: BSD-3-Clause */
/* Failure reasons into a caller's buffer (see sl_why.h). */
#include <stdarg.h>
#include <stdio.h>

#include "sl_why.h"

int sl_why(char *why, size_t why_len, int err, const char *fmt, ...)
{
	va_list ap;

	if (why && why_len) {
		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return err;
}
