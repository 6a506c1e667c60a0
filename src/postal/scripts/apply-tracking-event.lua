-- Applies one tracking event to a shipment, once: an event seen before is a duplicate; an event older than the
-- shipment's newest one is kept in its history but never overwrites the newer state.
-- KEYS[1] shipment hash, KEYS[2] seen event ids, KEYS[3] history list
-- ARGV: eventId, state, occurredAt (ms), trackingNumber, event JSON, stateRank
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 'duplicate' end
redis.call('RPUSH', KEYS[3], ARGV[5])
redis.call('HSET', KEYS[1], 'trackingNumber', ARGV[4])
local lastTime = tonumber(redis.call('HGET', KEYS[1], 'stateTime') or '-1')
local lastRank = tonumber(redis.call('HGET', KEYS[1], 'stateRank') or '-1')
local time = tonumber(ARGV[3])
local rank = tonumber(ARGV[6])
-- Newer wins; at the same instant, the later step of the journey wins.
if time > lastTime or (time == lastTime and rank > lastRank) then
  redis.call('HSET', KEYS[1], 'state', ARGV[2], 'stateTime', ARGV[3], 'stateRank', ARGV[6])
  return 'applied'
end
return 'stale'
