-- An agent accepts the conversation offered to them: the offer becomes an assignment (the
-- capacity was claimed when it was offered), their missed-offer count starts again.
-- KEYS[1] conversation hash, KEYS[2] pending assignments hash
-- ARGV[1] key prefix, ARGV[2] conversation id, ARGV[3] agent id, ARGV[4] now (ms)
-- Returns {'accepted', queueId, waitMs, token}, {'assigned', queueId} when it is theirs already, or {} when not offered to them.
local prefix, convId, agentId, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local c = redis.call('HMGET', KEYS[1], 'state', 'agentId', 'queueId', 'queuedAt', 'answered', 'enqueuedAt')
if c[2] ~= agentId then return {} end
if c[1] == 'assigned' then return { 'assigned', c[3] } end
if c[1] ~= 'offered' then return {} end
local token = tostring(redis.call('INCR', prefix .. 'seq'))
redis.call('HSET', KEYS[1], 'state', 'assigned', 'assignedAt', now, 'token', token)
redis.call('DEL', KEYS[1] .. ':skip')
redis.call('HSET', prefix .. 'agent:' .. agentId, 'misses', 0)
if c[5] ~= '1' then
  local sl = prefix .. 'q:' .. c[3] .. ':sl'
  redis.call('HSET', KEYS[1], 'answered', '1')
  redis.call('ZADD', sl, now, convId .. '|' .. (now - (tonumber(c[4] or '') or now)) .. '|a')
  redis.call('ZREMRANGEBYRANK', sl, 0, -5001)
end
redis.call('HSET', KEYS[2], convId, table.concat({ agentId, c[3], now, 'assign', token }, '|'))
return { 'accepted', c[3], tostring(now - (tonumber(c[6] or '') or now)), token }
