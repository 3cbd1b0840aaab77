-- Reads the period spend of the pending and the claimed hash in one step, so a concurrent claim
-- (which moves one into the other) cannot make it count twice or not at all.
-- KEYS[1] pending hash  KEYS[2] claimed hash
-- Returns the 's:*' values as integer strings; the caller sums them in 64-bit.
local out = {}
for i = 1, 2 do
  local all = redis.call('HGETALL', KEYS[i])
  for j = 1, #all, 2 do
    if string.sub(all[j], 1, 2) == 's:' then
      out[#out + 1] = all[j + 1]
    end
  end
end
return out
