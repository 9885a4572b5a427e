/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Each port's sluice_xdp and tc egress kept in step with sluiced (see
 * cp_port_sync.h). Probe sockets are announced from the engine's socket
 * hook, after bind() and before connect(), so the first reply is covered;
 * a socket bound to no address (no route at add time) has nothing to key
 * on and is left out.
 */
#include <errno.h>
#include <string.h>

#include "cp_log.h"
#include "cp_port_sync.h"
#include "cp_probe_tc.h"
#include "cp_xdp.h"

#define CP_PORT_SYNC_UNKNOWN 1 /* no outcome seen yet: the first one is logged */

/* Put an open probe socket into the sl_probes of port @i; log changes of outcome. */
static void probe_add(struct cp_port_sync *ps, uint32_t i, const struct cp_health_sock *s)
{
	const char *iface = (*ps->cfg)->dataplane.ports[i].iface;
	int rc = cp_xdp_probe_add(iface, &s->local, s->local_port, s->proto,
				  cp_health_wire_tunnel_value(ps->targets, s));

	if (rc == ps->probe_rc[i])
		return;
	if (rc)
		CP_LOG_HEALTH(WARN,
			      "%s: cannot add probe sockets to sl_probes: %s (replies may "
			      "reach the dataplane)",
			      iface, strerror(-rc));
	else if (ps->probe_rc[i] != CP_PORT_SYNC_UNKNOWN)
		CP_LOG_HEALTH(INFO, "%s: probe sockets go to sl_probes again", iface);
	ps->probe_rc[i] = rc;
}

static bool sock_bound(const struct cp_health_sock *s)
{
	static const struct sl_addr zero;

	return memcmp(&s->local, &zero, sizeof(zero)) != 0;
}

/* The engine's socket hook: every port's sluice_xdp learns of the socket, or forgets it. */
static void on_probe_sock(void *ctx, int open, const struct cp_health_sock *s)
{
	struct cp_port_sync *ps = ctx;
	const struct cfg *cfg = *ps->cfg;

	if (!sock_bound(s))
		return;
	for (uint32_t i = 0; i < cfg->dataplane.n_ports; i++) {
		const char *iface = cfg->dataplane.ports[i].iface;

		if (!iface[0])
			continue;
		if (open)
			probe_add(ps, i, s);
		else
			cp_xdp_probe_del(iface, &s->local, s->local_port, s->proto);
	}
}

struct readd {
	struct cp_port_sync *ps;
	uint32_t port;
};

static void readd_sock(void *ctx, int open, const struct cp_health_sock *s)
{
	struct readd *r = ctx;

	if (open && sock_bound(s))
		probe_add(r->ps, r->port, s);
}

/* Every open probe socket into the (new, empty) sl_probes of port @port; how many. */
static unsigned int probes_readd(struct cp_port_sync *ps, uint32_t port)
{
	struct readd r = {.ps = ps, .port = port};

	return cp_health_each_open_sock(ps->health, readd_sock, &r);
}

/* sl_probes entries a killed sluiced left behind would stay there forever. */
static void probes_clear(const struct cp_port_sync *ps)
{
	const struct cfg *cfg = *ps->cfg;

	for (uint32_t i = 0; i < cfg->dataplane.n_ports; i++) {
		const char *iface = cfg->dataplane.ports[i].iface;
		int n;

		if (!iface[0])
			continue;
		n = cp_xdp_probes_clear(iface);
		if (n > 0)
			CP_LOG_HEALTH(INFO,
				      "%s: removed %d probe sockets of an earlier sluiced from "
				      "sl_probes",
				      iface, n);
	}
}

void cp_port_sync_init(struct cp_port_sync *ps, struct cfg *const *cfg,
		       const struct sl_shm_header *hdr, struct cp_health *health,
		       const struct cp_health_wire *targets)
{
	memset(ps, 0, sizeof(*ps));
	ps->cfg = cfg;
	ps->hdr = hdr;
	ps->health = health;
	ps->targets = targets;
	for (uint32_t i = 0; i < SL_MAX_PORTS_LIMIT; i++)
		ps->vip_rc[i] = ps->probe_rc[i] = ps->tc_rc[i] = CP_PORT_SYNC_UNKNOWN;
	cp_health_set_sock_hook(health, on_probe_sock, ps);
	probes_clear(ps);
}

void cp_port_sync_vips_due(struct cp_port_sync *ps)
{
	ps->vips_due = true;
}

