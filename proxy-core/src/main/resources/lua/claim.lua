-- Hands the pending spend to a flusher as a batch. An unacknowledged batch is handed out again
-- (same id); otherwise the pending hash becomes the claimed batch under the new id.
-- KEYS[1] pending hash  KEYS[2] claimed hash  KEYS[3] flush token
-- ARGV[1] new batch id  ARGV[2] flush token TTL ms
-- A new claim sets the flush token to the batch id: spend is about to move from the store to the
-- database, and a reconciliation that read the token before (reconcile.lua) must read again.
-- Returns the claimed hash as a flat field/value list (field 'id' is the batch id), or {}.
if redis.call('EXISTS', KEYS[2]) == 0 then
  if redis.call('EXISTS', KEYS[1]) == 0 then
    return {}
  end
  redis.call('RENAME', KEYS[1], KEYS[2])
  redis.call('HSET', KEYS[2], 'id', ARGV[1])
  redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2])
end
return redis.call('HGETALL', KEYS[2])
