-- Gives a conversation to a named agent (a transfer to that agent, or an assignment restored from
-- the database) and claims one unit of their capacity, unless they are offline or full.
-- KEYS[1] conversation hash, KEYS[2] pending assignments hash
-- ARGV[1] key prefix, ARGV[2] conversation id, ARGV[3] agent id, ARGV[4] queue id, ARGV[5] now,
-- ARGV[6] tenant id, ARGV[7] channel kind when not known yet, ARGV[8] '1' to skip the checks (restore)
-- Returns {1, token, previous agent id or ''} when claimed, {0} when they hold it already, {-1} when full, {-2} when offline.
local prefix, convId, agentId, now = ARGV[1], ARGV[2], ARGV[3], ARGV[5]
local prev = redis.call('HMGET', KEYS[1], 'state', 'agentId', 'queueId', 'kind')
local held = prev[1] == 'assigned' or prev[1] == 'offered'
if held and prev[2] == agentId and prev[1] == 'assigned' then return { 0 } end
local kind = prev[4] or ARGV[7]
local agentKey = prefix .. 'agent:' .. agentId
if ARGV[8] ~= '1' and not (held and prev[2] == agentId) then
  local a = redis.call('HMGET', agentKey, 'status', 'load', 'capacity', 'load:' .. kind, 'cap:' .. kind)
  if a[1] ~= 'online' and a[1] ~= 'away' then return { -2 } end
  local load, cap = tonumber(a[2] or '0') or 0, tonumber(a[3] or '0') or 0
  local kload, kcap = tonumber(a[4] or '0') or 0, tonumber(a[5] or '') or cap
  if load >= cap or kload >= kcap then return { -1 } end
end
if held and prev[2] ~= agentId then
  local oldKey = prefix .. 'agent:' .. prev[2]
  if redis.call('SREM', oldKey .. ':convs', convId) == 1 then
    if redis.call('HINCRBY', oldKey, 'load', -1) < 0 then redis.call('HSET', oldKey, 'load', 0) end
    if redis.call('HINCRBY', oldKey, 'load:' .. kind, -1) < 0 then redis.call('HSET', oldKey, 'load:' .. kind, 0) end
  end
elseif prev[1] == 'queued' then
  redis.call('ZREM', prefix .. 'q:' .. prev[3] .. ':waiting', convId)
end
local token = tostring(redis.call('INCR', prefix .. 'seq'))
redis.call('HSET', KEYS[1], 'state', 'assigned', 'agentId', agentId, 'queueId', ARGV[4], 'assignedAt', now,
  'tenantId', ARGV[6], 'kind', kind, 'answered', '1', 'token', token)
redis.call('DEL', KEYS[1] .. ':skip')
if redis.call('SADD', agentKey .. ':convs', convId) == 1 then
  redis.call('HINCRBY', agentKey, 'load', 1)
  redis.call('HINCRBY', agentKey, 'load:' .. kind, 1)
end
redis.call('HSET', KEYS[2], convId, table.concat({ agentId, ARGV[4], now, 'assign', token }, '|'))
return { 1, token, held and prev[2] ~= agentId and prev[2] or '' }
