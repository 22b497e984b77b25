/** The shared per-address limiter's Lua script (limiter.ts). */
import { luaScript } from './run';

/**
 * A token bucket in one hash: t = tokens, l = last refill (ms). ARGV: rate/s, burst, now, cost.
 * Returns 1 when `cost` tokens could be taken (cost 0 only asks; a negative cost gives tokens back). Idle buckets
 * expire once full.
 */
export const BUCKET = luaScript(`
local rate, burst, now, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local t = tonumber(redis.call('HGET', KEYS[1], 't') or burst)
local l = tonumber(redis.call('HGET', KEYS[1], 'l') or now)
t = math.min(burst, t + math.max(0, now - l) * rate / 1000)
local ok = 0
if cost < 0 then
  t = math.min(burst, t - cost)
  ok = 1
elseif t >= math.max(cost, 1) then
  t = t - cost
  ok = 1
end
if cost ~= 0 then
  redis.call('HSET', KEYS[1], 't', tostring(t), 'l', tostring(now))
  redis.call('PEXPIRE', KEYS[1], math.ceil((burst - t) * 1000 / rate) + 1000)
end
return ok
`);
