-- Applies a provider's statement (callback or query) to an expected payment, once.
-- Checks in the order bank protocols answer them: found → amount → not yet settled.
-- KEYS[1] payment hash, KEYS[2] outbox set, KEYS[3] paid-on-day set, KEYS[4] expiring zset, KEYS[5] needs-review set
-- ARGV: outcome (paid|failed|needs-review), transactionNo, amount, currency ('' = not stated), bankCode, paidAt,
--       settledBy, paymentId, now, review JSON ('' unless needs-review)
if redis.call('EXISTS', KEYS[1]) == 0 then return 'not-found' end
local status = redis.call('HGET', KEYS[1], 'status')
local currencyDiffers = ARGV[4] ~= '' and ARGV[4] ~= redis.call('HGET', KEYS[1], 'currency')
if ARGV[3] ~= redis.call('HGET', KEYS[1], 'amount') or currencyDiffers then
  redis.call('HINCRBY', KEYS[1], 'refusedStatements', 1)
  return 'invalid-amount'
end
-- Settled already, including "needs an operator": only the operator moves it on from there.
if status == 'paid' or status == 'failed' or status == 'needs-review' or status == 'refunded' then return 'already-confirmed' end
-- pending, or expired/cancelled here while the citizen was paying: the provider's word settles it, flagged.
local late = '0'
if status ~= 'pending' then late = '1' end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'transactionNo', ARGV[2], 'bankCode', ARGV[5], 'paidAt', ARGV[6],
  'settledBy', ARGV[7], 'settledAt', ARGV[9], 'settledAfterExpiry', late)
redis.call('SADD', KEYS[2], ARGV[8])
redis.call('ZREM', KEYS[4], ARGV[8])
-- Paid, or maybe debited, after it was closed here (expired or cancelled while the citizen was paying): closing freed
-- the fee slot, so it is taken back if still free, and the same fees are refused as paid instead of asked for again.
-- Another payment of the same fees opened meanwhile keeps it (this one is flagged settledAfterExpiry for an operator).
local function holdSlotAgain()
  local openKey = redis.call('HGET', KEYS[1], 'openKey')
  if not openKey then return end
  local holder = redis.call('GET', openKey)
  if holder == ARGV[8] then return end
  if holder then
    if holdsFeeSlot(redis.call('HGET', string.sub(KEYS[1], 1, #KEYS[1] - #ARGV[8]) .. holder, 'status')) then return end
  end
  redis.call('SET', openKey, ARGV[8])
end
if ARGV[1] == 'paid' then
  redis.call('SADD', KEYS[3], ARGV[8])
  if late == '1' then holdSlotAgain() end
elseif ARGV[1] == 'needs-review' then
  -- The citizen may have been debited: the fee slot stays held, so nobody is asked to pay these fees again.
  redis.call('HSET', KEYS[1], 'review', ARGV[10])
  redis.call('SADD', KEYS[5], ARGV[8])
  if late == '1' then holdSlotAgain() end
else
  local openKey = redis.call('HGET', KEYS[1], 'openKey')
  if openKey and redis.call('GET', openKey) == ARGV[8] then redis.call('DEL', openKey) end
end
return 'confirmed'
