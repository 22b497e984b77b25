/** The shared per-address connection count's Lua script (limiter.ts). */
import { luaScript } from './run';

/**
 * Open connections from one address, per replica: KEYS[1] is a hash replica -> count, KEYS[2] a hash replica ->
 * lease end (ms, Redis's clock, so that the replicas' clocks need not agree). ARGV: this replica, its count if
 * allowed, max (0: no check, only record), lease (ms).
 * A replica's entry counts only until its lease ends (a replica that died stops counting); it renews its leases
 * while it runs. Returns 1 when this replica's count was recorded, 0 when the other replicas' counts plus this one
 * would be over max.
 */
export const CONNS = luaScript(`
local me, mine, max, lease = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local others = 0
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  local replica = entries[i]
  if replica ~= me then
    if tonumber(redis.call('HGET', KEYS[2], replica) or '0') > now then
      others = others + tonumber(entries[i + 1])
    else
      redis.call('HDEL', KEYS[1], replica)
      redis.call('HDEL', KEYS[2], replica)
    end
  end
end
if max > 0 and others + mine > max then return 0 end
if mine > 0 then
  redis.call('HSET', KEYS[1], me, tostring(mine))
  redis.call('HSET', KEYS[2], me, tostring(now + lease))
else
  redis.call('HDEL', KEYS[1], me)
  redis.call('HDEL', KEYS[2], me)
end
if others + mine > 0 then
  redis.call('PEXPIRE', KEYS[1], lease)
  redis.call('PEXPIRE', KEYS[2], lease)
end
return 1
`);
