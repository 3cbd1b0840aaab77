-- Drops claimed batches after their database commit, each only when its id matches, so a late ack
-- from a slow flusher cannot drop a newer batch. The flush token changes with it (see claim.lua).
-- KEYS[3i-2] claimed hash, KEYS[3i-1] flush token, KEYS[3i] pending hash of customer i (i = 1..n)
-- KEYS[3n+1] the dirty set, on a single Redis only (as in claim.lua)
-- ARGV[i] batch id of customer i  ARGV[n+i] customer id (dirty set member)
-- ARGV[2n+1] flush token TTL ms
-- Returns per customer 0 when not dropped, 1 when dropped with spend pending again (settled after
-- the claim), 2 when dropped with nothing pending: then the dirty mark goes too, here when the set
-- is passed, so a flushed customer does not cost an empty claim on the next pass.
local n = math.floor(#KEYS / 3)
local dirty = nil
if #KEYS > 3 * n then
  dirty = KEYS[#KEYS]
end
local ttl = ARGV[2 * n + 1]
local out = {}
for i = 1, n do
  local claimed = KEYS[3 * i - 2]
  out[i] = 0
  if redis.call('HGET', claimed, 'id') == ARGV[i] then
    redis.call('DEL', claimed)
    redis.call('SET', KEYS[3 * i - 1], 'acked:' .. ARGV[i], 'PX', ttl)
    out[i] = 1
    if redis.call('EXISTS', KEYS[3 * i]) == 0 then
      out[i] = 2
      if dirty then
        redis.call('SREM', dirty, ARGV[n + i])
      end
    end
  end
end
return out
