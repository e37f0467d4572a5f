-- wrk script for scripts/bench-relay.sh: POST the same valid envelope over and over,
-- count 202 answers separately from everything else, print one RESULT line.
local path = os.getenv("BENCH_BODY")
local f = assert(io.open(path, "rb"), "cannot open BENCH_BODY")
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/octet-stream"

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    accepted = 0
    other = 0
    other_codes = ""
end

function response(status, headers, body)
    if status == 202 then
        accepted = accepted + 1
    else
        other = other + 1
        if #other_codes < 40 then other_codes = other_codes .. status .. "," end
    end
end

function done(summary, latency, requests)
    local a, o, codes = 0, 0, ""
    for _, t in ipairs(threads) do
        a = a + t:get("accepted")
        o = o + t:get("other")
        codes = codes .. t:get("other_codes")
    end
    if codes == "" then codes = "-" end
    local e = summary.errors
    io.write(string.format(
        "RESULT requests=%d accepted=%d other=%d other_codes=%s duration_us=%d p50_us=%d p99_us=%d max_us=%d " ..
        "err_connect=%d err_read=%d err_write=%d err_timeout=%d\n",
        summary.requests, a, o, codes, summary.duration, latency:percentile(50), latency:percentile(99),
        latency.max, e.connect, e.read, e.write, e.timeout))
end
