-- wrk script for bench/reports_intake.py: unique invented reports, each with its own Idempotency-Key;
-- counts 201 (stored and acknowledged) responses across threads.
local threads = {}
tid = 0  -- a global: thread:set() writes globals in each thread

function setup(thread)
  tid = tid + 1
  thread:set("tid", tid)
  table.insert(threads, thread)
end

function init(args)
  key = args[1]
  created, other, n = 0, 0, 0
  math.randomseed(os.time() * 100 + tid)
end

local categories = {"cyberbullying", "fraud", "privacy", "bullying", "scam", "asking_for_photos"}
-- invented, everyday report texts; the unique part of each report is its URL and key, not its text
local texts = {
  "they keep posting mean comments about me under every photo",
  "a message says I won a prize and asks for my password",
  "someone shared where I go to school in a group chat",
  "an account I do not know keeps sending me messages at night",
  "a video in my feed showed something violent and scary",
  "people in my class made a group to laugh at me",
}
local countries = {"TR", "AZ", "IR", "FR"}

function request()
  n = n + 1
  local id = string.format("%d-%d-%d", tid, n, math.random(1, 1000000000))
  local url = (n % 10 == 0) and tostring(n % 500) or id  -- one in ten repeats a URL: dedup at work
  local body = string.format(
    '{"category":"%s","description":"%s","urls":["https://social.example.com/post/%s"],' ..
    '"country":"%s","reporter_kind":"platform","good_faith":true,' ..
    '"notifier":{"name":"Bench Platform trust and safety","email":"notices@platform.example"}}',
    categories[(n % #categories) + 1], texts[(n % #texts) + 1], url, countries[(n % #countries) + 1])
  return wrk.format("POST", "/v1/reports", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. key, ["Idempotency-Key"] = id}, body)
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  else
    other = other + 1
    last_error = status .. " " .. string.sub(body or "", 1, 200)
  end
end

function done(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    o = o + t:get("other")
    if t:get("last_error") then io.write("ERROR " .. t:get("last_error") .. "\n") end
  end
  io.write(string.format("RESULT %d %d %.1f %.1f %.3f\n", c, o, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.duration / 1e6))
end
