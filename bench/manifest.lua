-- wrk script for bench/manifest.sh.
--
-- BENCH_MODE=manifest: `GET /api/v1/player/manifest` as a different screen each request: the device tokens of
--   BENCH_TOKENS (one per line, `TOKEN<TAB>SCREEN_ID`) are used round robin, each thread starting elsewhere.
--   BENCH_GZIP=1 adds `Accept-Encoding: gzip` (what browsers send).
-- BENCH_MODE=trivial: plain `GET` of the URL (the trivial handler).
-- At the end one line `BENCH_RESULT key=value ...` is printed for bench/manifest.sh to parse.

local mode = os.getenv("BENCH_MODE") or "manifest"
local gzip = os.getenv("BENCH_GZIP") == "1"
local tokens = {}
local i = 0
local next_id = 1

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
end

function init(args)
  if mode ~= "manifest" then return end
  local path = os.getenv("BENCH_TOKENS")
  local f = assert(io.open(path, "r"), "cannot open BENCH_TOKENS " .. tostring(path))
  for line in f:lines() do
    local t = line:match("^([^\t]+)")
    if t then table.insert(tokens, t) end
  end
  f:close()
  assert(#tokens > 0, "no tokens in " .. path)
  i = math.floor((thread_id or 1) * #tokens / 7) % #tokens
end

function request()
  if mode ~= "manifest" then
    return wrk.format("GET", wrk.path)
  end
  i = i % #tokens + 1
  local headers = { ["Authorization"] = "Bearer " .. tokens[i] }
  if gzip then headers["Accept-Encoding"] = "gzip" end
  return wrk.format("GET", wrk.path, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d bytes=%d duration_us=%d connect_errors=%d read_errors=%d write_errors=%d " ..
    "status_errors=%d timeouts=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.bytes, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