/* Keep sluice_probe attached where tunnel probes need it. */
static void probe_tc_sync(struct cp_port_sync *ps)
{
	const struct cfg *cfg = *ps->cfg;

	if (!ps->targets->tunnel_wanted)
		return;
	for (uint32_t i = 0; i < cfg->dataplane.n_ports; i++) {
		const char *iface = cfg->dataplane.ports[i].iface;
		int rc;

		if (!iface[0])
			continue;
		rc = cp_probe_tc_attach(iface);
		if (rc == 1)
			CP_LOG_HEALTH(INFO,
				      "%s: sluice_probe attached (tc egress): tunnel probes "
				      "follow the VIP path",
				      iface);
		if (rc == -EEXIST && rc != ps->tc_rc[i])
			CP_LOG_HEALTH(WARN,
				      "%s: the tc egress filter pref %u handle 0x%x runs "
				      "another program than sluice_probe: not replacing it "
				      "(tunnel probes go direct); remove it with 'tc filter del "
				      "dev %s egress pref %u handle 0x%x bpf'",
				      iface, CP_PROBE_TC_PRIO, CP_PROBE_TC_HANDLE, iface,
				      CP_PROBE_TC_PRIO, CP_PROBE_TC_HANDLE);
		else if (rc < 0 && rc != ps->tc_rc[i])
			CP_LOG_HEALTH(WARN, "%s: cannot attach sluice_probe: %s", iface,
				      strerror(-rc));
		ps->tc_rc[i] = rc < 0 ? rc : 0;
	}
}

/* Each port's VIP map equal to the published VIPs, then sluice_probe; log changes of state. */
static void vips_sync(struct cp_port_sync *ps)
{
	const struct cfg *cfg = *ps->cfg;
	uint64_t pub = __atomic_load_n(&ps->hdr->published, __ATOMIC_ACQUIRE);
	const struct sl_table_hdr *th = sl_slot_hdr(ps->hdr, SL_SLOT_OF(pub));
	const struct sl_vip *vips = sl_slot_vips(ps->hdr, SL_SLOT_OF(pub));
	const struct sl_nat_source *src = sl_slot_nat_sources(ps->hdr, SL_SLOT_OF(pub));

	if (!pub)
		return;
	for (uint32_t i = 0; i < cfg->dataplane.n_ports; i++) {
		const char *iface = cfg->dataplane.ports[i].iface;
		int rc;

		if (!iface[0])
			continue;
		rc = cp_xdp_sync_vips(iface, vips, th->n_vips, src, th->n_nat_sources);
		if (rc == ps->vip_rc[i])
			continue;
		if (rc == 0)
			CP_LOG_XDP(INFO, "%s: VIP map in sync (%u VIPs, %u NAT sources)", iface,
				   th->n_vips, th->n_nat_sources);
		else if (rc == -ENOENT)
			CP_LOG_XDP(WARN, "%s: no sluice_xdp program attached yet", iface);
		else
			CP_LOG_XDP(WARN, "%s: cannot update the VIP map: %s", iface, strerror(-rc));
		ps->vip_rc[i] = rc;
	}
	probe_tc_sync(ps);
}

/* A port whose steering program changed gets the open probe sockets first. */
static bool watch(struct cp_port_sync *ps)
{
	const struct cfg *cfg = *ps->cfg;
	bool changed = false;

	for (uint32_t i = 0; i < cfg->dataplane.n_ports; i++) {
		const char *iface = cfg->dataplane.ports[i].iface;
		uint32_t id = 0, was = ps->prog_id[i];
		unsigned int n;

		if (!iface[0] || cp_xdp_prog_id(iface, &id) != 0 || id == was)
			continue;
		ps->prog_id[i] = id;
		n = probes_readd(ps, i);
		if (was)
			CP_LOG_XDP(INFO,
				   "%s: new steering program id %u (was %u): %u open probe "
				   "sockets added to its sl_probes",
				   iface, id, was, n);
		changed = true;
	}
	return changed;
}

void cp_port_sync_tick(struct cp_port_sync *ps, uint64_t now_ns)
{
	if (now_ns - ps->last_watch_ns >= CP_PORT_SYNC_WATCH_NS) {
		ps->last_watch_ns = now_ns;
		if (watch(ps)) {
			ps->last_vips_ns = now_ns;
			vips_sync(ps);
		}
	}
	if (ps->vips_due || now_ns - ps->last_vips_ns >= CP_PORT_SYNC_VIPS_NS) {
		ps->vips_due = false;
		ps->last_vips_ns = now_ns;
		vips_sync(ps);
	}
}
