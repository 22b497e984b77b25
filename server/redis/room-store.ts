/**
 * Room state in Redis, shared by every replica. Each check-and-set is one Lua script (scripts/room.ts);
 * a room's keys share one hash tag and die with the room's last participant (and, as a safety net,
 * after a TTL that every write renews).
 */
import type { Breakouts, ChatMessage, Knock, KnockState, Media, PeerId } from '../protocol/events';
import type { ErrorCode } from '../protocol/errors';
import { RECONNECT_DELAY_MAX_MS } from '../protocol/limits';
import {
  DEFAULT_MEDIA,
  type HostAction,
  type JoinRequest,
  type JoinResult,
  KNOCK_ANSWER_MS,
  type KnockRequest,
  type KnockResult,
  KNOCKS_MAX,
  type Member,
  type OwnerRenewal,
  type PeerPatch,
  type PeerUpdate,
  type Presence,
  type Removal,
  type RoomSnapshot,
  type RoomStore,
  runJoin,
  type Settings,
  type SettingsPatch,
} from '../rooms/store';
import { closeClient, type RedisClient } from './client';
import { evalScript, OWNER_SCRIPTS, ROOM_SCRIPTS, type RoomScript } from './scripts';

export interface RedisStoreOptions {
  /** Key prefix shared by every replica of one deployment. */
  prefix?: string;
  /** Safety TTL of a room's keys, renewed by every write (heartbeats renew it every second). */
  ttlMs?: number;
  /**
   * How long a positive membership answer is reused for signal relay. Removals made through this
   * store forget it at once; a removal made by another replica is seen at most this late.
   */
  memberCacheMs?: number;
  /**
   * After the connection comes back from an outage, reaping waits this long so that every replica can
   * renew its participants' leases first (they could not while Redis was away), and participants whose sockets
   * dropped meanwhile can come back. Default REAP_HOLD_MS.
   */
  reapHoldMs?: number;
}

/**
 * After Redis comes back, reaping waits for the participants whose sockets dropped during the outage: the client's
 * next attempt comes at most RECONNECT_DELAY_MAX_MS later, and its handshake (through the load balancer, whose health
 * check must first see a replica ready again) and resume must still land before the reaper runs.
 */
export const REAP_HOLD_MARGIN_MS = 2000;
export const REAP_HOLD_MS = RECONNECT_DELAY_MAX_MS + REAP_HOLD_MARGIN_MS;

type Flat = string[];
const MEMBER_FIELDS = 11;

function toMember(f: Flat, at = 0): Member {
  let media: Media;
  try {
    media = JSON.parse(f[at + 4]) as Media;
  } catch {
    media = { ...DEFAULT_MEDIA };
  }
  return {
    id: f[at],
    name: f[at + 1],
    identity: f[at + 2],
    joinedAt: Number(f[at + 3]),
    media,
    hand: f[at + 5] !== '0',
    handAt: Number(f[at + 5]) || 0,
    sid: f[at + 6],
    expiresAt: f[at + 7] === 'inf' ? Infinity : Number(f[at + 7]),
    host: f[at + 8] === '1',
    cohost: f[at + 9] === '1',
    recording: f[at + 10] === '1',
  };
}

/** Settings as the scripts return them: locked, chatLocked, screenLocked. */
function toSettings(f: Flat, at: number): Settings {
  return { locked: f[at] === '1', chatLocked: f[at + 1] === '1', screenLocked: f[at + 2] === '1', askToJoin: f[at + 3] === '1' };
}

/** Knocks as the scripts return them: { id, name, at } repeated. */
function toKnocks(f: Flat, at = 0): Knock[] {
  const out: Knock[] = [];
  for (let i = at; i + 3 <= f.length; i += 3) out.push({ id: f[i], name: f[i + 1], at: Number(f[i + 2]) });
  return out;
}

/** A breakout plan as stored ('' = none); written by this store only. */
function parsePlan(raw: string | undefined): Breakouts | null {
  if (!raw) return null;
  try {
    return JSON.parse(raw) as Breakouts;
  } catch {
    return null;
  }
}

function toMembers(f: Flat, at: number): Member[] {
  const out: Member[] = [];
  for (let i = at; i + MEMBER_FIELDS <= f.length; i += MEMBER_FIELDS) out.push(toMember(f, i));
  return out;
}

function toRemoval(roomId: string, f: Flat, at = 0): Removal {
  const newHost = f[at + MEMBER_FIELDS + 1];
  return {
    roomId,
    member: toMember(f, at),
    reason: f[at + MEMBER_FIELDS] as Removal['reason'],
    newHost: newHost ? newHost : undefined,
  };
}

