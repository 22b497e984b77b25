/**
 * Lua scripts of the Redis room store: every check-and-set on a room is one script, so it runs
 * atomically in Redis however many replicas call it at once.
 *
 * Every room script gets the same KEYS (one hash tag per room, plus the global lease index):
 *   1 meta   HASH  meeting (random id of this meeting), locked, chatLocked, screenLocked, askToJoin ('1'|'0'), salt, pwhash,
 *                  host (PeerId or absent), seq (join counter), parent (a breakout room's main room), breakouts (JSON of
 *                  the breakout rooms open in this room)
 *   2 order  ZSET  PeerId -> join sequence (join order)
 *   3 exp    ZSET  PeerId -> place's end, epoch ms; +inf while a presence owner's lease covers it
 *   4 peers  HASH  n:<id> name, w:<id> ban identity, j:<id> joinedAt, m:<id> media JSON, h:<id> when the hand went up
 *                  (epoch ms of Redis's clock, '0' = down), s:<id> sid, o:<id> presence owner covering the place
 *                  ('' = none), c:<id> co-host '1', r:<id> recording '1'
 *   5 bans   SET   id:<PeerId>, who:<identity>
 *   6 chat   LIST  message JSON, oldest first
 *   7 index  ZSET  roomId -> earliest lease end in the room (what the reaper scans)
 *   8 left   SET   PeerIds that left (room:leave): their resume tokens admit nobody
 *   9 ended  ZSET  meeting id -> remembered until, epoch ms: meetings of this room that ended (it emptied); outlives
 *                  the room, for as long as a token lives, so that no token brings an ended meeting back
 *  10 owners ZSET  presence owner -> lease end, epoch ms of Redis's clock (global: one entry per replica)
 *  11 owned  SET   rooms where the owner named by the script's call may cover places (global, per owner)
 *  12 knocks HASH  knock id -> JSON { id, name, at, identity, state ('waiting'|'admitted'|'denied'), exp }: people
 *                  asking to join, and answers kept for their knockers to pick up
 *  13 denied HASH  identity -> until, epoch ms: denied knockers may not knock again before
 * and ARGV[1] = roomId, ARGV[2] = safety TTL in ms; the rest is per script.
 *
 * Presence: a connected participant's place does not expire by itself. Its replica's owner renews one lease for all
 * of its participants; when that lease ends unrenewed (the replica died or was cut off), the reaper removes the places
 * it covered, room by room (OWNED lists the rooms). Owner leases run on Redis's clock, so that replicas' clocks do
 * not have to agree; places of participants away for the grace period run on the replicas' clocks, as before.
 *
 * A member is returned as the flat array
 *   { id, name, identity, joinedAt, media, handAt, sid, expiresAt, host('1'|'0'), cohost('1'|'0'), recording('1'|'0') }
 * and a removal as a member followed by { reason, newHost or '' }.
 */
import { ENDED_MEETING_MS } from '../../rooms/store';
import { luaScript } from './run';

/** Ended meetings remembered per room code; a code emptied more often than this in a day forgets the oldest. */
const ENDED_MAX = 1000;

/** Redis's clock in epoch ms (scripts replicate by effects, so reading it is allowed). */
const CLOCK = `
local function clock()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

const PRELUDE = `
local META, ORDER, EXP, PEERS, BANS, CHAT, INDEX = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local LEFT, ENDED, OWNERS, OWNED, KNOCKS, DENIED = KEYS[8], KEYS[9], KEYS[10], KEYS[11], KEYS[12], KEYS[13]
local ROOM, TTL = ARGV[1], tonumber(ARGV[2])
local ENDED_MS = ${ENDED_MEETING_MS}

${CLOCK}
-- True when owner's lease is live (an owner whose lease ended is never live again).
local function live(owner)
  if owner == '' then return false end
  local s = redis.call('ZSCORE', OWNERS, owner)
  return s ~= false and tonumber(s) >= clock()
