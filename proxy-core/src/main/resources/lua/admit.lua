-- Admission: check budget, RPM and TPM, and only when all pass count the request and reserve.
-- Every key belongs to one customer (hash tag {c:<id>}), so the script is single-slot.
-- KEYS[1] account hash (spent, reserved, pe, rlo, r:<minute>)   KEYS[2] window hash (req, tok)
-- ARGV[1] now ms  ARGV[2] max budget nanos  ARGV[3] rpm  ARGV[4] tpm  ARGV[5] period end ms
-- ARGV[6] reserve nanos  ARGV[7] reserve tokens  ARGV[8] window TTL ms
-- ARGV[9] reservation TTL ms  ARGV[10] window start ms (the admission minute)
-- ARGV[11] '1' to create a missing account at zero (a customer with no persisted spend), adding
-- spend pending under the same period end as seed.lua does; KEYS[3] pending, KEYS[4] claimed
-- Budget reservations are kept per admission minute in fields 'r:<minute start>'; 'reserved' is
-- their sum, kept up to date by every change of a bucket (here and in settle.lua), and 'rlo' is
-- a minute no later than the oldest bucket. Minutes that ended ARGV[9] ms or more before now are
-- dropped, so a call never settled (crashed instance, admit that ran after its caller timed out)
-- stops holding budget. The buckets are only read when 'rlo' says one may have expired (at most
-- about once a minute per customer), not at every admission.
-- Returns {outcome, spent, reserved, window requests, window tokens[, slice budget, requests,
-- tokens when admitted]}; outcome 0 admitted,
-- 1 budget, 2 rpm, 3 tpm, 4 needs seed. Spent/reserved travel as the stored integer strings;
-- comparisons use Lua doubles, exact while spent + reserved < 2^53 nanos (about $9M).
-- Lean on purpose: a customer far from its limits costs 2 reads and 4 writes (5 in a new window).
-- Model budget (model_max_budget), only for a call that has an entry (KEYS[5] present): KEYS[5]
-- the entry's account hash (same fields as the customer's), KEYS[6] its window hash;
-- ARGV[15] max budget nanos  ARGV[16] rpm  ARGV[17] tpm  ARGV[18] period end ms
-- ARGV[19] its pending field 'm:<ARGV[18]>|<model>'. ARGV[12..14] are then '0' (no lease).
-- Checked after the customer, counted only when everything passes. Outcomes 5 model account
-- needs seed, 6 model budget, 7 model rpm, 8 model tpm; the reply then always has 10 items, the
-- model's spent and reserved (before the call) last.
local acct, win = KEYS[1], KEYS[2]
local a = redis.call('HMGET', acct, 'spent', 'reserved', 'pe', 'rlo')
local spent, reserved, storedPe, rlo = a[1], a[2], a[3], a[4]
-- Every writer of an account sets 'spent', so a missing one means a missing account.
if not spent then
  if ARGV[11] ~= '1' then
    return {4, '0', '0', 0, 0}
  end
  redis.call('HSET', acct, 'spent', '0', 'reserved', '0', 'pe', ARGV[5])
  local fields = {'s:' .. ARGV[5]}
  if ARGV[5] ~= '0' then
    fields[2] = 's:0'
  end
  for i = 3, 4 do
    local pending = redis.call('HMGET', KEYS[i], unpack(fields))
    for j = 1, #fields do
      if pending[j] then
        redis.call('HINCRBY', acct, 'spent', pending[j])
      end
    end
  end
  spent, reserved, storedPe, rlo = redis.call('HGET', acct, 'spent'), '0', ARGV[5], false
end
reserved = reserved or '0'

local now = tonumber(ARGV[1])
local pe = tonumber(storedPe or '0')
if pe > 0 and now >= pe then
  -- Lazy period reset. Reserved is kept: the calls in flight will release it at settle.
  spent = '0'
  redis.call('HSET', acct, 'spent', '0', 'pe', ARGV[5])
elseif storedPe ~= ARGV[5] then
  redis.call('HSET', acct, 'pe', ARGV[5])
end

-- Drop expired reservation minutes and recompute 'reserved' from the live ones (HINCRBY: 64-bit
-- exact; this also repairs a 'reserved' that no bucket backs). Needed when the oldest bucket may
-- have expired, or when no 'rlo' tells where the buckets start (an account written before 'rlo').
-- Returns the account's reserved and rlo afterwards.
local horizon = now - 60000 - tonumber(ARGV[9])
local function dropExpired(key, held, low)
  if not ((low and tonumber(low) <= horizon) or (not low and held ~= '0')) then
    return held, low
  end
  local fields = redis.call('HGETALL', key)
  local oldest = nil
  redis.call('HSET', key, 'reserved', '0')
  for i = 1, #fields, 2 do
    local f = fields[i]
    if string.sub(f, 1, 2) == 'r:' then
      local minute = tonumber(string.sub(f, 3))
      if minute <= horizon then
        redis.call('HDEL', key, f)
      else
        redis.call('HINCRBY', key, 'reserved', fields[i + 1])
        if not oldest or minute < oldest then
          oldest = minute
        end
      end
    end
  end
  held = redis.call('HGET', key, 'reserved')
  if oldest then
    low = string.format('%d', oldest)
    redis.call('HSET', key, 'rlo', low)
  else
    low = false
    redis.call('HDEL', key, 'rlo')
  end
  return held, low
