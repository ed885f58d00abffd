-- Puts a conversation in its queue unless the queue machine already holds it (waiting, offered or
-- assigned), and unless the queue is at its maximum size.
-- KEYS[1] conversation hash, KEYS[2] queue's waiting zset, KEYS[3] queue's config hash, KEYS[4] tenant's sequence counter
-- ARGV[1] conversation id, ARGV[2] queue id, ARGV[3] score, ARGV[4] tenant id, ARGV[5] priority, ARGV[6] channel kind,
-- ARGV[7] customer id, ARGV[8] platform, ARGV[9] preferred agent ('' none), ARGV[10] hold for them until (ms, 0 none),
-- ARGV[11] first queued at (ms), ARGV[12] overflow hops so far, ARGV[13] an agent to avoid while others can take it ('' none)
-- Returns {1, waitToken} when queued now, {0} when already held, {2} when the queue is full.
if redis.call('EXISTS', KEYS[1]) == 1 then return { 0 } end
local maxSize = tonumber(redis.call('HGET', KEYS[3], 'maxSize') or '0') or 0
if maxSize > 0 and redis.call('ZCARD', KEYS[2]) >= maxSize then return { 2 } end
local token = tostring(redis.call('INCR', KEYS[4]))
redis.call('HSET', KEYS[1], 'state', 'queued', 'queueId', ARGV[2], 'tenantId', ARGV[4], 'priority', ARGV[5],
  'kind', ARGV[6], 'customerId', ARGV[7], 'platform', ARGV[8], 'preferAgent', ARGV[9], 'holdUntil', ARGV[10],
  'enqueuedAt', ARGV[11], 'queuedAt', ARGV[11], 'score', ARGV[3], 'waitToken', token, 'hops', ARGV[12])
if ARGV[13] ~= '' then redis.call('SADD', KEYS[1] .. ':skip', ARGV[13]) end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return { 1, token }
