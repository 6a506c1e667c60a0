-- Releases a dossier claim; after a successful delivery also records its ordering time if it is the newest.
-- KEYS[1] lock key, KEYS[2] delivered-time key
-- ARGV[1] job id (lock owner), ARGV[2] delivered ordering time or '' (nothing delivered), ARGV[3] retention ms
if ARGV[2] ~= '' then
  local current = redis.call('GET', KEYS[2])
  if (not current) or tonumber(current) < tonumber(ARGV[2]) then
    redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
  end
end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 1
