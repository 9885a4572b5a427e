/* SPDX-License-Identifier: BSD-3-Clause */
/* Full-NAT fixtures on the dataplane harness (see dp_nat_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "dataplane/dp_conn.h"
#include "dataplane/dp_worker.h"
#include "dp_nat_fixture.h"
#include "sl_drop.h"

struct dp_worker *dpt_nat_worker = &dpt.w;

static const char *const backend_addr[N_BACKENDS] = {
	"198.18.1.11", "198.18.1.12",	 "198.18.1.21",	   "198.18.1.22",
	"198.18.1.23", "2001:2:0:1::21", "2001:2:0:1::22", "198.18.1.31",
};

const uint8_t *dpt_backend_mac(uint32_t be)
{
	static uint8_t mac[N_BACKENDS][6];

	memcpy(mac[be], (uint8_t[6]){2, 0, 0, 0, 1, (uint8_t)be}, 6);
	return mac[be];
}

struct dpt_conn dpt_nat_expect(int vip, const char *client, uint16_t cport, uint32_t worker,
			       uint32_t n_workers)
{
	const struct dp_table *t = dpt_nat_worker->table;
	const struct sl_vip *v = &t->vips[vip];
	const struct sl_nat_source *src = &t->nat_sources[v->nat_src_first];
	struct dpt_conn c = {.vip = vip, .client = client, .cport = cport};
	struct dpt_spec s;
	struct sl_flow_key k;

	c.vaddr = vip == V_NAT6	      ? DPT_VIP_NAT6
		  : vip == V_NAT_TINY ? DPT_VIP_TINY
		  : vip == V_SP4      ? DPT_VIP_SP4
		  : vip == V_SP6      ? DPT_VIP_SP6
		  : vip == V_HTTP4    ? DPT_VIP_HTTP4
		  : vip == V_HTTP6    ? DPT_VIP_HTTP6
				      : DPT_VIP_NAT4;
	c.vport = vip == V_NAT4_UDP ? 53 : 80;
	c.src = vip == V_NAT6 || vip == V_SP6 || vip == V_HTTP6 ? DPT_SRC6
		: vip == V_NAT_TINY				? DPT_SRC_TINY
								: DPT_SRC4;
	s = (struct dpt_spec){client, c.vaddr, v->proto, cport, c.vport, 0x02, 0};
	c.be = dpt_maglev_pick(t, vip, &s);
	assert_true(c.be < N_BACKENDS);
	c.baddr = backend_addr[c.be];
	c.bport = c.be == 2 ? 8080 : c.be == 7 ? 9000 : c.vport;
	k = dpt_key_of(&s);
	c.nport = dpt_nat_port(&k, src->port_min, src->port_max, n_workers, worker);
	/* the VIP's clamp, or both ports' MTU less the headers */
	c.mss = v->mss ? v->mss : (uint16_t)(DPT_MTU - (v->af == SL_AF_INET ? 40 : 60));
	return c;
}

static uint16_t send_on(int port, const struct dpt_frame *f)
{
	static uint8_t b[2048];
	uint32_t len = dpt_frame(b, f);
	struct rte_mbuf *m = dpt_mbuf_of(b, len);

	return dp_worker_process(dpt_nat_worker, &m, 1, (uint16_t)port);
}

uint16_t dpt_nat_send_client(const struct dpt_conn *c, struct dpt_frame f)
{
	f.dmac = dpt_port_mac[0];
	f.smac = dpt_client_mac;
	f.src = c->client;
	f.dst = c->vaddr;
	f.sport = c->cport;
	f.dport = c->vport;
	return send_on(0, &f);
}

uint16_t dpt_nat_send_backend(const struct dpt_conn *c, struct dpt_frame f)
{
	f.dmac = dpt_port_mac[1];
	f.smac = dpt_backend_mac(c->be);
	f.src = c->baddr;
	f.dst = c->src;
	f.sport = c->bport;
	f.dport = c->nport;
	return send_on(1, &f);
}

