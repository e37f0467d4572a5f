-- wrk script for scripts/bench-relay.sh: POST a valid envelope over and over, each request
-- with its own bytes (the last 16 bytes of the payload carry a counter, so every request is
-- a new envelope id that the relay must store, not a duplicate it answers from its index)
-- and its own proof-of-work token; count 202 answers separately from everything else, print
-- one RESULT line (and, with BENCH_QUANTILES, write the latency quantiles to that file).
local path = os.getenv("BENCH_BODY")
local f = assert(io.open(path, "rb"), "cannot open BENCH_BODY")
local body = f:read("*a")
f:close()
local prefix = body:sub(1, #body - 16)

local tokens = {}
local tokens_path = os.getenv("BENCH_TOKENS")
if tokens_path then
    for line in io.lines(tokens_path) do tokens[#tokens + 1] = line end
end

local threads = {}
local thread_count = 0

function setup(thread)
    thread:set("thread_index", thread_count)
    thread_count = thread_count + 1
    table.insert(threads, thread)
end

function init(args)
    accepted = 0
    other = 0
    other_codes = ""
    sent = 0
    stride = tonumber(os.getenv("BENCH_THREADS") or "1")
    run_tag = os.getenv("BENCH_RUN") or "0"
end

function request()
    sent = sent + 1
    local headers = { ["Content-Type"] = "application/octet-stream" }
    local n = thread_index + (sent - 1) * stride + 1
    if tokens[n] then headers["Seal-PoW"] = tokens[n] end
    local tag = string.format("%04d%02d%010d", tonumber(run_tag) % 10000, thread_index, sent)
    return wrk.format("POST", nil, headers, prefix .. tag)
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
    -- Latency quantiles (0.1% apart) for merge_results.py, which merges concurrent runs.
    local quantiles = os.getenv("BENCH_QUANTILES")
    if quantiles and quantiles ~= "" then
        local q = assert(io.open(quantiles, "w"))
        for i = 1, 1000 do q:write(string.format("%d\n", latency:percentile(i / 10))) end
        q:close()
    end
    local e = summary.errors
    io.write(string.format(
        "RESULT requests=%d accepted=%d other=%d other_codes=%s duration_us=%d p50_us=%d p99_us=%d max_us=%d " ..
        "err_connect=%d err_read=%d err_write=%d err_timeout=%d\n",
        summary.requests, a, o, codes, summary.duration, latency:percentile(50), latency:percentile(99),
        latency.max, e.connect, e.read, e.write, e.timeout))
end