end
local function keep()
  for i = 1, 6 do redis.call('PEXPIRE', KEYS[i], TTL) end
  redis.call('PEXPIRE', LEFT, TTL)
  redis.call('PEXPIRE', KNOCKS, TTL)
  redis.call('PEXPIRE', DENIED, TTL)
end
local function wipe()
  redis.call('DEL', META, ORDER, EXP, PEERS, BANS, CHAT, LEFT, KNOCKS, DENIED)
  redis.call('ZREM', INDEX, ROOM)
end
-- The room emptied: its meeting ended, and stays ended for as long as one of its tokens can be valid.
local function ended(now)
  local meeting = redis.call('HGET', META, 'meeting')
  if not meeting or meeting == '' then return end
  redis.call('ZREMRANGEBYSCORE', ENDED, '-inf', now)
  redis.call('ZADD', ENDED, now + ENDED_MS, meeting)
  redis.call('ZREMRANGEBYRANK', ENDED, 0, -${ENDED_MAX + 1})
  redis.call('PEXPIRE', ENDED, ENDED_MS)
end
-- The index holds each room's earliest lease end; touch may leave it early, never late.
local function sync()
  local first = redis.call('ZRANGE', EXP, 0, 0, 'WITHSCORES')
  if first[1] then redis.call('ZADD', INDEX, first[2], ROOM) else redis.call('ZREM', INDEX, ROOM) end
end
local function member(peer)
  return redis.call('ZSCORE', ORDER, peer) ~= false
end
-- Sorts PeerIds in place by join order (removed ones first) and returns them.
local function inJoinOrder(ids)
  local seqs = {}
  for _, id in ipairs(ids) do seqs[id] = tonumber(redis.call('ZSCORE', ORDER, id) or '0') end
  table.sort(ids, function(a, b) return seqs[a] < seqs[b] end)
  return ids
end
local function isHost(peer)
  return redis.call('HGET', META, 'host') == peer
end
local function isCohost(peer)
  return redis.call('HGET', PEERS, 'c:' .. peer) == '1'
end
-- The room's settings: { locked, chatLocked, screenLocked, askToJoin }, each '1'|'0'.
local SETTINGS = { 'locked', 'chatLocked', 'screenLocked', 'askToJoin' }
local function settings()
  local v = redis.call('HMGET', META, unpack(SETTINGS))
  local out = {}
  for i = 1, #SETTINGS do out[i] = v[i] == '1' and '1' or '0' end
  return out
end
-- The host and co-hosts run the meeting.
local function runs(peer)
  return isHost(peer) or isCohost(peer)
end
-- A connection's place: covered by its owner's live lease, else held until expiresAt.
local function cover(peer, owner, expiresAt)
  if live(owner) then
    redis.call('ZADD', EXP, '+inf', peer)
    redis.call('HSET', PEERS, 'o:' .. peer, owner)
    redis.call('SADD', OWNED, ROOM)
  else
    redis.call('ZADD', EXP, expiresAt, peer)
    redis.call('HSET', PEERS, 'o:' .. peer, '')
  end
end
local function describe(peer)
  local v = redis.call('HMGET', PEERS, 'n:' .. peer, 'w:' .. peer, 'j:' .. peer, 'm:' .. peer, 'h:' .. peer, 's:' .. peer, 'c:' .. peer, 'r:' .. peer)
  local exp = redis.call('ZSCORE', EXP, peer) or '0'
  return { peer, v[1] or '', v[2] or '', v[3] or '0', v[4] or '{}', v[5] or '0', v[6] or '', exp, isHost(peer) and '1' or '0',
    v[7] == '1' and '1' or '0', v[8] == '1' and '1' or '0' }
