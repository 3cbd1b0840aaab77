-- Replaces an admitted call's reservation by its real cost and tokens and records the spend as
-- pending persistence. The dirty mark lives in another slot, so the caller adds it separately.
-- KEYS[1] account hash  KEYS[2] window hash  KEYS[3] pending hash
-- ARGV[1] minus reserve nanos  ARGV[2] cost nanos  ARGV[3] window token correction
-- ARGV[4..8] daily field names: requests, successful, prompt, completion, spend
-- ARGV[9] success (0/1)  ARGV[10] prompt tokens  ARGV[11] completion tokens
-- Returns {spent after, period end}. All sums use HINCRBY (64-bit integers).
local acct, win, pend = KEYS[1], KEYS[2], KEYS[3]
local spent, pe = '0', '0'
if redis.call('EXISTS', acct) == 1 then
  -- Never create an account here: a missing account must be seeded from the database.
  if redis.call('HINCRBY', acct, 'reserved', ARGV[1]) < 0 then
    redis.call('HSET', acct, 'reserved', '0')
  end
  redis.call('HINCRBY', acct, 'spent', ARGV[2])
  spent = redis.call('HGET', acct, 'spent')
  pe = redis.call('HGET', acct, 'pe') or '0'
end

-- A window that expired meanwhile is not recreated: it would live without a TTL.
if redis.call('EXISTS', win) == 1 then
  if redis.call('HINCRBY', win, 'tok', ARGV[3]) < 0 then
    redis.call('HSET', win, 'tok', '0')
  end
end

-- 's:<period end>' must match PendingFields.periodField in Java.
redis.call('HINCRBY', pend, 's:' .. pe, ARGV[2])
redis.call('HINCRBY', pend, ARGV[4], 1)
redis.call('HINCRBY', pend, ARGV[5], ARGV[9])
redis.call('HINCRBY', pend, ARGV[6], ARGV[10])
redis.call('HINCRBY', pend, ARGV[7], ARGV[11])
redis.call('HINCRBY', pend, ARGV[8], ARGV[2])
return {spent, pe}
