-- wrk script for scripts/bench.sh: one file, the scenario chosen by BENCH_MODE.
--
--   trend       GET /v1/patients/{random}/trend            (default: the last 90 days)
--   risk        GET /v1/patients/{random}/risk
--   cohort      GET /v1/risk?level=moderate                (as the clinician)
--   pain_one    POST one pain entry to a random patient, a fresh client id each time
--   pain_batch  POST {"entries": [...]} of BENCH_BATCH entries, fresh ids
--   mixed       the soak: a weighted mix of all of the above (BENCH_BATCH entries a batch)
--
-- Environment: BENCH_TOKEN (admin bearer token), BENCH_CLINICIAN_TOKEN (for cohort),
-- BENCH_PATIENT_FILE (one patient id a line), BENCH_BATCH (default 100),
-- BENCH_RUN (a number that differs between wrk runs, part of every generated id).
--
-- done() prints one line "WRK_RESULT key=value ..." (latencies in microseconds) that
-- bench.sh parses; wrk's own report is printed too.

local mode = os.getenv("BENCH_MODE") or "trend"
local token = os.getenv("BENCH_TOKEN") or ""
local clinician_token = os.getenv("BENCH_CLINICIAN_TOKEN") or token
local batch_size = tonumber(os.getenv("BENCH_BATCH") or "100")
local run_id = tonumber(os.getenv("BENCH_RUN") or "0")

local patients = {}
for line in io.lines(os.getenv("BENCH_PATIENT_FILE") or "patients.txt") do
    if #line > 0 then
        patients[#patients + 1] = line
    end
end

-- setup() runs in the main Lua state once per wrk thread: number the threads so every
-- thread makes its own ids.
local thread_count = 0
function setup(thread)
    thread_count = thread_count + 1
    thread:set("tid", thread_count)
end

local admin_headers, clinician_headers, post_headers
local counter = 0
local id_prefix
local recent = {} -- timestamps of the last 24 hours (single entries)
local month = {}  -- timestamps of the last 30 days (offline-sync batches)
local trend_requests, risk_requests, cohort_request = {}, {}, nil
local locations = { '["lower_back"]', '["lower_back","left_leg"]', '["neck"]',
                    '["lower_back","left_leg","neck"]' }
local evoked = { '[]', '[]', '[]', '[]', '[]', '[]', '["light_touch"]', '["movement"]' }

function init(args)
    local t = tid or 0
    math.randomseed(os.time() + 7919 * t + 104729 * run_id)
    -- 8-4-4-4-12 lowercase hex, version 4 and variant 8 nibbles in place: the start
    -- (time, run, thread) is fixed for this thread, the end is a counter.
    id_prefix = string.format("%08x-%04x-4%03x-8", os.time() % 4294967296, run_id % 65536,
                              t % 4096)
    local now = os.time()
    for i = 1, 1440 do
        recent[i] = os.date("!%Y-%m-%dT%H:%M:%SZ", now - 60 * i - math.random(0, 59))
    end
    for i = 1, 2000 do
        month[i] = os.date("!%Y-%m-%dT%H:%M:%SZ", now - math.random(3600, 30 * 86400))
    end
    admin_headers = { ["Authorization"] = "Bearer " .. token }
    clinician_headers = { ["Authorization"] = "Bearer " .. clinician_token }
    post_headers = { ["Authorization"] = "Bearer " .. token,
                     ["Content-Type"] = "application/json" }
    -- GET requests are the same every time for a patient: build them once.
    for i, p in ipairs(patients) do
        trend_requests[i] = wrk.format("GET", "/v1/patients/" .. p .. "/trend", admin_headers)
        risk_requests[i] = wrk.format("GET", "/v1/patients/" .. p .. "/risk", admin_headers)
    end
    cohort_request = wrk.format("GET", "/v1/risk?level=moderate", clinician_headers)
end

local function next_id()
    counter = counter + 1
    return string.format("%s%03x-%012x", id_prefix, 0, counter)
end

local function entry(stamps)
    return string.format(
        '{"id":"%s","recorded_at":"%s","score":%d,"enjoyment":%d,"activity":%d,' ..
        '"locations":%s,"qualities":["aching"],"evoked_by":%s}',
        next_id(), stamps[math.random(#stamps)], math.random(0, 10), math.random(0, 10),
        math.random(0, 10), locations[math.random(#locations)], evoked[math.random(#evoked)])
end

local function post(body)
    local p = patients[math.random(#patients)]
    return wrk.format("POST", "/v1/patients/" .. p .. "/pain-entries", post_headers, body)
end

local function pain_one()
    return post(entry(recent))
end

local function pain_batch(n)
    local parts = {}
    for i = 1, n do
        parts[i] = entry(month)
    end
    return post('{"entries":[' .. table.concat(parts, ",") .. "]}")
end

local function trend()
    return trend_requests[math.random(#trend_requests)]
end

local function risk()
    return risk_requests[math.random(#risk_requests)]
end

local function cohort()
    return cohort_request
end

-- The soak's mix: mostly reads, as apps and dashboards would send.
local function mixed()
    local r = math.random(100)
    if r <= 35 then
        return trend()
    elseif r <= 55 then
        return risk()
    elseif r <= 65 then
        return cohort()
    elseif r <= 95 then
        return pain_one()
    end
    return pain_batch(batch_size)
end

local modes = {
    trend = trend,
    risk = risk,
    cohort = cohort,
    pain_one = pain_one,
    pain_batch = function() return pain_batch(batch_size) end,
    mixed = mixed,
}
request = modes[mode] or error("unknown BENCH_MODE " .. mode)

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "WRK_RESULT mode=%s requests=%d duration_us=%d bytes=%d p50_us=%d p90_us=%d " ..
        "p99_us=%d max_us=%d mean_us=%d err_connect=%d err_read=%d err_write=%d " ..
        "err_status=%d err_timeout=%d\n",
        mode, summary.requests, summary.duration, summary.bytes, latency:percentile(50),
        latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
        e.connect, e.read, e.write, e.status, e.timeout))
end
