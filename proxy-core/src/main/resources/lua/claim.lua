-- Hands the pending spend of one or more customers to a flusher as batches. Per customer: an
-- unacknowledged batch is handed out again (same id); otherwise the pending hash becomes the
-- claimed batch under the new id. A new claim sets the flush token to the batch id: spend is about
-- to move from the store to the database, and a reconciliation that read the token before
-- (reconcile.lua) must read again.
-- KEYS[3i-2] pending hash, KEYS[3i-1] claimed hash, KEYS[3i] flush token of customer i (i = 1..n)
-- KEYS[3n+1] the dirty set, on a single Redis only: a page of customers spans slots, so a Redis
--            Cluster claims one customer per call and clears the mark with commands of its own.
-- ARGV[i] new batch id of customer i  ARGV[n+i] customer id (dirty set member)
-- ARGV[2n+1] flush token TTL ms
-- A customer with nothing pending and nothing claimed loses its dirty mark here, atomically with
-- finding nothing: the settle that next creates its pending hash marks it again.
-- Returns per customer the claimed hash as a flat field/value list (field 'id' is the batch id),
-- or {} when there is nothing.
local n = math.floor(#KEYS / 3)
local dirty = nil
if #KEYS > 3 * n then
  dirty = KEYS[#KEYS]
end
local ttl = ARGV[2 * n + 1]
local out = {}
for i = 1, n do
  local pending, claimed = KEYS[3 * i - 2], KEYS[3 * i - 1]
  if redis.call('EXISTS', claimed) == 0 then
    if redis.call('EXISTS', pending) == 0 then
      if dirty then
        redis.call('SREM', dirty, ARGV[n + i])
      end
      out[i] = {}
    else
      redis.call('RENAME', pending, claimed)
      redis.call('HSET', claimed, 'id', ARGV[i])
      redis.call('SET', KEYS[3 * i], ARGV[i], 'PX', ttl)
      out[i] = redis.call('HGETALL', claimed)
    end
  else
    out[i] = redis.call('HGETALL', claimed)
  end
end
return out
