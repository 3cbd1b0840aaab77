-- Gives back the unused budget of a slice (see admit.lua and Lease.java): releases at most what
-- the bucket of the slice's minute still holds, so a slice that already expired releases nothing
-- and other reservations are never touched.
-- KEYS[1] account hash  ARGV[1] minute (window start ms)  ARGV[2] nanos (> 0)
-- Returns the nanos released.
local bucket = 'r:' .. ARGV[1]
local held = redis.call('HGET', KEYS[1], bucket)
if not held then
  return 0
end
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
return tonumber(release)