/* @f leaves on @port as exactly this: untagged, these MACs, addresses and ports, @opt if set. */
static void expect_leaving(int port, struct dpt_frame f, const uint8_t *dmac, const uint8_t *smac,
			   const char *src, const char *dst, uint16_t sport, uint16_t dport,
			   const uint8_t *opt)
{
	uint8_t e[2048], out[2048];
	uint32_t len;

	f.vlan = 0;
	f.dmac = dmac;
	f.smac = smac;
	f.src = src;
	f.dst = dst;
	f.sport = sport;
	f.dport = dport;
	if (opt)
		f.opt = opt;
	len = dpt_frame(e, &f);
	assert_int_equal(rte_ring_count(dpt.rp.tx[!port]), 0);
	assert_int_equal(dpt_take(port, out), len);
	assert_memory_equal(out, e, len);
}

void dpt_nat_check_to_backend(const struct dpt_conn *c, struct dpt_frame f, const uint8_t *out_opt)
{
	expect_leaving(1, f, dpt_backend_mac(c->be), dpt_port_mac[1], c->src, c->baddr, c->nport,
		       c->bport, out_opt);
}

void dpt_nat_check_to_client(const struct dpt_conn *c, struct dpt_frame f, const uint8_t *out_opt)
{
	expect_leaving(0, f, dpt_client_mac, dpt_port_mac[0], c->vaddr, c->client, c->vport,
		       c->cport, out_opt);
}

void dpt_nat_to_backend(const struct dpt_conn *c, struct dpt_frame f, const uint8_t *out_opt)
{
	assert_int_equal(dpt_nat_send_client(c, f), 1);
	dpt_nat_check_to_backend(c, f, out_opt);
}

void dpt_nat_to_client(const struct dpt_conn *c, struct dpt_frame f, const uint8_t *out_opt)
{
	assert_int_equal(dpt_nat_send_backend(c, f), 1);
	dpt_nat_check_to_client(c, f, out_opt);
}

const uint8_t *dpt_syn_opts(uint8_t *o, uint16_t mss)
{
	static const uint8_t opts[DPT_SYN_OPTS_LEN] = {
		2, 4, 0, 0, 4, 2, 8, 10, 0, 0, 0x12, 0x34, 0, 0, 0, 0, 1, 3, 3, 7,
	};

	memcpy(o, opts, sizeof(opts));
	dpt_put16(o + 2, mss);
	return o;
}

void dpt_nat_handshake(const struct dpt_conn *c)
{
	uint8_t in[DPT_SYN_OPTS_LEN], out[DPT_SYN_OPTS_LEN];
	struct dpt_frame f = {.proto = IPPROTO_TCP, .olen = DPT_SYN_OPTS_LEN};

	f.flags = 0x02;
	f.seq = 1000;
	f.opt = dpt_syn_opts(in, 1460);
	dpt_nat_to_backend(c, f, dpt_syn_opts(out, c->mss < 1460 ? c->mss : 1460));
	f.flags = 0x12;
	f.seq = 5000;
	f.ack = 1001;
	dpt_nat_to_client(c, f, out);
	f = (struct dpt_frame){.proto = IPPROTO_TCP, .flags = 0x10, .seq = 1001, .ack = 5001};
	dpt_nat_to_backend(c, f, NULL);
}

struct dp_conn *dpt_nat_conn_of(const struct dpt_conn *c)
{
	struct dpt_spec s = {c->client, c->vaddr, (uint8_t)(c->vip == V_NAT4_UDP ? 17 : 6),
			     c->cport,	c->vport, 0,
			     0};
	struct sl_flow_key k = dpt_key_of(&s);
	unsigned int dir;
	struct dp_conn *conn =
		dp_conn_lookup(dpt_nat_worker->conns, &k, sl_flow_hash(&k, 0), rte_rdtsc(), &dir);

	if (conn)
		assert_int_equal(dir, DP_CONN_ORIG);
	return conn;
}

uint64_t dpt_drops(const struct dp_worker *w)
{
	uint64_t n = 0;

	for (unsigned int r = 0; r < SL_DROP_MAX; r++)
		n += w->stats->drops[r];
	return n;
}
