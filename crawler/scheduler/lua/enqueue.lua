-- enqueue(n, [fa, fb, priority, json]...): queue requests through the filter; marks the crawl seeded.
-- Reply: {queued, filtered}
check_types()
local n = tonumber(ARGV[A0 + 1])
local queued, filtered = enqueue_args(A0 + 1, n)
stat('scheduler/enqueued', queued)
stat('dupefilter/filtered', filtered)
if n > 0 then redis.call('HSET', K_META, 'seeded', '1') end
return { queued, filtered }
