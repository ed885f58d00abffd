-- Assigns waiting conversations of one or more queues to eligible agents as one atomic step:
-- choosing the agent and claiming a unit of their capacity cannot interleave with another process.
-- Order: highest (queue priority + conversation priority), then longest waiting. Per queue policy:
-- 'least-loaded' (default: lowest load relative to capacity, then longest since last assignment),
-- 'round-robin', 'skills' (best skill match, then load), 'manual' (only when an agent picks).
-- A returning customer's previous agent is preferred when eligible (sticky), and may hold it.
-- KEYS[1] pending assignments hash
-- ARGV[1] key prefix ("cc:qm:{tenant}:"), ARGV[2] now (ms), ARGV[3] max assignments,
-- ARGV[4] only this agent ('' any), ARGV[5] only this conversation ('' any),
-- ARGV[6] '1' when an agent picks (manual queues too), ARGV[7..] queue ids
-- Returns 8 fields per assignment: conversationId, agentId, queueId, mode ('assign'|'offer'),
-- at, waitMs (since first queued), offerMs, token
local prefix, now, maxN = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local onlyAgent, onlyConv, picking = ARGV[4], ARGV[5], ARGV[6] == '1'
local SCAN, SL_KEEP = 50, 5000

local agents = {}
local function agent(id)
  local a = agents[id]
  if a then return a end
  local h = redis.call('HMGET', prefix .. 'agent:' .. id, 'status', 'load', 'capacity', 'lastAssignedAt', 'lostAt')
  a = { id = id, status = h[1], load = tonumber(h[2] or '0') or 0, cap = tonumber(h[3] or '0') or 0,
        last = tonumber(h[4] or '0') or 0, lost = h[5], kl = {}, kc = {}, sk = {} }
  agents[id] = a
  return a
end

-- Load and capacity for one channel kind (a kind without its own capacity uses the overall one).
local function kindLoad(a, kind)
  if a.kl[kind] == nil then
    local h = redis.call('HMGET', prefix .. 'agent:' .. a.id, 'load:' .. kind, 'cap:' .. kind)
    a.kl[kind] = tonumber(h[1] or '0') or 0
    a.kc[kind] = tonumber(h[2] or '') or a.cap
  end
  return a.kl[kind], a.kc[kind]
end

local function skillLevel(a, skill)
  if a.sk[skill] == nil then
    a.sk[skill] = tonumber(redis.call('HGET', prefix .. 'agent:' .. a.id .. ':skills', skill) or '0') or 0
  end
  return a.sk[skill]
end

local function present(a) return a.status == 'online' and not a.lost end

local function eligible(a, q, c, allowSkipped)
  if not present(a) or a.cap <= 0 or a.load >= a.cap then return false end
  local l, cap = kindLoad(a, c.kind)
  if l >= cap then return false end
  for _, s in ipairs(q.skills) do
    if skillLevel(a, s[1]) < s[2] then return false end
  end
  return allowSkipped or not c.skipped[a.id]
end

local function match(a, q)
  local m = 0
  for _, s in ipairs(q.skills) do m = m + skillLevel(a, s[1]) end
  return m
end

-- Is agent a a better choice than b (nil) for conversation c of queue q?
local function better(q, c, a, b)
  if b == nil then return true end
  if q.policy == 'skills' then
    local ma, mb = match(a, q), match(b, q)
    if ma ~= mb then return ma > mb end
  end
  local la, ca = kindLoad(a, c.kind)
  local lb, cb = kindLoad(b, c.kind)
  if la / ca ~= lb / cb then return la / ca < lb / cb end
  if a.last ~= b.last then return a.last < b.last end
  return a.id < b.id
end

local function roundRobin(q, c, allowSkipped)
  local n, start = #q.members, 0
  for i, id in ipairs(q.members) do if id == q.rrLast then start = i break end end
  for k = 1, n do
    local id = q.members[((start + k - 1) % n) + 1]
    if onlyAgent == '' or id == onlyAgent then
      local a = agent(id)
      if eligible(a, q, c, allowSkipped) then return a end
    end
  end
  return nil
end

local function choose(q, c)
  for pass = 1, 2 do
    local allowSkipped = pass == 2 -- an offer nobody else can take goes back to who missed it
    if pass == 2 and not c.hasSkip then break end
    if c.prefer ~= '' and q.isMember[c.prefer] and (onlyAgent == '' or onlyAgent == c.prefer) then
      local p = agent(c.prefer)
      if eligible(p, q, c, allowSkipped) then return p end
      if c.holdUntil > now and present(p) and not c.skipped[p.id] then return nil end
    end
    local best = nil
    if q.policy == 'round-robin' then
      best = roundRobin(q, c, allowSkipped)
    else
      for _, id in ipairs(q.members) do
        if onlyAgent == '' or id == onlyAgent then
          local a = agent(id)
          if eligible(a, q, c, allowSkipped) and better(q, c, a, best) then best = a end
        end
      end
    end
    if best then return best end
  end
  return nil
end

