-- Reads one model-spend field of the pending and the claimed hash in one step, so a concurrent
-- claim (which moves one into the other) cannot make it count twice or not at all.
-- KEYS[1] pending hash  KEYS[2] claimed hash  ARGV[1] field 'm:<period end>|<model>'
-- Returns both values ('0' when absent); the caller sums them in 64-bit.
return {redis.call('HGET', KEYS[1], ARGV[1]) or '0', redis.call('HGET', KEYS[2], ARGV[1]) or '0'}
