-- Claims the right to deliver for one dossier at one destination, and tells what was delivered last.
-- KEYS[1] lock key, KEYS[2] delivered-time key
-- ARGV[1] job id (lock owner), ARGV[2] lock ttl ms
-- Returns -2 when another job holds the lock, else the last delivered ordering time (-1 if none).
local owner = redis.call('GET', KEYS[1])
if owner and owner ~= ARGV[1] then
  return -2
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local delivered = redis.call('GET', KEYS[2])
if delivered then
  return tonumber(delivered)
end
return -1
