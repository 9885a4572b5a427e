/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HTTP/1.x framing parser (see dp_http.h): one byte-driven state
 * machine for the start line and headers, and one for the body (length,
 * chunked, close-delimited). Every byte is looked at once; a message split
 * at any point parses the same as when it comes whole.
 */
#include <string.h>

#include "dp_http.h"

enum {
	S_START,	/* the message's first byte */
	S_METHOD,	/* request: method token */
	S_TARGET,	/* request: request-target */
	S_VERSION,	/* request: "HTTP/1.x" then CR */
	S_RVERSION,	/* response: "HTTP/1.x" then SP */
	S_STATUS,	/* response: three digits then SP or CR */
	S_REASON,	/* response: reason phrase to CR */
	S_LINE_LF,	/* the LF of the start line */
	S_HSTART,	/* a header line's first byte, or the CR of the empty line */
	S_HNAME,	/* header name to ':' */
	S_HOWS,		/* OWS before the value */
	S_HVALUE,	/* the value to CR */
	S_HVALUE_LF,	/* the LF after a header line */
	S_END_LF,	/* the LF of the empty line */
	S_BODY_LENGTH,	/* Content-Length bytes to go */
	S_BODY_CHUNKED, /* chunk framing, see chunk_state */
	S_BODY_EOF,	/* everything to the stream's end */
	S_DONE,
	S_ERROR,
};

enum {
	C_SIZE,
	C_SIZE_WS,
	C_EXT,
	C_SIZE_LF,
	C_DATA,
	C_DATA_CR,
	C_DATA_LF,
	C_TRAILER_START,
	C_TRAILER,
	C_TRAILER_LF,
	C_END_LF
};

/* the headers the parser reads */
enum { H_OTHER, H_HOST, H_LENGTH, H_TE, H_CONNECTION, H_UPGRADE, H_COOKIE, H_EXPECT, H_RID, H_XFF };

#define CHUNK_EXT_MAX 1024	    /* bytes of one chunk's extensions */
#define CHUNK_SIZE_MAX (1ull << 40) /* a chunk of more is refused */
#define LENGTH_MAX (1ull << 50)	    /* a Content-Length of more is refused */
#define TOKEN_MAX 16		    /* bytes of a Connection token compared */

static const char *const error_names[] = {
#define DP_HTTP_ERROR_NAME(sym, str) [DP_HTTP_E_##sym] = str,
	DP_HTTP_ERRORS(DP_HTTP_ERROR_NAME)
#undef DP_HTTP_ERROR_NAME
};

const char *dp_http_error_name(unsigned int e)
{
	return e < DP_HTTP_E_MAX ? error_names[e] : "unknown";
}

