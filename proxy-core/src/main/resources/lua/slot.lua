-- Takes one in-flight slot of a customer (max_parallel_requests), fleet-wide.
-- A script of its own, apart from admit.lua: only customers with a parallel limit pay for it,
-- and the admission scripts stay untouched.
-- KEYS[1] = sorted set of the customer's slots: member = slot id, score = expiry (epoch ms)
-- ARGV[1] = now (ms), ARGV[2] = limit, ARGV[3] = slot id, ARGV[4] = this slot's expiry (ms),
-- ARGV[5] = slot lifetime (ms)
-- Returns {1, taken} when the slot was taken, {0, taken} when all `limit` were in use.
-- Expired slots (their instance crashed, or a release was lost) are dropped first.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local taken = redis.call('ZCARD', KEYS[1])
if taken >= tonumber(ARGV[2]) then
  return {0, taken}
end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
-- Every slot has the same lifetime, so the newest expires last: the key goes with it. Relative
-- (PEXPIRE), because the scores are on the caller's clock, which Redis's need not match.
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {1, taken + 1}
