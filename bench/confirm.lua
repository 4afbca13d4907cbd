-- wrk script: POST /tasks/{id}/confirm, each task once. BENCH_IDS names a file of task ids (one
-- per line); thread i of BENCH_THREADS takes every BENCH_THREADS-th id. BENCH_TOKEN is the
-- creator's access token. When a thread runs out of ids it repeats its last one (a 409).
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  ids = {}
  next_id = 0
  local n = tonumber(os.getenv("BENCH_THREADS"))
  local i = 0
  for line in io.lines(os.getenv("BENCH_IDS")) do
    if i % n == tid then table.insert(ids, line) end
    i = i + 1
  end
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
end

function request()
  next_id = next_id + 1
  local id = ids[next_id] or ids[#ids]
  return wrk.format("POST", "/api/v1/tasks/" .. id .. "/confirm")
end