/* RFC 9110 tchar */
static int is_tchar(uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int is_hex(uint8_t c, unsigned int *v)
{
	if (c >= '0' && c <= '9')
		*v = c - '0';
	else if (c >= 'a' && c <= 'f')
		*v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		*v = c - 'A' + 10;
	else
		return 0;
	return 1;
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static void init(struct dp_http_msg *m, int response, uint32_t head_max)
{
	memset(m, 0, sizeof(*m));
	m->response = (uint8_t)response;
	m->head_max = head_max ? head_max : DP_HTTP_HEAD_MAX_DEFAULT;
	m->state = S_START;
}

void dp_http_req_init(struct dp_http_msg *m, uint32_t head_max, const char *cookie)
{
	size_t n = cookie ? strlen(cookie) : 0;

	init(m, 0, head_max);
	if (n >= sizeof(m->cookie_name))
		n = sizeof(m->cookie_name) - 1;
	memcpy(m->cookie_name, cookie ? cookie : "", n);
	m->cookie_name_len = (uint8_t)n;
}

void dp_http_resp_init(struct dp_http_msg *m, uint32_t head_max, int head_req, int connect_req)
{
	init(m, 1, head_max);
	m->head_req = (uint8_t) !!head_req;
	m->connect_req = (uint8_t) !!connect_req;
}

static enum dp_http_status fail(struct dp_http_msg *m, unsigned int e)
{
	m->error = (uint8_t)e;
	m->state = S_ERROR;
	return DP_HTTP_ERROR;
}

static int which_header(const struct dp_http_msg *m)
{
	static const struct {
		const char *name;
		int h;
	} known[] = {
		{"host", H_HOST},
		{"content-length", H_LENGTH},
		{"transfer-encoding", H_TE},
		{"connection", H_CONNECTION},
		{"upgrade", H_UPGRADE},
		{"cookie", H_COOKIE},
		{"expect", H_EXPECT},
		{"x-request-id", H_RID},
		{"x-forwarded-for", H_XFF},
	};

	for (unsigned int i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (m->hname_len == strlen(known[i].name) &&
		    memcmp(m->hname, known[i].name, m->hname_len) == 0)
			return known[i].h;
	return H_OTHER;
}

/* A Connection token ended (in hname, reused as the token buffer). */
static void connection_token(struct dp_http_msg *m)
{
	if (m->pos == 5 && memcmp(m->hname, "close", 5) == 0)
		m->flags |= DP_HTTP_F_CLOSE;
	else if (m->pos == 10 && memcmp(m->hname, "keep-alive", 10) == 0)
		m->keep_alive = 1; /* an HTTP/1.0 connection stays open */
	m->pos = 0;
}

/*
 * One byte of a header value (@c, or 0 at the value's end: CR). Keeps what
 * the value says for the headers the parser reads; trailing OWS is the
 * caller's to skip (it never reaches here for Content-Length).
 */
static int header_byte(struct dp_http_msg *m, uint8_t c, int end)
{
	switch (m->hdr) {
	case H_HOST:
		if (end) {
			while (m->host_len && (m->host[m->host_len - 1] == ' ' ||
					       m->host[m->host_len - 1] == '\t'))
				m->host_len--; /* trailing OWS */
			m->host[m->host_len] = '\0';
		} else if (m->host_len < sizeof(m->host) - 1) {
			m->host[m->host_len++] = (char)c;
		}
		break;
	case H_RID:
		/* the first one, cut at DP_HTTP_RID_MAX - 1 bytes (the event records') */
		if (end) {
			while (m->rid_len && (m->request_id[m->rid_len - 1] == ' ' ||
					      m->request_id[m->rid_len - 1] == '\t'))
				m->rid_len--;
			m->request_id[m->rid_len] = '\0';
			m->flags |= DP_HTTP_F_RID;
		} else if (!(m->flags & DP_HTTP_F_RID)) {
			if (m->rid_len < sizeof(m->request_id) - 1)
				m->request_id[m->rid_len++] = (char)c;
			else
				m->flags |= DP_HTTP_F_RID_CUT;
		}
		break;
	case H_LENGTH:
		if (end) {
			if (!m->in_value)
				return DP_HTTP_E_BAD_LENGTH;
			if (m->cl_seen & 1 && m->length != m->cl_value)
				return DP_HTTP_E_LENGTH_CONFLICT;
			m->length = m->cl_value;
			m->cl_seen |= 1;
			break;
		}
		if (c < '0' || c > '9' || m->in_value > 1)
			return DP_HTTP_E_BAD_LENGTH;
		m->cl_value = m->cl_value * 10 + (c - '0');
		if (m->cl_value > LENGTH_MAX)
			return DP_HTTP_E_BAD_LENGTH;
		m->in_value = 1;
		break;
	case H_TE:
		/*
		 * A list of codings; only the last one frames the body: pos
		 * counts the bytes of "chunked" the current coding matched
		 * (0xff: it is another), every header updates the last one.
		 */
		if (end) {
			m->te_seen = 1;
			m->te_last_chunked = m->pos == 7;
		} else if (c == ',') {
			m->pos = 0;
		} else if (c == ' ' || c == '\t') {
			/* OWS around the commas */
		} else if (m->pos < 7 && lower(c) == (uint8_t) "chunked"[m->pos]) {
			m->pos++;
		} else {
			m->pos = 0xff;
		}
		break;
	case H_CONNECTION:
		if (end || c == ',') {
			connection_token(m);
		} else if (c != ' ' && c != '\t') {
			if (m->pos < TOKEN_MAX && m->pos < sizeof(m->hname))
				m->hname[m->pos] = (char)lower(c);
			m->pos++;
		}
		break;
	case H_UPGRADE:
		m->flags |= DP_HTTP_F_UPGRADE;
		break;
	case H_XFF:
		/* where a proxy appends its client: after the last line's value, if it has one */
		if (!end)
			m->in_value = 1;
		else if (m->in_value && !m->response)
			m->xff_end = m->head_len - 1;
		break;
	case H_EXPECT:
		if (end) {
			if (m->pos == 12)
				m->flags |= DP_HTTP_F_CONTINUE;
		} else if (m->pos < 12 && lower(c) == "100-continue"[m->pos]) {
			m->pos++;
		} else {
			m->pos = 0xff;
		}
		break;
	case H_COOKIE:
		/*
		 * "a=1; b=2": cookie_state 0 in a name (pos: bytes of it that
		 * match ours, 0xff no match), 1 in a value we want, 2 in one we
		 * skip
		 */
		if (end)
			break;
		if (m->cookie_state == 0) {
			if (c == '=') {
				m->cookie_state = m->pos == m->cookie_name_len ? 1 : 2;
				if (m->cookie_state == 1) {
					m->flags |= DP_HTTP_F_COOKIE;
					m->cookie_len = 0;
				}
			} else if (c == ' ' && m->pos == 0) {
				/* the space after "; " */
			} else if (m->pos < m->cookie_name_len &&
				   c == (uint8_t)m->cookie_name[m->pos]) {
				m->pos++;
			} else {
				m->pos = 0xff;
			}
		} else if (c == ';') {
			m->cookie_state = 0;
			m->pos = 0;
		} else if (m->cookie_state == 1 && m->cookie_len < sizeof(m->cookie) - 1) {
			m->cookie[m->cookie_len++] = (char)c;
		}
		break;
	default:
		break;
	}
	return DP_HTTP_E_NONE;
}

/*
 * An absolute-form request-target ("http://host/path"): its authority is
 * the Host (RFC 9112 §3.2.2) and the rest the path routes see.
 */
static void absolute_form(struct dp_http_msg *m)
{
	static const char *const schemes[] = {"http://", "https://"};

	for (unsigned int s = 0; s < 2; s++) {
		size_t n = strlen(schemes[s]), a;

		if (m->path_len < n)
			continue;
		for (a = 0; a < n && lower((uint8_t)m->path[a]) == (uint8_t)schemes[s][a]; a++)
			;
		if (a != n)
			continue;
		for (a = n; a < m->path_len && m->path[a] != '/' && m->path[a] != '?'; a++)
			;
		m->host_len = (uint8_t)(a - n < sizeof(m->host) - 1 ? a - n : sizeof(m->host) - 1);
		memcpy(m->host, m->path + n, m->host_len);
		m->host[m->host_len] = '\0';
		m->flags |= DP_HTTP_F_HOST;
		memmove(m->path, m->path + a, m->path_len - a);
		m->path_len = (uint16_t)(m->path_len - a);
		if (!m->path_len || m->path[0] != '/') {
			memmove(m->path + 1, m->path,
				m->path_len < sizeof(m->path) - 2 ? m->path_len
								  : sizeof(m->path) - 2);
			m->path[0] = '/';
			if (m->path_len < sizeof(m->path) - 1)
				m->path_len++;
		}
		m->path[m->path_len] = '\0';
		return;
	}
}

/* The head ended: how the message's body is framed. */
static enum dp_http_status head_done(struct dp_http_msg *m, uint32_t *used, uint32_t i)
{
	int http10 = m->flags & DP_HTTP_F_HTTP10;

	*used = i;
	m->path[m->path_len] = '\0';
	m->method[m->method_len] = '\0';
	m->cookie[m->cookie_len] = '\0';
	if (m->te_seen && (m->cl_seen & 1))
		return fail(m, DP_HTTP_E_TE_AND_LENGTH);
	if (!m->response) {
		absolute_form(m);
		if (!http10 && !(m->flags & DP_HTTP_F_HOST))
			return fail(m, DP_HTTP_E_NO_HOST);
		/* RFC 9112 §6.3: a request's body must be framed */
		if (m->te_seen && !m->te_last_chunked)
			return fail(m, DP_HTTP_E_BAD_TE);
	}
	if (http10 && !m->keep_alive)
		m->flags |= DP_HTTP_F_CLOSE;
	if (m->te_seen && m->te_last_chunked)
		m->flags |= DP_HTTP_F_CHUNKED;
	else if (m->cl_seen & 1)
		m->flags |= DP_HTTP_F_LENGTH;
	if (m->response) {
		if (m->status >= 100 && m->status < 200 && m->status != 101) {
			m->flags |= DP_HTTP_F_INTERIM;
			m->state = S_DONE;
			return DP_HTTP_DONE;
		}
		if (m->status == 101 || (m->connect_req && m->status / 100 == 2)) {
			m->flags |= DP_HTTP_F_UPGRADE; /* a tunnel follows: framing ends here */
			m->state = S_DONE;
			return DP_HTTP_DONE;
		}
		if (m->head_req || m->status == 204 || m->status == 304) {
			m->flags |= m->head_req ? DP_HTTP_F_HEAD_REQ : 0;
			m->state = S_DONE;
			return DP_HTTP_DONE;
		}
		if (!(m->flags & (DP_HTTP_F_CHUNKED | DP_HTTP_F_LENGTH))) {
			m->flags |= DP_HTTP_F_EOF_BODY | DP_HTTP_F_CLOSE;
			m->state = S_BODY_EOF;
			return DP_HTTP_HEAD;
		}
	} else {
		if (m->method_len == 7 && memcmp(m->method, "CONNECT", 7) == 0)
			m->flags |= DP_HTTP_F_CONNECT;
		if (!(m->flags & DP_HTTP_F_CHUNKED) && !(m->cl_seen & 1 && m->length)) {
			m->state = S_DONE;
			return DP_HTTP_DONE;
		}
	}
	if (m->flags & DP_HTTP_F_CHUNKED) {
		m->state = S_BODY_CHUNKED;
		m->chunk_state = C_SIZE;
		m->chunk_left = 0;
		m->pos = 0;
	} else {
		if (m->length == 0) {
			m->state = S_DONE;
			return DP_HTTP_DONE;
		}
		m->state = S_BODY_LENGTH;
		m->chunk_left = m->length;
	}
	return DP_HTTP_HEAD;
}

/* The request-target's first byte decides its form; only origin-form paths are routed. */
static int target_byte(struct dp_http_msg *m, uint8_t c)
{
	if (c <= ' ' || c == 0x7f)
		return 0;
	if (m->path_len < sizeof(m->path) - 1)
		m->path[m->path_len++] = (char)c;
	else
		m->flags |= DP_HTTP_F_PATH_CUT;
	return 1;
}

/* Inside a feed loop: stop at byte i, which is wrong (*used says where). */
#define FAIL(e)                                                                                    \
	do {                                                                                       \
		*used = i;                                                                         \
		return fail(m, (e));                                                               \
	} while (0)

static enum dp_http_status head_feed(struct dp_http_msg *m, const uint8_t *p, uint32_t len,
				     uint32_t *used)
{
	for (uint32_t i = 0; i < len; i++) {
		uint8_t c = p[i];
		unsigned int e;

		if (++m->head_len > m->head_max)
			FAIL(DP_HTTP_E_HEAD_TOO_LONG);
		switch (m->state) {
		case S_START:
			m->state = m->response ? S_RVERSION : S_METHOD;
			m->pos = 0;
			/* fallthrough */
		case S_METHOD:
			if (m->state == S_METHOD) {
				if (c == ' ' && m->method_len) {
					m->state = S_TARGET;
				} else if (is_tchar(c) && m->method_len < sizeof(m->method) - 1) {
					m->method[m->method_len++] = (char)c;
				} else {
					FAIL(DP_HTTP_E_BAD_START_LINE);
				}
				break;
			}
			/* fallthrough */
		case S_RVERSION:
			if (m->pos < 7) {
				if (c != (uint8_t) "HTTP/1."[m->pos])
					FAIL(m->pos < 5 ? DP_HTTP_E_BAD_START_LINE
							: DP_HTTP_E_BAD_VERSION);
				m->pos++;
			} else if (m->pos == 7) {
				if (c != '0' && c != '1')
					FAIL(DP_HTTP_E_BAD_VERSION);
				if (c == '0')
					m->flags |= DP_HTTP_F_HTTP10;
				m->pos++;
			} else if (c == ' ') {
				m->state = S_STATUS;
				m->pos = 0;
			} else {
				FAIL(DP_HTTP_E_BAD_START_LINE);
			}
			break;
		case S_TARGET:
			if (c == ' ') {
				if (!m->path_len)
					FAIL(DP_HTTP_E_BAD_START_LINE);
				m->state = S_VERSION;
				m->pos = 0;
			} else if (!target_byte(m, c)) {
				FAIL(DP_HTTP_E_BAD_START_LINE);
			}
			break;
		case S_VERSION:
			if (m->pos < 7) {
				if (c != (uint8_t) "HTTP/1."[m->pos])
					FAIL(m->pos < 5 ? DP_HTTP_E_BAD_START_LINE
							: DP_HTTP_E_BAD_VERSION);
			} else if (m->pos == 7) {
				if (c != '0' && c != '1')
					FAIL(DP_HTTP_E_BAD_VERSION);
				if (c == '0')
					m->flags |= DP_HTTP_F_HTTP10;
			} else if (c == '\r') {
				m->state = S_LINE_LF;
				break;
			} else {
				FAIL(DP_HTTP_E_BAD_VERSION);
			}
			m->pos++;
			break;
		case S_STATUS:
			if (m->pos < 3) {
				if (c < '0' || c > '9')
					FAIL(DP_HTTP_E_BAD_START_LINE);
				m->status = (uint16_t)(m->status * 10 + (c - '0'));
				m->pos++;
			} else if (c == ' ') {
				m->state = S_REASON;
			} else if (c == '\r') {
				m->state = S_LINE_LF;
			} else {
				FAIL(DP_HTTP_E_BAD_START_LINE);
			}
			if (m->pos == 1 && m->status == 0)
				FAIL(DP_HTTP_E_BAD_START_LINE);
			break;
		case S_REASON:
			if (c == '\r')
				m->state = S_LINE_LF;
			else if ((c < ' ' && c != '\t') || c == 0x7f)
				FAIL(DP_HTTP_E_BAD_START_LINE);
			break;
		case S_LINE_LF:
		case S_HVALUE_LF:
			if (c != '\n')
				FAIL(DP_HTTP_E_BAD_EOL);
			m->state = S_HSTART;
			break;
		case S_HSTART:
			if (c == '\r') {
				m->state = S_END_LF;
				break;
			}
			if (c == ' ' || c == '\t')
				FAIL(DP_HTTP_E_OBS_FOLD);
			if (c == '\n')
				FAIL(DP_HTTP_E_BAD_EOL);
			m->hname_len = 0;
			m->state = S_HNAME;
			/* fallthrough */
		case S_HNAME:
			if (c == ':') {
				if (!m->hname_len)
					FAIL(DP_HTTP_E_BAD_HEADER);
				m->hdr =
					(uint8_t)(m->hname_len <= sizeof(m->hname) ? which_header(m)
										   : H_OTHER);
				m->pos = 0;
				m->in_value = 0;
				m->cl_value = 0;
				m->cookie_state = 0;
				if (m->hdr == H_HOST) {
					if (m->flags & DP_HTTP_F_HOST)
						FAIL(DP_HTTP_E_NO_HOST); /* two Hosts */
					m->flags |= DP_HTTP_F_HOST;
				}
				m->state = S_HOWS;
			} else if (is_tchar(c)) {
				if (m->hname_len < sizeof(m->hname))
					m->hname[m->hname_len] = (char)lower(c);
				if (m->hname_len < 0xff)
					m->hname_len++;
			} else {
				FAIL(DP_HTTP_E_BAD_HEADER);
			}
			break;
		case S_HOWS:
			if (c == ' ' || c == '\t')
				break;
			m->state = S_HVALUE;
			/* fallthrough */
		case S_HVALUE:
			if (c == '\r') {
				e = header_byte(m, 0, 1);
				if (e)
					FAIL(e);
				m->state = S_HVALUE_LF;
				break;
			}
			if ((c < ' ' && c != '\t') || c == 0x7f)
				FAIL(c == '\n' ? DP_HTTP_E_BAD_EOL : DP_HTTP_E_BAD_HEADER);
			if (m->hdr == H_LENGTH && (c == ' ' || c == '\t')) {
				m->in_value |= m->in_value ? 2 : 0; /* trailing OWS only */
				break;
			}
			e = header_byte(m, c, 0);
			if (e)
				FAIL(e);
			break;
		case S_END_LF:
			if (c != '\n')
				FAIL(DP_HTTP_E_BAD_EOL);
			return head_done(m, used, i + 1);
		default:
			FAIL(DP_HTTP_E_BAD_START_LINE);
		}
	}
	*used = len;
	return DP_HTTP_MORE;
}

static enum dp_http_status chunked_feed(struct dp_http_msg *m, const uint8_t *p, uint32_t len,
					uint32_t *used)
{
	uint32_t i = 0;

	while (i < len) {
		uint8_t c = p[i];
		unsigned int v;

		switch (m->chunk_state) {
		case C_SIZE:
			if (is_hex(c, &v)) {
				m->chunk_left = m->chunk_left * 16 + v;
				if (m->chunk_left > CHUNK_SIZE_MAX)
					FAIL(DP_HTTP_E_BAD_CHUNK);
				m->pos++;
			} else if (!m->pos) {
				FAIL(DP_HTTP_E_BAD_CHUNK);
			} else if (c == ';') {
				m->chunk_state = C_EXT;
				m->pos = 0;
			} else if (c == ' ' || c == '\t') {
				m->chunk_state = C_SIZE_WS;
			} else if (c == '\r') {
				m->chunk_state = C_SIZE_LF;
			} else {
				FAIL(DP_HTTP_E_BAD_CHUNK);
			}
			break;
		case C_SIZE_WS:
			if (c == ';') {
				m->chunk_state = C_EXT;
				m->pos = 0;
			} else if (c == '\r') {
				m->chunk_state = C_SIZE_LF;
			} else if (c != ' ' && c != '\t') {
				FAIL(DP_HTTP_E_BAD_CHUNK);
			}
			break;
		case C_EXT:
			if (c == '\r')
				m->chunk_state = C_SIZE_LF;
			else if ((c < ' ' && c != '\t') || c == 0x7f || ++m->pos > CHUNK_EXT_MAX)
				FAIL(DP_HTTP_E_BAD_CHUNK);
			break;
		case C_SIZE_LF:
			if (c != '\n')
				FAIL(DP_HTTP_E_BAD_CHUNK);
			m->chunk_state = m->chunk_left ? C_DATA : C_TRAILER_START;
			m->pos = 0;
			break;
		case C_DATA: {
			uint64_t n = len - i < m->chunk_left ? len - i : m->chunk_left;

			m->chunk_left -= n;
			m->body_seen += n;
			i += (uint32_t)n;
			if (!m->chunk_left)
				m->chunk_state = C_DATA_CR;
			continue;
		}
		case C_DATA_CR:
			if (c != '\r')
				FAIL(DP_HTTP_E_BAD_CHUNK);
			m->chunk_state = C_DATA_LF;
			break;
		case C_DATA_LF:
			if (c != '\n')
				FAIL(DP_HTTP_E_BAD_CHUNK);
			m->chunk_state = C_SIZE;
			m->pos = 0;
			break;
		case C_TRAILER_START:
			if (c == '\r') {
				m->chunk_state = C_END_LF;
				break;
			}
			m->chunk_state = C_TRAILER;
			/* fallthrough */
		case C_TRAILER:
			if (++m->pos > m->head_max)
				FAIL(DP_HTTP_E_HEAD_TOO_LONG);
			if (c == '\r')
				m->chunk_state = C_TRAILER_LF;
			else if ((c < ' ' && c != '\t') || c == 0x7f)
				FAIL(DP_HTTP_E_BAD_CHUNK);
			break;
		case C_TRAILER_LF:
			if (c != '\n')
				FAIL(DP_HTTP_E_BAD_EOL);
			m->chunk_state = C_TRAILER_START;
			break;
		case C_END_LF:
			if (c != '\n')
				FAIL(DP_HTTP_E_BAD_EOL);
			m->body_seen++;
			*used = i + 1;
			m->state = S_DONE;
			return DP_HTTP_DONE;
		}
		m->body_seen++;
		i++;
	}
	*used = len;
	return DP_HTTP_MORE;
}

enum dp_http_status dp_http_feed(struct dp_http_msg *m, const uint8_t *p, uint32_t len,
				 uint32_t *used)
{
	*used = 0;
	switch (m->state) {
	case S_DONE:
		return DP_HTTP_DONE;
	case S_ERROR:
		return DP_HTTP_ERROR;
	case S_BODY_LENGTH: {
		uint64_t n = len < m->chunk_left ? len : m->chunk_left;

		m->chunk_left -= n;
		m->body_seen += n;
		*used = (uint32_t)n;
		if (m->chunk_left)
			return DP_HTTP_MORE;
		m->state = S_DONE;
		return DP_HTTP_DONE;
	}
	case S_BODY_CHUNKED:
		return chunked_feed(m, p, len, used);
	case S_BODY_EOF:
		m->body_seen += len;
		*used = len;
		return DP_HTTP_MORE;
	default:
		return head_feed(m, p, len, used);
	}
}

enum dp_http_status dp_http_eof(struct dp_http_msg *m)
{
	switch (m->state) {
	case S_START:
		return DP_HTTP_MORE; /* between messages: nothing was cut */
	case S_BODY_EOF:
	case S_DONE:
		m->state = S_DONE;
		return DP_HTTP_DONE;
	case S_ERROR:
		return DP_HTTP_ERROR;
	default:
		return fail(m, DP_HTTP_E_EARLY_CLOSE);
	}
}

int dp_http_head_ending(const struct dp_http_msg *m)
{
	return m->state == S_END_LF;
}

int dp_http_has_body(const struct dp_http_msg *m)
{
	return m->state == S_BODY_LENGTH || m->state == S_BODY_CHUNKED || m->state == S_BODY_EOF ||
	       m->body_seen;
}
