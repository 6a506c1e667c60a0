-- Records an expected payment, takes the dossier+fee slot and schedules its expiry check, in one step,
-- unless an open, paid or under-review payment holds the slot.
-- KEYS[1] payment hash, KEYS[2] open-slot key, KEYS[3] expiring zset
-- ARGV: paymentId, doc JSON, amount, currency, requestSha256, paymentKeyPrefix, dueAt (ms)
local holder = redis.call('GET', KEYS[2])
if holder then
  local holderKey = ARGV[6] .. holder
  local status = redis.call('HGET', holderKey, 'status')
  if holdsFeeSlot(status) then
    return { holder, status, redis.call('HGET', holderKey, 'requestSha256') or '' }
  end
end
redis.call('HSET', KEYS[1], 'doc', ARGV[2], 'amount', ARGV[3], 'currency', ARGV[4], 'status', 'pending',
  'requestSha256', ARGV[5], 'openKey', KEYS[2])
redis.call('SET', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[7], ARGV[1])
return { ARGV[1], 'created', ARGV[5] }