export class RedisRoomStore implements RoomStore {
  private readonly prefix: string;
  private readonly ttlMs: number;
  private readonly memberCacheMs: number;
  /** Members seen recently: where their connection was ("room\npeer" -> owner, until). */
  private readonly memberCache = new Map<string, { owner: string; until: number }>();
  private readonly reapHoldMs: number;
  private lost = false;
  /** The connection came back since the last owner renewal: the renewal asks for a check of the places. */
  private recheck = false;
  private reapAfter = 0;

  constructor(
    readonly client: RedisClient,
    opts: RedisStoreOptions = {},
  ) {
    this.prefix = opts.prefix ?? 'parley:';
    this.ttlMs = opts.ttlMs ?? 3_600_000;
    this.memberCacheMs = opts.memberCacheMs ?? 1000;
    this.reapHoldMs = opts.reapHoldMs ?? REAP_HOLD_MS;
    client.on('error', () => {
      this.lost = true;
    });
    client.on('ready', () => {
      if (this.lost) {
        this.reapAfter = Date.now() + this.reapHoldMs;
        this.recheck = true;
      }
      this.lost = false;
    });
  }

  private get indexKey(): string {
    return `${this.prefix}rooms`;
  }

  private ownerKeys(owner: string): string[] {
    return [`${this.prefix}owners`, `${this.prefix}owner:${owner}:rooms`];
  }

  /** A room's keys, and the presence keys of `owner` (see scripts/room.ts). */
  private keys(roomId: string, owner = ''): string[] {
    const base = `${this.prefix}{${roomId}}:`;
    return [
      `${base}meta`,
      `${base}order`,
      `${base}exp`,
      `${base}peers`,
      `${base}bans`,
      `${base}chat`,
      this.indexKey,
      `${base}left`,
      `${base}ended`,
      ...this.ownerKeys(owner),
      `${base}knocks`,
      `${base}denied`,
    ];
  }

  private run(name: RoomScript, roomId: string, args: Array<string | number>, owner = ''): Promise<unknown> {
    return evalScript(this.client, ROOM_SCRIPTS[name], this.keys(roomId, owner), [roomId, String(this.ttlMs), ...args.map(String)]);
  }

  private runOwner(name: keyof typeof OWNER_SCRIPTS, owner: string, args: Array<string | number>): Promise<unknown> {
    return evalScript(this.client, OWNER_SCRIPTS[name], this.ownerKeys(owner), [owner, ...args.map(String)]);
  }

  private forget(roomId: string, peerId: PeerId): void {
    this.memberCache.delete(`${roomId}\n${peerId}`);
  }

  join(req: JoinRequest): Promise<JoinResult> {
    const { resume } = req;
    return runJoin(req, async (offered) => {
      const owner = req.owner ?? '';
      const r = (await this.run(
        'join',
        req.roomId,
        [
          req.peerId,
          req.sid,
          req.identity,
          req.expiresAt,
          req.now,
          req.maxPeers,
          resume ? resume.meeting || '-' : '',
          offered?.salt ?? '',
          offered?.hash ?? '',
          req.name,
          JSON.stringify(DEFAULT_MEDIA),
          resume?.host ? '1' : '0',
          resume?.password ? '1' : '0',
          req.password !== undefined ? '1' : '0',
          req.meeting,
          owner,
          req.admitted ? '1' : '0',
          req.parent ?? '',
          req.returning ? '1' : '0',
        ],
        owner,
      )) as Flat;
      if (r[0] !== 'err') return { ok: true, resumed: r[1] === '1', member: toMember(r, 2) };
      if (r[1] === 'HASH') return { ok: false, code: 'HASH', salt: r[2] };
      return { ok: false, code: r[1] as ErrorCode | 'STALE_RESUME' };
    });
  }

  async snapshot(roomId: string): Promise<RoomSnapshot | null> {
    const r = (await this.run('snapshot', roomId, [])) as Flat;
    if (r.length === 0) return null;
    return {
      id: roomId,
      meeting: r[1],
      ...toSettings(r, 2),
      hasPassword: r[0] === '1',
      parent: r[6],
      breakouts: parsePlan(r[7]),
      members: toMembers(r, 8),
    };
  }

  async isMember(roomId: string, peerId: PeerId): Promise<boolean> {
    return (await this.locate(roomId, peerId)) !== null;
  }

