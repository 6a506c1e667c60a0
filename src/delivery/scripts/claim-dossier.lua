-- Claims the right to deliver one message of a dossier at one destination, and records the intent to send it.
-- KEYS[1] lock key, KEYS[2] floor key (the newest ordering time that reached, or may have reached, the receiver),
-- KEYS[3] intent key ("jobId|orderingTime" of the call in flight), KEYS[4] settle key (see release-dossier)
-- ARGV[1] job id (lock owner), ARGV[2] lock ttl ms, ARGV[3] this message's ordering time, ARGV[4] floor retention ms
-- Returns {'busy'} while another job holds the lock, {'superseded', floor} when a newer message reached (or may
-- have reached) the receiver, else {'claimed', wasInterrupted} with the intent recorded.
local owner = redis.call('GET', KEYS[1])
if owner and owner ~= ARGV[1] then
  return {'busy'}
end
-- A call of another job went unanswered moments ago and may still be applied late (see release-dossier).
local settling = redis.call('GET', KEYS[4])
if settling and settling ~= ARGV[1] then
  return {'busy'}
end
local floor = tonumber(redis.call('GET', KEYS[2]) or '-1')
local interrupted = 0
local intent = redis.call('GET', KEYS[3])
if intent then
  local sep = string.find(intent, '|', 1, true)
  local intentJob = string.sub(intent, 1, sep - 1)
  local intentTime = tonumber(string.sub(intent, sep + 1))
  -- The lock was free, so whoever recorded this intent died with its call in flight: the receiver may have
  -- applied it. Count it for ordering from now on, so nothing older is sent after it.
  if intentTime > floor then
    floor = intentTime
    redis.call('SET', KEYS[2], tostring(floor), 'PX', ARGV[4])
  end
  redis.call('DEL', KEYS[3])
  if intentJob == ARGV[1] then interrupted = 1 end
end

local time = tonumber(ARGV[3])
if time < floor then
  if owner then redis.call('DEL', KEYS[1]) end
  return {'superseded', tostring(floor), interrupted}
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SET', KEYS[3], ARGV[1] .. '|' .. ARGV[3], 'PX', ARGV[4])
return {'claimed', tostring(floor), interrupted}
