/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cp_text: what a hostile name becomes on a terminal and in JSON: exact
 * output for newlines, ANSI escapes, C1 controls, invalid UTF-8, and the
 * truncation that never splits an escape.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "cp_text.h"

static void expect_esc(const char *in, const char *want)
{
	char buf[256];

	assert_string_equal(cp_text_esc(in, 1000, buf, sizeof(buf)), want);
}

static void test_utf8_prefix(void **state)
{
	(void)state;
	assert_int_equal(cp_text_utf8_prefix("abc", 3), 3);
	assert_int_equal(cp_text_utf8_prefix("w\xc3\xa9"
					     "b",
					     4),
			 4);
	assert_int_equal(cp_text_utf8_prefix("w\xff"
					     "b",
					     3),
			 1);
	assert_int_equal(cp_text_utf8_prefix("\xc0\xaf", 2), 0);	 /* overlong '/' */
	assert_int_equal(cp_text_utf8_prefix("x\xed\xa0\x80", 4), 1);	 /* surrogate */
	assert_int_equal(cp_text_utf8_prefix("\xf4\x90\x80\x80", 4), 0); /* > U+10FFFF */
	assert_int_equal(cp_text_utf8_prefix("\xe2\x82", 2), 0);	 /* cut short */
	assert_int_equal(cp_text_utf8_prefix("\xf0\x9f\x98\x80!", 5), 5);
}

static void test_terminal(void **state)
{
	char buf[10];

	(void)state;
	expect_esc("be1", "be1");
	expect_esc("be1\nweb  b2  healthy", "be1\\nweb  b2  healthy");
	expect_esc("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m");
	expect_esc("a\\b\t\r\x7f", "a\\\\b\\t\\r\\x7f");
	expect_esc("caf\xc3\xa9", "caf\xc3\xa9");
	expect_esc("\xc2\x9b"
		   "2J",
		   "\\xc2\\x9b2J"); /* C1 CSI */
	expect_esc("w\xff"
		   "b",
		   "w\\xffb");
	/* truncated to fit, never inside an escape */
	assert_string_equal(cp_text_esc("abcdef\x1b", 100, buf, 8), "abcdef");
	assert_string_equal(cp_text_esc("abcdef\x1b", 100, buf, sizeof(buf)), "abcdef");
	assert_string_equal(cp_text_esc("ab\x1b", 100, buf, sizeof(buf)), "ab\\x1b");
	/* @max bounds an unterminated field */
	assert_string_equal(cp_text_esc("abcdef", 3, buf, sizeof(buf)), "abc");
}

static void test_json(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	json_error_t err;
	json_t *v;

	(void)state;
	assert_non_null(f);
	cp_text_json(f,
		     "a\"b\\c\nd\x1b"
		     "e\xff"
		     "f\xc3\xa9",
		     100);
	fclose(f);
	assert_string_equal(text, "\"a\\\"b\\\\c\\u000ad\\u001be\\ufffdf\xc3\xa9\"");
	v = json_loads(text, JSON_DECODE_ANY, &err);
	assert_non_null(v);
	assert_string_equal(json_string_value(v), "a\"b\\c\nd\x1b"
						  "e\xef\xbf\xbd"
						  "f\xc3\xa9");
	json_decref(v);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_prefix),
		cmocka_unit_test(test_terminal),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