  async locate(roomId: string, peerId: PeerId): Promise<string | null> {
    const key = `${roomId}\n${peerId}`;
    const now = Date.now();
    const seen = this.memberCache.get(key);
    if (seen && seen.until > now) return seen.owner;
    const owner = await this.client.hGet(this.keys(roomId)[3], `o:${peerId}`);
    // Only places covered by an owner are remembered: one away may come back on any replica at any moment.
    if (owner && this.memberCacheMs > 0) {
      if (this.memberCache.size >= 10_000) this.memberCache.clear();
      this.memberCache.set(key, { owner, until: now + this.memberCacheMs });
    }
    return owner ?? null;
  }

  async renewOwner(owner: string, leaseMs: number, fresh: boolean): Promise<OwnerRenewal> {
    const recheck = this.recheck;
    this.recheck = false;
    const r = (await this.runOwner('renew', owner, [leaseMs, fresh ? '1' : '0'])) as OwnerRenewal;
    return r === 'ok' && recheck ? 'check' : r;
  }

  async claim(owner: string, entries: Presence[]): Promise<Presence[]> {
    const lost = await Promise.all(
      [...byRoom(entries)].map(async ([roomId, list]) => {
        const gone = new Set((await this.run('claim', roomId, [owner, ...list.flatMap((p) => [p.peerId, p.sid])], owner)) as string[]);
        return list.filter((p) => gone.has(p.peerId));
      }),
    );
    return lost.flat();
  }

  async release(owner: string, roomIds: string[]): Promise<void> {
    await Promise.all(roomIds.map((roomId) => this.run('release', roomId, [owner], owner)));
  }

  async detach(p: Presence, expiresAt: number): Promise<boolean> {
    return (await this.run('detach', p.roomId, [p.peerId, p.sid, expiresAt])) === 1;
  }

  async leave(p: Presence): Promise<Removal | null> {
    const r = (await this.run('leave', p.roomId, [p.peerId, p.sid, Date.now()])) as Flat;
    if (r.length === 0) return null;
    this.forget(p.roomId, p.peerId);
    return toRemoval(p.roomId, r);
  }

  async reap(now: number): Promise<Removal[]> {
    // Nothing to do while Redis is away (the outage is logged once by the client) or just back.
    if (!this.client.isReady || Date.now() < this.reapAfter) return [];
    const due = await this.client.zRangeByScore(this.indexKey, '-inf', now, { LIMIT: { offset: 0, count: 1000 } });
    const results = await Promise.all(due.map(async (roomId) => [roomId, (await this.run('reap', roomId, [now])) as Flat[]] as const));
    results.push(...(await this.reapOwners(now)));
    const out: Removal[] = [];
    for (const [roomId, list] of results) {
      for (const f of list) {
        const removal = toRemoval(roomId, f);
        this.forget(roomId, removal.member.id);
        out.push(removal);
      }
    }
    return out;
  }

  /** The places covered by owners whose lease ended, room by room; each owner is forgotten once its rooms are done. */
  private async reapOwners(now: number): Promise<Array<readonly [string, Flat[]]>> {
    const owners = (await this.runOwner('due', '', [10])) as string[];
    const out: Array<readonly [string, Flat[]]> = [];
    for (const owner of owners) {
      const rooms = await this.client.sMembers(this.ownerKeys(owner)[1]);
      const done = await Promise.all(
        rooms.map(async (roomId) => [roomId, (await this.run('reapOwner', roomId, [owner, now], owner)) as Flat[]] as const),
      );
      out.push(...done);
      await this.runOwner('forget', owner, []);
    }
    return out;
  }

  async updatePeer(roomId: string, peerId: PeerId, patch: PeerPatch): Promise<PeerUpdate> {
    const m = patch.media;
    const media = m ? JSON.stringify({ audio: m.audio, video: m.video, screen: m.screen }) : '';
    const flag = (v: boolean | undefined) => (v === undefined ? '' : v ? '1' : '0');
    const r = (await this.run('update', roomId, [peerId, media, flag(patch.hand), m?.screen ? '1' : '0', flag(patch.recording)])) as Flat;
    return r[0] === 'ok' ? { ok: true } : { ok: false, code: r[1] as 'NOT_IN_ROOM' | 'NOT_HOST' };
  }

  private async host(
    roomId: string,
    op: 'settings' | 'cohost' | 'lower' | 'kick' | 'check',
    by: PeerId,
    target: PeerId,
    ...args: string[]
  ): Promise<HostAction<{ rest: Flat }>> {
    const r = (await this.run('host', roomId, [op, by, target, Date.now(), ...args])) as Flat;
    return r[0] === 'ok' ? { ok: true, rest: r.slice(1) } : { ok: false, code: r[1] as ErrorCode };
  }

