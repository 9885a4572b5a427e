#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Discovery end to end: pool web holds only be1 statically, is
# probed over HTTP every 200 ms (rise 2, fall 2) and takes the watched file,
# DNS SRV (a real dnsmasq) and etcd (a real etcd) as sources, while a
# continuous short-connection load and a keep-alive connection use the VIP
# from start to end (none of their requests may fail).
# - file: be2 written (temp + rename) -> healthy, takes traffic; removed ->
#   "removed" event, its keep-alive connections finish, no new flow;
#   a malformed file -> a discovery log line naming the file and the reason,
#   same instances, same table generation;
# - dns: dnsmasq answers _http._tcp.web.svc.example -> be3 takes traffic;
#   dnsmasq killed -> logged, be3 stays; restarted -> refresh resumes; an SRV
#   record with garbage rdata -> logged, be3 stays; the record gone (NXDOMAIN)
#   -> be3 removed after the TTL refresh;
# - etcd: put be2 -> takes traffic; a value that is not JSON -> logged,
#   nothing changes; etcd killed and restarted on its data dir -> the set
#   stays, the watch resumes (a put after the restart is seen); delete ->
#   removed, no request fails.
E2E_NAME=lb_discovery
. "$(dirname "$0")/e2e_lib.sh"
e2e_need dnsmasq-base dnsmasq
e2e_need "etcd-server etcd-client" etcd etcdctl
e2e_begin d

INTERVAL_MS=200
RISE=2
DRAIN_S=4 # controlplane.drain_timeout: removed instances' flows stay this long
DNS_PORT=5353
SRV=_http._tcp.web.svc.example
ETCD_PORT=23791
ETCD_PEER=23801
ETCD_EP=http://127.0.0.1:$ETCD_PORT
N=${E2E_REQUESTS:-600}
DNSMASQ_PID=""
ETCD_PID=""
BG_PIDS=""

# Registries and clients die by PID before lab_down removes the namespaces.
de_cleanup() {
	local p
	for p in $BG_PIDS $DNSMASQ_PID $ETCD_PID; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in $DNSMASQ_PID $ETCD_PID; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null || true
	done
	[ -z "${R:-}" ] || rm -rf "$R/etcd.data"
}
trap 'rc=$?; de_cleanup; (exit $rc); e2e_exit' EXIT

lab_up dp || e2e_fatal "lab_up"
R=$LAB_DIR
JSON=$R/pools.json
BE2=$(lab_be4 2)
BE3=$(lab_be4 3)

# --- the registries --------------------------------------------------------------
# dnsmasq in the lb namespace; $1..: what it serves besides being
# authoritative for svc.example (NXDOMAIN for every other name there).
dns_start() {
	ip netns exec "$LAB_NS_LB" dnsmasq --no-daemon --no-resolv --no-hosts --user=root \
		--group=root --port "$DNS_PORT" --listen-address 127.0.0.1 --bind-interfaces \
		--local=/svc.example/ --local-ttl=1 --pid-file= --log-facility="$R/dnsmasq.log" \
		"$@" >>"$R/dnsmasq.out" 2>&1 &
	DNSMASQ_PID=$!
	lab_wait 5 "dnsmasq on 127.0.0.1:$DNS_PORT" \
		"lab_in $LAB_NS_LB ss -Hlun 'sport = :$DNS_PORT' | grep -q ." ||
		{ cat "$R/dnsmasq.out" >&2; return 1; }
}
dns_stop() {
	[ -n "$DNSMASQ_PID" ] || return 0
	kill -TERM "$DNSMASQ_PID" 2>/dev/null || true
	wait "$DNSMASQ_PID" 2>/dev/null || true
	DNSMASQ_PID=""
}
DNS_BE3="--srv-host=$SRV,be3.svc.example,80,0,1 --host-record=be3.svc.example,$BE3"

