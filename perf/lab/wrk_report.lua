-- SPDX-License-Identifier: BSD-3-Clause
--
-- wrk script for perf/bench_lab.sh: prints one line "SLWRK {json}" when the
-- run ends, with the request count, the run's length and the latency
-- percentiles as wrk measured them (microseconds). Short connections are
-- asked for with wrk's own -H "Connection: close" (wrk reconnects after every
-- response), so this script only reports.

done = function(summary, latency, requests)
	local e = summary.errors
	local secs = summary.duration / 1e6
	io.write(string.format(
		'SLWRK {"requests":%d,"duration_s":%.3f,"rps":%.1f,"bytes":%d,' ..
		'"latency_us":{"mean":%.1f,"stdev":%.1f,"min":%d,"max":%d,' ..
		'"p50":%d,"p90":%d,"p99":%d,"p999":%d},' ..
		'"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
		summary.requests, secs, summary.requests / secs, summary.bytes,
		latency.mean, latency.stdev, latency.min, latency.max,
		latency:percentile(50), latency:percentile(90),
		latency:percentile(99), latency:percentile(99.9),
		e.connect, e.read, e.write, e.status, e.timeout))
end
