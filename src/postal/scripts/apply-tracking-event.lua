-- Applies one tracking event to a shipment, once: an event seen before answers 'duplicate:' and what it did then
-- (so a poller that crashed before handing an applied event on can hand it on again); an event older than the
-- shipment's newest one is kept in its history but never overwrites the newer state.
-- KEYS[1] shipment hash, KEYS[2] event id → result, KEYS[3] history list
-- ARGV: eventId, state, occurredAt (ms), trackingNumber ('' when none), event JSON, stateRank
-- A shipment the gateway does not hold (never created, or expired since it was looked up): nothing is written, so
-- no half shipment is made up from a carrier's record.
if redis.call('EXISTS', KEYS[1]) == 0 then return 'unknown' end
local previous = redis.call('HGET', KEYS[2], ARGV[1])
if previous then return 'duplicate:' .. previous end
redis.call('RPUSH', KEYS[3], ARGV[5])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'trackingNumber', ARGV[4]) end
local lastTime = tonumber(redis.call('HGET', KEYS[1], 'stateTime') or '-1')
local lastRank = tonumber(redis.call('HGET', KEYS[1], 'stateRank') or '-1')
local time = tonumber(ARGV[3])
local rank = tonumber(ARGV[6])
local result = 'stale'
-- Newer wins; at the same instant, the later step of the journey wins.
if time > lastTime or (time == lastTime and rank > lastRank) then
  redis.call('HSET', KEYS[1], 'state', ARGV[2], 'stateTime', ARGV[3], 'stateRank', ARGV[6])
  result = 'applied'
end
redis.call('HSET', KEYS[2], ARGV[1], result)
return result
