# Benchmark 3: instructions per packet by stage (stacked), from perf/results/ipp.json.
# Run from the repository root: gnuplot perf/plots/ipp.gp
set terminal pngcairo size 1700,560 noenhanced font ",10"
set output "docs/img/ipp.png"
set title "Instructions per packet by stage (callgrind, dp_worker_process, bursts of 32)"
set ylabel "instructions / packet"
set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border -1
set boxwidth 0.7
set key outside right top
set xtics rotate by -30
set grid ytics
stages = "rx parse vip_lookup flow_hash flow_table maglev flow_insert rewrite tx synproxy cookie http http_parse route other"
colors = "#7f7f7f #1f77b4 #aec7e8 #ff7f0e #ffbb78 #2ca02c #98df8a #d62728 #9467bd #8c564b #e377c2 #17becf #9edae5 #bcbd22 #c5b0d5"
data = "< jq -r '.results[] | [.scenario, .stages_per_packet.rx, .stages_per_packet.parse, .stages_per_packet.vip_lookup, .stages_per_packet.flow_hash, .stages_per_packet.flow_table, .stages_per_packet.maglev, .stages_per_packet.flow_insert, .stages_per_packet.rewrite, .stages_per_packet.tx, .stages_per_packet.synproxy, .stages_per_packet.cookie, .stages_per_packet.http, .stages_per_packet.http_parse, .stages_per_packet.route, .stages_per_packet.other] | @tsv' perf/results/ipp.json"
plot for [i=2:16] data using i:xtic(1) title word(stages, i-1) lc rgb word(colors, i-1)
