#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Health checks through the tunnel: with health.via_tunnel the probe
# of a tunnel-mode pool goes to the VIP, encapsulated like client traffic
# (bpf/sluice_probe on the dataplane's interface), so "healthy" means "this
# instance serves this VIP", not "its own address answers":
# - all instances healthy through the tunnel; clients spread over them;
# - the VIP removed from be2's lo (nginx still answers on be2's own address):
#   be2 turns unhealthy after fall x interval and takes no more requests;
# - the VIP back: be2 healthy again and back in the rotation;
# - sluice-dp killed with SIGKILL and started again (a new XDP program with
#   an empty sl_probes): sluiced re-adds its open probe sockets and points
#   sluice_probe at the new map at once; no instance turns unhealthy, and
#   the probes still go through the tunnel (be2 without the VIP fails);
# - sluiced killed with SIGKILL and started again: the sluice_probe it left
#   stays (it reads the current map), the probes still go through the tunnel.
E2E_NAME=lb_health_tunnel
. "$(dirname "$0")/e2e_lib.sh"
e2e_begin t

INTERVAL_MS=200
N=${E2E_REQUESTS:-900}
lab_up dp || e2e_fatal "lab_up"
R=$LAB_DIR
# via_tunnel needs every VIP of the pool in tunnel mode: drop the dsr VIP.
lab_conf --web "health = { type = \"http\"; path = \"/\"; expect = \"200\";
      interval_ms = $INTERVAL_MS; timeout_ms = 100; rise = 2; fall = 2;
      jitter_ms = 0; via_tunnel = true; };" |
	sed '/name = "webdsr"/,+1d' >"$LAB_CONF"
lab_sluice_up || e2e_fatal "sluiced + sluice-dp forward a first request"
e2e_pass "sluiced + sluice-dp up with http health checks through the tunnel"

state_of() { # INSTANCE
	lab_ctl health --json | jq -r --arg i "$1" \
		'.pools[] | select(.pool == "web") | .instances[] | select(.name == $i) | .state'
}
short() { # LABEL FILE [check options]
	local label=$1 f=$2
	shift 2
	lab_load http --host "$LAB_VIP_WEB" -n "$N" -c 16 --timeout 3 --deadline 60 >"$f" || true
	e2e_result "$label" "$f" "$@"
}

lab_wait 10 "be1 be2 be3 healthy through the tunnel" \
	'[ "$(state_of be1)$(state_of be2)$(state_of be3)" = healthyhealthyhealthy ]' ||
	e2e_fail "instances not healthy: $(lab_ctl health 2>&1 | head -n 6)"
if grep -q "sluice_probe attached (tc egress)" "$R/sluiced.log"; then
	e2e_pass "sluice_probe attached on the dataplane's interface"
else
	e2e_fail "no sluice_probe attach line in sluiced.log"
fi
short "all healthy: $N short requests" "$R/t0.json" \
	--instances be1,be2,be3 --share 0.3333 --tolerance 0.10

BE2=$(lab_ns_be 2)
lab_in "$BE2" ip addr del "$LAB_VIP_WEB/32" dev lo
if lab_in "$LAB_NS_CL" curl -s -m 2 "http://198.18.1.12/" | grep -q be2; then
	e2e_pass "be2's own address still answers (a direct probe would pass)"
else
	e2e_fail "be2's nginx does not answer on its own address"
fi
if lab_wait 5 "be2 unhealthy" '[ "$(state_of be2)" = unhealthy ]'; then
	e2e_pass "VIP gone from be2: unhealthy ($(lab_ctl health --json |
		jq -r '.pools[] | select(.pool == "web") | .instances[] |
		select(.name == "be2") | .reason'))"
else
	e2e_fail "be2 stayed $(state_of be2) without the VIP"
fi
short "be2 without the VIP: $N requests, none fails, none to be2" "$R/t1.json" \
	--instances be1,be3 --share 0.5 --tolerance 0.10

