-- Shared prelude, prepended to every crawl-lab script by scripts.ts.
-- KEYS (resolved from REDIS_KEYS in settings/defaults.ts, same order everywhere):
--   1 requests  2 delayed  3 seq  4 dupefilter(base)  5 bloom(base)  6 start_urls
--   7 leases(base)  8 workers  9 worker(base)  10 stats  11 failed  12 meta
-- ARGV header (the same for every script):
--   1 queue class (priority|fifo|lifo)  2 filter (exact|bloom)  3 worker id
--   4 start URLs as set (1|0)  5 lease timeout ms  6 bloom shard count
-- Script arguments start at ARGV[A0 + 1].
-- Dynamic keys (dupefilter buckets, bloom shards, per-worker leases) are built from the
-- base keys; they share the '{spider}' hash tag, so they live in the same cluster slot.
local K_QUEUE, K_DELAYED, K_SEQ, K_DUPE, K_BLOOM, K_START = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local K_LEASES, K_WORKERS, K_WORKER, K_STATS, K_FAILED, K_META = KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11], KEYS[12]
local QCLASS, FILTER, WID = ARGV[1], ARGV[2], ARGV[3]
local START_SET = ARGV[4] == '1'
local LEASE_MS = tonumber(ARGV[5])
local BLOOM_SHARDS = tonumber(ARGV[6])
local A0 = 6
local MY_LEASES = K_LEASES .. ':' .. WID

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Integers as plain digits: tostring() would print 1e+15 and lose the sequence part.
local function int(n)
  return string.format('%.0f', n)
end

local function stat(name, n)
  if n ~= 0 then
    redis.call('HINCRBY', K_STATS, name, n)
    redis.call('HINCRBY', K_STATS, 'worker/' .. WID .. '/' .. name, n)
  end
end

-- The key type must match the configured mode, or Redis would answer WRONGTYPE later.
-- The 'CRAWL_WRONGTYPE key actual' reply is turned into a ConfigError by scripts.ts.
local function check_type(key, want)
  local t = redis.call('TYPE', key)['ok']
  if t ~= 'none' and t ~= want then
    error({ err = 'CRAWL_WRONGTYPE ' .. key .. ' ' .. t .. ' ' .. want })
  end
end

local function check_types()
  check_type(K_START, START_SET and 'set' or 'list')
  check_type(K_QUEUE, QCLASS == 'priority' and 'zset' or 'list')
  -- the crawl's other fixed keys (KEY_TYPES in scheduler/key-types.ts lists the same)
  check_type(K_DELAYED, 'zset')
  check_type(K_SEQ, 'string')
  check_type(K_WORKERS, 'zset')
  check_type(K_STATS, 'hash')
  check_type(K_FAILED, 'hash')
  check_type(K_META, 'hash')
  check_type(MY_LEASES, 'hash')
  check_type(K_WORKER .. ':' .. WID, 'hash')
end

-- Fingerprint filter: true if the fingerprint was new (and is now recorded).
-- exact: fa = bucket (hex), fb = the fixed-width tag; the bucket key is a STRING of
--   packed tags, scanned with a plain find and an alignment check. SET of the whole
--   string (not APPEND/SETRANGE) so Redis keeps it exactly sized.
-- bloom: fa = 'shard:offset,...' bit positions computed in Node, fb unused.
local function filter_add(fa, fb)
  if FILTER == 'exact' then
    local key = K_DUPE .. ':' .. fa
    local s = redis.call('GET', key)
    if s then
      local w = #fb
      local from = 1
      while true do
        local i = string.find(s, fb, from, true)
        if not i then break end
        if (i - 1) % w == 0 then return false end
        from = i + 1
      end
    else
      s = ''
    end
    redis.call('SET', key, s .. fb)
  else
    local pos = {}
    local seen = true
    for shard, off in string.gmatch(fa, '(%d+):(%d+)') do
      pos[#pos + 1] = { shard, off }
      if seen and redis.call('GETBIT', K_BLOOM .. ':' .. shard, off) == 0 then seen = false end
    end
    if seen then return false end
    for _, p in ipairs(pos) do redis.call('SETBIT', K_BLOOM .. ':' .. p[1], p[2], 1) end
  end
  redis.call('HINCRBY', K_META, 'fingerprints', 1)
  return true
end

-- score = -priority * 1e10 + seq: higher priority first, FIFO among equal priorities.
local function queue_score(prio, seq)
  return int(-tonumber(prio) * 1e10 + seq)
end

-- head = true puts an entry where it is popped next (released or reclaimed leases).
local function push_entry(score, member, head)
  if QCLASS == 'priority' then
    redis.call('ZADD', K_QUEUE, score, member)
  elseif QCLASS == 'fifo' and head then
    redis.call('LPUSH', K_QUEUE, member)
  else
    redis.call('RPUSH', K_QUEUE, member)
  end
end

-- One request = 4 arguments: filter a, filter b ('' and '' = dontFilter), priority, JSON.
-- Queue member = '<seq>|<json>', so identical requests (dontFilter) can coexist.
local function enqueue_req(fa, fb, prio, json)
  if fa ~= '' and not filter_add(fa, fb) then return false end
  local seq = redis.call('INCR', K_SEQ)
  push_entry(queue_score(prio, seq), int(seq) .. '|' .. json, false)
  return true
end

-- Reads n request quads from ARGV starting after index i; returns queued, filtered, next i.
local function enqueue_args(i, n)
  local queued, filtered = 0, 0
  for _ = 1, n do
    if enqueue_req(ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]) then
      queued = queued + 1
    else
      filtered = filtered + 1
    end
    i = i + 4
  end
  return queued, filtered, i
