-- VAPIX port.cgi toggles for wrk, each request with a Digest answer computed beforehand.
-- One connection per thread; thread N sends the lines of <folder>/N.txt in order, each
-- "<request target>\t<Authorization value>", so its nonce count rises as the device expects.
-- done() prints one JSON line with what the bench needs.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

local answers = {}
local sent = 0
exhausted = 0

function init(args)
  for line in io.lines(args[1] .. "/" .. id .. ".txt") do
    local target, authorization = line:match("^([^\t]+)\t(.+)$")
    answers[#answers + 1] = wrk.format("GET", target, { Authorization = authorization })
  end
end

function request()
  sent = sent + 1
  if sent > #answers then
    -- Out of answers: stop, and say so (the replayed answer the device refuses is counted too).
    exhausted = 1
    wrk.thread:stop()
    sent = #answers
  end
  return answers[sent]
end

function done(summary, latency, requests)
  local errors = summary.errors
  local out_of_answers = 0
  for _, thread in ipairs(threads) do
    out_of_answers = out_of_answers + thread:get("exhausted")
  end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, '
      .. '"non_2xx": %d, "socket_errors": %d, "out_of_answers": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, errors.status, errors.connect + errors.read + errors.write + errors.timeout,
    out_of_answers
  ))
end
