-- Creates an account from a given spend only when the store holds none (never overwrites).
-- Spend pending persistence (pending and claimed hashes) for the same period, and spend settled
-- while no account existed ('s:0', which the database adds to the running period), is added on
-- top. It cannot know whether a flush moved pending spend into the given figure meanwhile, so the
-- proxy seeds with reconcile.lua instead, which does; this one sets up accounts in tests and tools.
-- KEYS[1] account hash  KEYS[2] pending hash  KEYS[3] claimed hash
-- ARGV[1] spent nanos  ARGV[2] period end ms
-- Returns 1 when seeded, 0 when an account already existed.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'spent', ARGV[1], 'reserved', '0', 'pe', ARGV[2])
local fields = {'s:' .. ARGV[2]}
if ARGV[2] ~= '0' then
  fields[2] = 's:0'
end
for i = 2, 3 do
  for _, field in ipairs(fields) do
    local pending = redis.call('HGET', KEYS[i], field)
    if pending then
      redis.call('HINCRBY', KEYS[1], 'spent', pending)
    end
  end
end
return 1
