#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# sluiced under hostile input, as an adversarial operator would try it (no
# lab: the backends simply stay unresolved). In a private mount namespace
# whose /dev/shm is a small tmpfs of its own:
# - /dev/shm too small for the segment: refused at start with the size
#   needed, never "running" then SIGBUS; a segment truncated under a running
#   sluiced: it says so and exits 1, not 135.
# - a reload that @includes a directory or a FIFO, or names an etcd
#   endpoint a start would refuse: refused with FILE:LINE, still running;
#   an environment value refused at start names the variable.
# - a FIFO moved to discovery.file.path: refused, the loop goes on.
# - admin_socket at a live sluiced's socket or at a regular file: the
#   second daemon refuses to start, the first keeps its socket, the file
#   is untouched.
# - discovery entries that break the config's rules (0.0.0.0, broadcast,
#   multicast, an IPv6 instance for an IPv4 VIP, ::ffff:a.b.c.d, names
#   with a newline, an ANSI escape, a space, a duplicate): refused, logged,
#   counted; sluicectl prints nothing raw and its JSON parses.
# - a pool past tables.max_backends: the excess is left out and logged,
#   the rest keeps being published; a drain is answered "ok" only with the
#   generation that carries it, and refused for an instance left out.
# - 64 idle admin clients: the 65th is told "busy", sluicectl still gets
#   through; a request that is not UTF-8 gets a JSON error.
set -euo pipefail

E2E_NAME=cp_hostile
# shellcheck source=e2e_lib.sh
. "$(dirname "$0")/e2e_lib.sh"
if [ -z "${SL_HOSTILE_NS:-}" ]; then
	exec unshare -m env SL_HOSTILE_NS=1 bash "$0" "$@"
fi

