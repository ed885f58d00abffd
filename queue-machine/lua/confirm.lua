-- The switch recorded an assignment in the database: forget it as pending, but only if it is
-- still the same assignment (a newer one for the same conversation must stay recoverable).
-- KEYS[1] pending assignments hash
-- ARGV[1] conversation id, ARGV[2] the pending entry's token
-- Returns 1 when removed, 0 otherwise.
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return 0 end
local token = string.match(v, '([^|]*)$')
if token ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
