-- wrk script for bench/range.sh.
--
-- BENCH_MODE=range (default): each request is `GET PATH` with `Range: bytes=START-END` for a random, 1 MiB long
--   range inside a file of BENCH_FILE_SIZE bytes. The generator is seeded per thread with a fixed seed, so both
--   servers are asked for the same sequence of ranges.
-- BENCH_MODE=full: each request is a plain `GET PATH` of the whole file.
-- At the end one line `BENCH_RESULT key=value ...` is printed for bench/range.sh to parse.

local mode = os.getenv("BENCH_MODE") or "range"
local size = tonumber(os.getenv("BENCH_FILE_SIZE") or "0")
local chunk = tonumber(os.getenv("BENCH_RANGE_BYTES") or "1048576")

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(1000 + (thread_id or 0))
  if mode == "range" and (size == nil or size <= chunk) then
    error("BENCH_FILE_SIZE must be larger than BENCH_RANGE_BYTES")
  end
end

function request()
  if mode == "full" then
    return wrk.format("GET", wrk.path)
  end
  local start = math.random(0, size - chunk)
  local headers = { ["Range"] = "bytes=" .. start .. "-" .. (start + chunk - 1) }
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
