-- Ends a pending payment without money moving (expired, cancelled) and frees its dossier+fee slot.
-- KEYS[1] payment hash, KEYS[2] outbox set, KEYS[3] expiring zset
-- ARGV: status (expired|cancelled), paymentId, now, notify ('1' puts it in the outbox), settledBy
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'not-found' end
if status ~= 'pending' then
  redis.call('ZREM', KEYS[3], ARGV[2])
  return status
end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'settledBy', ARGV[5], 'settledAt', ARGV[3])
local openKey = redis.call('HGET', KEYS[1], 'openKey')
if openKey and redis.call('GET', openKey) == ARGV[2] then redis.call('DEL', openKey) end
redis.call('ZREM', KEYS[3], ARGV[2])
if ARGV[4] == '1' then redis.call('SADD', KEYS[2], ARGV[2]) end
return 'closed'
