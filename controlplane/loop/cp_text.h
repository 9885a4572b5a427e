/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Text that came from outside (admin requests, discovery names, segment
 * contents) made safe to answer in JSON or to print on a terminal.
 */
#ifndef CP_TEXT_H
#define CP_TEXT_H

#include <stddef.h>
#include <stdio.h>

/*
 * Length of the longest prefix of @s[0..n) that is valid UTF-8 (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF).
 */
size_t cp_text_utf8_prefix(const char *s, size_t n);

/*
 * @s (up to its NUL or @max bytes) for a terminal, into @buf: printable
 * characters as they are; '\' as "\\"; newline, tab and carriage return as
 * "\n", "\t", "\r"; every other control character (C0, DEL, C1: the ANSI
 * escapes among them) and every byte that is not valid UTF-8 as "\xNN".
 * Truncated to fit @len, never in the middle of an escape. Returns @buf.
 */
const char *cp_text_esc(const char *s, size_t max, char *buf, size_t len);

/*
 * @s (up to its NUL or @max bytes) as a JSON string with its quotes: '"',
 * '\' and control characters escaped, bytes that are not valid UTF-8 as
 * U+FFFD, so the output is always valid JSON.
 */
void cp_text_json(FILE *out, const char *s, size_t max);

#endif /* CP_TEXT_H */
