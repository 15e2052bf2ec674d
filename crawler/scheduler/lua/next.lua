-- next(max): reclaim dead workers' leases, promote due retries, lease up to max
-- requests (or raw start entries when the queue is empty), renew this worker.
-- Reply: {queue, delayed, nextDue, leases, startUrls, seeded, reclaimed, id, kind, payload, ...}
local max = tonumber(ARGV[A0 + 1])
local now = now_ms()
check_types()
redis.call('ZADD', K_WORKERS, int(now + LEASE_MS), WID)

-- Workers whose deadline passed: their leases go back (queue entries at the head,
-- start entries to start_urls). Bounded per call; the next call takes the rest.
local reclaimed = 0
for _, w in ipairs(redis.call('ZRANGEBYSCORE', K_WORKERS, '-inf', '(' .. int(now), 'LIMIT', 0, 16)) do
  reclaimed = reclaimed + release_worker(w)
end
stat('leases/reclaimed', reclaimed)

-- Due retries: delayed member = '<queue score>|<queue member>', ZSET score = due time.
for _, m in ipairs(redis.call('ZRANGEBYSCORE', K_DELAYED, '-inf', int(now), 'LIMIT', 0, 1000)) do
  local score, member = string.match(m, '^([^|]*)|(.*)$')
  push_entry(score, member, false)
  redis.call('ZREM', K_DELAYED, m)
end

local out = {}
local got = lease_queue(max, out)
if got < max and queue_len() == 0 then
  local n = max - got
  local r
  if START_SET then r = redis.call('SPOP', K_START, n) else r = redis.call('LPOP', K_START, n) end
  if r and #r > 0 then
    local last = redis.call('INCRBY', K_SEQ, #r)
    for j, raw in ipairs(r) do
      local id = int(last - #r + j)
      redis.call('HSET', MY_LEASES, id, 's|0|' .. raw)
      out[#out + 1] = id
      out[#out + 1] = 's'
      out[#out + 1] = raw
    end
  end
end

local reply = counts(now)
reply[7] = reclaimed
for _, v in ipairs(out) do reply[#reply + 1] = v end
return reply
