-- Decides which waiting customers of a queue should be told their position again, in one pass:
-- only those whose position or estimated wait changed meaningfully since they were last told, kept
-- apart for the widget event and for text messages (which also need the caller's delay since
-- queueing, and a least interval). Records what was told, so any number of processes tell each change once.
-- KEYS[1] queue's waiting zset
-- ARGV[1] key prefix, ARGV[2] seconds each position adds ('' unknown), ARGV[3] now (ms),
-- ARGV[4] ms a customer waits before a first text, ARGV[5] least ms between two texts,
-- ARGV[6] relative change of the estimate that matters (e.g. 0.25),
-- ARGV[7] relative change of the position that matters (e.g. 0.1: 30 to 27, but every step from 10 down),
-- ARGV[8] how many positions to look at, from ARGV[10] (0-based rank), ARGV[9] only this conversation ('' all)
-- Returns 7 fields per customer to tell: conversationId, customerId, platform, position, eta ('' unknown), tell 0|1, text 0|1.
local prefix, now = ARGV[1], tonumber(ARGV[3])
local perPos, textDelay, textEvery = tonumber(ARGV[2]), tonumber(ARGV[4]), tonumber(ARGV[5])
local rel, posRel = tonumber(ARGV[6]), tonumber(ARGV[7])

local function changed(pos, eta, prevPos, prevEta)
  prevPos, prevEta = tonumber(prevPos or ''), tonumber(prevEta or '')
  if prevPos == nil or (pos == 1 and prevPos ~= 1) then return true end
  if math.abs(pos - prevPos) >= math.max(1, math.floor(prevPos * posRel)) then return true end
  if eta == nil then return false end
  return prevEta == nil or math.abs(eta - prevEta) >= rel * math.max(prevEta, 1)
end

local ids, first
if ARGV[9] ~= '' then
  local rank = redis.call('ZRANK', KEYS[1], ARGV[9])
  if not rank then return {} end
  ids, first = { ARGV[9] }, rank + 1
else
  local from = tonumber(ARGV[10] or '0') or 0
  ids, first = redis.call('ZRANGE', KEYS[1], from, from + tonumber(ARGV[8]) - 1), from + 1
end
local out = {}
for i, id in ipairs(ids) do
  local pos = first + i - 1
  local eta = perPos and math.floor(pos * perPos * 10 + 0.5) / 10 or nil
  local key = prefix .. 'conv:' .. id
  local c = redis.call('HMGET', key, 'state', 'toldPos', 'toldEta', 'textPos', 'textEta', 'textAt', 'customerId', 'platform', 'enqueuedAt')
  if c[1] == 'queued' then
    local tell, text = 0, 0
    local etaStr = eta and tostring(eta) or ''
    if changed(pos, eta, c[2], c[3]) then
      redis.call('HSET', key, 'toldPos', pos, 'toldEta', etaStr)
      tell = 1
    end
    local last = tonumber(c[6] or '')
    local platform = c[8] or ''
    if platform ~= '' and platform ~= 'webchat' and now - (tonumber(c[9] or '') or now) >= textDelay
      and (last == nil or now - last >= textEvery) and changed(pos, eta, c[4], c[5]) then
      redis.call('HSET', key, 'textPos', pos, 'textEta', etaStr, 'textAt', now)
      text = 1
    end
    if tell == 1 or text == 1 then
      for _, v in ipairs({ id, c[7] or '', platform, pos, etaStr, tell, text }) do out[#out + 1] = v end
    end
  end
end
return out
