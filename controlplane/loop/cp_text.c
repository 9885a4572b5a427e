/* SPDX-License-Identifier: BSD-3-Clause */
/* Escaping outside text for JSON and terminals (cp_text.h). */
#include <stdint.h>
#include <string.h>

#include "cp_text.h"

/* Length of the valid UTF-8 sequence at @s (at most @n bytes), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[k] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

size_t cp_text_utf8_prefix(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		size_t k = utf8_seq(u + i, n - i);

		if (!k)
			break;
		i += k;
	}
	return i;
}

const char *cp_text_esc(const char *s, size_t max, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strnlen(s, max), o = 0;

	if (!len)
		return buf;
	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq(u + i, n - i), adv = k ? k : 1, e = 0;
		char esc[16];

		if (k == 1 && u[i] >= 0x20 && u[i] != 0x7f && u[i] != '\\') {
			esc[e++] = (char)u[i];
		} else if (k == 1 && strchr("\\\n\t\r", u[i]) && u[i]) {
			esc[e++] = '\\';
			esc[e++] = u[i] == '\\'	  ? '\\'
				   : u[i] == '\n' ? 'n'
				   : u[i] == '\t' ? 't'
						  : 'r';
		} else if (k >= 2 && !(k == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0)) {
			memcpy(esc, s + i, k); /* a printable character beyond ASCII */
			e = k;
		} else {
			/* a control (C0, DEL, C1) or a byte that is not UTF-8: its bytes in hex */
			for (size_t b = 0; b < adv; b++) {
				esc[e++] = '\\';
				esc[e++] = 'x';
				esc[e++] = hex[u[i + b] >> 4];
				esc[e++] = hex[u[i + b] & 15];
			}
		}
		if (o + e >= len)
			break;
		memcpy(buf + o, esc, e);
		o += e;
		i += adv;
	}
	buf[o] = '\0';
	return buf;
}

void cp_text_json(FILE *out, const char *s, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strnlen(s, max);

	fputc('"', out);
	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq(u + i, n - i);

		if (!k) {
			fputs("\\ufffd", out);
			i++;
		} else if (k > 1) {
			fwrite(s + i, 1, k, out);
			i += k;
		} else {
			if (u[i] == '"' || u[i] == '\\')
				fprintf(out, "\\%c", u[i]);
			else if (u[i] < 0x20 || u[i] == 0x7f)
				fprintf(out, "\\u%04x", u[i]);
			else
				fputc(u[i], out);
			i++;
		}
	}
	fputc('"', out);
}
