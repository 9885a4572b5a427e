#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The metrics, read by the tools operators run. A full-NAT lab with one
# http VIP (api: /login and the default route to pool app, be1-be3, round
# robin, HTTP health checks); sluiced serves its exposition on its default
# metrics.listen (loopback of the lb namespace), and a real Prometheus
# (Debian's, started here in the lb namespace on 127.0.0.1 with a
# generated config and a temporary storage directory, stopped by its PID)
# scrapes it every second. Asserts:
# - `promtool check metrics` passes on the exposition;
# - after N requests to /login, Prometheus's HTTP API answers, for the
#   VIP, the route and each instance, exactly the requests the client
#   counted (the backends say who answered): increase over the load =
#   what the client saw, per instance too; the request duration
#   histograms count the same per instance, and histogram_quantile gives
#   each instance a median within the client's own times;
# - health per instance (healthy), the dataplane up, the publish generation
#   are there; a drain shows as drained, its publication as acked;
# - M connections through a tunnel VIP are M more flows of it in Prometheus;
# - `sluicectl top --once` prints rows for the VIP's route and instances;
# - sluice-dp answers its DPDK telemetry commands (dpdk-telemetry.py):
#   /sluice/workers and /sluice/vips agree with the load.
E2E_NAME=lb_metrics
. "$(dirname "$0")/e2e_lib.sh"
e2e_need prometheus prometheus promtool
e2e_need dpdk-dev dpdk-telemetry.py
e2e_begin m

N=${E2E_REQUESTS:-600}
VIP=198.18.100.20
PROM=127.0.0.1:9090
METRICS=127.0.0.1:9469
PROM_PID=""

prom_stop() {
	if [ -n "$PROM_PID" ] && kill -0 "$PROM_PID" 2>/dev/null; then
		kill "$PROM_PID" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$PROM_PID" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$PROM_PID" 2>/dev/null || true
	fi
	PROM_PID=""
}
# e2e_exit reads the script's status from $?: keep it across prom_stop
trap 'rc_=$?; prom_stop; (exit $rc_); e2e_exit' EXIT

lab_up dp --router --nat || e2e_fatal "lab_up"
R=$LAB_DIR
health='health = { type = "http"; path = "/"; interval_ms = 200; timeout_ms = 150; rise = 1; fall = 2; };'
vips="{ name = \"api\"; address = \"$VIP\"; port = 80; protocol = \"tcp\"; mode = \"http\";
    pool = \"app\"; routes = ( { path = \"/login\"; pool = \"app\"; } ); }"
pools="{ name = \"app\"; balance = \"round-robin\";
    backends = ( $(lab_pool_backends 4 be "1 2 3" 80) ); $health }"
lab_conf --pool4 4 --pool6 4 --vips "$vips" --pools "$pools" \
	--events "flows = true; requests = true;" --extra "$(lab_nat_section)" >"$LAB_CONF"
lab_sluice_up || e2e_fatal "sluiced + sluice-dp forward a first request"
lab_wait 20 "/login through $VIP" \
	"lab_in $LAB_NS_CL curl -sf -m 1 http://$VIP/login | grep -q '^be'" ||
	e2e_fatal "no answer from http://$VIP/login"
e2e_pass "sluiced + sluice-dp up, http VIP api answers /login"

# --- the exposition itself ---------------------------------------------------------------
lb_curl() { lab_in "$LAB_NS_LB" curl -sf -m 5 "$@"; }
if lb_curl "http://$METRICS/metrics" >"$R/metrics.txt" &&
	grep -q '^sluice_http_requests_total{vip="api"} ' "$R/metrics.txt"; then
	e2e_pass "sluiced serves http://$METRICS/metrics ($(wc -l <"$R/metrics.txt") lines)"
else
	e2e_fatal "no exposition on $METRICS: $(head -c 300 "$R/metrics.txt" 2>/dev/null)"
fi
if promtool check metrics <"$R/metrics.txt" >"$R/promtool.out" 2>&1; then
	e2e_pass "promtool check metrics: no problem found"
else
	e2e_fail "promtool check metrics: $(head -c 600 "$R/promtool.out")"