end
-- now: epoch ms, the caller's clock.
local function remove(peer, reason, now)
  local d = describe(peer)
  if reason == 'left' then redis.call('SADD', LEFT, peer) end
  redis.call('ZREM', ORDER, peer)
  redis.call('ZREM', EXP, peer)
  redis.call('HDEL', PEERS, 'n:' .. peer, 'w:' .. peer, 'j:' .. peer, 'm:' .. peer, 'h:' .. peer, 's:' .. peer, 'o:' .. peer, 'c:' .. peer, 'r:' .. peer)
  local newHost = ''
  if d[9] == '1' then
    -- The co-host present longest, else whoever is present longest.
    local ids = redis.call('ZRANGE', ORDER, 0, -1)
    for _, id in ipairs(ids) do
      if isCohost(id) then newHost = id break end
    end
    if newHost == '' and ids[1] then newHost = ids[1] end
    if newHost ~= '' then
      redis.call('HSET', META, 'host', newHost)
      redis.call('HDEL', PEERS, 'c:' .. newHost)
    end
  end
  -- The room lives while somebody is in it: bans, lock, password and chat go with the last one, and the meeting ends.
  if redis.call('ZCARD', ORDER) == 0 then
    ended(tonumber(now))
    wipe()
  else
    sync()
    keep()
  end
  d[12] = reason
  d[13] = newHost
  return d
end
-- Constant-time comparison of two hex digests.
local function same(a, b)
  if #a ~= #b then return false end
  local diff = 0
  for i = 1, #a do diff = bit.bor(diff, bit.bxor(a:byte(i), b:byte(i))) end
  return diff == 0
end
`;

/**
 * ARGV: 3 peer, 4 sid, 5 identity, 6 expiresAt, 7 now, 8 maxPeers, 9 resume: the token's meeting id ('' = not a
 * resume, '-' = a token that names no meeting), 10 offered salt or '', 11 offered hash or '', 12 name, 13 media JSON,
 * 14 the token's host '1'|'0', 15 the token's password '1'|'0', 16 a password offered '1'|'0', 17 the meeting id of a
 * room this join creates, 18 the connection's presence owner ('' = none), 19 let in by a host (a knock's ticket)
 * '1'|'0', 20 the main room of a breakout room this join creates ('' = none), 21 coming back from a breakout room
 * '1'|'0' (past the lock and "ask to join").
 * Returns { 'ok', resumed, member... } | { 'err', code } | { 'err', 'HASH', salt } (hash the offered password with
 * this salt, '' = a new room's, and call again).
 */
const JOIN = `
local peer, sid, identity, expiresAt = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local claim, salt, hash = ARGV[9], ARGV[10], ARGV[11]
local resuming, offering = claim ~= '', ARGV[16] == '1'
local returning = ARGV[21] == '1'
local n = redis.call('ZCARD', ORDER)
local host
if n > 0 then
  if redis.call('SISMEMBER', BANS, 'id:' .. peer) == 1 or redis.call('SISMEMBER', BANS, 'who:' .. identity) == 1 then
    return { 'err', 'BANNED' }
  end
  local meeting = redis.call('HGET', META, 'meeting') or ''
  if member(peer) then
    if not resuming then return { 'err', 'BAD_REQUEST' } end
    if claim ~= '-' and claim ~= meeting then return { 'err', 'STALE_RESUME' } end
    redis.call('HSET', PEERS, 's:' .. peer, sid)
    cover(peer, ARGV[18], expiresAt)
    sync()
    keep()
    return { 'ok', '1', unpack(describe(peer)) }
  end
  -- A token of another meeting, or of a participant that left this one: its holder is a newcomer.
  if resuming and (claim ~= meeting or redis.call('SISMEMBER', LEFT, peer) == 1) then return { 'err', 'STALE_RESUME' } end
  if redis.call('HGET', META, 'locked') == '1' and not returning then return { 'err', 'ROOM_LOCKED' } end
  if redis.call('HGET', META, 'askToJoin') == '1' and not resuming and ARGV[19] ~= '1' and not returning then
    return { 'err', 'ASK_TO_JOIN' }
  end
  if n >= tonumber(ARGV[8]) then return { 'err', 'ROOM_FULL' } end
  local roomSalt = redis.call('HGET', META, 'salt')
  if roomSalt and not resuming then
    if not offering then return { 'err', 'WRONG_PASSWORD' } end
    if hash == '' or salt ~= roomSalt then return { 'err', 'HASH', roomSalt } end
    if not same(hash, redis.call('HGET', META, 'pwhash') or '') then return { 'err', 'WRONG_PASSWORD' } end
  end
  local current = redis.call('HGET', META, 'host')
  host = resuming and ARGV[14] == '1' and (not current or current == '')
