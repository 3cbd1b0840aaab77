-- Seeds an account from the database only when the store holds none (never overwrites).
-- Spend settled while no account existed is pending under the same period end and not yet in
-- the database, so it is added on top (claimed but unacknowledged spend too: erring high keeps
-- the budget safe).
-- KEYS[1] account hash  KEYS[2] pending hash  KEYS[3] claimed hash
-- ARGV[1] spent nanos from the database  ARGV[2] period end ms
-- Returns 1 when seeded, 0 when an account already existed.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'spent', ARGV[1], 'reserved', '0', 'pe', ARGV[2])
local field = 's:' .. ARGV[2]
for i = 2, 3 do
  local pending = redis.call('HGET', KEYS[i], field)
  if pending then
    redis.call('HINCRBY', KEYS[1], 'spent', pending)
  end
end
return 1
