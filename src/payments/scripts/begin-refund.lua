-- Reserves a refund of a paid payment: one refund in flight per payment, never more than what remains.
-- A refund left in flight longer than leaseMs (its process died) is marked 'error' and gives way.
-- KEYS[1] payment hash
-- ARGV: refundId, amount ('' = all that remains), requestedBy, reason, now (ISO), nowMs, leaseMs
-- → { 'ok', amount, kind } | { 'not-found' } | { 'not-paid', status } | { 'in-progress', refundId } | { 'exceeds', remaining }
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return { 'not-found' } end
if status ~= 'paid' then return { 'not-paid', status } end
local refunds = cjson.decode(redis.call('HGET', KEYS[1], 'refunds') or '[]')
local inFlight = redis.call('HGET', KEYS[1], 'refundInFlight')
if inFlight then
  local since = tonumber(redis.call('HGET', KEYS[1], 'refundInFlightSince') or '0')
  if tonumber(ARGV[6]) - since < tonumber(ARGV[7]) then return { 'in-progress', inFlight } end
  for _, r in ipairs(refunds) do
    if r.refundId == inFlight and r.status == 'requested' then
      r.status = 'error'
      r.providerMessage = 'no outcome recorded (the gateway stopped while asking); check at the provider'
      r.finishedAt = ARGV[5]
    end
  end
end
local total = tonumber(redis.call('HGET', KEYS[1], 'amount'))
local refunded = tonumber(redis.call('HGET', KEYS[1], 'refundedAmount') or '0')
local remaining = total - refunded
local amount = remaining
if ARGV[2] ~= '' then amount = tonumber(ARGV[2]) end
if amount > remaining then return { 'exceeds', tostring(remaining) } end
-- Full (vnp_TransactionType 02) only when it returns the whole payment; anything else is partial (03).
local kind = 'partial'
if amount == total and refunded == 0 then kind = 'full' end
table.insert(refunds, { refundId = ARGV[1], amount = amount, kind = kind, status = 'requested', requestedBy = ARGV[3],
  reason = ARGV[4], requestedAt = ARGV[5] })
redis.call('HSET', KEYS[1], 'refunds', cjson.encode(refunds), 'refundInFlight', ARGV[1], 'refundInFlightSince', ARGV[6])
return { 'ok', tostring(amount), kind }