local function loadConv(id)
  local h = redis.call('HMGET', prefix .. 'conv:' .. id, 'state', 'kind', 'priority', 'enqueuedAt', 'queuedAt',
    'preferAgent', 'holdUntil', 'answered')
  local c = { id = id, state = h[1], kind = h[2] or 'chat', prio = tonumber(h[3] or '0') or 0,
    enq = tonumber(h[4] or '0') or 0, prefer = h[6] or '', holdUntil = tonumber(h[7] or '0') or 0,
    answered = h[8] == '1', skipped = {}, hasSkip = false }
  c.qat = tonumber(h[5] or '') or c.enq
  for _, a in ipairs(redis.call('SMEMBERS', prefix .. 'conv:' .. id .. ':skip')) do
    c.skipped[a] = true
    c.hasSkip = true
  end
  return c
end

local queues = {}
for i = 7, #ARGV do
  local id = ARGV[i]
  local cfg = redis.call('HMGET', prefix .. 'q:' .. id .. ':cfg', 'policy', 'priority', 'offerMs', 'rrLast')
  local q = { id = id, policy = cfg[1] or 'least-loaded', prio = tonumber(cfg[2] or '0') or 0,
    offerMs = tonumber(cfg[3] or '0') or 0, rrLast = cfg[4] or '', waiting = prefix .. 'q:' .. id .. ':waiting',
    skills = {}, members = redis.call('SMEMBERS', prefix .. 'q:' .. id .. ':agents'), isMember = {} }
  table.sort(q.members)
  for _, m in ipairs(q.members) do q.isMember[m] = true end
  local sk = redis.call('HGETALL', prefix .. 'q:' .. id .. ':skills')
  for j = 1, #sk, 2 do q.skills[#q.skills + 1] = { sk[j], math.max(1, tonumber(sk[j + 1]) or 1) } end
  if q.policy ~= 'manual' or picking then queues[#queues + 1] = q end
end

-- The first waiting conversation of q that some agent can take, with that agent.
local function candidate(q)
  local anyFree = false
  for _, id in ipairs(q.members) do
    if onlyAgent == '' or id == onlyAgent then
      local a = agent(id)
      if present(a) and a.load < a.cap then anyFree = true break end
    end
  end
  if not anyFree then return nil end
  local ids
  if onlyConv ~= '' then
    ids = redis.call('ZSCORE', q.waiting, onlyConv) and { onlyConv } or {}
  else
    ids = redis.call('ZRANGE', q.waiting, 0, SCAN - 1)
  end
  for _, cid in ipairs(ids) do
    local c = loadConv(cid)
    if c.state == 'queued' then
      local a = choose(q, c)
      if a then return { q = q, c = c, a = a } end
    end
  end
  return nil
end

local out = {}
local function claim(b)
  local q, c, a = b.q, b.c, b.a
  local ck, ak = prefix .. 'conv:' .. c.id, prefix .. 'agent:' .. a.id
  local mode = (q.offerMs > 0 and not picking) and 'offer' or 'assign' -- a pick is its own acceptance
  local token = tostring(redis.call('INCR', prefix .. 'seq'))
  redis.call('ZREM', q.waiting, c.id)
  redis.call('HSET', ck, 'state', mode == 'offer' and 'offered' or 'assigned', 'agentId', a.id, 'assignedAt', now, 'token', token)
  redis.call('HINCRBY', ak, 'load', 1)
  redis.call('HINCRBY', ak, 'load:' .. c.kind, 1)
  redis.call('HSET', ak, 'lastAssignedAt', now)
  redis.call('SADD', ak .. ':convs', c.id)
  redis.call('HSET', KEYS[1], c.id, table.concat({ a.id, q.id, now, mode, token }, '|'))
  if mode == 'assign' then
    redis.call('DEL', ck .. ':skip')
    if not c.answered then
      local sl = prefix .. 'q:' .. q.id .. ':sl'
      redis.call('HSET', ck, 'answered', '1')
      redis.call('ZADD', sl, now, c.id .. '|' .. (now - c.qat) .. '|a')
      redis.call('ZREMRANGEBYRANK', sl, 0, -SL_KEEP - 1)
    end
  end
  if q.policy == 'round-robin' then
    redis.call('HSET', prefix .. 'q:' .. q.id .. ':cfg', 'rrLast', a.id)
    q.rrLast = a.id
  end
  a.load = a.load + 1
  a.kl[c.kind] = a.kl[c.kind] + 1
  a.last = now
  for _, v in ipairs({ c.id, a.id, q.id, mode, now, now - c.enq, q.offerMs, token }) do out[#out + 1] = v end
end

local cache, made = {}, 0
while made < maxN do
  local best, bestP = nil, nil
  for _, q in ipairs(queues) do
    if not q.done then
      local cand = cache[q.id]
      if cand == nil then
        cand = candidate(q) or false
        cache[q.id] = cand
      end
      if cand == false then
        q.done = true
      else
        local p = q.prio + cand.c.prio
        if best == nil or p > bestP or (p == bestP and cand.c.enq < best.c.enq) then best, bestP = cand, p end
      end
    end
  end
  if best == nil then break end
  claim(best)
  made = made + 1
  -- Only this queue's head and choices that relied on this agent can have changed.
  for _, q in ipairs(queues) do
    local cand = cache[q.id]
    if q.id == best.q.id or (cand and cand.a.id == best.a.id) then cache[q.id] = nil end
  end
end
return out
