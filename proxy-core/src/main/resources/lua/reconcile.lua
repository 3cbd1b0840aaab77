-- Sets a customer's enforced spend to the ledger plus what is pending persistence, or creates the
-- account that way when it is missing (the seed after Redis lost its data).
--
-- Why it is exact: a settle adds its cost to 'spent' and to the pending hash together, so
-- 'spent - pending' only changes when spend moves from the store to the database. That move is a
-- claim (pending -> claimed), a commit, then an ack (claimed dropped); claim and ack change the
-- flush token. The caller read the token and the claimed batch id (flushstate.lua) BEFORE reading
-- the ledger, and read the ledger and whether that batch is committed in ONE database snapshot.
-- If the token is unchanged here, no claim or ack happened since: the pending hash holds exactly
-- the spend the ledger lacks, plus the claimed batch when the snapshot did not have it. Any other
-- change (settles, reservations) is counted by reading pending now.
--
-- KEYS[1] account hash  KEYS[2] pending hash  KEYS[3] claimed hash  KEYS[4] flush token
-- ARGV[1] ledger nanos: the database's spend of the period ARGV[2]
-- ARGV[2] period end of that spend (ms, 0 = never resets)
-- ARGV[3] flush token read before the ledger ('' = none)
-- ARGV[4] claimed batch id read with it ('' = none)
-- ARGV[5] '1' when the ledger snapshot already holds that claimed batch
-- ARGV[6] now ms  ARGV[7] margin ms: an account whose period ends this soon is left alone (its
--         spend is about to restart, lazily here and by a job in the database)
-- ARGV[8] '1' to create a missing account, '0' to leave it missing
-- ARGV[9] '' for the customer's account; a model_max_budget key when KEYS[1] is that model's
--         account: its ledger is the model's spend of the period, its pending spend the field
--         'm:<period end>|<model>' (settles of a model never queue without a period)
-- Returns {outcome, spent before, spent after} (after - ARGV[1] is the pending spend counted).
-- Outcome: 0 already in step, 1 repaired, 2 created, 3 a flush moved spend meanwhile (read again),
-- 4 no account (left missing), 5 the account is in another period than the ledger figure, or its
-- period ends within the margin.
-- Sums use HINCRBY (64-bit exact).
local acct, pend, claimed, token = KEYS[1], KEYS[2], KEYS[3], KEYS[4]

if (redis.call('GET', token) or '') ~= ARGV[3] or (redis.call('HGET', claimed, 'id') or '') ~= ARGV[4] then
  return {3, '0', '0'}
end

local exists = redis.call('EXISTS', acct) == 1
if not exists and ARGV[8] ~= '1' then
  return {4, '0', '0'}
end

local pe = ARGV[2]
local before = '0'
if exists then
  before = redis.call('HGET', acct, 'spent') or '0'
  local stored = redis.call('HGET', acct, 'pe') or '0'
  if stored ~= pe then
    return {5, before, before}
  end
  if pe ~= '0' and tonumber(ARGV[6]) + tonumber(ARGV[7]) >= tonumber(pe) then
    return {5, before, before}
  end
end

-- Pending spend that lands in this period once flushed: its own field, and spend settled while
-- no account existed ('s:0'), which the database adds to the running period (PeriodSpendRules).
local fields = {'s:' .. pe}
if ARGV[9] and ARGV[9] ~= '' then
  fields = {'m:' .. pe .. '|' .. ARGV[9]}
elseif pe ~= '0' then
  fields[2] = 's:0'
end
local sources = {pend}
if ARGV[5] ~= '1' then
  sources[2] = claimed
end

if exists then
  redis.call('HSET', acct, 'spent', ARGV[1])
else
  redis.call('HSET', acct, 'spent', ARGV[1], 'reserved', '0', 'pe', pe)
end
for _, key in ipairs(sources) do
  for _, field in ipairs(fields) do
    local v = redis.call('HGET', key, field)
    if v then
      redis.call('HINCRBY', acct, 'spent', v)
    end
  end
end
local after = redis.call('HGET', acct, 'spent')
if not exists then
  return {2, '0', after}
end
if after == before then
  return {0, before, after}
end
return {1, before, after}
