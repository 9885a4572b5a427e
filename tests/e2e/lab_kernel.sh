#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Self-test of the lab and its clients without sluice: the lb namespace is a
# kernel ECMP router (L4 hash) towards the three backends, the same path as
# dsr mode. If this fails, the harness is broken, not the load balancer. It
# also checks that lab_down leaves nothing behind.
E2E_NAME=lab_kernel
. "$(dirname "$0")/e2e_lib.sh"
e2e_begin k

lab_up kernel || e2e_fatal "lab_up kernel"
R=$LAB_DIR

lab_load http --host "$LAB_VIP_WEB" -n 3000 -c 16 --deadline 60 >"$R/http4.json" || true
e2e_result "kernel ECMP IPv4: 3000 short requests" "$R/http4.json" \
	--instances be1,be2,be3 --share 0.3333 --tolerance 0.10

lab_load http --host "$LAB_VIP_WEB6" -n 3000 -c 16 --deadline 60 >"$R/http6.json" || true
e2e_result "kernel ECMP IPv6: 3000 short requests" "$R/http6.json" \
	--instances be1,be2,be3 --share 0.3333 --tolerance 0.10

lab_load keepalive --host "$LAB_VIP_WEB" -n 300 --deadline 30 >"$R/ka.json" || true
e2e_result "keep-alive: 300 requests on one connection, one instance" "$R/ka.json" --one-instance

lab_load udp --host "$LAB_VIP_UDP" --port "$LAB_UDP_PORT" -n 600 --deadline 30 >"$R/udp.json" || true
e2e_result "UDP: 600 datagrams, one reply each" "$R/udp.json" \
	--instances be1,be2,be3 --share 0.3333 --tolerance 0.10

# The checker itself must be able to fail: a result missing an instance.
echo '{"mode":"http","requests":10,"ok":10,"failed":0,"instances":{"be1":10},"errors":{},"elapsed_s":1}' \
	>"$R/skewed.json"
if "$LAB_PY" "$LAB_LOAD" check "$R/skewed.json" --instances be1,be2,be3 --share 0.3333 >/dev/null; then
	e2e_fail "checker accepted a result where one instance took everything"
else
	e2e_pass "checker refuses a skewed result"
fi

lab_down
left=$(ip netns list | grep -c "^$SL_LAB-" || true)
if [ "$left" = 0 ] && [ ! -e "$LAB_DIR" ]; then
	e2e_pass "lab_down removed every namespace and $LAB_DIR"
else
	e2e_fail "lab_down left $left namespaces ($(ip netns list | grep "^$SL_LAB-" | tr '\n' ' '))"
fi
e2e_end
