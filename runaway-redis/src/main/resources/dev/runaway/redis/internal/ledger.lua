-- Runaway Guard fleet ledger: one script, one round trip, atomic across all windows of an account.
--
-- Amounts are decimal strings of nano-dollars. They are only ever changed by INCRBY/DECRBY (exact
-- 64-bit integers in Redis) and compared as strings (cmp below): Lua numbers are doubles and would
-- round amounts above 2^53 nano-dollars. Times (microseconds since the epoch) and bucket numbers
-- stay far below 2^53, so plain Lua arithmetic is exact for them.
--
-- KEYS[i]  prefix of window i (all keys of an account share one hash tag)
-- KEYS[k+1] (optional) the operation's key: a mutation carries a unique operation id, and its reply
--          is kept there for OP_TTL_MS. A retry of an operation whose first attempt timed out (but
--          may have been applied by a Redis that was only stalled) returns that reply instead of
--          applying the operation twice: every mutation is idempotent.
-- ARGV     op ('reserve' | 'record' | 'return' | 'totals'), now (client wall clock, micros),
--          amount, k, then per window: kind ('s' sliding | 'c' calendar day), a, b, limit-minus-need, ttl
--            sliding:  a = bucket width (micros), b = buckets in the window, ttl = key TTL (ms)
--            calendar: a = epoch day in its zone, b = ms until that day ends
--          for 'return': g, then per grant: amount and one bucket id per window
-- Sliding keys: <prefix>:t total of live buckets, <prefix>:h newest bucket, <prefix>:b:<n> bucket n.
-- Bucket n is live while the newest bucket is at most n + b: it leaves once its whole span is
-- older than the window (spend is held between window and window + one bucket, never less).
-- Calendar keys: <prefix>:<epoch day> total of that day.
-- Reply: status (-1 admitted, else 0-based refusing window), k totals, k bucket ids charged,
-- retry-after micros for the refusing window (-1 unknown).
--
-- Amounts saturate at SAT (2^62 nano-dollars, about $4.6 billion) instead of overflowing INCRBY:
-- a total at SAT stays there (no roll-off or give-back lowers it), so an absurd amount can neither
-- wrap a total negative nor be taken back off a clamped total.

local SAT = '4611686018427387904'
local OP_TTL_MS = 120000

local function cmp(a, b)
  local na, nb = string.sub(a, 1, 1) == '-', string.sub(b, 1, 1) == '-'
  if na ~= nb then
    if na then return -1 else return 1 end
  end
  local r
  if #a ~= #b then
    if #a < #b then r = -1 else r = 1 end
  elseif a == b then
    return 0
  elseif a < b then
    r = -1
  else
    r = 1
  end
  if na then return -r end
  return r
end

local function fmt(x)
  return string.format('%d', x)
end

local op = ARGV[1]
local now = tonumber(ARGV[2])
local amount = ARGV[3]
local k = tonumber(ARGV[4])
local opkey = KEYS[k + 1]
if opkey then
  local seen = redis.call('GET', opkey)
  if seen then return cjson.decode(seen) end
end

local function saturated(key)
  local v = redis.call('GET', key)
  return v and cmp(v, SAT) >= 0
end

-- INCRBY that clamps at SAT (and refuses to move a saturated key), never an overflow error.
local function add(key, amt)
  if saturated(key) then return end
  local r = redis.pcall('INCRBY', key, amt)
  if type(r) == 'table' and r.err then
    if string.sub(amt, 1, 1) == '-' then return end
    redis.call('SET', key, SAT, 'KEEPTTL')
  elseif cmp(fmt(r), SAT) > 0 then
    redis.call('SET', key, SAT, 'KEEPTTL')
  end
end

local function sub(key, amt)
  if saturated(key) then return end
  redis.call('DECRBY', key, amt)
end
local W = {}
for i = 1, k do
  local o = 4 + (i - 1) * 5
  W[i] = { p = KEYS[i], kind = ARGV[o + 1], a = tonumber(ARGV[o + 2]), b = tonumber(ARGV[o + 3]),
           lim = ARGV[o + 4], ttl = tonumber(ARGV[o + 5]) }
