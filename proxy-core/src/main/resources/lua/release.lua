-- Gives back the unused part of a slice (see admit.lua and Lease.java). Budget: at most what the
-- bucket of the slice's minute still holds, so a slice that already expired releases nothing and
-- other reservations are never touched. Requests and tokens: from the slice's window, if it still
-- exists (a window is never re-created here: it would live without a TTL), never below zero.
-- KEYS[1] account hash  KEYS[2] window hash
-- ARGV[1] minute (window start ms)  ARGV[2] nanos  ARGV[3] requests  ARGV[4] tokens (all >= 0)
-- Returns the nanos released.
local released = 0
if ARGV[2] ~= '0' then
  local bucket = 'r:' .. ARGV[1]
  local held = redis.call('HGET', KEYS[1], bucket)
  if held then
    local release = ARGV[2]
    if tonumber(held) <= tonumber(ARGV[2]) then
      release = held
      redis.call('HDEL', KEYS[1], bucket)
    else
      redis.call('HINCRBY', KEYS[1], bucket, '-' .. ARGV[2])
    end
    if redis.call('HINCRBY', KEYS[1], 'reserved', '-' .. release) < 0 then
      redis.call('HSET', KEYS[1], 'reserved', '0')
    end
    released = tonumber(release)
  end
end
if (ARGV[3] ~= '0' or ARGV[4] ~= '0') and redis.call('EXISTS', KEYS[2]) == 1 then
  for i, field in ipairs({'req', 'tok'}) do
    local n = ARGV[2 + i]
    if n ~= '0' and redis.call('HINCRBY', KEYS[2], field, '-' .. n) < 0 then
      redis.call('HSET', KEYS[2], field, '0')
    end
  end
end
return released
