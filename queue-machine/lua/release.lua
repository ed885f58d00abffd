-- Frees the capacity an offered or assigned conversation held, or takes a waiting one out of its
-- queue (an abandonment, counted against the service level). Records the handling time.
-- KEYS[1] conversation hash, KEYS[2] pending assignments hash
-- ARGV[1] key prefix, ARGV[2] conversation id, ARGV[3] now (ms)
-- Returns {agent id whose capacity was freed or '', queue id or ''}.
local c = redis.call('HMGET', KEYS[1], 'state', 'agentId', 'queueId', 'kind', 'assignedAt', 'queuedAt', 'answered')
if not c[1] then return { '', '' } end
local prefix, now = ARGV[1], tonumber(ARGV[3])
redis.call('DEL', KEYS[1], KEYS[1] .. ':skip')
redis.call('HDEL', KEYS[2], ARGV[2])
if c[1] == 'queued' then
  redis.call('ZREM', prefix .. 'q:' .. c[3] .. ':waiting', ARGV[2])
  if c[7] ~= '1' then
    local sl = prefix .. 'q:' .. c[3] .. ':sl'
    redis.call('ZADD', sl, now, ARGV[2] .. '|' .. (now - (tonumber(c[6] or '') or now)) .. '|x')
    redis.call('ZREMRANGEBYRANK', sl, 0, -5001)
  end
  return { '', c[3] }
end
local agentKey = prefix .. 'agent:' .. c[2]
if redis.call('SREM', agentKey .. ':convs', ARGV[2]) == 1 then
  if redis.call('HINCRBY', agentKey, 'load', -1) < 0 then redis.call('HSET', agentKey, 'load', 0) end
  local kind = 'load:' .. (c[4] or 'chat')
  if redis.call('HINCRBY', agentKey, kind, -1) < 0 then redis.call('HSET', agentKey, kind, 0) end
end
if c[1] == 'assigned' and c[5] then
  local aht = prefix .. 'q:' .. c[3] .. ':aht'
  redis.call('LPUSH', aht, now .. '|' .. (now - tonumber(c[5])))
  redis.call('LTRIM', aht, 0, 199)
end
return { c[2], c[3] }
