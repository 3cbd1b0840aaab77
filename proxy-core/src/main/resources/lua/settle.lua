-- Replaces an admitted call's reservation by its real cost and tokens and records the spend as
-- pending persistence, and marks the customer dirty when its pending spend changed.
-- KEYS[1] account hash  KEYS[2] window hash  KEYS[3] pending hash  KEYS[4] applied-settle-ids hash
-- KEYS[5] dirty set, optional: passed on a single Redis only. On a Redis Cluster the set lives in
-- another slot than the customer's keys, so the caller sends the SADD itself after this script.
-- ARGV[1] reserve nanos (>= 0)  ARGV[2] cost nanos  ARGV[3] window token correction
-- ARGV[4..8] daily field names: requests, successful, prompt, completion, spend
-- ARGV[9] success (0/1)  ARGV[10] prompt tokens  ARGV[11] completion tokens
-- ARGV[12] settle id ('' = none)  ARGV[13] persisted (1 = spend already in the database)
-- ARGV[14] retention of applied ids, ms  ARGV[15] admission minute (window start ms)
-- ARGV[16] customer id (the dirty set member)
-- Returns {spent after, period end, status}: status 1 applied, 0 duplicate (nothing changed),
-- 2 duplicate whose queued spend was taken back (it is in the database already).
-- The ids hash maps settle id -> period end its spend was queued under, 'p' (applied as
-- persisted: counters only) or 'x' (queued spend taken back). All sums use HINCRBY (64-bit).
local acct, win, pend, ids = KEYS[1], KEYS[2], KEYS[3], KEYS[4]

-- The negation of a decimal integer string ('-0' is not an integer to Redis).
local function neg(s)
  if s == '0' then
    return '0'
  end
  if string.sub(s, 1, 1) == '-' then
    return string.sub(s, 2)
  end
  return '-' .. s
end
local sid, persisted = ARGV[12], ARGV[13] == '1'
local dirty = KEYS[5]

-- Same rule as the caller's separate SADD: whenever the result status is not 0.
local function markDirty()
  if dirty then
    redis.call('SADD', dirty, ARGV[16])
  end
end
local spent, pe = '0', '0'

local function current()
  if redis.call('EXISTS', acct) == 1 then
    return redis.call('HGET', acct, 'spent') or '0', redis.call('HGET', acct, 'pe') or '0'
  end
  return '0', '0'
end

if sid ~= '' then
  local seen = redis.call('HGET', ids, sid)
  if seen then
    spent, pe = current()
    if persisted and seen ~= 'p' and seen ~= 'x' then
      -- Applied before with its spend queued, and the caller wrote it to the database too:
      -- queue the opposite, so the flushed net is the cost once.
      local negCost = neg(ARGV[2])
      redis.call('HINCRBY', pend, 's:' .. seen, negCost)
      redis.call('HINCRBY', pend, ARGV[4], '-1')
      redis.call('HINCRBY', pend, ARGV[5], neg(ARGV[9]))
      redis.call('HINCRBY', pend, ARGV[6], neg(ARGV[10]))
      redis.call('HINCRBY', pend, ARGV[7], neg(ARGV[11]))
      redis.call('HINCRBY', pend, ARGV[8], negCost)
      redis.call('HSET', ids, sid, 'x')
      markDirty()
      return {spent, pe, 2}
    end
    return {spent, pe, 0}
  end
end

if redis.call('EXISTS', acct) == 1 then
  -- Never create an account here: a missing account must be seeded from the database.
  -- Release from this call's admission minute only, at most what it still holds: once the
  -- minute expired (see admit.lua) there is nothing left to release, and other calls'
  -- reservations are never touched.
  local bucket = 'r:' .. ARGV[15]
  local held = redis.call('HGET', acct, bucket)
  if held and ARGV[1] ~= '0' then
    local release = ARGV[1]
    if tonumber(held) <= tonumber(ARGV[1]) then
      release = held
      redis.call('HDEL', acct, bucket)
    else
      redis.call('HINCRBY', acct, bucket, neg(ARGV[1]))
    end
    if redis.call('HINCRBY', acct, 'reserved', neg(release)) < 0 then
      redis.call('HSET', acct, 'reserved', '0')
    end
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

if not persisted then
  -- 's:<period end>' must match PendingFields.periodField in Java.
  redis.call('HINCRBY', pend, 's:' .. pe, ARGV[2])
  redis.call('HINCRBY', pend, ARGV[4], 1)
  redis.call('HINCRBY', pend, ARGV[5], ARGV[9])
  redis.call('HINCRBY', pend, ARGV[6], ARGV[10])
  redis.call('HINCRBY', pend, ARGV[7], ARGV[11])
  redis.call('HINCRBY', pend, ARGV[8], ARGV[2])
end
if sid ~= '' then
  redis.call('HSET', ids, sid, persisted and 'p' or pe)
  redis.call('PEXPIRE', ids, ARGV[14])
end
markDirty()
return {spent, pe, 1}
