-- sysbench's oltp_read_write, unchanged, with each transaction's start (epoch seconds) and
-- latency (ms) appended to $RD_LATENCY_LOG.<thread>, so that bench/impact/run can take the
-- percentiles of exactly the transactions that ran during a purge.
dofile("/usr/share/sysbench/oltp_read_write.lua")

local ffi = require("ffi")
ffi.cdef [[
  struct rd_timespec { long tv_sec; long tv_nsec; };
  int clock_gettime(int clock, struct rd_timespec *tp);
]]
local ts = ffi.new("struct rd_timespec")
local function now()
  ffi.C.clock_gettime(0, ts) -- CLOCK_REALTIME: comparable with the purge's `date +%s.%N`
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

local inner_thread_init, inner_event, inner_thread_done = thread_init, event, thread_done
local log

function thread_init()
  inner_thread_init()
  log = assert(io.open(os.getenv("RD_LATENCY_LOG") .. "." .. sysbench.tid, "w"))
end

function event()
  local started = now()
  inner_event()
  log:write(string.format("%.6f %.3f\n", started, (now() - started) * 1000))
end

function thread_done()
  log:close()
  inner_thread_done()
end
