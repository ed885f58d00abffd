-- An agent is gone (their disconnect grace period ran out): they go offline and every
-- conversation they held goes back to the FRONT of its queue, ahead of others of its priority.
-- KEYS[1] agent hash, KEYS[2] agent's conversations set, KEYS[3] pending assignments hash
-- ARGV[1] key prefix, ARGV[2] agent id, ARGV[3] the disconnect it ends (lostAt; '' whatever it is), ARGV[4] new status
-- Returns a flat list conversationId, queueId, ...; or false when the agent came back meanwhile.
local prefix, agentId = ARGV[1], ARGV[2]
if ARGV[3] ~= '' and redis.call('HGET', KEYS[1], 'lostAt') ~= ARGV[3] then return false end
redis.call('HDEL', KEYS[1], 'lostAt')
redis.call('HSET', KEYS[1], 'status', ARGV[4], 'load', 0)
for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(f, 1, 5) == 'load:' then redis.call('HDEL', KEYS[1], f) end
end
local out = {}
for _, convId in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local ck = prefix .. 'conv:' .. convId
  local c = redis.call('HMGET', ck, 'state', 'agentId', 'queueId', 'priority', 'score')
  if c[2] == agentId and (c[1] == 'assigned' or c[1] == 'offered') and c[3] and c[3] ~= '' then
    local waiting = prefix .. 'q:' .. c[3] .. ':waiting'
    local band = -(tonumber(c[4] or '0') or 0) * 1e13
    local score = tonumber(c[5] or '') or band
    local head = redis.call('ZRANGEBYSCORE', waiting, band, '(' .. (band + 1e13), 'WITHSCORES', 'LIMIT', 0, 1)
    if head[2] and tonumber(head[2]) - 1 < score then score = tonumber(head[2]) - 1 end
    redis.call('ZADD', waiting, score, convId)
    redis.call('HSET', ck, 'state', 'queued', 'score', score)
    redis.call('HDEL', ck, 'agentId', 'assignedAt', 'token')
    redis.call('HDEL', KEYS[3], convId)
    out[#out + 1] = convId
    out[#out + 1] = c[3]
  end
end
redis.call('DEL', KEYS[2])
return out