lab_in "$BE2" ip addr add "$LAB_VIP_WEB/32" dev lo
if lab_wait 5 "be2 healthy" '[ "$(state_of be2)" = healthy ]'; then
	e2e_pass "VIP back on be2: healthy again"
else
	e2e_fail "be2 stayed $(state_of be2) with the VIP back"
fi
short "be2 back: $N requests over the three" "$R/t2.json" \
	--instances be1,be2,be3 --share 0.3333 --tolerance 0.10

log_since() { tail -c +$(($2 + 1)) "$1"; }
log_size() { stat -c %s "$1"; }
no_unhealthy_since() { # LABEL OFFSET
	local bad
	bad=$(log_since "$R/sluiced.log" "$2" | grep '^{"ts":"[^"]*","kind":"health"' |
		jq -c 'select(.event == "instance" and .new == "unhealthy")' || true)
	if [ -z "$bad" ]; then
		e2e_pass "$1: no instance turned unhealthy"
	else
		e2e_fail "$1: $bad"
	fi
}
# still_tunnelled LABEL: be2 without the VIP fails its probes, with it passes.
still_tunnelled() {
	lab_in "$BE2" ip addr del "$LAB_VIP_WEB/32" dev lo
	if lab_wait 5 "be2 unhealthy" '[ "$(state_of be2)" = unhealthy ]'; then
		e2e_pass "$1: be2 without the VIP turns unhealthy (probes go through the tunnel)"
	else
		e2e_fail "$1: be2 stayed $(state_of be2) without the VIP: probes do not use the tunnel"
	fi
	lab_in "$BE2" ip addr add "$LAB_VIP_WEB/32" dev lo
	lab_wait 5 "be2 healthy" '[ "$(state_of be2)" = healthy ]' ||
		e2e_fail "$1: be2 stayed $(state_of be2) with the VIP back"
}
tc_probe_id() {
	tc -n "$LAB_NS_LB" -j filter show dev "$LAB_IF_LB" egress |
		jq -r '[.[] | .options.prog.id // empty][0] // empty'
}

# A new XDP program: its sl_probes gets the open sockets, sluice_probe follows it.
off=$(log_size "$R/sluiced.log")
tc_before=$(tc_probe_id)
kill -9 "$DP_PID"
wait "$DP_PID" 2>/dev/null || true
sleep 1
lab_start_dp
lab_wait_forwarding || e2e_fail "sluice-dp restarted after kill -9 does not forward"
lab_wait 5 "sluice_probe on the new map" '[ "$(tc_probe_id)" != "$tc_before" ]' ||
	e2e_fail "sluice_probe was not re-attached after the dataplane restart"
if log_since "$R/sluiced.log" "$off" | grep -q 'new steering program id [0-9]* (was [0-9]*): [0-9]* open probe sockets added'; then
	e2e_pass "sluiced saw the new XDP program: $(log_since "$R/sluiced.log" "$off" | grep -m1 'new steering program' | sed 's/.*xdp: //')"
else
	e2e_fail "no 'new steering program' line in sluiced.log"
fi
sleep 1
no_unhealthy_since "kill -9 sluice-dp, restart" "$off"
still_tunnelled "after the dataplane restart"

# sluiced killed: the sluice_probe it attached stays and serves the next one.
tc_before=$(tc_probe_id)
kill -9 "$SLUICED_PID"
wait "$SLUICED_PID" 2>/dev/null || true
off=$(log_size "$R/sluiced.log")
lab_start_sluiced || e2e_fail "sluiced did not restart"
sleep 1
if [ "$(tc_probe_id)" = "$tc_before" ] && [ -n "$tc_before" ]; then
	e2e_pass "restarted sluiced kept the sluice_probe the killed one attached (id $tc_before)"
else
	e2e_fail "sluice_probe changed from '$tc_before' to '$(tc_probe_id)' across a sluiced restart"
fi
no_unhealthy_since "kill -9 sluiced, restart" "$off"
still_tunnelled "after the sluiced restart"
short "after both restarts: $N requests over the three" "$R/t3.json" \
	--instances be1,be2,be3 --share 0.3333 --tolerance 0.10

e2e_end