B=$SLUICE_BUILD_DIR
PY=/usr/bin/python3
mount --make-rprivate /
LAB_DIR=$(mktemp -d /tmp/sl-hostile.XXXXXX)
D=$LAB_DIR
INST=slh$$
PIDS=()
cleanup() {
	local rc=$?
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	umount /dev/shm 2>/dev/null || true
	rm -rf "$LAB_DIR"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
echo "== e2e $E2E_NAME: build $B, dir $D (private /dev/shm)"

# write_conf FILE INSTANCE SOCKET [EXTRA]: the daemon's config (EXTRA: more top-level text)
write_conf() {
	cat >"$1" <<CONF
instance = "$2";
tables = { max_backends = 64; max_pools = 4; max_vips = 4; maglev_size = 13; };
controlplane = { admin_socket = "$3"; neigh_timeout_ms = 0; };
discovery = { file = { path = "$D/pools.json"; }; };
vips = ( { name = "web"; address = "198.18.100.1"; port = 80; pool = "web"; },
         { name = "big"; address = "198.18.100.2"; port = 80; pool = "big"; } );
pools = ( { name = "web"; backends = ( { address = "198.18.1.11"; name = "s1"; } );
            discovery = { file = true; }; },
          { name = "big"; backends = (); discovery = { file = true; }; } );
${4:-}
CONF
}

# start CONF LOG: sluiced in the background, its pid in $PID, once it runs
start() {
	"$B/sluiced" -c "$1" >"$2" 2>&1 &
	PID=$!
	PIDS+=("$PID")
	lab_wait 5 "sluiced running ($2)" "grep -q 'running' '$2'" || {
		tail -n 20 "$2"
		e2e_fatal "sluiced did not start"
	}
}

# lab_wait SECONDS WHAT CONDITION (lab.sh is not sourced here: no lab)
lab_wait() {
	local end=$((SECONDS + $1))
	while ! eval "$3"; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.05
	done
}

# sluicectl reads the socket path from a config of its own: r.conf is made bad on purpose
ctl() { "$B/sluicectl" -c "$D/ctl.conf" "$@"; }
log_has() { grep -qF -- "$2" "$1"; }

# --- /dev/shm too small ------------------------------------------------------------
mount -t tmpfs -o size=8m sl-hostile-shm /dev/shm
cat >"$D/wide.conf" <<CONF
instance = "${INST}w";
controlplane = { admin_socket = "$D/w.sock"; };
CONF
rc=0
timeout 20 "$B/sluiced" -c "$D/wide.conf" >"$D/wide.log" 2>&1 || rc=$?
if [ "$rc" = 1 ] && grep -qE "/dev/shm/sluice-${INST}w: No space left on device: the segment needs [0-9]+ bytes, /dev/shm has [0-9]+ free" "$D/wide.log" &&
	! log_has "$D/wide.log" running && [ ! -e "/dev/shm/sluice-${INST}w" ]; then
	e2e_pass "8 MB /dev/shm, 64 pools: refused at start with the size needed (exit 1)"
else
	e2e_fail "8 MB /dev/shm: exit $rc: $(tail -n 3 "$D/wide.log")"
fi
umount /dev/shm
mount -t tmpfs -o size=256m sl-hostile-shm /dev/shm

# --- an environment value refused at start names the variable ---------------------
write_conf "$D/r.conf" "$INST" "$D/a.sock"
cp "$D/r.conf" "$D/ctl.conf"
rc=0
SLUICE_VIPS_0_PORT=+80 timeout 10 "$B/sluiced" -c "$D/r.conf" >"$D/env.log" 2>&1 || rc=$?
if [ "$rc" = 1 ] && log_has "$D/env.log" 'environment: SLUICE_VIPS_0_PORT: not an integer: "+80"'; then
	e2e_pass "SLUICE_VIPS_0_PORT=+80 refused as environment: VARIABLE: TEXT"
else
	e2e_fail "SLUICE_VIPS_0_PORT=+80: exit $rc: $(tail -n 2 "$D/env.log")"
fi

# --- the daemon, with hostile discovery entries ---------------------------------------
cat >"$D/pools.json" <<'JSON'
{"pools": {"web": [
  {"address": "198.18.1.12", "name": "f1"},
  {"address": "0.0.0.0"}, {"address": "255.255.255.255"}, {"address": "224.0.0.1"},
  {"address": "2001:2::1"}, {"address": "::ffff:198.18.1.20"},
  {"address": "198.18.1.21", "name": "x\nweb  fake  healthy"},
  {"address": "198.18.1.22", "name": "\u001b[2Jred"},
  {"address": "198.18.1.23", "name": "a b"},
  {"address": "198.18.1.24", "name": "f1"},
  {"address": "198.18.1.25", "name": "s1"}],
 "big": []}}
JSON
start "$D/r.conf" "$D/sluiced.log"
D1=$PID
lab_wait 5 "first publish" "log_has '$D/sluiced.log' 'published generation'" ||
	e2e_fatal "no publish: $(tail -n 5 "$D/sluiced.log")"
ctl health >"$D/health.txt" 2>&1 || true
if grep -c '^web ' "$D/health.txt" | grep -qx 2 && grep -q '^web  *s1 ' "$D/health.txt" &&
	grep -q '^web  *f1 ' "$D/health.txt" && ! grep -q fake "$D/health.txt" &&
	! grep -qP '\x1b' "$D/health.txt" &&
	grep -q 'pool web: .*, 10 discovered entries refused' "$D/health.txt"; then
	e2e_pass "discovery: 10 hostile entries refused, counted; health shows s1 and f1 only"
else
	e2e_fail "health after hostile entries: $(cat "$D/health.txt")"
fi
for want in 'refused 0.0.0.0 port 0: not a unicast address' \
	'refused 255.255.255.255 port 0: not a unicast address' \
	'refused 224.0.0.1 port 0: not a unicast address' \
	'refused 2001:2::1 port 0: IPv6 instance in a pool that serves IPv4 VIPs' \
	'refused ::ffff:198.18.1.20 port 0: IPv4-mapped IPv6 address: write the IPv4 address' \
	'refused 198.18.1.21 port 0 (name "x\nweb  fake  healthy"): name is not 1-31' \
	'refused 198.18.1.22 port 0 (name "\x1b[2Jred"): name is not 1-31' \
	'refused 198.18.1.23 port 0 (name "a b"): name is not 1-31' \
	'pool web: 2 more entries refused'; do
	if log_has "$D/sluiced.log" "$want"; then
		e2e_pass "logged, escaped: $want"
	else
		e2e_fail "not logged: $want"
	fi
done
if ctl health --json | jq -e '.pools[0].refused == 10 and (.pools[0].instances | length) == 2' \
	>/dev/null; then
	e2e_pass "health --json is valid JSON, refused 10, 2 instances"
else
	e2e_fail "health --json: $(ctl health --json 2>&1 | head -c 300)"
fi

# --- a pool past tables.max_backends ------------------------------------------------------
"$PY" - >"$D/pools.tmp" <<'PY'
import json
big = [{"address": "198.18.2.%d" % i, "name": "b%d" % i} for i in range(100)]
print(json.dumps({"pools": {"web": [{"address": "198.18.1.12", "name": "f1"}], "big": big}}))
PY
mv "$D/pools.tmp" "$D/pools.json"
if lab_wait 5 "cap logged" "log_has '$D/sluiced.log' 'tables.max_backends (64) reached: 38 backends not published (the first in pool big); the others are'"; then
	e2e_pass "100 backends in pool big, 64 slots: 38 left out, logged"
else
	e2e_fail "no cap line: $(grep -E 'tables|not built' "$D/sluiced.log" | tail -n 3)"
fi
gens=$(grep -c 'published generation' "$D/sluiced.log")
out=$(ctl drain web s1 2>&1) && rc=0 || rc=$?
if [ "$rc" = 0 ] && [[ "$out" =~ ^"drain web s1: ok, published in generation "[0-9]+$ ]] &&
	[ "$(grep -c 'published generation' "$D/sluiced.log")" -gt "$gens" ]; then
	e2e_pass "drain past the cap: $out"
else
	e2e_fail "drain web s1: rc $rc: $out"
fi
out=$(ctl drain big b99 2>&1) && rc=0 || rc=$?
if [ "$rc" = 1 ] && [ "$out" = "sluicectl: drain: instance b99 of pool big is not in the tables (tables.max_backends 64 reached): drain kept, it applies once the instance is published" ]; then
	e2e_pass "drain of an instance left out: refused with the reason"
else
	e2e_fail "drain big b99: rc $rc: $out"
fi
if ctl health --json | jq -e '[.pools[1].instances[] | select(.published == false)] | length == 38' \
	>/dev/null; then
	e2e_pass "health marks the 38 instances left out as not published"
else
	e2e_fail "health --json: published flags wrong"
fi

# --- a FIFO at the discovery path --------------------------------------------------------
mkfifo "$D/x.fifo"
mv "$D/x.fifo" "$D/pools.json"
if lab_wait 3 "FIFO refused" "log_has '$D/sluiced.log' '$D/pools.json: a FIFO, not a regular file'" &&
	timeout 5 "$B/sluicectl" -c "$D/ctl.conf" health >/dev/null; then
	e2e_pass "a FIFO at discovery.file.path: refused, the admin socket still answers"
else
	e2e_fail "FIFO at discovery.file.path: $(tail -n 3 "$D/sluiced.log")"
fi

# --- reloads sluiced must refuse, still running -------------------------------------------
# reload_refused LABEL EXTRA WANT: a config with EXTRA as its last line, SIGHUP, WANT
# (@LINE@: that line's number) logged
reload_refused() {
	local want
	write_conf "$D/r.conf" "$INST" "$D/a.sock" "$2"
	want=${3//@LINE@/$(grep -n . "$D/r.conf" | tail -n 1 | cut -d: -f1)}
	kill -HUP "$D1"
	if lab_wait 5 "$1" "log_has '$D/sluiced.log' '$want'" && kill -0 "$D1" &&
		timeout 5 "$B/sluicectl" -c "$D/ctl.conf" health >/dev/null; then
		e2e_pass "$1: refused, still running"
	else
		e2e_fail "$1: $(tail -n 3 "$D/sluiced.log")"
	fi
}
mkdir -p "$D/incdir"
reload_refused "reload with @include of a directory" '@include "incdir"' \
	"reload refused: $D/r.conf:@LINE@: @include: \"incdir\": a directory, not a regular file"
mkfifo "$D/inc.fifo"
reload_refused "reload with @include of a FIFO" '@include "inc.fifo"' \
	"reload refused: $D/r.conf:@LINE@: @include: \"inc.fifo\": a FIFO, not a regular file"
write_conf "$D/r.conf" "$INST" "$D/a.sock"
sed -i "s|discovery = { file = { path = \"$D/pools.json\"; }; };|discovery = { file = { path = \"$D/pools.json\"; }; etcd = { endpoints = \"http://127.0.0.1:99999\"; }; };|" "$D/r.conf"
kill -HUP "$D1"
if lab_wait 5 "etcd endpoint refused" "log_has '$D/sluiced.log' 'reload refused: $D/r.conf:4: discovery.etcd.endpoints: endpoint \"http://127.0.0.1:99999\": not http://HOST:PORT'"; then
	e2e_pass "reload with discovery.etcd.endpoints :99999: FILE:LINE: KEY: TEXT"
else
	e2e_fail "etcd endpoint reload: $(grep 'reload refused' "$D/sluiced.log" | tail -n 1)"
fi
write_conf "$D/r.conf" "$INST" "$D/a.sock"

# --- the admin socket is not someone else's to take ----------------------------------------
write_conf "$D/second.conf" "${INST}b" "$D/a.sock"
rc=0
timeout 10 "$B/sluiced" -c "$D/second.conf" >"$D/second.log" 2>&1 || rc=$?
if [ "$rc" = 1 ] && log_has "$D/second.log" "$D/a.sock: another process listens on it (another sluiced?)" &&
	ctl health >/dev/null; then
	e2e_pass "a second sluiced on a live admin socket: refused; the first keeps it"
else
	e2e_fail "second sluiced: exit $rc: $(tail -n 2 "$D/second.log")"
fi
echo keep >"$D/plain"
write_conf "$D/third.conf" "${INST}c" "$D/plain"
rc=0
timeout 10 "$B/sluiced" -c "$D/third.conf" >"$D/third.log" 2>&1 || rc=$?
if [ "$rc" = 1 ] && log_has "$D/third.log" "$D/plain: a regular file, not a socket: not replaced" &&
	[ "$(cat "$D/plain")" = keep ]; then
	e2e_pass "admin_socket at a regular file: refused, the file untouched"
else
	e2e_fail "admin_socket at a file: exit $rc: $(tail -n 2 "$D/third.log")"
fi

# --- idle clients, invalid UTF-8 ------------------------------------------------------
"$PY" - "$D/a.sock" >"$D/busy.out" <<'PY' &
import socket, sys, time
held = []
for _ in range(64):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    held.append(s)
time.sleep(0.2)
s = socket.socket(socket.AF_UNIX)
s.settimeout(3)
s.connect(sys.argv[1])
s.sendall(b"health\n")
print(s.recv(4096).decode().strip())
time.sleep(2.5)
PY
HOLD=$!
sleep 0.5
out=$(ctl health 2>&1) && rc=0 || rc=$?
wait "$HOLD" || true
if [ "$(cat "$D/busy.out")" = '{"ok":false,"busy":true,"error":"busy: 64 clients connected, try again"}' ]; then
	e2e_pass "the 65th client is told busy in JSON"
else
	e2e_fail "65th client got: $(cat "$D/busy.out")"
fi
if [ "$rc" = 0 ]; then
	e2e_pass "sluicectl health gets through 64 idle clients"
else
	e2e_fail "sluicectl health with 64 idle clients: $out"
fi
out=$(ctl drain $'w\xffb' x 2>&1) && rc=0 || rc=$?
if [ "$rc" = 1 ] && [ "$out" = "sluicectl: drain: request is not valid UTF-8 (byte 7)" ]; then
	e2e_pass "drain with invalid UTF-8: a JSON error"
else
	e2e_fail "drain w\\xffb: rc $rc: $out"
fi

# --- the segment truncated under the running daemon --------------------------------------
truncate -s 4096 "/dev/shm/sluice-$INST"
rc=0
if lab_wait 5 "sluiced exits" "! kill -0 $D1 2>/dev/null"; then
	wait "$D1" || rc=$?
else
	rc=timeout
fi
if [ "$rc" = 1 ] && log_has "$D/sluiced.log" "/dev/shm/sluice-$INST shrank to 4096 bytes under us"; then
	e2e_pass "segment truncated under sluiced: logged, exit 1 (not SIGBUS)"
else
	e2e_fail "truncated segment: exit $rc: $(tail -n 3 "$D/sluiced.log")"
fi
e2e_end