etcdctl_() {
	ip netns exec "$LAB_NS_LB" env ETCDCTL_API=3 etcdctl --endpoints="$ETCD_EP" \
		--dial-timeout=2s --command-timeout=3s "$@"
}
etcd_start() {
	mkdir -p "$R/etcd.data"
	ip netns exec "$LAB_NS_LB" etcd --name sl-de2e --data-dir "$R/etcd.data" \
		--listen-client-urls "$ETCD_EP" --advertise-client-urls "$ETCD_EP" \
		--listen-peer-urls "http://127.0.0.1:$ETCD_PEER" \
		--initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" \
		--initial-cluster "sl-de2e=http://127.0.0.1:$ETCD_PEER" >>"$R/etcd.log" 2>&1 &
	ETCD_PID=$!
	lab_wait 15 "etcd on $ETCD_EP" "etcdctl_ endpoint health" ||
		{ tail -n 20 "$R/etcd.log" >&2; return 1; }
}

# The watched file, always replaced atomically (temp file + rename).
pools_write() { # JSON TEXT
	printf '%s\n' "$1" >"$JSON.tmp"
	mv -f "$JSON.tmp" "$JSON"
}
pools_write '{"pools": {"web": []}}'

dns_start || e2e_fatal "dnsmasq starts in $LAB_NS_LB"
etcd_start || e2e_fatal "etcd starts in $LAB_NS_LB"
e2e_pass "dnsmasq and etcd run in $LAB_NS_LB on 127.0.0.1"