fi
ctype=$(lb_curl -o /dev/null -w '%{content_type}' "http://$METRICS/metrics" || true)
if [ "$ctype" = "text/plain; version=0.0.4; charset=utf-8" ]; then
	e2e_pass "Content-Type: $ctype"
else
	e2e_fail "Content-Type: \"$ctype\""
fi

# --- a real Prometheus scrapes it ----------------------------------------------------------
mkdir -p "$R/prom-data"
cat >"$R/prometheus.yml" <<EOF
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: sluiced
    static_configs: [ { targets: [ "$METRICS" ] } ]
EOF
ip netns exec "$LAB_NS_LB" prometheus --config.file "$R/prometheus.yml" \
	--storage.tsdb.path "$R/prom-data" --web.listen-address "$PROM" \
	>"$R/prometheus.log" 2>&1 &
PROM_PID=$!
lab_wait 30 "Prometheus ready" "lb_curl http://$PROM/-/ready >/dev/null" ||
	e2e_fatal "Prometheus did not start: $(tail -n 5 "$R/prometheus.log")"

# query EXPR: the first result's value ("" for none)
query() {
	lb_curl "http://$PROM/api/v1/query" --data-urlencode "query=$1" |
		jq -r '.data.result[0].value[1] // ""'
}
# query_by LABEL EXPR: "LABELVALUE=VALUE" lines, sorted
query_by() {
	lb_curl "http://$PROM/api/v1/query" --data-urlencode "query=$2" |
		jq -r --arg l "$1" '.data.result[] | "\(.metric[$l])=\(.value[1])"' | sort
}
lab_wait 30 "the target up" "[ \"\$(query 'up{job=\"sluiced\"}')\" = 1 ]" ||
	e2e_fatal "Prometheus does not scrape $METRICS: $(lb_curl "http://$PROM/api/v1/targets" | head -c 400)"
e2e_pass "Prometheus scrapes sluiced (up = 1)"

# the counters before the load, as Prometheus has them (nothing else sends to the VIP)
sleep 2
before=$(query 'sluice_http_requests_total{vip="api"}')
before_route=$(query 'sluice_route_requests_total{vip="api",route="/login"}')
query_by backend 'sluice_backend_requests_total{pool="app"}' >"$R/before.txt"
[ -n "$before" ] || e2e_fatal "no sluice_http_requests_total in Prometheus"
# the /login latency histograms' counts per instance (none yet: nothing asked for /login)
hist_counts() { query_by backend 'sluice_request_duration_seconds_count{vip="api",route="/login"}'; }
hist_counts >"$R/hbefore.txt"

lab_load http --host "$VIP" --path /login -n "$N" -c 8 --timeout 3 --deadline 90 \
	>"$R/load.json" || true
e2e_result "$N requests to http://$VIP/login" "$R/load.json" --instances be1,be2,be3
ok=$(jq -r '.ok' "$R/load.json")

want=$((before + ok))
if lab_wait 20 "Prometheus to see $want requests" \
	"[ \"\$(query 'sluice_http_requests_total{vip=\"api\"}')\" = $want ]"; then
	e2e_pass "Prometheus: sluice_http_requests_total{vip=\"api\"} rose by $ok, the requests the client got answered"
else
	e2e_fail "Prometheus: sluice_http_requests_total{vip=\"api\"} = $(query 'sluice_http_requests_total{vip="api"}'), expected $before + $ok"
fi
got=$(query 'sluice_route_requests_total{vip="api",route="/login"}')
if [ -n "$got" ] && [ $((got - before_route)) = "$ok" ]; then
	e2e_pass "Prometheus: route /login took $ok requests"
else
	e2e_fail "Prometheus: route /login took $((${got:-0} - ${before_route:-0})), expected $ok"
fi
query_by backend 'sluice_backend_requests_total{pool="app"}' >"$R/after.txt"
# per instance: the increase Prometheus has against what the client counted per answering backend
per=$(join -t= "$R/before.txt" "$R/after.txt" | awk -F= '{print $1 "=" ($3 - $2)}' | sort)
client=$(jq -r '.instances | to_entries[] | "\(.key)=\(.value)"' "$R/load.json" | sort)
if [ -n "$per" ] && [ "$per" = "$client" ]; then
	e2e_pass "Prometheus per instance = the client's per instance: $(echo $per)"
