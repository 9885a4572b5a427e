#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# What an http VIP writes into the streams, end to end (lab_up dp --router
# --nat; real kernels at both ends): a VIP with X-Forwarded-For, X-Request-Id
# and a sticky cookie, /login routed to three login.py instances (round
# robin), which echo the two request headers, and the same over IPv6. Checked from the client
# namespace (tests/e2e/http_headers_check.py): the instance sees
# X-Forwarded-For = the client's address and a 24-hex-digit X-Request-Id;
# a client's own X-Forwarded-For gets ", <client>" appended; twelve requests
# on one keep-alive connection (re-bound between instances) each carry their
# own id; a response without a cookie gets Set-Cookie, with it a client stays
# on one instance (new connections and keep-alive) and gets no Set-Cookie
# again, an unknown id is balanced again with a new cookie; a 1 MiB POST and
# then a 1 MiB response on the same connection arrive intact; each
# request's record (sluiced's event stream) names the X-Request-Id its
# instance saw. Then the dataplane's counters: no insertion failed for want
# of an mbuf or room.
E2E_NAME=lb_http_headers
. "$(dirname "$0")/e2e_lib.sh"
e2e_begin i

VIP=198.18.100.22
VIP6=2001:2:0:100::22
PORT=8001
PORT6=8003
R=$LAB_DIR

lab_up dp --router --nat || e2e_fatal "lab_up --router --nat"
lab_client_addrs
health='health = { type = "http"; path = "/healthz"; interval_ms = 200; timeout_ms = 150;
    rise = 2; fall = 2; jitter_ms = 20; };'
http="sticky = { cookie = \"SLUICE_INSTANCE\"; };
    headers = { x_forwarded_for = true; x_request_id = true; };"
vips="{ name = \"api\"; address = \"$VIP\"; port = 80; protocol = \"tcp\"; mode = \"http\";
    routes = ( { path = \"/login\"; pool = \"login\"; } ); $http },
  { name = \"api6\"; address = \"$VIP6\"; port = 80; protocol = \"tcp\"; mode = \"http\";
    routes = ( { path = \"/login\"; pool = \"login6\"; } ); $http }"
pools="{ name = \"login\"; balance = \"round-robin\";
    backends = ( $(lab_pool_backends 4 login "1 2 3" "$PORT") ); $health },
  { name = \"login6\"; balance = \"round-robin\";
    backends = ( $(lab_pool_backends 6 login6- "1 2 3" "$PORT6") ); $health }"
lab_conf --pool4 4 --pool6 4 --vips "$vips" --pools "$pools" --events "requests = true;" \
	--extra "$(lab_nat_section)" >"$LAB_CONF"
for n in 1 2 3; do
	ip netns exec "$(lab_ns_be "$n")" "$LAB_PY" "$LAB_SH_DIR/services/login.py" "login$n" \
		"$(lab_be4 "$n")" "$PORT" >>"$R/login$n.log" 2>&1 &
	ip netns exec "$(lab_ns_be "$n")" "$LAB_PY" "$LAB_SH_DIR/services/login.py" "login6-$n" \
		"$(lab_be6 "$n")" "$PORT6" >>"$R/login6-$n.log" 2>&1 &
done
for n in 1 2 3; do
	for p in $PORT $PORT6; do
		lab_wait 10 "login$n:$p" "lab_in $(lab_ns_be "$n") ss -Hltn 'sport = :$p' | grep -q ." ||
			e2e_fatal "login$n listening on $p"
	done
done
lab_sluice_up || e2e_fatal "sluiced + sluice-dp up"
# every instance healthy: sticky and round robin see all three
lab_wait 20 "three login instances serving" \
	"[ \$(for i in 1 2 3 4 5 6; do lab_in $LAB_NS_CL curl -s -m 1 http://$VIP/login |
	  jq -r .instance; done | sort -u | wc -l) = 3 ]" || e2e_fatal "three instances through $VIP"
lab_wait 20 "three IPv6 login instances serving" \
	"[ \$(for i in 1 2 3 4 5 6; do lab_in $LAB_NS_CL curl -s -g -m 1 http://[$VIP6]/login |
	  jq -r .instance; done | sort -u | wc -l) = 3 ]" || e2e_fatal "three instances through $VIP6"
e2e_pass "an http VIP with headers and a sticky cookie serves /login from three instances"

check() { # WHAT
	lab_in "$LAB_NS_CL" "$LAB_PY" "$E2E_DIR/http_headers_check.py" "$VIP" "$LAB_CL4" "$1"
}
check6() { # WHAT
	lab_in "$LAB_NS_CL" "$LAB_PY" "$E2E_DIR/http_headers_check.py" "$VIP6" "$LAB_CL6" "$1"
}
e2e_check "the instance sees X-Forwarded-For = $LAB_CL4 and an X-Request-Id" check xff
e2e_check "a client's X-Forwarded-For gets ', $LAB_CL4' appended" check append
e2e_check "keep-alive: each request of one connection its own X-Request-Id" check keepalive
e2e_check "Set-Cookie; with it one instance; an unknown id balanced again" check sticky
e2e_check "a 1 MiB POST and a 1 MiB response intact with insertions on" check bulk
# the request records name the X-Request-Id each instance saw (sluiced's stream: its log)
check ids >"$R/ids.txt" || true
rec_ids() {
	grep '^{"ts":.*"kind":"request".*"path":"/login/rid' "$R/sluiced.log" |
		jq -r '"\(.path) \(.request_id)"' | sort
}
lab_wait 5 "the records of /login/rid*" "[ \"\$(rec_ids | wc -l)\" -ge 6 ]" || true
if [ "$(wc -l <"$R/ids.txt")" = 6 ] && [ "$(rec_ids)" = "$(sort "$R/ids.txt")" ]; then
	e2e_pass "request records: the X-Request-Id each instance saw ($(head -n 1 "$R/ids.txt"), ...)"
else
	e2e_fail "request records' ids '$(rec_ids | tr '\n' ' ')', the instances saw '$(tr '\n' ' ' <"$R/ids.txt")'"
fi
e2e_check "IPv6: X-Forwarded-For = $LAB_CL6 and an X-Request-Id" check6 xff
e2e_check "IPv6: keep-alive, each request its own X-Request-Id" check6 keepalive
e2e_check "IPv6: Set-Cookie; with it one instance" check6 sticky
e2e_check "IPv6: a 1 MiB POST and a 1 MiB response intact" check6 bulk

# the dataplane's counters: heads that got bytes, none dropped for want of an mbuf or room
lab_ctl stats --json >"$R/stats.json"
jq -c '.http.api | {inserted, not_inserted}' "$R/stats.json"
e2e_check "stats: headers and cookies inserted, none failed for an mbuf or room" \
	jq -e '.http.api | .inserted.headers > 40 and .inserted.cookies > 10 and
	  .not_inserted.no_mbuf == 0 and .not_inserted.no_room == 0' "$R/stats.json"
e2e_check "no segment dropped for want of an mbuf or room" \
	jq -e '.drops.no_mbuf == 0 and .drops.no_headroom == 0' "$R/stats.json"
e2e_end
