-- wrk script of bench/run.py.
--
-- At the end of a run, prints one line "BENCH {json}" with what bench/run.py reads: requests,
-- duration, errors (socket errors and non-2xx/3xx answers) and latency percentiles in µs.
--
-- When the environment variable BENCH_MIX is set, each connection cycles through the requests
-- it lists, one per line: "<path> <Cookie header value, or nothing>" (the mixed run of the
-- second half, where every page is asked for in turn).

local mix = os.getenv("BENCH_MIX")

if mix then
  local prepared = {}
  local index = 0

  function init(args)
    for line in mix:gmatch("[^\n]+") do
      local path, cookie = line:match("^(%S+)%s*(.*)$")
      local headers = {}
      if cookie ~= "" then
        headers["Cookie"] = cookie
      end
      table.insert(prepared, wrk.format("GET", path, headers))
    end
  end

  function request()
    index = index % #prepared + 1
    return prepared[index]
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "socket_errors": %d, "status_errors": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, errors.connect + errors.read + errors.write + errors.timeout,
    errors.status, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