  async setSettings(roomId: string, by: PeerId, patch: SettingsPatch): Promise<HostAction<{ settings: Settings }>> {
    const flag = (v: boolean | undefined) => (v === undefined ? '' : v ? '1' : '0');
    const r = await this.host(
      roomId,
      'settings',
      by,
      '',
      flag(patch.locked),
      flag(patch.chatLocked),
      flag(patch.screenLocked),
      flag(patch.askToJoin),
    );
    return r.ok ? { ok: true, settings: toSettings(r.rest, 0) } : r;
  }

  async setCohost(roomId: string, by: PeerId, target: PeerId, cohost: boolean): Promise<HostAction> {
    const r = await this.host(roomId, 'cohost', by, target, cohost ? '1' : '0');
    return r.ok ? { ok: true } : r;
  }

  async lowerHand(roomId: string, by: PeerId, target: PeerId): Promise<HostAction> {
    const r = await this.host(roomId, 'lower', by, target);
    return r.ok ? { ok: true } : r;
  }

  async kick(roomId: string, by: PeerId, target: PeerId): Promise<HostAction<{ removal: Removal }>> {
    const r = await this.host(roomId, 'kick', by, target);
    if (!r.ok) return r;
    this.forget(roomId, target);
    return { ok: true, removal: toRemoval(roomId, r.rest) };
  }

  async checkHostOver(roomId: string, by: PeerId, target?: PeerId): Promise<HostAction<{ members: Member[] }>> {
    const r = await this.host(roomId, 'check', by, target ?? '');
    return r.ok ? { ok: true, members: toMembers(r.rest, 0) } : r;
  }

  async knock(req: KnockRequest): Promise<KnockResult> {
    const r = (await this.run('knock', req.roomId, [
      req.id,
      req.name,
      req.identity,
      req.now,
      req.expiresAt,
      KNOCK_ANSWER_MS,
      KNOCKS_MAX,
    ])) as Flat;
    return r[0] === 'ok' ? { ok: true, state: r[1] as KnockState, changed: r[2] === '1' } : { ok: false, code: r[1] as ErrorCode };
  }

  async knocks(roomId: string, now: number): Promise<Knock[]> {
    return toKnocks((await this.run('knocks', roomId, [now])) as Flat);
  }

  async answerKnocks(
    roomId: string,
    by: PeerId,
    ids: string[] | 'all',
    admit: boolean,
    now: number,
  ): Promise<HostAction<{ answered: Knock[] }>> {
    const which = ids === 'all' ? ['*'] : ids;
    const r = (await this.run('answer', roomId, [by, admit ? '1' : '0', now, KNOCK_ANSWER_MS, ...which])) as Flat;
    return r[0] === 'ok' ? { ok: true, answered: toKnocks(r, 1) } : { ok: false, code: r[1] as ErrorCode };
  }

  async withdrawKnock(roomId: string, id: string): Promise<boolean> {
    return (await this.run('withdraw', roomId, [id])) === 1;
  }

  async openBreakouts(roomId: string, by: PeerId, plan: Breakouts, assign: PeerId[]): Promise<HostAction> {
    const r = (await this.run('breakoutsOpen', roomId, [by, JSON.stringify(plan), ...assign])) as Flat;
    return r[0] === 'ok' ? { ok: true } : { ok: false, code: r[1] as ErrorCode };
  }

  async closeBreakouts(roomId: string, by: PeerId | null, opened?: Breakouts): Promise<HostAction<{ closed: Breakouts | null }>> {
    const r = (await this.run('breakoutsClose', roomId, [by ?? '', opened ? JSON.stringify(opened) : ''])) as Flat;
    return r[0] === 'ok' ? { ok: true, closed: parsePlan(r[1]) } : { ok: false, code: r[1] as ErrorCode };
  }

  async addChat(roomId: string, message: ChatMessage, limit: number): Promise<HostAction> {
    const r = (await this.run('chatAdd', roomId, [JSON.stringify(message), limit, message.from])) as string;
    return r === 'ok' ? { ok: true } : { ok: false, code: r as ErrorCode };
  }

  async chat(roomId: string): Promise<ChatMessage[]> {
    const list = await this.client.lRange(this.keys(roomId)[5], 0, -1);
    const out: ChatMessage[] = [];
    for (const raw of list) {
      try {
        out.push(JSON.parse(raw) as ChatMessage);
      } catch {
        // Written by this store only; a damaged entry is skipped rather than failing the room.
      }
    }
    return out;
  }

  async close(): Promise<void> {
    this.memberCache.clear();
    await closeClient(this.client);
  }
}

function byRoom(entries: Presence[]): Map<string, Presence[]> {
  const out = new Map<string, Presence[]>();
  for (const p of entries) {
    const list = out.get(p.roomId) ?? [];
    list.push(p);
    out.set(p.roomId, list);
  }
  return out;
}
