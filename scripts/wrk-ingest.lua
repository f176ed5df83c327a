-- wrk script for POST /api/v1/data/ingest: every request carries a distinct
-- (sensor, timestamp) key, so the server really inserts each reading.
-- 100 sensors; thread t uses microsecond t inside each second; the second
-- advances every 100 requests of a thread, starting two hours ago.
local threads = {}
local counter = 0
id = 0 -- global: setup() gives each thread its own with thread:set
local base = os.time() - 7200

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. (os.getenv("SMARTMAINT_API_KEY") or "")
end

function request()
  local sensor = counter % 100
  local sec = base + math.floor(counter / 100)
  counter = counter + 1
  local ts = os.date("!%Y-%m-%dT%H:%M:%S", sec) .. string.format(".%06dZ", id)
  local body = string.format('{"sensor_id":"wrk-%03d","value":%d.25,"timestamp":"%s"}', sensor, counter % 1000, ts)
  return wrk.format(nil, "/api/v1/data/ingest", nil, body)
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx or failed responses: %d\n", summary.errors.status))
  for _, p in pairs({50, 90, 99, 99.9}) do
    io.write(string.format("latency p%g: %.2f ms\n", p, latency:percentile(p) / 1000))
  end
end
