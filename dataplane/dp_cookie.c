/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies (see dp_cookie.h): the cookie's encoding over SipHash-2-4
 * (common/sl_siphash.h).
 */
#include <string.h>

#include "dp_cookie.h"
#include "sl_siphash.h"

const uint16_t dp_cookie_mss[DP_COOKIE_N_MSS] = {536, 1220, 1300, 1360, 1400, 1440, 1452, 1460};

/* H1 (@which 1, over the client ISN) or H2 (@which 2, over the minute). */
static uint32_t cookie_hash(const uint64_t key[2], const struct dp_cookie_tuple *tu, int which,
			    uint32_t v)
{
	uint8_t msg[sizeof(tu->src) + sizeof(tu->dst) + 4 + 4 + 1];
	uint8_t *p = msg;

	memcpy(p, tu->src.a8, 16);
	memcpy(p + 16, tu->dst.a8, 16);
	memcpy(p + 32, &tu->sport, 2);
	memcpy(p + 34, &tu->dport, 2);
	memcpy(p + 36, &v, 4);
	p[40] = (uint8_t)which;
	return (uint32_t)sl_siphash24(key, msg, sizeof(msg));
}

static uint32_t encode(const struct dp_cookie_opts *o)
{
	unsigned int idx = 0;

	for (unsigned int i = 0; i < DP_COOKIE_N_MSS; i++)
		if (dp_cookie_mss[i] <= o->mss)
			idx = i;
	return idx | (uint32_t)(o->wscale & 0xf) << 3 | (uint32_t) !!o->sack << 7 |
	       (uint32_t) !!o->ts << 8;
}

uint32_t dp_cookie_make(const uint64_t key[2], const struct dp_cookie_tuple *tuple, uint32_t isn,
			uint8_t t, const struct dp_cookie_opts *o)
{
	return cookie_hash(key, tuple, 1, isn) + ((uint32_t)t << 24) +
	       ((cookie_hash(key, tuple, 2, t) + encode(o)) & 0xffffff);
}

int dp_cookie_check(const uint64_t key[2], const struct dp_cookie_tuple *tuple, uint32_t isn,
		    uint32_t cookie, uint8_t now, struct dp_cookie_opts *o)
{
	uint32_t c = cookie - cookie_hash(key, tuple, 1, isn), data;
	uint8_t t = (uint8_t)(c >> 24);

	if ((uint8_t)(now - t) > DP_COOKIE_MAX_AGE)
		return 0;
	data = (c - cookie_hash(key, tuple, 2, t)) & 0xffffff;
	if (data >> DP_COOKIE_DATA_BITS)
		return 0;
	o->mss = dp_cookie_mss[data & 7];
	o->wscale = (uint8_t)(data >> 3 & 0xf);
	o->sack = (uint8_t)(data >> 7 & 1);
	o->ts = (uint8_t)(data >> 8 & 1);
	if (o->wscale > 14 && o->wscale != DP_COOKIE_WS_NONE)
		return 0;
	return 1;
}
