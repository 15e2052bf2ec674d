-- drop(mode, firstBatch, key...): delete crawl state, guarded in the same atomic step.
--   mode 'flush'    (schedulerFlushOnStart): only if no OTHER live worker is registered.
--   mode 'finished' (schedulerPersist=false): only if the crawl is finished.
-- firstBatch = '1' also deletes the fixed keys; the extra keys are dupefilter buckets
-- found by SCAN in Node (deleted in batches, each batch re-checking the guard).
-- Stats, failed requests and start_urls are kept. Reply: 1 done, 0 refused.
local mode, first = ARGV[A0 + 1], ARGV[A0 + 2]
local now = now_ms()
if mode == 'flush' then
  for _, w in ipairs(redis.call('ZRANGEBYSCORE', K_WORKERS, int(now), '+inf')) do
    if w ~= WID then return 0 end
  end
elseif not is_finished(counts(now)) then
  return 0
end
if first == '1' then
  redis.call('DEL', K_QUEUE, K_DELAYED, K_SEQ)
  for s = 0, BLOOM_SHARDS - 1 do redis.call('DEL', K_BLOOM .. ':' .. s) end
  if mode == 'flush' then
    -- a fresh crawl: dead workers' leases belong to the old queue
    for _, w in ipairs(redis.call('ZRANGE', K_WORKERS, 0, -1)) do
      if w ~= WID then redis.call('DEL', K_LEASES .. ':' .. w) end
    end
    redis.call('ZREMRANGEBYSCORE', K_WORKERS, '-inf', '(' .. int(now))
    redis.call('DEL', K_META)
  else
    -- keep 'seeded' so every worker still sees 'finished'
    redis.call('HDEL', K_META, 'fingerprints')
  end
end
for j = A0 + 3, #ARGV do redis.call('UNLINK', ARGV[j]) end
return 1
