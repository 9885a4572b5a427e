# Benchmark 4b: publish-to-all-acked latency per publish, from perf/results/publish.json.
# Run from the repository root: gnuplot perf/plots/publish.gp
set terminal pngcairo size 1000,480 noenhanced font ",10"
set output "docs/img/publish.png"
f = "perf/results/publish.json"
p50 = real(system("jq .ack_latency_us.p50 " . f))
p99 = real(system("jq .ack_latency_us.p99 " . f))
info = system("jq -r '\"\\(.vips) VIPs x \\(.backends_per_vip) backends, M=\\(.maglev_size), slot \\(.slot_bytes / 1048576 | floor) MiB; \\(.during_publishes.mpps) Mpps forwarded during the publishes, drops \\(.during_publishes.drops_total)\"' " . f)
set title "Publish -> every worker acked (sluice-dp, 1 worker, forwarding flat out)\n" . info
set xlabel "publish"
set ylabel "latency, ms"
set grid
set yrange [0:*]
set key top right
plot "< jq -r '.ack_latency_us_in_order[]' " . f using 0:($1/1000) with points pt 7 ps 0.4 title "each publish", \
     p50/1000 with lines lw 2 title sprintf("p50 %.1f ms", p50/1000), \
     p99/1000 with lines lw 2 dt 2 title sprintf("p99 %.1f ms", p99/1000)
