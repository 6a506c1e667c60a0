-- An operator's decision on a payment that needs review: paid or failed, once.
-- KEYS[1] payment hash, KEYS[2] outbox set, KEYS[3] needs-review set, KEYS[4] paid-on-day set
-- ARGV: outcome (paid|failed), resolution JSON, paymentId, now
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'not-found' end
if status ~= 'needs-review' then return status end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'reviewResolution', ARGV[2], 'resolvedAt', ARGV[4])
redis.call('SREM', KEYS[3], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[3])
if ARGV[1] == 'paid' then
  redis.call('SADD', KEYS[4], ARGV[3])
else
  local openKey = redis.call('HGET', KEYS[1], 'openKey')
  if openKey and redis.call('GET', openKey) == ARGV[3] then redis.call('DEL', openKey) end
end
return 'resolved'