lab_conf --pool4 "1" --web "health = { type = \"http\"; path = \"/\"; expect = \"200\";
      interval_ms = $INTERVAL_MS; timeout_ms = 150; rise = $RISE; fall = 2; jitter_ms = 0; };
    discovery = { file = true; dns = \"$SRV\"; etcd = true; };" \
	--extra "controlplane = { drain_timeout = $DRAIN_S; };
discovery = {
  file = { path = \"$JSON\"; };
  dns = { resolver = \"127.0.0.1:$DNS_PORT\"; min_ttl = 1; max_ttl = 2; timeout_ms = 500; };
  etcd = { endpoints = \"$ETCD_EP\"; prefix = \"/sluice/pools/\"; };
};" >"$LAB_CONF"
lab_sluice_up || e2e_fatal "sluiced + sluice-dp forward a first request"
e2e_pass "sluiced + sluice-dp up: pool web = static be1 + file + dns + etcd"

# --- helpers --------------------------------------------------------------------
events() { grep '^{"ts":"[^"]*","kind":"health"' "$R/sluiced.log" || true; }
has_event() { # INSTANCE OLD NEW [REASON-REGEX]: such an event of pool web was printed
	events | jq -e -s --arg i "$1" --arg o "$2" --arg n "$3" --arg r "${4:-.}" \
		'any(.[]; .event == "instance" and .pool == "web" and .instance == $i and
		     .old == $o and .new == $n and (.ts | test("Z$")) and (.reason | test($r)))' \
		>/dev/null
}
check_event() { # INSTANCE OLD NEW [REASON-REGEX]
	if has_event "$@"; then
		e2e_pass "event: web/$1 $2 -> $3"
	else
		e2e_fail "no event web/$1 $2 -> $3${4:+ (reason ~ $4)}: $(events | tail -n 4)"
	fi
}
health_json() { lab_ctl health --json; }
state_of() { # INSTANCE: its state in sluicectl health --json ("" when absent)
	health_json | jq -r --arg i "$1" \
		'.pools[] | select(.pool == "web") | .instances[] | select(.name == $i) | .state'
}
# The pool's instances as "name=state" sorted: what "nothing changes" compares.
web_set() {
	health_json | jq -r '.pools[] | select(.pool == "web") | .instances[] |
		"\(.name)=\(.state)"' | sort | paste -sd' '
}
gen() { lab_ctl stats --json | jq -r .generation; }
log_lines() { grep -c "$1" "$R/sluiced.log" || true; }
wait_state() { # SECONDS INSTANCE STATE
	lab_wait "$1" "web/$2 $3" "[ \"\$(state_of $2)\" = $3 ]"
}
short() { # LABEL FILE [check options]
	local label=$1 f=$2
	shift 2
	lab_load http --host "$LAB_VIP_WEB" -n "$N" -c 8 --timeout 3 --deadline 30 >"$f" || true
	e2e_result "$label" "$f" "$@"
}
# Keep-alive clients (K of them) for DURATION seconds in the background: the
# ones that land on the instance being removed must not break.
ka_start() { # TAG K DURATION
	local k
	KA_PIDS=""
	for ((k = 1; k <= $2; k++)); do
		ip netns exec "$LAB_NS_CL" "$LAB_PY" "$LAB_LOAD" keepalive --host "$LAB_VIP_WEB" \
			-n 0 --duration "$3" --interval 0.02 --deadline 30 >"$R/ka_$1_$k.json" 2>/dev/null &
		KA_PIDS="$KA_PIDS $!"
	done
}
ka_check() { # TAG K "INSTANCE...": connections on these lived through their removal
	local k f inst n_on=0
	# shellcheck disable=SC2086
	wait $KA_PIDS || true
	for ((k = 1; k <= $2; k++)); do
		f=$R/ka_$1_$k.json
		inst=$(jq -r '.instances | keys | join(",")' "$f" 2>/dev/null || echo "?")
		if [ "$(jq -r '.failed' "$f" 2>/dev/null)" != 0 ]; then
			e2e_fail "keep-alive $k ($1): $(cat "$f")"
			continue
		fi
		case " $3 " in
		*" $inst "*) ;;
		*) continue ;;
		esac
		n_on=$((n_on + 1))
		e2e_result "keep-alive on $inst while it is removed ($1): never fails" "$f" --one-instance
	done
	[ "$n_on" != 0 ] || echo "note: none of $2 keep-alive connections landed on $3 ($1)"
	return 0
}
# "nothing changes": the same instances in the same states, the same generation.
same_as() { # LABEL SET GEN
	local s g
	s=$(web_set)
	g=$(gen)
	if [ "$s" = "$2" ] && [ "$g" = "$3" ]; then
		e2e_pass "$1: nothing changed ($s, generation $g)"
	else
		e2e_fail "$1: was '$2' generation $3, now '$s' generation $g"
	fi
}

# --- continuous load for the whole test -----------------------------------------
ip netns exec "$LAB_NS_CL" "$LAB_PY" "$LAB_LOAD" http --host "$LAB_VIP_WEB" -n 0 \
	--duration 200 --rate 40 -c 4 --timeout 3 --deadline 210 >"$R/bg_short.json" 2>/dev/null &
BG_SHORT=$!
ip netns exec "$LAB_NS_CL" "$LAB_PY" "$LAB_LOAD" keepalive --host "$LAB_VIP_WEB" -n 0 \
	--duration 200 --interval 0.05 --timeout 3 --deadline 210 >"$R/bg_ka.json" 2>/dev/null &
BG_KA=$!
BG_PIDS="$BG_SHORT $BG_KA"

wait_state 10 be1 healthy || e2e_fail "be1 not healthy: $(lab_ctl health 2>&1 | head -n 4)"
short "start: only the static be1 serves" "$R/s0.json" --instances be1

# ================================ file ==========================================
pools_write "{\"pools\": {\"web\": [{\"address\": \"$BE2\", \"port\": 80, \"name\": \"be2\"}]}}"
if wait_state 5 be2 healthy; then
	e2e_pass "file: be2 added by rename is healthy after rise x interval"
else
	e2e_fail "file: be2 is '$(state_of be2)': $(grep 'discovery' "$R/sluiced.log" | tail -n 3)"
fi
check_event be2 absent probing "discovered by file"
check_event be2 probing healthy
lab_wait_settled || e2e_fail "the dataplane does not follow: $(lab_ctl health 2>&1 | tail -n 1)"
short "file: be2 takes traffic" "$R/f1.json" --instances be1,be2 --share 0.5 --tolerance 0.15
srcs=$(health_json | jq -r '.pools[] | select(.pool == "web") | .instances[] |
	select(.name == "be2") | .sources | if type == "array" then join(",") else . end')
[ "$srcs" = file ] && e2e_pass "sluicectl health: be2's source is file" ||
	e2e_fail "sluicectl health: be2's sources are '$srcs'"

# Malformed: a syntax error, then a bad entry. Logged with the file and reason.
SET=$(web_set)
G=$(gen)
n0=$(log_lines "discovery: file: $JSON")
pools_write '{"pools": {"web": [{"address": "198.18.1.12", "port": 80,'
lab_wait 3 "a log line about the malformed $JSON" "[ \$(log_lines 'discovery: file: $JSON') -gt $n0 ]" &&
	e2e_pass "file: malformed JSON logged: $(grep "discovery: file: $JSON" "$R/sluiced.log" | tail -n 1)" ||
	e2e_fail "file: no log line naming $JSON: $(grep discovery "$R/sluiced.log" | tail -n 3)"
n1=$(log_lines "discovery: file: $JSON")
pools_write "{\"pools\": {\"web\": [{\"address\": \"$BE2\", \"prot\": 80}]}}"
lab_wait 3 "a log line about the bad entry" "[ \$(log_lines 'discovery: file: $JSON') -gt $n1 ]" &&
	grep "discovery: file: $JSON" "$R/sluiced.log" | tail -n 1 | grep -q 'unknown key "prot"' &&
	e2e_pass "file: bad entry logged: $(grep "discovery: file: $JSON" "$R/sluiced.log" | tail -n 1)" ||
	e2e_fail "file: bad entry not logged with its reason: $(grep discovery "$R/sluiced.log" | tail -n 3)"
sleep 0.5
same_as "file: malformed file" "$SET" "$G"
short "file: malformed file: be1 and be2 still serve" "$R/f2.json" --instances be1,be2 \
	--share 0.5 --tolerance 0.15

# Remove be2: drained (removed event), its keep-alive connections finish.
ka_start file 6 3
sleep 1
pools_write '{"pools": {"web": []}}'
lab_wait 3 "web/be2 removed" "has_event be2 healthy removed" || true
check_event be2 healthy removed "no source lists it"
lab_wait_settled || e2e_fail "the dataplane does not follow: $(lab_ctl health 2>&1 | tail -n 1)"
short "file: be2 removed: no new flow reaches it, none fails" "$R/f3.json" --instances be1
ka_check file 6 be2

# ================================= dns ==========================================
# dnsmasq so far answered NXDOMAIN: the pool's DNS set was empty.
dns_stop
# shellcheck disable=SC2086
dns_start $DNS_BE3 || e2e_fatal "dnsmasq restarts with be3"
if wait_state 8 be3.svc.example healthy; then
	e2e_pass "dns: be3 (SRV $SRV) discovered and healthy"
else
	e2e_fail "dns: be3 is '$(state_of be3.svc.example)': $(grep 'discovery: dns' "$R/sluiced.log" | tail -n 3)"
fi
check_event be3.svc.example absent probing "discovered by dns"
lab_wait_settled || e2e_fail "the dataplane does not follow: $(lab_ctl health 2>&1 | tail -n 1)"
short "dns: be3 takes traffic" "$R/d1.json" --instances be1,be3 --share 0.5 --tolerance 0.15

# Kill dnsmasq: errors logged, be3 stays.
SET=$(web_set)
G=$(gen)
n0=$(log_lines 'discovery: dns: pool web: .*the last good set stays')
kill -KILL "$DNSMASQ_PID"
wait "$DNSMASQ_PID" 2>/dev/null || true
DNSMASQ_PID=""
lab_wait 6 "a dns error line" \
	"[ \$(log_lines 'discovery: dns: pool web: .*the last good set stays') -gt $n0 ]" &&
	e2e_pass "dns: server down logged: $(grep 'discovery: dns: pool web' "$R/sluiced.log" | tail -n 1)" ||
	e2e_fail "dns: no error logged with dnsmasq down: $(grep discovery "$R/sluiced.log" | tail -n 3)"
sleep 1
same_as "dns: dnsmasq down" "$SET" "$G"
short "dns: dnsmasq down: be1 and be3 still serve" "$R/d2.json" --instances be1,be3 \
	--share 0.5 --tolerance 0.15

# Restart it: the refresh resumes (an update line after the restart).
n0=$(log_lines 'discovery: dns: pool web: 1 instances')
# shellcheck disable=SC2086
dns_start $DNS_BE3 || e2e_fatal "dnsmasq restarts"
lab_wait 8 "a dns update after dnsmasq restarted" \
	"[ \$(log_lines 'discovery: dns: pool web: 1 instances') -gt $n0 ]" &&
	e2e_pass "dns: refresh resumed after dnsmasq restarted" ||
	e2e_fail "dns: no update after dnsmasq restarted: $(grep 'discovery: dns' "$R/sluiced.log" | tail -n 3)"

# An SRV record whose rdata is garbage (3 bytes, an SRV needs 7 or more).
dns_stop
n0=$(log_lines 'discovery: dns: pool web: .*the last good set stays')
dns_start "--dns-rr=$SRV,33,000102" || e2e_fatal "dnsmasq restarts with a garbage SRV"
lab_wait 8 "a dns error line for the garbage SRV" \
	"[ \$(log_lines 'discovery: dns: pool web: .*the last good set stays') -gt $n0 ]" &&
	e2e_pass "dns: garbage SRV logged: $(grep 'discovery: dns: pool web' "$R/sluiced.log" | tail -n 1)" ||
	e2e_fail "dns: garbage SRV not logged: $(grep discovery "$R/sluiced.log" | tail -n 3)"
same_as "dns: garbage SRV answer" "$SET" "$G"

# The record gone (NXDOMAIN): be3 removed after the next refresh.
dns_stop
dns_start || e2e_fatal "dnsmasq restarts without be3"
ka_start dns 6 4
sleep 1
lab_wait 8 "web/be3 removed" "has_event be3.svc.example healthy removed" || true
check_event be3.svc.example healthy removed "no source lists it"
lab_wait_settled || e2e_fail "the dataplane does not follow: $(lab_ctl health 2>&1 | tail -n 1)"
short "dns: be3 gone from DNS: no new flow reaches it, none fails" "$R/d3.json" --instances be1
ka_check dns 6 be3

# ================================ etcd ==========================================
etcdctl_ put /sluice/pools/web/be2 "{\"address\":\"$BE2\",\"port\":80}" >/dev/null ||
	e2e_fail "etcdctl put be2"
if wait_state 5 be2 healthy; then
	e2e_pass "etcd: be2 put under /sluice/pools/web/ is healthy"
else
	e2e_fail "etcd: be2 is '$(state_of be2)': $(grep 'discovery: etcd' "$R/sluiced.log" | tail -n 3)"
fi
check_event be2 absent probing "discovered by etcd"
lab_wait_settled || e2e_fail "the dataplane does not follow: $(lab_ctl health 2>&1 | tail -n 1)"
short "etcd: be2 takes traffic" "$R/e1.json" --instances be1,be2 --share 0.5 --tolerance 0.15

# Values that are not JSON: on be2's key (its good value stays) and a new key.
SET=$(web_set)
G=$(gen)
n0=$(log_lines 'discovery: etcd')
etcdctl_ put /sluice/pools/web/be2 'this is not json' >/dev/null || e2e_fail "etcdctl put garbage"
etcdctl_ put /sluice/pools/web/be9 '{"address": ' >/dev/null || e2e_fail "etcdctl put garbage"
lab_wait 3 "etcd errors logged" "[ \$(log_lines 'discovery: etcd.*be9') -ge 1 ] &&
	[ \$(log_lines 'discovery: etcd.*web/be2') -ge 1 ]" &&
	e2e_pass "etcd: values that are not JSON logged: $(grep 'discovery: etcd.*web/be' "$R/sluiced.log" | tail -n 2 | tr '\n' '|')" ||
	e2e_fail "etcd: bad values not logged: $(grep 'discovery' "$R/sluiced.log" | tail -n 3)"
sleep 0.5
same_as "etcd: values that are not JSON" "$SET" "$G"
etcdctl_ del /sluice/pools/web/be9 >/dev/null || true

# Kill etcd, restart it on its data dir: the set stays, the watch resumes.
n0=$(log_lines 'discovery: etcd')
kill -KILL "$ETCD_PID"
wait "$ETCD_PID" 2>/dev/null || true
ETCD_PID=""
lab_wait 6 "an etcd error line" "[ \$(log_lines 'discovery: etcd') -gt $n0 ]" &&
	e2e_pass "etcd: server down logged: $(grep 'discovery: etcd' "$R/sluiced.log" | tail -n 1)" ||
	e2e_fail "etcd: nothing logged with etcd down"
sleep 1
same_as "etcd: etcd down" "$SET" "$G"
short "etcd: etcd down: be1 and be2 still serve" "$R/e2.json" --instances be1,be2 \
	--share 0.5 --tolerance 0.15
etcd_start || e2e_fatal "etcd restarts on its data dir"
etcdctl_ put /sluice/pools/web/be3 "{\"address\":\"$BE3\",\"port\":80}" >/dev/null ||
	e2e_fail "etcdctl put be3 after the restart"
if wait_state 12 be3 healthy; then
	e2e_pass "etcd: the watch resumed: be3 put after the restart is healthy"
else
	e2e_fail "etcd: be3 is '$(state_of be3)' after the restart: $(grep 'discovery: etcd' "$R/sluiced.log" | tail -n 3)"
fi
[ "$(state_of be2)" = healthy ] && e2e_pass "etcd: be2 still healthy after the restart" ||
	e2e_fail "etcd: be2 is '$(state_of be2)' after the restart"
lab_wait_settled || e2e_fail "the dataplane does not follow: $(lab_ctl health 2>&1 | tail -n 1)"
short "etcd: be1, be2 and be3 serve" "$R/e3.json" --instances be1,be2,be3 --share 0.3333 \
	--tolerance 0.12

# Delete both: removed, keep-alive connections finish, no request fails.
ka_start etcd 6 4
sleep 1
etcdctl_ del /sluice/pools/web/be2 >/dev/null || e2e_fail "etcdctl del be2"
etcdctl_ del /sluice/pools/web/be3 >/dev/null || e2e_fail "etcdctl del be3"
lab_wait 5 "be2 and be3 removed" "has_event be2 healthy removed && has_event be3 healthy removed" || true
check_event be2 healthy removed "no source lists it"
check_event be3 healthy removed "no source lists it"
lab_wait_settled || e2e_fail "the dataplane does not follow: $(lab_ctl health 2>&1 | tail -n 1)"
short "etcd: be2 and be3 deleted: only be1 serves, none fails" "$R/e4.json" --instances be1
ka_check etcd 6 "be2 be3"

# --- the continuous load never failed ------------------------------------------
kill -TERM $BG_PIDS 2>/dev/null || true
# shellcheck disable=SC2086
wait $BG_PIDS || true
BG_PIDS=""
e2e_result "continuous short connections through every change: none failed" "$R/bg_short.json"
jq -e '.ok > 100' "$R/bg_short.json" >/dev/null ||
	e2e_fail "continuous load ran too few requests: $(cat "$R/bg_short.json")"
e2e_result "continuous keep-alive connection (on be1) through every change" "$R/bg_ka.json" \
	--instances be1
echo "events printed: $(events | wc -l)"
e2e_end
