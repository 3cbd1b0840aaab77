-- Drops the claimed batch after its database commit, only when the id matches, so a late ack
-- from a slow flusher cannot drop a newer batch. The flush token changes with it (see claim.lua).
-- KEYS[1] claimed hash  KEYS[2] flush token  ARGV[1] batch id  ARGV[2] flush token TTL ms
-- Returns 1 when dropped, else 0.
if redis.call('HGET', KEYS[1], 'id') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], 'acked:' .. ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
