-- admit(max, nGood, [leaseId, fa, fb, priority, json]..., nBad, [leaseId]..., malformed):
-- start entries parsed in Node are queued through the filter and their start leases
-- deleted in the same step; then up to max requests are leased, as in next.lua.
-- Reply: same layout as next.lua.
local max = tonumber(ARGV[A0 + 1])
local now = now_ms()
local i = A0 + 2
local nGood = tonumber(ARGV[i])
local admitted, filtered = 0, 0
for _ = 1, nGood do
  -- a start lease that is gone was reclaimed meanwhile: its entry is back in start_urls
  if redis.call('HDEL', MY_LEASES, ARGV[i + 1]) == 1 then
    if enqueue_req(ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]) then
      admitted = admitted + 1
    else
      filtered = filtered + 1
    end
  end
  i = i + 5
end
i = i + 1
local nBad = tonumber(ARGV[i])
for j = 1, nBad do redis.call('HDEL', MY_LEASES, ARGV[i + j]) end
i = i + nBad + 1
stat('start_urls/malformed', tonumber(ARGV[i]))
stat('start_urls/admitted', admitted)
stat('scheduler/enqueued', admitted)
stat('dupefilter/filtered', filtered)
if nGood > 0 then redis.call('HSET', K_META, 'seeded', '1') end

local out = {}
lease_queue(max, out)
local reply = counts(now)
reply[7] = 0
for _, v in ipairs(out) do reply[#reply + 1] = v end
return reply