end
reserved, rlo = dropExpired(acct, reserved, rlo)

local w = redis.call('HMGET', win, 'req', 'tok')
local req = tonumber(w[1] or '0')
local tok = tonumber(w[2] or '0')

local maxBudget, rpm, tpm = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if maxBudget >= 0 and tonumber(spent) + tonumber(reserved) >= maxBudget then
  return {1, spent, reserved, req, tok}
end
if rpm >= 0 and req >= rpm then
  return {2, spent, reserved, req, tok}
end
if tpm >= 0 and tok >= tpm then
  return {3, spent, reserved, req, tok}
end

-- The model entry: the same steps on its own account and window (see the header).
local macct, mwin = KEYS[5], KEYS[6]
local mspent, mreserved, mrlo = '0', '0', false
if macct then
  local m = redis.call('HMGET', macct, 'spent', 'reserved', 'pe', 'rlo')
  local mStoredPe
  mspent, mreserved, mStoredPe, mrlo = m[1], m[2] or '0', m[3], m[4]
  if not mspent then
    if ARGV[11] ~= '1' then
      return {5, spent, reserved, req, tok, 0, 0, 0, '0', '0'}
    end
    redis.call('HSET', macct, 'spent', '0', 'reserved', '0', 'pe', ARGV[18])
    for i = 3, 4 do
      local p = redis.call('HGET', KEYS[i], ARGV[19])
      if p then
        redis.call('HINCRBY', macct, 'spent', p)
      end
    end
    mspent, mreserved, mStoredPe, mrlo = redis.call('HGET', macct, 'spent'), '0', ARGV[18], false
  end
  local mpe = tonumber(mStoredPe or '0')
  if mpe > 0 and now >= mpe then
    mspent = '0'
    redis.call('HSET', macct, 'spent', '0', 'pe', ARGV[18])
  elseif mStoredPe ~= ARGV[18] then
    redis.call('HSET', macct, 'pe', ARGV[18])
  end
  mreserved, mrlo = dropExpired(macct, mreserved, mrlo)
  local mw = redis.call('HMGET', mwin, 'req', 'tok')
  local mreq = tonumber(mw[1] or '0')
  local mtok = tonumber(mw[2] or '0')
  local mmax, mrpm, mtpm = tonumber(ARGV[15]), tonumber(ARGV[16]), tonumber(ARGV[17])
  local mcode = 0
  if mmax >= 0 and tonumber(mspent) + tonumber(mreserved) >= mmax then
    mcode = 6
  elseif mrpm >= 0 and mreq >= mrpm then
    mcode = 7
  elseif mtpm >= 0 and mtok >= mtpm then
    mcode = 8
  end
  if mcode ~= 0 then
    return {mcode, spent, reserved, req, tok, 0, 0, 0, mspent, mreserved}
  end
  if redis.call('HINCRBY', mwin, 'req', 1) == 1 then
    redis.call('PEXPIRE', mwin, ARGV[8])
  end
  redis.call('HINCRBY', mwin, 'tok', ARGV[7])
  if tonumber(ARGV[6]) > 0 then
    redis.call('HINCRBY', macct, 'r:' .. ARGV[10], ARGV[6])
    redis.call('HINCRBY', macct, 'reserved', ARGV[6])
    if not mrlo or tonumber(ARGV[10]) < tonumber(mrlo) then
      redis.call('HSET', macct, 'rlo', ARGV[10])
    end
  end
end

req = redis.call('HINCRBY', win, 'req', 1)
tok = redis.call('HINCRBY', win, 'tok', ARGV[7])
if req == 1 then
  -- The window was just created (only admissions create it): it expires ARGV[8] ms from now,
  -- which is at least that long after the window's start.
  redis.call('PEXPIRE', win, ARGV[8])
end
-- A slice for this instance (ARGV[12..14]: budget nanos, requests, tokens asked; see Lease.java
-- for the rule): what is left after this call, over 16, per limited dimension, all or nothing.
local hold = tonumber(ARGV[6])
local lb, lr, lt = 0, 0, 0
if ARGV[12] and tonumber(ARGV[13]) >= 2 then
  local function share(ask, limit, used)
    if limit < 0 then
      return ask
    end
    return math.min(ask, math.floor((limit - used) / 16))
  end
  local held = tonumber(reserved) + math.max(0, hold)
  lb = share(tonumber(ARGV[12]), maxBudget, tonumber(spent) + held)
  lr = share(tonumber(ARGV[13]), rpm, req)
  lt = share(tonumber(ARGV[14]), tpm, tok)
  if lr < 2 or lb < 2 * math.max(0, hold) or lt < 2 * math.max(0, tonumber(ARGV[7])) then
    lb, lr, lt = 0, 0, 0
  else
    redis.call('HINCRBY', win, 'req', lr)
    redis.call('HINCRBY', win, 'tok', lt)
    hold = hold + lb
  end
end
if hold > 0 then
  redis.call('HINCRBY', acct, 'r:' .. ARGV[10], hold)
  redis.call('HINCRBY', acct, 'reserved', hold)
  if not rlo or tonumber(ARGV[10]) < tonumber(rlo) then
    redis.call('HSET', acct, 'rlo', ARGV[10])
  end
end
if macct then
  return {0, spent, reserved, req, tok, lb, lr, lt, mspent, mreserved}
end
return {0, spent, reserved, req, tok, lb, lr, lt}
