-- wrk script: GET /api/v1/tasks from a random point inside the loaded area, so that no two
-- requests share a query. Environment: BENCH_TOKEN, BENCH_RADIUS (m), BENCH_SORT,
-- BENCH_LAT/BENCH_LNG (centre), BENCH_SPREAD_DEG (half-side of the query square in degrees).
local token = os.getenv("BENCH_TOKEN")
local radius = os.getenv("BENCH_RADIUS") or "2000"
local sort = os.getenv("BENCH_SORT") or "distance"
local lat0 = tonumber(os.getenv("BENCH_LAT") or "52.52")
local lng0 = tonumber(os.getenv("BENCH_LNG") or "13.405")
local spread = tonumber(os.getenv("BENCH_SPREAD_DEG") or "0.06")

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed or os.time())
end

request = function()
  local lat = lat0 + (math.random() * 2 - 1) * spread
  local lng = lng0 + (math.random() * 2 - 1) * spread * 1.6
  local path = string.format("/api/v1/tasks?lat=%.6f&lng=%.6f&radius=%s&sort=%s&limit=50", lat,
    lng, radius, sort)
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end

local non200 = 0
response = function(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
    if non200 <= 3 then io.stderr:write("status " .. status .. ": " .. body .. "\n") end
  end
end