else
	e2e_fail "per instance: Prometheus $(echo $per), client $(echo $client)"
fi
# the request records' histograms: per instance as many requests as the client got
# answered by it (sluiced drains the records, Prometheus scrapes each second),
# and a median per instance from histogram_quantile within the client's own times
hist_sum() { hist_counts | awk -F= '{n += $2} END {print n + 0}'; }
hwant=$(($(awk -F= '{n += $2} END {print n + 0}' "$R/hbefore.txt") + ok))
lab_wait 20 "the histograms to count $hwant /login requests" "[ \"\$(hist_sum)\" = $hwant ]" || true
hist_counts >"$R/hafter.txt"
hper=$(awk -F= 'NR == FNR {b[$1] = $2; next} {print $1 "=" ($2 - b[$1])}' "$R/hbefore.txt" "$R/hafter.txt" | sort)
if [ -n "$hper" ] && [ "$hper" = "$client" ]; then
	e2e_pass "Prometheus: sluice_request_duration_seconds_count per instance = the client's: $(echo $hper)"
else
	e2e_fail "histogram counts per instance: Prometheus $(echo $hper), client $(echo $client)"
fi
p99_ms=$(jq -r '.p99_ms' "$R/load.json")
medians=$(query_by backend 'histogram_quantile(0.5, sum by (le, backend) (sluice_request_duration_seconds_bucket{vip="api",route="/login"}))')
# each median above 0 and at most twice the client's p99 (a bucket spans a power of two)
if [ "$(wc -l <<<"$medians")" = 3 ] && awk -F= -v lim="$p99_ms" '
	{ if (!($2 > 0 && $2 * 1000 <= 2 * lim)) bad = 1 } END { exit bad }' <<<"$medians"; then
	e2e_pass "Prometheus: histogram_quantile(0.5) per instance $(echo $medians) s, client p99 $p99_ms ms"
else
	e2e_fail "histogram_quantile(0.5) per instance: '$(echo $medians)', client p99 $p99_ms ms"
fi
# the exposition with the histograms filled: still what promtool accepts
if lb_curl "http://$METRICS/metrics" >"$R/metrics2.txt" &&
	grep -q '^sluice_request_duration_seconds_bucket{vip="api",route="/login",backend="be1",le="+Inf"} ' \
		"$R/metrics2.txt" && promtool check metrics <"$R/metrics2.txt" >"$R/promtool2.out" 2>&1; then
	e2e_pass "promtool check metrics, the histograms filled: no problem found"
else
	e2e_fail "the exposition with histograms: $(grep -m 3 'request_duration' "$R/metrics2.txt"; head -c 600 "$R/promtool2.out")"
fi
healthy=$(query_by backend 'sluice_backend_health{pool="app",state="healthy"}' | tr '\n' ' ')
if [ "$healthy" = "be1=1 be2=1 be3=1 " ]; then
	e2e_pass "Prometheus: be1-be3 healthy"
else
	e2e_fail "Prometheus: health $healthy"
fi
# an L4 VIP counts new flows: M short requests (each its own connection) through
# the tunnel VIP web (pool web: be4)
M=200
fbefore=$(query 'sluice_vip_flows_total{vip="web"}')
lab_load http --host "$LAB_VIP_WEB" -n "$M" -c 4 --timeout 3 --deadline 60 >"$R/l4.json" || true
e2e_result "$M requests through the tunnel VIP $LAB_VIP_WEB" "$R/l4.json" --instances be4
fok=$(jq -r '.ok' "$R/l4.json")
if lab_wait 20 "Prometheus to see $fok more flows of web" \
	"[ \"\$(query 'sluice_vip_flows_total{vip=\"web\"}')\" = $((fbefore + fok)) ]"; then
	e2e_pass "Prometheus: sluice_vip_flows_total{vip=\"web\"} rose by $fok, one flow per connection"
else
	e2e_fail "Prometheus: web flows $(query 'sluice_vip_flows_total{vip="web"}'), expected $fbefore + $fok"
fi

