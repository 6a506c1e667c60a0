-- Releases a dossier claim. A call that reached, or may have reached, the receiver raises the floor; a call
-- that surely did not (an answer refused it) leaves the floor as it was.
-- A call left unanswered (a timeout) may still be applied by a slow receiver after we gave up on it: the dossier then
-- settles for ARGV[4] ms, during which only this job (sending the same message again) may claim it, so no newer
-- message can be applied before the late one.
-- KEYS[1] lock key, KEYS[2] floor key, KEYS[3] intent key, KEYS[4] settle key
-- ARGV[1] job id (lock owner), ARGV[2] this message's ordering time or '' (nothing reached the receiver), ARGV[3] retention ms,
-- ARGV[4] settle ms (0: the call was answered)
if ARGV[2] ~= '' then
  local current = redis.call('GET', KEYS[2])
  if (not current) or tonumber(current) < tonumber(ARGV[2]) then
    redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
  end
end
local intent = redis.call('GET', KEYS[3])
if intent and string.sub(intent, 1, #ARGV[1] + 1) == ARGV[1] .. '|' then
  redis.call('DEL', KEYS[3])
end
if tonumber(ARGV[4]) > 0 then
  redis.call('SET', KEYS[4], ARGV[1], 'PX', ARGV[4])
end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 1
