-- Starts a new budget period: spent = 0, new period end. Reserved is kept (in-flight calls
-- release it) and pending spend is untouched. A missing account stays missing.
-- KEYS[1] account hash  ARGV[1] new period end ms.  Returns 1 when reset, 0 when absent.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], 'spent', '0', 'pe', ARGV[1])
return 1
