-- complete(nOutcomes, outcome..., nStats, [name, delta]...). Outcomes:
--   done    leaseId nReq [fa fb priority json]...
--   retry   leaseId delayMs priority json
--   failed  leaseId field json
--   release leaseId
--   redirect leaseId fa fb priority json   (the redirect target, through the filter)
-- An outcome whose lease is gone (reclaimed after a stall, or a repeated complete after
-- a lost reply) is skipped: the request is already back in the queue or already done.
-- Reply: {queued, filtered, stale}
check_types()
local now = now_ms()
local i = A0 + 1
local n = tonumber(ARGV[i])
local queued, filtered, stale, redirected = 0, 0, 0, 0
for _ = 1, n do
  local kind, id = ARGV[i + 1], ARGV[i + 2]
  i = i + 2
  local v = redis.call('HGET', MY_LEASES, id)
  if v then redis.call('HDEL', MY_LEASES, id) else stale = stale + 1 end
  if kind == 'done' then
    local nr = tonumber(ARGV[i + 1])
    i = i + 1
    if v then
      local q, f
      q, f, i = enqueue_args(i, nr)
      queued, filtered = queued + q, filtered + f
    else
      i = i + 4 * nr
    end
  elseif kind == 'retry' then
    if v then
      local seq = redis.call('INCR', K_SEQ)
      local member = queue_score(ARGV[i + 2], seq) .. '|' .. int(seq) .. '|' .. ARGV[i + 3]
      redis.call('ZADD', K_DELAYED, int(now + tonumber(ARGV[i + 1])), member)
    end
    i = i + 3
  elseif kind == 'failed' then
    if v then redis.call('HSET', K_FAILED, ARGV[i + 1], ARGV[i + 2]) end
    i = i + 2
  elseif kind == 'redirect' then
    if v then
      if enqueue_req(ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]) then
        queued = queued + 1
      else
        filtered, redirected = filtered + 1, redirected + 1
      end
    end
    i = i + 4
  elseif kind == 'release' then
    if v then requeue_lease(v) end
  else
    error('crawl-lab complete: unknown outcome kind ' .. tostring(kind))
  end
end
stat('scheduler/enqueued', queued)
stat('dupefilter/filtered', filtered)
stat('leases/stale', stale)
stat('redirect/filtered', redirected)
i = i + 1
for _ = 1, tonumber(ARGV[i]) do
  local name, delta = ARGV[i + 1], ARGV[i + 2]
  if string.find(delta, '[.eE]') then
    redis.call('HINCRBYFLOAT', K_STATS, name, delta)
    redis.call('HINCRBYFLOAT', K_STATS, 'worker/' .. WID .. '/' .. name, delta)
  else
    stat(name, tonumber(delta))
  end
  i = i + 2
end
return { queued, filtered, stale }
