-- A waiting conversation leaves its queue: past the queue's maximum wait, or because nobody
-- eligible is online. It moves to the fallback queue (keeping its arrival time, so it is not sent
-- to the back) or leaves the queue machine for the autoresponder. Counted against the service level.
-- KEYS[1] conversation hash, KEYS[2] pending assignments hash
-- ARGV[1] key prefix, ARGV[2] conversation id, ARGV[3] queue id it must be waiting in,
-- ARGV[4] its wait token ('' any), ARGV[5] now, ARGV[6] fallback queue id ('' leave the queues),
-- ARGV[7] '1' only when no eligible agent is online, ARGV[8] max overflow hops
-- Returns {'moved', queueId, newWaitToken}, {'left'}, or {} when nothing was done.
local prefix, convId, queueId, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[5])
local c = redis.call('HMGET', KEYS[1], 'state', 'queueId', 'waitToken', 'priority', 'enqueuedAt', 'queuedAt', 'answered', 'hops')
if c[1] ~= 'queued' or c[2] ~= queueId or (ARGV[4] ~= '' and c[3] ~= ARGV[4]) then return {} end
if ARGV[7] == '1' then
  local skills = redis.call('HGETALL', prefix .. 'q:' .. queueId .. ':skills')
  for _, id in ipairs(redis.call('SMEMBERS', prefix .. 'q:' .. queueId .. ':agents')) do
    local a = redis.call('HMGET', prefix .. 'agent:' .. id, 'status', 'lostAt', 'capacity')
    if a[1] == 'online' and not a[2] and (tonumber(a[3] or '0') or 0) > 0 then
      local ok = true
      for j = 1, #skills, 2 do
        local level = tonumber(redis.call('HGET', prefix .. 'agent:' .. id .. ':skills', skills[j]) or '0') or 0
        if level < math.max(1, tonumber(skills[j + 1]) or 1) then ok = false break end
      end
      if ok then return {} end
    end
  end
end
redis.call('ZREM', prefix .. 'q:' .. queueId .. ':waiting', convId)
if c[7] ~= '1' then
  local sl = prefix .. 'q:' .. queueId .. ':sl'
  redis.call('ZADD', sl, now, convId .. '|' .. (now - (tonumber(c[6] or '') or now)) .. '|x')
  redis.call('ZREMRANGEBYRANK', sl, 0, -5001)
end
local hops = (tonumber(c[8] or '0') or 0) + 1
local target = ARGV[6]
if target ~= '' and target ~= queueId and hops <= (tonumber(ARGV[8]) or 3) then
  local score = -(tonumber(c[4] or '0') or 0) * 1e13 + (tonumber(c[5] or '') or now)
  local token = tostring(redis.call('INCR', prefix .. 'seq'))
  redis.call('HSET', KEYS[1], 'queueId', target, 'queuedAt', now, 'waitToken', token, 'hops', hops, 'score', score)
  redis.call('HDEL', KEYS[1], 'answered', 'toldPos', 'toldEta')
  redis.call('DEL', KEYS[1] .. ':skip')
  redis.call('ZADD', prefix .. 'q:' .. target .. ':waiting', score, convId)
  return { 'moved', target, token }
end
redis.call('DEL', KEYS[1], KEYS[1] .. ':skip')
redis.call('HDEL', KEYS[2], convId)
return { 'left' }
