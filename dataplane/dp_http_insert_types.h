/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What an HTTP connection keeps of the bytes the appliance writes into its
 * streams (dp_http_insert.h): one sequence correction per direction
 * (dp_seqadj.h), the bytes of the current insertion each way (a segment
 * that carried them and comes again gets the same bytes), and the id of
 * the request under way; and a worker's id source and counters (the
 * shared memory has them per VIP too: sl_http_counter).
 */
#ifndef DP_HTTP_INSERT_TYPES_H
#define DP_HTTP_INSERT_TYPES_H

#include <stdint.h>

#include "dp_seqadj.h"
#include "sl_shm_types.h"

#define DP_HTTP_REQ_ID_LEN 24 /* X-Request-Id: 8 hex of the start stamp, 4 of the worker, 12 */
/* ", <IPv6>\r\nX-Request-Id: <id>" or "X-Forwarded-For: <IPv6>\r\nX-Request-Id: <id>\r\n" */
#define DP_HTTP_INS_REQ_MAX 112
/* "Set-Cookie: <name>=<16 hex>; Path=/; HttpOnly\r\n", the name at most 31 bytes */
#define DP_HTTP_INS_RESP_MAX 96

/* One connection's insertions (in struct dp_http_ctx). */
struct dp_http_ins {
	/* client -> instance: the client's numbers (the instance's, but for the insertions) */
	struct dp_seqadj req;
	/* instance -> client: the instance's numbers (before the splice's delta) */
	struct dp_seqadj resp;
	uint32_t b_acked; /* the highest acknowledgement the instance sent (its numbers) */
	uint32_t delta;	  /* the bound instance's splice delta */
	uint16_t b_mss;	  /* the MSS of the instance's SYN-ACK (536 without) */
	uint8_t req_len;  /* bytes of the request insertion at req.pos, 0: none */
	uint8_t resp_len; /* bytes of the response insertion at resp.pos, 0: none */
	uint8_t cookie;	  /* the response being followed gets resp_bytes when its head ends */
	uint8_t cookie_len;
	uint8_t pad[2];
	char request_id[DP_HTTP_REQ_ID_LEN + 1]; /* the request under way's X-Request-Id */
	uint8_t req_bytes[DP_HTTP_INS_REQ_MAX];
	uint8_t resp_bytes[DP_HTTP_INS_RESP_MAX];
};

/* A worker's side: where request ids come from, and the counters. */
struct dp_http_ins_worker {
	uint64_t next_id;		      /* the next request's number */
	uint32_t stamp;			      /* the worker's start (s since the epoch): ids differ
					       * across restarts */
	uint16_t worker;		      /* the worker's index */
	uint64_t requests;		      /* request heads that got headers */
	uint64_t responses;		      /* response heads that got a Set-Cookie */
	uint64_t failed[SL_HTTP_INS_REASONS]; /* by enum sl_http_ins_reason */
};

#endif /* DP_HTTP_INSERT_TYPES_H */
