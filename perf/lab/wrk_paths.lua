-- SPDX-License-Identifier: BSD-3-Clause
--
-- wrk script for perf/bench_lab.sh's HTTP routing paths: wrk thread i sends
-- every request of its connections to path i of the script's arguments
-- (`wrk -t2 ... -s wrk_paths.lua URL -- /login /profile`: thread 1 /login,
-- thread 2 /profile, a thread past the list starts it again), so each
-- keep-alive connection stays on one route. The request stays static (wrk
-- formats it once per thread) and the report is wrk_report.lua's.

local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "wrk_report.lua")

local threads = 0

setup = function(thread)
	threads = threads + 1
	thread:set("slot", threads)
end

init = function(args)
	if #args > 0 then
		wrk.path = args[(slot - 1) % #args + 1]
	end
end
