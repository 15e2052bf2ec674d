-- filter(n, [fa, fb]...): record fingerprints only, nothing queued (benchmarks, tools).
-- Reply: how many were new.
local n = tonumber(ARGV[A0 + 1])
local added = 0
for j = 0, n - 1 do
  if filter_add(ARGV[A0 + 2 + 2 * j], ARGV[A0 + 3 + 2 * j]) then added = added + 1 end
end
return added
