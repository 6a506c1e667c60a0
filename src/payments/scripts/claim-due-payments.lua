-- Hands out payments whose expiry check is due, to one checker each: a claimed payment's next check moves
-- leaseMs ahead, so a checker that dies leaves it to be claimed again then.
-- KEYS[1] expiring zset; ARGV: now (ms), leaseMs, limit
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(due) do
  redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), id)
end
return due
