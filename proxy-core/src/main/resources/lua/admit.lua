-- Admission: check budget, RPM and TPM, and only when all pass count the request and reserve.
-- Every key belongs to one customer (hash tag {c:<id>}), so the script is single-slot.
-- KEYS[1] account hash (spent, reserved, pe, r:<minute>)   KEYS[2] window hash (req, tok)
-- ARGV[1] now ms  ARGV[2] max budget nanos  ARGV[3] rpm  ARGV[4] tpm  ARGV[5] period end ms
-- ARGV[6] reserve nanos  ARGV[7] reserve tokens  ARGV[8] window TTL ms
-- ARGV[9] reservation TTL ms  ARGV[10] window start ms (the admission minute)
-- ARGV[11] '1' to create a missing account at zero (a customer with no persisted spend), adding
-- spend pending under the same period end as seed.lua does; KEYS[3] pending, KEYS[4] claimed
-- Budget reservations are kept per admission minute in fields 'r:<minute start>'; 'reserved' is
-- their sum. Minutes that ended ARGV[9] ms or more before now are dropped first, so a call never
-- settled (crashed instance, admit that ran after its caller timed out) stops holding budget.
-- Returns {outcome, spent, reserved, window requests, window tokens}; outcome 0 admitted,
-- 1 budget, 2 rpm, 3 tpm, 4 needs seed. Spent/reserved travel as the stored integer strings;
-- comparisons use Lua doubles, exact while spent + reserved < 2^53 nanos (about $9M).
local acct, win = KEYS[1], KEYS[2]
if redis.call('EXISTS', acct) == 0 then
  if ARGV[11] ~= '1' then
    return {4, '0', '0', 0, 0}
  end
  redis.call('HSET', acct, 'spent', '0', 'reserved', '0', 'pe', ARGV[5])
  local fields = {'s:' .. ARGV[5]}
  if ARGV[5] ~= '0' then
    fields[2] = 's:0'
  end
  for i = 3, 4 do
    for _, field in ipairs(fields) do
      local pending = redis.call('HGET', KEYS[i], field)
      if pending then
        redis.call('HINCRBY', acct, 'spent', pending)
      end
    end
  end
end

local now = tonumber(ARGV[1])
local pe = tonumber(redis.call('HGET', acct, 'pe') or '0')
if pe > 0 and now >= pe then
  -- Lazy period reset. Reserved is kept: the calls in flight will release it at settle.
  redis.call('HSET', acct, 'spent', '0')
end
redis.call('HSET', acct, 'pe', ARGV[5])

-- Drop expired reservation minutes and recompute 'reserved' from the live ones (HINCRBY: 64-bit
-- exact; this also repairs a 'reserved' that no bucket backs).
local horizon = now - 60000 - tonumber(ARGV[9])
local fields = redis.call('HGETALL', acct)
redis.call('HSET', acct, 'reserved', '0')
for i = 1, #fields, 2 do
  local f = fields[i]
  if string.sub(f, 1, 2) == 'r:' then
    if tonumber(string.sub(f, 3)) <= horizon then
      redis.call('HDEL', acct, f)
    else
      redis.call('HINCRBY', acct, 'reserved', fields[i + 1])
    end
  end
end

local spent = redis.call('HGET', acct, 'spent') or '0'
local reserved = redis.call('HGET', acct, 'reserved') or '0'
local req = tonumber(redis.call('HGET', win, 'req') or '0')
local tok = tonumber(redis.call('HGET', win, 'tok') or '0')

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

req = redis.call('HINCRBY', win, 'req', 1)
tok = redis.call('HINCRBY', win, 'tok', ARGV[7])
redis.call('PEXPIRE', win, ARGV[8])
if tonumber(ARGV[6]) > 0 then
  redis.call('HINCRBY', acct, 'r:' .. ARGV[10], ARGV[6])
  redis.call('HINCRBY', acct, 'reserved', ARGV[6])
end
return {0, spent, reserved, req, tok}
