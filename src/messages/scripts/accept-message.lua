-- Accepts one message in one step: the signature look-up, BullMQ's own add (with its deduplication key), the
-- signature's memory, the message-log entry and the dossier timeline. Nothing is written unless the message is new or
-- a duplicate; a conflict writes nothing. Composed after BullMQ's addStandardJob (accept-script.ts prepends it as
-- the local function bullmqAddStandardJob), so the job is exactly the one queue.add would have made.
-- KEYS[1..9]  BullMQ addStandardJob's keys (wait, paused, meta, id, completed, delayed, active, events, marker)
-- KEYS[10]    the signature's memory ('<prefix>:signed-message:<messageId>')
-- KEYS[11]    the message log's pending list
-- KEYS[12]    the dossier's timeline
-- KEYS[13]    the body's memory under its Idempotency-Key ('bull:deliver-x:idem-body:<deduplication id>'): the original
--             job may be trimmed (retention.completedJobsPerDestination) while BullMQ's deduplication key lives on
-- ARGV[1..3]  BullMQ addStandardJob's arguments (packed args, job data, packed options), as BullMQ built them
-- ARGV[4]     the queue's job key prefix ('bull:deliver-x:'), ARGV[5] the message id (the job id)
-- ARGV[6]     how long the signature is remembered (ms; '' when the message has no signature of its own)
-- ARGV[7]     '1' when a deduplication hit must carry the same body (a partner's Idempotency-Key), else '0'
-- ARGV[8]     the body's SHA-256
-- ARGV[9], ARGV[10], ARGV[11]  the message-log line around its message id, and the ends of the queued and duplicate lines
-- ARGV[12], ARGV[13], ARGV[14] the timeline entry's score, member and retention (ms)
-- ARGV[15]    how long the body's memory lasts (ms: as long as the deduplication key)
-- Returns {'queued', id, failed}, {'duplicate', originalId, failed}, {'conflict', originalId} or {'error', BullMQ's code};
-- `failed` is 1 when a record (memory, log entry, timeline) could not be written: the message itself is stored.
local rcall = redis.call
local messageId = ARGV[5]

-- Once the message is stored, a record that fails must not fail it (Redis does not undo what a script wrote).
local failed = 0
local function record(...)
  local reply = redis.pcall(...)
  if type(reply) == 'table' and reply.err then failed = 1 end
end

local function remember(id)
  if ARGV[6] ~= '' then record('SET', KEYS[10], id, 'PX', ARGV[6], 'NX') end
end

local function duplicateOf(original)
  remember(original)
  record('RPUSH', KEYS[11], ARGV[9] .. original .. ARGV[11])
  return {'duplicate', original, failed}
end

-- One signature, one message: a signature heard before is that message.
if ARGV[6] ~= '' then
  local remembered = rcall('GET', KEYS[10])
  if remembered then return duplicateOf(remembered) end
end
if rcall('EXISTS', ARGV[4] .. messageId) == 1 then return duplicateOf(messageId) end

local added = bullmqAddStandardJob({KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9]}, {ARGV[1], ARGV[2], ARGV[3]})
if type(added) == 'number' then return {'error', tostring(added)} end

if added ~= messageId then
  -- The Idempotency-Key was used before: the same body is that message again, another body is a conflict.
  if ARGV[7] == '1' then
    local data = rcall('HGET', ARGV[4] .. added, 'data')
    if data then
      local ok, original = pcall(cjson.decode, data)
      if ok and type(original) == 'table' and original['bodySha256'] ~= ARGV[8] then return {'conflict', added} end
    else
      -- The original's job was trimmed; its body's digest outlives it, for as long as the key does.
      local remembered = rcall('GET', KEYS[13])
      if remembered and remembered ~= ARGV[8] then return {'conflict', added} end
    end
  end
  return duplicateOf(added)
end

remember(messageId)
if ARGV[7] == '1' then record('SET', KEYS[13], ARGV[8], 'PX', ARGV[15]) end
record('RPUSH', KEYS[11], ARGV[9] .. messageId .. ARGV[10])
record('ZADD', KEYS[12], ARGV[12], ARGV[13])
record('PEXPIRE', KEYS[12], ARGV[14])
return {'queued', messageId, failed}