end

local function roll(w)
  if w.kind == 'c' then
    w.id = fmt(w.a)
    w.tk = w.p .. ':' .. w.id
    return
  end
  w.tk = w.p .. ':t'
  local hk = w.p .. ':h'
  local e = math.floor(now / w.a)
  local h = redis.call('GET', hk)
  if h then
    h = tonumber(h)
    if e > h then
      local live = redis.call('EXISTS', w.tk) == 1
      local lo = h - w.b
      local hi = math.min(h, e - w.b - 1)
      for x = lo, hi do
        local bk = w.p .. ':b:' .. fmt(x)
        local v = redis.call('GET', bk)
        if v then
          if live then sub(w.tk, v) end
          redis.call('DEL', bk)
        end
      end
      redis.call('SET', hk, fmt(e), 'KEEPTTL')
    else
      -- A client whose clock lags the fleet's charges the newest bucket.
      e = h
    end
  else
    -- No live window: whatever is left of an expired one is stale.
    redis.call('DEL', w.tk)
    redis.call('SET', hk, fmt(e), 'PX', fmt(w.ttl))
  end
  w.e = e
  w.id = fmt(e)
end

local function total(w)
  return redis.call('GET', w.tk) or '0'
end

local function charge(w, amt)
  add(w.tk, amt)
  if w.kind == 'c' then
    redis.call('PEXPIRE', w.tk, fmt(w.b + 3600000))
    return
  end
  redis.call('PEXPIRE', w.tk, fmt(w.ttl))
  redis.call('PEXPIRE', w.p .. ':h', fmt(w.ttl))
  local bk = w.p .. ':b:' .. w.id
  add(bk, amt)
  -- A bucket outlives the total for as long as it is live, so that its roll-off always finds it.
  local ms = math.floor(((w.e + w.b + 1) * w.a - now) / 1000) + w.ttl
  redis.call('PEXPIRE', bk, fmt(math.max(ms, w.ttl)))
end

local function uncharge(w, id, amt)
  local bk = nil
  if w.kind == 'c' then
    if id ~= w.id then return end
  else
    local x = tonumber(id)
    if x == nil or x < w.e - w.b or x > w.e then return end
    bk = w.p .. ':b:' .. id
  end
  local have = redis.call('GET', bk or w.tk)
  if not have then return end
  if cmp(have, amt) < 0 then amt = have end
  if cmp(amt, '0') <= 0 then return end
  if saturated(w.tk) then return end
  if bk then sub(bk, amt) end
  sub(w.tk, amt)
end

local function retryAfter(w)
  if w.kind == 'c' then return fmt(w.b * 1000) end
  -- An estimate only (doubles are fine for a time hint): when enough buckets have left.
  local excess = tonumber(total(w)) - tonumber(w.lim)
  local freed = 0
  for x = w.e - w.b, w.e do
    local v = redis.call('GET', w.p .. ':b:' .. fmt(x))
    if v then freed = freed + tonumber(v) end
    if freed >= excess then return fmt((x + w.b + 1) * w.a - now) end
  end
  return '-1'
end

for i = 1, k do roll(W[i]) end

local status = '-1'
local retry = '-1'
if op == 'reserve' then
  for i = 1, k do
    if cmp(total(W[i]), W[i].lim) > 0 then
      status = fmt(i - 1)
      retry = retryAfter(W[i])
      break
    end
  end
end
if status == '-1' then
  if op == 'reserve' or op == 'record' then
    for i = 1, k do charge(W[i], amount) end
  elseif op == 'return' then
    local o = 4 + k * 5 + 1
    local g = tonumber(ARGV[o])
    o = o + 1
    for j = 1, g do
      local amt = ARGV[o]
      for i = 1, k do uncharge(W[i], ARGV[o + i], amt) end
      o = o + k + 1
    end
  end
end

local out = { status }
for i = 1, k do out[#out + 1] = total(W[i]) end
for i = 1, k do out[#out + 1] = W[i].id end
out[#out + 1] = retry
if opkey then redis.call('SET', opkey, cjson.encode(out), 'PX', OP_TTL_MS) end
return out
