-- Reads what a reconciliation must find unchanged (see reconcile.lua): the flush token and the
-- id of the claimed batch, in one step.
-- KEYS[1] claimed hash  KEYS[2] flush token
-- Returns {flush token or '', claimed batch id or ''}.
return {redis.call('GET', KEYS[2]) or '', redis.call('HGET', KEYS[1], 'id') or ''}
