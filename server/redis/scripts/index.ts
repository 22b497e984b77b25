/**
 * Every Lua script Parley runs in Redis, and the one way to run them: room.ts holds the room store's
 * check-and-sets, bucket.ts the per-address token bucket shared by the replicas, conns.ts the per-address count
 * of open connections.
 */
export { evalScript, luaScript, type LuaScript } from './run';
export { OWNER_SCRIPTS, ROOM_SCRIPTS, type RoomScript } from './room';
export { BUCKET } from './bucket';
export { CONNS } from './conns';
