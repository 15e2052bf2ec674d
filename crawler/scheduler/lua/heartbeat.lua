-- heartbeat(host, pid, startedMs, infoTtlMs, release): renew this worker's deadline and info hash.
-- release = '1' (close): hand every lease back instead, then deregister.
-- release = '2' (open): first hand back leases an earlier process with this worker id left behind
-- (killed with -9, then restarted under the same id: its heartbeat would keep them held for ever).
-- Reply: leases handed back
local now = now_ms()
local host, pid, started, ttl, release = ARGV[A0 + 1], ARGV[A0 + 2], ARGV[A0 + 3], ARGV[A0 + 4], ARGV[A0 + 5]
if release ~= '1' then check_types() end
local info = K_WORKER .. ':' .. WID
redis.call('HSET', info, 'host', host, 'pid', pid, 'started', started, 'lastSeen', int(now))
redis.call('PEXPIRE', info, ttl)
if release == '1' then
  return release_worker(WID)
end
local handed = 0
if release == '2' then handed = release_worker(WID) end
redis.call('ZADD', K_WORKERS, int(now + LEASE_MS), WID)
return handed
