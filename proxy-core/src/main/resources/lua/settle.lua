-- Replaces an admitted call's reservation by its real cost and tokens and records the spend as
-- pending persistence, and marks the customer dirty when its pending spend changed.
-- KEYS[1] account hash  KEYS[2] window hash  KEYS[3] pending hash  KEYS[4] applied-settle-ids hash
-- KEYS[5] dirty set, optional: passed on a single Redis only. On a Redis Cluster the set lives in
-- another slot than the customer's keys, so the caller sends the SADD itself after this script.
-- ARGV[1] reserve nanos (>= 0)  ARGV[2] cost nanos  ARGV[3] window token correction
-- ARGV[4..7] daily field names: requests and successful packed (see PendingFields.REQUESTS_OK),
-- prompt, completion, spend
-- ARGV[8] packed requests/successful increment: 2^32 + success
-- ARGV[9] prompt tokens  ARGV[10] completion tokens
-- ARGV[11] settle id ('' = none)  ARGV[12] persisted (1 = spend already in the database)
-- ARGV[13] retention of applied ids, ms  ARGV[14] admission minute (window start ms)
-- ARGV[15] customer id (the dirty set member)  ARGV[16] window TTL ms
-- Returns {spent after, period end, status}: status 1 applied, 0 duplicate (nothing changed),
-- 2 duplicate whose queued spend was taken back (it is in the database already). On a single
-- Redis the dirty mark is set here whenever the pending hash may have been created (see below).
-- The ids hash maps settle id -> period end its spend was queued under, 'p' (applied as
-- persisted: counters only) or 'x' (queued spend taken back). All sums use HINCRBY (64-bit).
-- Lean on purpose: an applied settle costs 1 read and 11 writes (see bench/script-cost.sh).
-- Model budget (model_max_budget), only for a call admitted under an entry: ARGV[17] its key
-- ('' = none), ARGV[18] its period end at admission; KEYS[5] the model's account, KEYS[6] its
-- window, and the dirty set moves to KEYS[7]. The model's reservation is released and its spend
-- added like the customer's, and the cost is queued as 'm:<period end>|<model>' (the account's
-- period, or ARGV[18] when the account is gone); the ids hash then keeps '<pe>|<model pe>'.
local acct, win, pend, ids = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local mkey = ARGV[17] ~= nil and ARGV[17] ~= '' and ARGV[17] or nil
local macct, mwin = nil, nil
if mkey then
  macct, mwin = KEYS[5], KEYS[6]
end

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
local sid, persisted = ARGV[11], ARGV[12] == '1'
local dirty = KEYS[5]
if mkey then
  dirty = KEYS[7]
end

-- Same rule as the caller's separate SADD: whenever the result status is not 0.
local function markDirty()
  if dirty then
    redis.call('SADD', dirty, ARGV[15])
  end
end

-- Every writer of an account sets 'spent', so a missing one means a missing account.
local bucket = 'r:' .. ARGV[14]
local a = redis.call('HMGET', acct, 'spent', 'pe', bucket)
local exists = a[1] ~= false
local spent, pe, held = a[1] or '0', a[2] or '0', a[3]
local mexists, mpe, mheld = false, nil, nil
if mkey then
  local m = redis.call('HMGET', macct, 'spent', 'pe', bucket)
  mexists = m[1] ~= false
  mpe = mexists and (m[2] or '0') or ARGV[18]
  mheld = m[3]
end

