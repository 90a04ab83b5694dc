-- wrk script for bench/portal.sh: `GET` as a browser asks (Accept-Encoding: gzip). When BENCH_QUERIES is set
-- (queries separated by `|`, already URL-encoded), each request searches the next query in turn. At the end one
-- line `BENCH_RESULT key=value ...` is printed for the script to parse.

local queries = {}
for q in string.gmatch(os.getenv("BENCH_QUERIES") or "", "[^|]+") do
  queries[#queries + 1] = q
end
local i = 0

function request()
  local path = wrk.path
  if #queries > 0 then
    i = i + 1
    path = path .. queries[(i % #queries) + 1]
  end
  return wrk.format("GET", path, { ["Accept-Encoding"] = "gzip" })
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d bytes=%d duration_us=%d connect_errors=%d read_errors=%d write_errors=%d " ..
    "status_errors=%d timeouts=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.bytes, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
