/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP contexts' pool: every context taken once, a full pool refusing
 * (counted), a context given back coming again zeroed with its ids, and the
 * segments it held freed (counted by a mempool's free count).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dp_http_ctx.h"

static struct rte_mempool *mp;

static void test_args(void **state)
{
	(void)state;
	errno = 0;
	assert_null(dp_http_pool_create(0));
	assert_int_equal(errno, EINVAL);
	assert_null(dp_http_pool_create(DP_HTTP_CTX_MAX + 1));
	dp_http_pool_destroy(NULL);
}

static void test_take_put(void **state)
{
	struct dp_http_pool *p = dp_http_pool_create(3);
	uint32_t h[3], again;
	struct dp_http_ctx *x;

	(void)state;
	assert_non_null(p);
	for (unsigned int i = 0; i < 3; i++) {
		h[i] = dp_http_ctx_take(p, 100 + i);
		assert_int_not_equal(h[i], DP_HTTP_NONE);
		assert_int_equal(dp_http_ctx_of(p, h[i])->conn, 100 + i);
		assert_int_equal(dp_http_ctx_of(p, h[i])->answer, 0xff);
	}
	assert_int_not_equal(h[0], h[1]);
	assert_int_not_equal(h[1], h[2]);
	assert_int_equal(p->n_free, 0);
	assert_int_equal(dp_http_ctx_take(p, 9), DP_HTTP_NONE);
	assert_int_equal(p->full, 1);
	assert_null(dp_http_ctx_of(p, DP_HTTP_NONE));
	assert_null(dp_http_ctx_of(p, 4));

	/* a context holding two segments given back: both freed, the context comes again clean */
	x = dp_http_ctx_of(p, h[1]);
	x->requests = 7;
	x->held[0] = rte_pktmbuf_alloc(mp);
	x->held[1] = rte_pktmbuf_alloc(mp);
	x->n_held = 2;
	assert_int_equal(rte_mempool_avail_count(mp), 62);
	assert_int_equal(dp_http_ctx_put(p, h[1]), 2);
	assert_int_equal(rte_mempool_avail_count(mp), 64);
	assert_int_equal(p->n_free, 1);
	again = dp_http_ctx_take(p, 55);
	assert_int_equal(again, h[1]);
	x = dp_http_ctx_of(p, again);
	assert_int_equal(x->requests, 0);
	assert_int_equal(x->n_held, 0);
	assert_int_equal(x->conn, 55);
	assert_int_equal(dp_http_ctx_put(p, DP_HTTP_NONE), 0);
	dp_http_pool_destroy(p);
}

int main(void)
{
	char *argv[] = {
		"dp_http_ctx_test", "--no-huge",      "-m", "64", "--no-pci",	 "--no-shconf",
		"--file-prefix",    "sl-dp_http_ctx", "-l", "0",  "--log-level", "error"};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_take_put),
	};

	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv) < 0)
		return 1;
	mp = rte_pktmbuf_pool_create("sl_http_ctx_t", 64, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     SOCKET_ID_ANY);
	if (!mp)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