if sid ~= '' then
  -- Claims the id in the same step that checks it; the value is what a replay needs to know.
  local record = pe
  if persisted then
    record = 'p'
  elseif mkey then
    record = pe .. '|' .. mpe
  end
  if redis.call('HSETNX', ids, sid, record) == 0 then
    local seen = redis.call('HGET', ids, sid)
    if persisted and seen ~= 'p' and seen ~= 'x' then
      -- Applied before with its spend queued, and the caller wrote it to the database too:
      -- queue the opposite, so the flushed net is the cost once.
      local negCost = neg(ARGV[2])
      local bar = string.find(seen, '|', 1, true)
      if bar then
        if mkey then
          redis.call('HINCRBY', pend, 'm:' .. string.sub(seen, bar + 1) .. '|' .. mkey, negCost)
        end
        seen = string.sub(seen, 1, bar - 1)
      end
      redis.call('HINCRBY', pend, 's:' .. seen, negCost)
      redis.call('HINCRBY', pend, ARGV[4], neg(ARGV[8]))
      redis.call('HINCRBY', pend, ARGV[5], neg(ARGV[9]))
      redis.call('HINCRBY', pend, ARGV[6], neg(ARGV[10]))
      redis.call('HINCRBY', pend, ARGV[7], negCost)
      redis.call('HSET', ids, sid, 'x')
      markDirty()
      return {spent, pe, 2}
    end
    return {spent, pe, 0}
  end
  redis.call('PEXPIRE', ids, ARGV[13])
end

-- Never create an account here: a missing account must be seeded from the database.
-- Release from this call's admission minute only, at most what it still holds: once the
-- minute expired (see admit.lua) there is nothing left to release, and other calls'
-- reservations are never touched.
local function release(key, bucketHeld)
  if bucketHeld and ARGV[1] ~= '0' then
    local amount = ARGV[1]
    if tonumber(bucketHeld) <= tonumber(ARGV[1]) then
      amount = bucketHeld
      redis.call('HDEL', key, bucket)
    else
      redis.call('HINCRBY', key, bucket, neg(ARGV[1]))
    end
    if redis.call('HINCRBY', key, 'reserved', neg(amount)) < 0 then
      redis.call('HSET', key, 'reserved', '0')
    end
  end
end

local function correctTokens(window)
  local tok = redis.call('HINCRBY', window, 'tok', ARGV[3])
  if tok == tonumber(ARGV[3]) then
    -- The field was absent or zero: the window may have expired meanwhile and been created
    -- again here, which must not live without a TTL. (A live window merely keeps its TTL
    -- longer.) Checking this way saves an EXISTS on every settle.
    redis.call('PEXPIRE', window, ARGV[16])
  end
  if tok < 0 then
    redis.call('HSET', window, 'tok', '0')
  end
end

if exists then
  release(acct, held)
  -- An integer reply: exact up to 2^53 nanos, like the admission comparison.
  spent = redis.call('HINCRBY', acct, 'spent', ARGV[2])
end
if mexists then
  release(macct, mheld)
  redis.call('HINCRBY', macct, 'spent', ARGV[2])
end

if ARGV[3] ~= '0' then
  correctTokens(win)
  if mkey then
    correctTokens(mwin)
  end
end

if persisted then
  markDirty()
  return {spent, pe, 1}
end
-- 's:<period end>' must match PendingFields.periodField in Java, 'm:...' modelField.
redis.call('HINCRBY', pend, 's:' .. pe, ARGV[2])
if mkey then
  redis.call('HINCRBY', pend, 'm:' .. mpe .. '|' .. mkey, ARGV[2])
end
local ro = redis.call('HINCRBY', pend, ARGV[4], ARGV[8])
redis.call('HINCRBY', pend, ARGV[5], ARGV[9])
redis.call('HINCRBY', pend, ARGV[6], ARGV[10])
redis.call('HINCRBY', pend, ARGV[7], ARGV[2])
-- The mark is needed when the pending hash may be new. The packed requests field only comes back
-- equal to its increment (at least 2^32) when it was absent or zero; otherwise the hash existed,
-- and so did its mark: a claim that finds nothing clears the mark only after checking that no
-- pending hash exists (RedisLimitStore.clearDirty), and on a single Redis the two keys are lost
-- or kept together. Skipping the SADD then saves a command on almost every settle.
if ro == tonumber(ARGV[8]) then
  markDirty()
end
return {spent, pe, 1}
