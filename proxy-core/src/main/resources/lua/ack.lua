-- Drops the claimed batch after its database commit, only when the id matches, so a late ack
-- from a slow flusher cannot drop a newer batch.
-- KEYS[1] claimed hash  ARGV[1] batch id.  Returns 1 when dropped, else 0.
if redis.call('HGET', KEYS[1], 'id') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