# a drain is published (the dataplane acks it): Prometheus sees both
lab_ctl drain app be3 >"$R/drain.out" 2>&1 || e2e_fail "drain app be3: $(cat "$R/drain.out")"
if lab_wait 20 "Prometheus to see be3 drained" \
	"[ \"\$(query 'sluice_backend_drained{pool=\"app\",backend=\"be3\"}')\" = 1 ] &&
	 [ \"\$(query 'sluice_publishes_total{result=\"acked\"}')\" -ge 1 ]"; then
	e2e_pass "Prometheus: be3 drained, its publication acked ($(query 'sluice_publish_ack_seconds_count') acked, last in $(query 'sluice_publish_last_ack_seconds') s)"
else
	e2e_fail "Prometheus: drained $(query 'sluice_backend_drained{pool="app",backend="be3"}'), acked $(query 'sluice_publishes_total{result="acked"}')"
fi
gen=$(query 'sluice_publish_generation')
up=$(query 'sluice_dataplane_up')
if [ "$up" = 1 ] && [ "${gen:-0}" -ge 2 ]; then
	e2e_pass "Prometheus: dataplane up, generation $gen"
else
	e2e_fail "Prometheus: dataplane_up $up, generation $gen"
fi
lab_ctl undrain app be3 >/dev/null 2>&1 || true
pid=$PROM_PID
prom_stop
if ! kill -0 "$pid" 2>/dev/null; then
	e2e_pass "Prometheus stopped"
else
	e2e_fail "Prometheus still running"
fi

# --- sluicectl top, one plain frame --------------------------------------------------------
if lab_ctl top --once --interval 0.2 >"$R/top.txt" 2>&1 &&
	grep -qE '^  api /login +[0-9.]+ +[0-9.]+ +- +-$' "$R/top.txt" &&
	grep -qE '^  be1 +app +[0-9.]+ ' "$R/top.txt"; then
	e2e_pass "sluicectl top --once: rows for api, /login and each instance"
else
	e2e_fail "sluicectl top --once: $(head -c 600 "$R/top.txt")"
fi

# --- DPDK telemetry of sluice-dp -----------------------------------------------------------
tele() { # CMD: the JSON answer of sluice-dp's telemetry socket to CMD
	echo "$1" | ip netns exec "$LAB_NS_LB" dpdk-telemetry.py -f "$LAB_DP_PREFIX" 2>/dev/null |
		sed -n 's/^--> //;/^{/p' | tail -n 1
}
tele /sluice/workers >"$R/t_workers.json" || true
rx=$(jq -r '.["/sluice/workers"].rx_packets[0] // empty' "$R/t_workers.json" 2>/dev/null || true)
shm_rx=$(lab_ctl stats --json | jq -r '.workers[0].rx_packets')
if [ -n "$rx" ] && [ "$rx" -gt 0 ] && [ "$rx" -le "$shm_rx" ]; then
	e2e_pass "telemetry /sluice/workers: worker 0 received $rx packets (sluicectl: $shm_rx)"
else
	e2e_fail "telemetry /sluice/workers: $(head -c 400 "$R/t_workers.json")"
fi
tele /sluice/vips >"$R/t_vips.json" || true
req=$(jq -r '.["/sluice/vips"] | .http_requests[.name | index("api")] // empty' "$R/t_vips.json" \
	2>/dev/null || true)
if [ -n "$req" ] && [ "$req" = "$want" ]; then
	e2e_pass "telemetry /sluice/vips: api read $req request heads, as Prometheus says"
else
	e2e_fail "telemetry /sluice/vips: api http_requests \"$req\", expected $want: $(head -c 400 "$R/t_vips.json")"
fi
tele /sluice/flows >"$R/t_flows.json" || true
if jq -e '.["/sluice/flows"] | (.flows_active | length) >= 1 and has("nat_connections_active")' \
	"$R/t_flows.json" >/dev/null 2>&1; then
	e2e_pass "telemetry /sluice/flows: $(jq -c '.["/sluice/flows"] | {flows_active, nat_connections_opened}' "$R/t_flows.json")"
else
	e2e_fail "telemetry /sluice/flows: $(head -c 400 "$R/t_flows.json")"
fi
e2e_end
