-- wrk script for bench/console.sh: `GET` of the URL with the session cookie of BENCH_COOKIE (empty: none, the
-- trivial handler). At the end one line `BENCH_RESULT key=value ...` is printed for the script to parse.

local cookie = os.getenv("BENCH_COOKIE") or ""

function request()
  if cookie == "" then
    return wrk.format("GET", wrk.path)
  end
  return wrk.format("GET", wrk.path, { ["Cookie"] = cookie, ["Accept-Language"] = "en" })
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d bytes=%d duration_us=%d connect_errors=%d read_errors=%d write_errors=%d " ..
    "status_errors=%d timeouts=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.bytes, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
