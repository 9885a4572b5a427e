/* SPDX-License-Identifier: BSD-3-Clause */
/* Control-plane log lines on stdout (see cp_log.h). */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "cp_log.h"

int cp_log_level = CP_LOG_INFO;

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

void cp_log(int level, const char *component, const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (level > cp_log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	printf("%02d:%02d:%02d.%03ld %-5s %s: ", tm.tm_hour, tm.tm_min, tm.tm_sec,
	       ts.tv_nsec / 1000000,
	       level_names[level < 0   ? 0
			   : level > 3 ? 3
				       : level],
	       component);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}
