-- Keeps a dossier claim alive while its call is in flight. KEYS[1] lock key; ARGV[1] job id, ARGV[2] ttl ms.
-- Returns 0 when the claim was lost (its holder stalled past the ttl and another job took the dossier).
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
