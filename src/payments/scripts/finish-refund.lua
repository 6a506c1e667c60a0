-- Records what the provider said about the refund in flight; an accepted one counts against the payment,
-- and the full amount refunded makes the payment 'refunded'. Outcomes (refunded, refused) go to the outbox.
-- KEYS[1] payment hash, KEYS[2] outbox set
-- ARGV: refundId, status (refunded|refused|error), now, providerCode, providerMessage, providerTransactionNo, outbox entry
if redis.call('HGET', KEYS[1], 'refundInFlight') ~= ARGV[1] then return 'not-in-flight' end
local refunds = cjson.decode(redis.call('HGET', KEYS[1], 'refunds') or '[]')
local amount = 0
for _, r in ipairs(refunds) do
  if r.refundId == ARGV[1] then
    r.status = ARGV[2]
    r.finishedAt = ARGV[3]
    if ARGV[4] ~= '' then r.providerCode = ARGV[4] end
    if ARGV[5] ~= '' then r.providerMessage = ARGV[5] end
    if ARGV[6] ~= '' then r.providerTransactionNo = ARGV[6] end
    amount = r.amount
  end
end
redis.call('HSET', KEYS[1], 'refunds', cjson.encode(refunds))
redis.call('HDEL', KEYS[1], 'refundInFlight', 'refundInFlightSince')
if ARGV[2] == 'refunded' then
  local refunded = redis.call('HINCRBY', KEYS[1], 'refundedAmount', amount)
  if refunded >= tonumber(redis.call('HGET', KEYS[1], 'amount')) then redis.call('HSET', KEYS[1], 'status', 'refunded') end
end
if ARGV[2] ~= 'error' then redis.call('SADD', KEYS[2], ARGV[7]) end
return ARGV[2]