else
  if claim == '-' then return { 'err', 'STALE_RESUME' } end
  -- A meeting that ended is not brought back by its tokens; one whose state was lost (FLUSHALL) is.
  local till = resuming and redis.call('ZSCORE', ENDED, claim)
  if till and tonumber(till) > tonumber(ARGV[7]) then return { 'err', 'STALE_RESUME' } end
  -- A meeting brought back from a token after its state was lost keeps its id, and its password if it had one.
  local protect = (resuming and ARGV[15] == '1') or (not resuming and offering)
  if protect and not offering then return { 'err', 'WRONG_PASSWORD' } end
  if protect and hash == '' then return { 'err', 'HASH', '' } end
  -- A new room (or leftovers of one whose safety TTL cut it short): start clean.
  wipe()
  if protect then redis.call('HSET', META, 'salt', salt, 'pwhash', hash) end
  redis.call('HSET', META, 'locked', '0', 'meeting', resuming and claim or ARGV[17])
  if ARGV[20] ~= '' then redis.call('HSET', META, 'parent', ARGV[20]) end
  host = not resuming or ARGV[14] == '1'
end
if host then redis.call('HSET', META, 'host', peer) end
local seq = redis.call('HINCRBY', META, 'seq', 1)
redis.call('ZADD', ORDER, seq, peer)
redis.call('HSET', PEERS, 'n:' .. peer, ARGV[12], 'w:' .. peer, identity, 'j:' .. peer, ARGV[7], 'm:' .. peer, ARGV[13], 'h:' .. peer, '0', 's:' .. peer, sid)
cover(peer, ARGV[18], expiresAt)
sync()
keep()
return { 'ok', '0', unpack(describe(peer)) }
`;

/** Returns { hasPassword, meeting, settings..., parent, breakouts, member... repeated } or {} when the room is empty. */
const SNAPSHOT = `
local ids = redis.call('ZRANGE', ORDER, 0, -1)
if #ids == 0 then return {} end
local out = { redis.call('HEXISTS', META, 'salt') == 1 and '1' or '0', redis.call('HGET', META, 'meeting') or '', unpack(settings()) }
out[#out + 1] = redis.call('HGET', META, 'parent') or ''
out[#out + 1] = redis.call('HGET', META, 'breakouts') or ''
for _, id in ipairs(ids) do
  for _, v in ipairs(describe(id)) do out[#out + 1] = v end
end
return out
`;

/**
 * ARGV: 3 owner, then peer, sid pairs. Puts the places held by those exact connections under the owner's lease.
 * Returns the peers whose connection no longer holds a place.
 */
const CLAIM = `
local lost = {}
if redis.call('ZCARD', ORDER) == 0 then
  for i = 4, #ARGV, 2 do lost[#lost + 1] = ARGV[i] end
  return lost
end
local owner = ARGV[3]
for i = 4, #ARGV, 2 do
  local peer, sid = ARGV[i], ARGV[i + 1]
  if redis.call('HGET', PEERS, 's:' .. peer) ~= sid then
    lost[#lost + 1] = peer
  else
    redis.call('ZADD', EXP, '+inf', peer)
    redis.call('HSET', PEERS, 'o:' .. peer, owner)
    redis.call('SADD', OWNED, ROOM)
  end
end
sync()
keep()
return lost
`;

/** The members whose places an owner covers, in join order. */
const OWNED_BY = `
local function ownedBy(owner)
  local out = {}
  for _, peer in ipairs(redis.call('ZRANGEBYSCORE', EXP, '+inf', '+inf')) do
    if redis.call('HGET', PEERS, 'o:' .. peer) == owner then out[#out + 1] = peer end
  end
  return inJoinOrder(out)
end
`;

/** ARGV: 3 owner. Stops listing the room under the owner when no place in it is covered by the owner. */
const RELEASE = `
if #ownedBy(ARGV[3]) == 0 then redis.call('SREM', OWNED, ROOM) end
return 1
`;

/**
 * ARGV: 3 owner, 4 now. When the owner's lease has ended, removes the places it covered in this room, in join order.
 * Returns removals.
 */
const REAP_OWNER = `
local owner = ARGV[3]
local s = redis.call('ZSCORE', OWNERS, owner)
if not s or tonumber(s) >= clock() then return {} end
local out = {}
for _, id in ipairs(ownedBy(owner)) do out[#out + 1] = remove(id, 'disconnected', ARGV[4]) end
redis.call('SREM', OWNED, ROOM)
return out
`;

/** ARGV: 3 peer, 4 sid, 5 expiresAt. Returns 1 when the place is now held for the grace period. */
const DETACH = `
local peer, sid = ARGV[3], ARGV[4]
if not member(peer) or redis.call('HGET', PEERS, 's:' .. peer) ~= sid then return 0 end
redis.call('HSET', PEERS, 's:' .. peer, '', 'o:' .. peer, '')
redis.call('ZADD', EXP, ARGV[5], peer)
sync()
keep()
return 1
`;

/** ARGV: 3 peer, 4 sid, 5 now. Returns a removal or {}. */
const LEAVE = `
local peer, sid = ARGV[3], ARGV[4]
if not member(peer) or redis.call('HGET', PEERS, 's:' .. peer) ~= sid then return {} end
return remove(peer, 'left', ARGV[5])
`;

/** ARGV: 3 now. Removes every member whose lease ended at or before now, in join order. Returns removals. */
const REAP = `
local expired = redis.call('ZRANGEBYSCORE', EXP, '-inf', ARGV[3])
if #expired == 0 then
  if redis.call('ZCARD', ORDER) == 0 then wipe() else sync() end
  return {}
end
inJoinOrder(expired)
local out = {}
for _, id in ipairs(expired) do
  if member(id) then out[#out + 1] = remove(id, 'disconnected', ARGV[3]) else redis.call('ZREM', EXP, id) end
end
if redis.call('ZCARD', ORDER) == 0 then wipe() end
return out
`;

/**
 * ARGV: 3 peer, 4 media JSON or '', 5 hand '1'|'0'|'', 6 the new media shares the screen '1'|'0', 7 recording '1'|'0'|''.
 * Returns { 'ok' } | { 'err', code }.
 */
const UPDATE = `
local peer = ARGV[3]
if not member(peer) then return { 'err', 'NOT_IN_ROOM' } end
if ARGV[6] == '1' and redis.call('HGET', META, 'screenLocked') == '1' and not runs(peer) then
  local ok, current = pcall(cjson.decode, redis.call('HGET', PEERS, 'm:' .. peer) or '{}')
  if not (ok and type(current) == 'table' and current.screen == true) then return { 'err', 'NOT_HOST' } end
end
if ARGV[4] ~= '' then redis.call('HSET', PEERS, 'm:' .. peer, ARGV[4]) end
local hand = redis.call('HGET', PEERS, 'h:' .. peer) or '0'
if ARGV[5] == '0' then
  hand = '0'
elseif ARGV[5] == '1' and hand == '0' then
  hand = tostring(clock())
end
redis.call('HSET', PEERS, 'h:' .. peer, hand)
if ARGV[7] == '1' then redis.call('HSET', PEERS, 'r:' .. peer, '1') elseif ARGV[7] == '0' then redis.call('HDEL', PEERS, 'r:' .. peer) end
keep()
return { 'ok' }
`;

/**
 * ARGV: 3 op, 4 by (who asks: the host or a co-host), 5 target PeerId ('' = none), 6 now, 7 the op's argument:
 *   settings  7 locked, 8 chatLocked, 9 screenLocked, 10 askToJoin, each '1'|'0'|'' (unchanged) → { 'ok', settings... }
 *   cohost    host only; 7 '1'|'0'                                        → { 'ok' }
 *   lower     lowers the target's hand                                    → { 'ok' }
 *   kick      removes and bans the target                                 → { 'ok', removal... }
 *   check     with or without a target                                    → { 'ok', member... repeated }
 * A co-host has no power over the host. Returns { 'err', code } when refused.
 */
const HOST = `
local op, by, target = ARGV[3], ARGV[4], ARGV[5]
if not member(by) then return { 'err', 'NOT_IN_ROOM' } end
if not runs(by) then return { 'err', 'NOT_HOST' } end
if op == 'settings' then
  for i, field in ipairs(SETTINGS) do
    if ARGV[6 + i] ~= '' then redis.call('HSET', META, field, ARGV[6 + i]) end
  end
  keep()
  return { 'ok', unpack(settings()) }
end
if target ~= '' then
  if target == by then return { 'err', 'BAD_REQUEST' } end
  if not member(target) then return { 'err', 'NOT_IN_ROOM' } end
  if isHost(target) and not isHost(by) then return { 'err', 'NOT_HOST' } end
elseif op ~= 'check' then
  return { 'err', 'BAD_REQUEST' }
end
if op == 'check' then
  local out = { 'ok' }
  for _, id in ipairs(redis.call('ZRANGE', ORDER, 0, -1)) do
    for _, v in ipairs(describe(id)) do out[#out + 1] = v end
  end
  return out
end
if op == 'cohost' then
  if not isHost(by) then return { 'err', 'NOT_HOST' } end
  if ARGV[7] == '1' then redis.call('HSET', PEERS, 'c:' .. target, '1') else redis.call('HDEL', PEERS, 'c:' .. target) end
  keep()
  return { 'ok' }
end
if op == 'lower' then
  redis.call('HSET', PEERS, 'h:' .. target, '0')
  keep()
  return { 'ok' }
end
local identity = redis.call('HGET', PEERS, 'w:' .. target) or ''
redis.call('SADD', BANS, 'id:' .. target, 'who:' .. identity)
local r = remove(target, 'kicked', ARGV[6])
return { 'ok', unpack(r) }
`;

/** ARGV: 3 message JSON, 4 limit, 5 sender. Returns 'ok' when stored, else the error code. */
const CHAT_ADD = `
if not member(ARGV[5]) then return 'NOT_IN_ROOM' end
if redis.call('HGET', META, 'chatLocked') == '1' and not runs(ARGV[5]) then return 'NOT_HOST' end
local limit = tonumber(ARGV[4])
if limit <= 0 then
  redis.call('DEL', CHAT)
  return 'ok'
end
redis.call('RPUSH', CHAT, ARGV[3])
redis.call('LTRIM', CHAT, -limit, -1)
keep()
return 'ok'
`;

/** Knock helpers: forget what is over, and list the waiting knocks oldest first as flat { id, name, at }. */
const KNOCK_LIB = `
local function sweep(now)
  local all = redis.call('HGETALL', KNOCKS)
  for i = 1, #all, 2 do
    local ok, k = pcall(cjson.decode, all[i + 1])
    if not ok or type(k) ~= 'table' or tonumber(k.exp) < now then redis.call('HDEL', KNOCKS, all[i]) end
  end
  local denied = redis.call('HGETALL', DENIED)
  for i = 1, #denied, 2 do
    if tonumber(denied[i + 1]) <= now then redis.call('HDEL', DENIED, denied[i]) end
  end
end
local function waiting()
  local list = {}
  for _, raw in ipairs(redis.call('HVALS', KNOCKS)) do
    local k = cjson.decode(raw)
    if k.state == 'waiting' then list[#list + 1] = k end
  end
  table.sort(list, function(a, b) return a.at < b.at end)
  return list
end
local function flat(list)
  local out = {}
  for _, k in ipairs(list) do
    out[#out + 1] = k.id
    out[#out + 1] = k.name
    out[#out + 1] = string.format('%d', k.at)
  end
  return out
end
`;

/**
 * ARGV: 3 id, 4 name, 5 identity, 6 now, 7 expiresAt, 8 how long a denial lasts (ms), 9 at most this many waiting.
 * Returns { 'ok', state, changed '1'|'0' } | { 'err', code }.
 */
const KNOCK = `
local id, name, identity, now = ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
if redis.call('ZCARD', ORDER) == 0 then return { 'ok', 'open', '0' } end
sweep(now)
if redis.call('SISMEMBER', BANS, 'who:' .. identity) == 1 then return { 'err', 'BANNED' } end
local raw = redis.call('HGET', KNOCKS, id)
if raw then
  local k = cjson.decode(raw)
  if k.identity ~= identity then return { 'err', 'BAD_REQUEST' } end
  if k.state == 'waiting' then
    k.exp = tonumber(ARGV[7])
    redis.call('HSET', KNOCKS, id, cjson.encode(k))
    keep()
  end
  return { 'ok', k.state, '0' }
end
if redis.call('HGET', META, 'askToJoin') ~= '1' then return { 'ok', 'open', '0' } end
if redis.call('HGET', META, 'locked') == '1' then return { 'err', 'ROOM_LOCKED' } end
if tonumber(redis.call('HGET', DENIED, identity) or '0') > now then return { 'err', 'DENIED' } end
if #waiting() >= tonumber(ARGV[9]) then return { 'err', 'RATE_LIMITED' } end
local k = { id = id, name = name, at = now, identity = identity, state = 'waiting', exp = tonumber(ARGV[7]) }
redis.call('HSET', KNOCKS, id, cjson.encode(k))
keep()
return { 'ok', 'waiting', '1' }
`;

/** ARGV: 3 now. Returns the waiting knocks, flat { id, name, at } repeated, oldest first. */
const KNOCKS_LIST = `
if redis.call('EXISTS', KNOCKS) == 0 then return {} end
sweep(tonumber(ARGV[3]))
return flat(waiting())
`;

/**
 * ARGV: 3 by, 4 admit '1'|'0', 5 now, 6 how long an answer is kept (and a denial lasts), 7... knock ids, or '*' for
 * every waiting one. Returns { 'ok', answered flat { id, name, at }... } | { 'err', code }.
 */
const ANSWER = `
local by, admit, now, keepMs = ARGV[3], ARGV[4] == '1', tonumber(ARGV[5]), tonumber(ARGV[6])
if not member(by) then return { 'err', 'NOT_IN_ROOM' } end
if not runs(by) then return { 'err', 'NOT_HOST' } end
sweep(now)
local wanted = {}
local all = ARGV[7] == '*'
for i = 7, #ARGV do wanted[ARGV[i]] = true end
local chosen = {}
for _, k in ipairs(waiting()) do
  if all or wanted[k.id] then chosen[#chosen + 1] = k end
end
if not all and #ARGV == 7 and #chosen == 0 then return { 'err', 'NOT_IN_ROOM' } end
for _, k in ipairs(chosen) do
  k.state = admit and 'admitted' or 'denied'
  k.exp = now + keepMs
  redis.call('HSET', KNOCKS, k.id, cjson.encode(k))
  if not admit then redis.call('HSET', DENIED, k.identity, now + keepMs) end
end
keep()
return { 'ok', unpack(flat(chosen)) }
`;

/**
 * ARGV: 3 by, 4 the plan JSON, 5... the PeerIds sent to breakout rooms. Returns { 'ok' } | { 'err', code }.
 */
const BREAKOUTS_OPEN = `
local by = ARGV[3]
if not member(by) then return { 'err', 'NOT_IN_ROOM' } end
if not runs(by) then return { 'err', 'NOT_HOST' } end
if (redis.call('HGET', META, 'breakouts') or '') ~= '' then return { 'err', 'BAD_REQUEST' } end
for i = 5, #ARGV do
  if not member(ARGV[i]) then return { 'err', 'NOT_IN_ROOM' } end
  if runs(ARGV[i]) then return { 'err', 'BAD_REQUEST' } end
end
redis.call('HSET', META, 'breakouts', ARGV[4])
keep()
return { 'ok' }
`;

/**
 * ARGV: 3 by ('' = the timer), 4 with the timer: the plan JSON it was set for (a later opening stays open).
 * Returns { 'ok', the plan JSON closed or '' } | { 'err', code }.
 */
const BREAKOUTS_CLOSE = `
local by = ARGV[3]
if by ~= '' then
  if not member(by) then return { 'err', 'NOT_IN_ROOM' } end
  if not runs(by) then return { 'err', 'NOT_HOST' } end
end
local plan = redis.call('HGET', META, 'breakouts') or ''
if plan == '' or (by == '' and plan ~= ARGV[4]) then return { 'ok', '' } end
redis.call('HDEL', META, 'breakouts')
return { 'ok', plan }
`;

/** ARGV: 3 id. Returns 1 when a waiting knock was given up. */
const WITHDRAW = `
local raw = redis.call('HGET', KNOCKS, ARGV[3])
if not raw or cjson.decode(raw).state ~= 'waiting' then return 0 end
redis.call('HDEL', KNOCKS, ARGV[3])
return 1
`;

const withPrelude = (body: string) => luaScript(PRELUDE + body);

export const ROOM_SCRIPTS = {
  join: withPrelude(JOIN),
  snapshot: withPrelude(SNAPSHOT),
  claim: withPrelude(CLAIM),
  release: withPrelude(OWNED_BY + RELEASE),
  reapOwner: withPrelude(OWNED_BY + REAP_OWNER),
  detach: withPrelude(DETACH),
  leave: withPrelude(LEAVE),
  reap: withPrelude(REAP),
  update: withPrelude(UPDATE),
  host: withPrelude(HOST),
  chatAdd: withPrelude(CHAT_ADD),
  knock: withPrelude(KNOCK_LIB + KNOCK),
  knocks: withPrelude(KNOCK_LIB + KNOCKS_LIST),
  answer: withPrelude(KNOCK_LIB + ANSWER),
  withdraw: withPrelude(WITHDRAW),
  breakoutsOpen: withPrelude(BREAKOUTS_OPEN),
  breakoutsClose: withPrelude(BREAKOUTS_CLOSE),
} as const;

export type RoomScript = keyof typeof ROOM_SCRIPTS;

/**
 * Presence owners' scripts. KEYS: 1 owners (ZSET owner -> lease end), 2 owned (the rooms of ARGV[1]'s owner).
 * ARGV: 1 owner, then per script.
 */
const OWNER_PRELUDE = `
local OWNERS, OWNED, owner = KEYS[1], KEYS[2], ARGV[1]
${CLOCK}
`;

/**
 * ARGV: 2 lease ms, 3 fresh '1'|'0'. Starts (fresh) or renews the owner's lease. Returns 'ok', or 'lapsed' when the
 * lease had ended (it is not renewed: the owner is never live again) or a fresh owner already exists.
 */
const RENEW = `
local now = clock()
local current = redis.call('ZSCORE', OWNERS, owner)
if ARGV[3] == '1' then
  if current then return 'lapsed' end
elseif not current or tonumber(current) < now then
  return 'lapsed'
end
redis.call('ZADD', OWNERS, now + tonumber(ARGV[2]), owner)
return 'ok'
`;

/** ARGV: 2 how many. Returns owners whose lease has ended, oldest first. */
const DUE = `
return redis.call('ZRANGEBYSCORE', OWNERS, '-inf', '(' .. clock(), 'LIMIT', 0, tonumber(ARGV[2]))
`;

/** Forgets an owner whose lease has ended, once its rooms have been reaped. */
const FORGET = `
local s = redis.call('ZSCORE', OWNERS, owner)
if not s or tonumber(s) >= clock() then return 0 end
redis.call('ZREM', OWNERS, owner)
redis.call('DEL', OWNED)
return 1
`;

export const OWNER_SCRIPTS = {
  renew: luaScript(OWNER_PRELUDE + RENEW),
  due: luaScript(OWNER_PRELUDE + DUE),
  forget: luaScript(OWNER_PRELUDE + FORGET),
} as const;
