-- An offer ran out (or was declined): the agent's capacity is freed, the conversation goes back
-- to its place in the queue and will not be offered to that agent again while others can take it.
-- A miss is counted; after the queue's maximum the agent is set away.
-- KEYS[1] conversation hash, KEYS[2] pending assignments hash
-- ARGV[1] key prefix, ARGV[2] conversation id, ARGV[3] agent id, ARGV[4] offer token, ARGV[5] max misses (0 never away),
-- ARGV[6] '1' to count a miss (a timeout), '0' not (a decline)
-- Returns {queueId, misses, setAway 0|1}, or {} when that offer is no longer standing.
local prefix, convId, agentId = ARGV[1], ARGV[2], ARGV[3]
local c = redis.call('HMGET', KEYS[1], 'state', 'agentId', 'queueId', 'kind', 'score', 'token')
if c[1] ~= 'offered' or c[2] ~= agentId or c[6] ~= ARGV[4] then return {} end
local agentKey = prefix .. 'agent:' .. agentId
if redis.call('SREM', agentKey .. ':convs', convId) == 1 then
  if redis.call('HINCRBY', agentKey, 'load', -1) < 0 then redis.call('HSET', agentKey, 'load', 0) end
  local kind = 'load:' .. (c[4] or 'chat')
  if redis.call('HINCRBY', agentKey, kind, -1) < 0 then redis.call('HSET', agentKey, kind, 0) end
end
redis.call('SADD', KEYS[1] .. ':skip', agentId)
redis.call('HSET', KEYS[1], 'state', 'queued')
redis.call('HDEL', KEYS[1], 'agentId', 'assignedAt', 'token')
redis.call('ZADD', prefix .. 'q:' .. c[3] .. ':waiting', c[5], convId)
redis.call('HDEL', KEYS[2], convId)
local misses, away = 0, 0
if ARGV[6] == '1' then
  misses = redis.call('HINCRBY', agentKey, 'misses', 1)
  local maxMisses = tonumber(ARGV[5]) or 0
  if maxMisses > 0 and misses >= maxMisses then
    redis.call('HSET', agentKey, 'status', 'away', 'misses', 0)
    away = 1
  end
end
return { c[3], misses, away }