end

-- Lease value = '<kind>|<queue score>|<payload>'; kind q = queue member, s = raw start entry.
local function requeue_lease(v)
  local kind, score, payload = string.match(v, '^(%a)|([^|]*)|(.*)$')
  if kind == 's' then
    if START_SET then redis.call('SADD', K_START, payload) else redis.call('LPUSH', K_START, payload) end
  else
    push_entry(score, payload, true)
  end
end

-- Hand every lease of worker `w` back (queue or start URLs) and deregister it; returns how many.
local function release_worker(w)
  local lk = K_LEASES .. ':' .. w
  local n = 0
  for _, v in ipairs(redis.call('HVALS', lk)) do
    requeue_lease(v)
    n = n + 1
  end
  redis.call('DEL', lk)
  redis.call('ZREM', K_WORKERS, w)
  return n
end

local function queue_len()
  if QCLASS == 'priority' then return redis.call('ZCARD', K_QUEUE) end
  return redis.call('LLEN', K_QUEUE)
end

local function start_len()
  if START_SET then return redis.call('SCARD', K_START) end
  return redis.call('LLEN', K_START)
end

local function total_leases()
  local n = 0
  for _, w in ipairs(redis.call('ZRANGE', K_WORKERS, 0, -1)) do
    n = n + redis.call('HLEN', K_LEASES .. ':' .. w)
  end
  return n
end

-- {queue, delayed, ms until next retry is due (-1 none), leases, start URLs, seeded}
local function counts(now)
  local nd = -1
  local first = redis.call('ZRANGE', K_DELAYED, 0, 0, 'WITHSCORES')
  if #first > 0 then nd = math.max(0, tonumber(first[2]) - now) end
  local seeded = redis.call('HGET', K_META, 'seeded') and 1 or 0
  return { queue_len(), redis.call('ZCARD', K_DELAYED), nd, total_leases(), start_len(), seeded }
end

local function is_finished(c)
  return c[6] == 1 and c[1] == 0 and c[2] == 0 and c[4] == 0 and c[5] == 0
end

-- Pops up to max queue entries into this worker's lease hash; appends id, 'q', member to out.
local function lease_queue(max, out)
  if max <= 0 then return 0 end
  local items = {}
  if QCLASS == 'priority' then
    local r = redis.call('ZRANGE', K_QUEUE, 0, max - 1, 'WITHSCORES')
    if #r > 0 then redis.call('ZREMRANGEBYRANK', K_QUEUE, 0, #r / 2 - 1) end
    for i = 1, #r, 2 do items[#items + 1] = { r[i + 1], r[i] } end
  else
    local r
    if QCLASS == 'fifo' then r = redis.call('LPOP', K_QUEUE, max) else r = redis.call('RPOP', K_QUEUE, max) end
    if r then for _, m in ipairs(r) do items[#items + 1] = { '0', m } end end
  end
  if #items == 0 then return 0 end
  local last = redis.call('INCRBY', K_SEQ, #items)
  for j, it in ipairs(items) do
    local id = int(last - #items + j)
    redis.call('HSET', MY_LEASES, id, 'q|' .. it[1] .. '|' .. it[2])
    out[#out + 1] = id
    out[#out + 1] = 'q'
    out[#out + 1] = it[2]
  end
  stat('scheduler/dequeued', #items)
  return #items
end
