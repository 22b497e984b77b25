/** Room state in process memory: the default for a single replica. */
import type { Breakouts, ChatMessage, Knock, PeerId } from '../protocol/events';
import { sameHash, type PasswordHash } from './password';
import {
  DEFAULT_MEDIA,
  ENDED_MEETING_MS,
  type HostAction,
  type JoinRequest,
  type JoinResult,
  type JoinStep,
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
  runsMeeting,
  type Settings,
  type SettingsPatch,
  settingsOf,
} from './store';

interface RoomRecord extends Settings {
  id: string;
  meeting: string;
  password?: PasswordHash;
  members: Map<PeerId, Member>;
  /** Banned PeerIds and identities. */
  bans: Set<string>;
  /** PeerIds that left: their resume tokens admit nobody. */
  left: Set<PeerId>;
  /** The presence owner covering each member's place ('' = none: the place ends at its expiresAt). */
  owners: Map<PeerId, string>;
  chat: ChatMessage[];
  /** Knocks by id: waiting, or answered and remembered for their knockers until `expiresAt`. */
  knocks: Map<string, StoredKnock>;
  /** Identities denied, until when (epoch ms). */
  denied: Map<string, number>;
  parent: string;
  breakouts: Breakouts | null;
}

interface StoredKnock extends Knock {
  identity: string;
  state: 'waiting' | 'admitted' | 'denied';
  expiresAt: number;
}

const clone = <T>(v: T): T => structuredClone(v);

export interface MemoryStoreOptions {
  /** At most this many ended meetings are remembered (the oldest are forgotten first). */
  endedMax?: number;
}

export class MemoryRoomStore implements RoomStore {
  private readonly rooms = new Map<string, RoomRecord>();
  /** Meetings that ended ("room\nmeeting" -> remembered until, epoch ms), oldest first. */
  private readonly ended = new Map<string, number>();
  private readonly endedMax: number;
  /** Presence owners' lease ends, epoch ms; an owner whose lease ended stays until reaped, and is never live again. */
  private readonly owners = new Map<string, number>();

  constructor(opts: MemoryStoreOptions = {}) {
    this.endedMax = opts.endedMax ?? 100_000;
  }

  join(req: JoinRequest): Promise<JoinResult> {
    return runJoin(req, async (offered) => this.admit(req, offered));
  }

  /** One atomic step of join: no await inside. */
  private admit(req: JoinRequest, offered: PasswordHash | undefined): JoinStep {
    const { resume } = req;
    let room = this.rooms.get(req.roomId);
    let host: boolean;
    if (room) {
      if (room.bans.has(`id:${req.peerId}`) || room.bans.has(`who:${req.identity}`)) return { ok: false, code: 'BANNED' };
      const existing = room.members.get(req.peerId);
      if (existing) {
        if (!resume) return { ok: false, code: 'BAD_REQUEST' };
        if (resume.meeting !== '' && resume.meeting !== room.meeting) return { ok: false, code: 'STALE_RESUME' };
        existing.sid = req.sid;
        this.cover(room, existing, req);
        return { ok: true, member: clone(existing), resumed: true };
      }
      // A token of another meeting, or of a participant that left this one: its holder is a newcomer.
      if (resume && (resume.meeting !== room.meeting || room.left.has(req.peerId))) return { ok: false, code: 'STALE_RESUME' };
      if (room.locked && !req.returning) return { ok: false, code: 'ROOM_LOCKED' };
      if (room.askToJoin && !resume && !req.admitted && !req.returning) return { ok: false, code: 'ASK_TO_JOIN' };
      if (room.members.size >= req.maxPeers) return { ok: false, code: 'ROOM_FULL' };
      if (room.password && !resume) {
        if (req.password === undefined) return { ok: false, code: 'WRONG_PASSWORD' };
        if (offered?.salt !== room.password.salt) return { ok: false, code: 'HASH', salt: room.password.salt };
        if (!sameHash(offered.hash, room.password.hash)) return { ok: false, code: 'WRONG_PASSWORD' };
      }
      host = resume !== undefined && resume.host && ![...room.members.values()].some((m) => m.host);
    } else {
      if (resume?.meeting === '') return { ok: false, code: 'STALE_RESUME' };
      // A meeting that ended is not brought back by its tokens; one whose state was lost (a restart) is.
      if (resume && (this.ended.get(`${req.roomId}\n${resume.meeting}`) ?? 0) > req.now) return { ok: false, code: 'STALE_RESUME' };
      // A meeting brought back from a token after its state was lost keeps its id, and its password if it had one.
      const protect = resume ? resume.password : req.password !== undefined;
      if (protect && req.password === undefined) return { ok: false, code: 'WRONG_PASSWORD' };
      if (protect && !offered) return { ok: false, code: 'HASH', salt: '' };
      room = {
        id: req.roomId,
        meeting: resume?.meeting ?? req.meeting,
        locked: false,
        chatLocked: false,
        screenLocked: false,
        askToJoin: false,
        members: new Map(),
        bans: new Set(),
        left: new Set(),
        owners: new Map(),
        chat: [],
        knocks: new Map(),
        denied: new Map(),
        parent: req.parent ?? '',
        breakouts: null,
      };
      if (protect) room.password = offered;
      this.rooms.set(req.roomId, room);
      host = resume ? resume.host : true;
    }
    const member: Member = {
      id: req.peerId,
      name: req.name,
      host,
      media: { ...DEFAULT_MEDIA },
      hand: false,
      cohost: false,
      recording: false,
      handAt: 0,
      identity: req.identity,
      sid: req.sid,
      expiresAt: req.expiresAt,
      joinedAt: req.now,
    };
    room.members.set(member.id, member);
    this.cover(room, member, req);
    return { ok: true, member: clone(member), resumed: false };
  }

  private live(owner: string | undefined): owner is string {
    return owner !== undefined && owner !== '' && (this.owners.get(owner) ?? -1) >= Date.now();
  }

  /** A joining connection's place: covered by its owner's lease when that is live, else until `expiresAt`. */
  private cover(room: RoomRecord, m: Member, req: JoinRequest): void {
    const owned = this.live(req.owner);
    m.expiresAt = owned ? Infinity : req.expiresAt;
    room.owners.set(m.id, owned ? (req.owner as string) : '');
  }

  async snapshot(roomId: string): Promise<RoomSnapshot | null> {
    const room = this.rooms.get(roomId);
    if (!room) return null;
    return {
      id: room.id,
      meeting: room.meeting,
      ...settingsOf(room),
      hasPassword: room.password !== undefined,
      parent: room.parent,
      breakouts: room.breakouts ? clone(room.breakouts) : null,
      members: [...room.members.values()].map(clone),
    };
  }

  async isMember(roomId: string, peerId: PeerId): Promise<boolean> {
    return this.rooms.get(roomId)?.members.has(peerId) ?? false;
  }

  async locate(roomId: string, peerId: PeerId): Promise<string | null> {
    const room = this.rooms.get(roomId);
    return room?.members.has(peerId) ? (room.owners.get(peerId) ?? '') : null;
  }

  async renewOwner(owner: string, leaseMs: number, fresh: boolean): Promise<OwnerRenewal> {
    const now = Date.now();
    const current = this.owners.get(owner);
    if (fresh ? current !== undefined : current === undefined || current < now) return 'lapsed';
    this.owners.set(owner, now + leaseMs);
    return 'ok';
  }

  async claim(owner: string, entries: Presence[]): Promise<Presence[]> {
    const lost: Presence[] = [];
    for (const p of entries) {
      const room = this.rooms.get(p.roomId);
      const m = room?.members.get(p.peerId);
      if (!room || !m || m.sid !== p.sid) {
        lost.push(p);
        continue;
      }
      m.expiresAt = Infinity;
      room.owners.set(m.id, owner);
    }
    return lost;
  }

  async release(): Promise<void> {
    // Nothing is listed per owner here: reaping an owner looks at every room.
  }

  async detach(p: Presence, expiresAt: number): Promise<boolean> {
    const m = this.rooms.get(p.roomId)?.members.get(p.peerId);
    if (!m || m.sid !== p.sid) return false;
    m.sid = '';
    m.expiresAt = expiresAt;
    this.rooms.get(p.roomId)?.owners.set(m.id, '');
    return true;
  }

  async leave(p: Presence): Promise<Removal | null> {
    const room = this.rooms.get(p.roomId);
    const m = room?.members.get(p.peerId);
    if (!room || !m || m.sid !== p.sid) return null;
    return this.remove(room, m, 'left', Date.now());
  }

  async reap(now: number): Promise<Removal[]> {
    const out: Removal[] = [];
    const clock = Date.now();
    const lapsed = new Set([...this.owners].filter(([, until]) => until < clock).map(([owner]) => owner));
    for (const owner of lapsed) this.owners.delete(owner);
    for (const room of [...this.rooms.values()]) {
      for (const m of [...room.members.values()]) {
        const orphaned = m.expiresAt === Infinity && lapsed.has(room.owners.get(m.id) ?? '');
        if (m.expiresAt <= now || orphaned) out.push(this.remove(room, m, 'disconnected', now));
      }
    }
    // In the order they ended: sweep up to the first one still remembered (one out of order waits for a later sweep).
    for (const [key, until] of this.ended) {
      if (until > now) break;
      this.ended.delete(key);
    }
    return out;
  }

  private remove(room: RoomRecord, m: Member, reason: Removal['reason'], now: number): Removal {
    room.members.delete(m.id);
    room.owners.delete(m.id);
    if (reason === 'left') room.left.add(m.id);
    let newHost: PeerId | undefined;
    if (m.host) {
      // Members are in join order: the co-host present longest, else whoever is present longest.
      const members = [...room.members.values()];
      const next = members.find((c) => c.cohost) ?? members[0];
      if (next) {
        next.host = true;
        next.cohost = false;
        newHost = next.id;
      }
    }
    // The room lives while somebody is in it: bans, lock, password and chat go with the last one, and the meeting ends.
    if (room.members.size === 0) {
      this.rooms.delete(room.id);
      this.endMeeting(room, now);
    }
    return { roomId: room.id, member: clone(m), reason, newHost };
  }

  private endMeeting(room: RoomRecord, now: number): void {
    const key = `${room.id}\n${room.meeting}`;
    this.ended.delete(key);
    this.ended.set(key, now + ENDED_MEETING_MS);
    for (const oldest of this.ended.keys()) {
      if (this.ended.size <= this.endedMax) break;
      this.ended.delete(oldest);
    }
  }

  async updatePeer(roomId: string, peerId: PeerId, patch: PeerPatch): Promise<PeerUpdate> {
    const room = this.rooms.get(roomId);
    const m = room?.members.get(peerId);
    if (!room || !m) return { ok: false, code: 'NOT_IN_ROOM' };
    if (patch.media?.screen && !m.media.screen && room.screenLocked && !runsMeeting(m)) return { ok: false, code: 'NOT_HOST' };
    if (patch.media) m.media = { ...patch.media };
    if (patch.hand !== undefined) {
      if (!patch.hand) m.handAt = 0;
      else if (!m.hand) m.handAt = Date.now();
      m.hand = patch.hand;
    }
    if (patch.recording !== undefined) m.recording = patch.recording;
    return { ok: true };
  }

  /** `by` runs the meeting; with a target, the target is another member and, for a co-host, not the host. */
  private hostCheck(
    roomId: string,
    by: PeerId,
    target?: PeerId,
  ): { ok: false; code: 'NOT_IN_ROOM' | 'NOT_HOST' | 'BAD_REQUEST' } | { ok: true; room: RoomRecord; actor: Member; target?: Member } {
    const room = this.rooms.get(roomId);
    const actor = room?.members.get(by);
    if (!room || !actor) return { ok: false, code: 'NOT_IN_ROOM' };
    if (!runsMeeting(actor)) return { ok: false, code: 'NOT_HOST' };
    if (target === undefined) return { ok: true, room, actor };
    if (target === by) return { ok: false, code: 'BAD_REQUEST' };
    const t = room.members.get(target);
    if (!t) return { ok: false, code: 'NOT_IN_ROOM' };
    if (t.host && !actor.host) return { ok: false, code: 'NOT_HOST' };
    return { ok: true, room, actor, target: t };
  }

  async setSettings(roomId: string, by: PeerId, patch: SettingsPatch): Promise<HostAction<{ settings: Settings }>> {
    const c = this.hostCheck(roomId, by);
    if (!c.ok) return c;
    if (patch.locked !== undefined) c.room.locked = patch.locked;
    if (patch.chatLocked !== undefined) c.room.chatLocked = patch.chatLocked;
    if (patch.screenLocked !== undefined) c.room.screenLocked = patch.screenLocked;
    if (patch.askToJoin !== undefined) c.room.askToJoin = patch.askToJoin;
    return { ok: true, settings: settingsOf(c.room) };
  }

  async setCohost(roomId: string, by: PeerId, target: PeerId, cohost: boolean): Promise<HostAction> {
    const c = this.hostCheck(roomId, by, target);
    if (!c.ok) return c;
    if (!c.actor.host) return { ok: false, code: 'NOT_HOST' };
    (c.target as Member).cohost = cohost;
    return { ok: true };
  }

  async lowerHand(roomId: string, by: PeerId, target: PeerId): Promise<HostAction> {
    const c = this.hostCheck(roomId, by, target);
    if (!c.ok) return c;
    const t = c.target as Member;
    t.hand = false;
    t.handAt = 0;
    return { ok: true };
  }

  async kick(roomId: string, by: PeerId, target: PeerId): Promise<HostAction<{ removal: Removal }>> {
    const c = this.hostCheck(roomId, by, target);
    if (!c.ok) return c;
    const m = c.target as Member;
    c.room.bans.add(`id:${m.id}`);
    c.room.bans.add(`who:${m.identity}`);
    return { ok: true, removal: this.remove(c.room, m, 'kicked', Date.now()) };
  }

  async checkHostOver(roomId: string, by: PeerId, target?: PeerId): Promise<HostAction<{ members: Member[] }>> {
    const c = this.hostCheck(roomId, by, target);
    return c.ok ? { ok: true, members: [...c.room.members.values()].map(clone) } : c;
  }

  async knock(req: KnockRequest): Promise<KnockResult> {
    const room = this.rooms.get(req.roomId);
    if (!room) return { ok: true, state: 'open', changed: false };
    this.sweepKnocks(room, req.now);
    if (room.bans.has(`who:${req.identity}`)) return { ok: false, code: 'BANNED' };
    const known = room.knocks.get(req.id);
    if (known) {
      if (known.identity !== req.identity) return { ok: false, code: 'BAD_REQUEST' };
      if (known.state === 'waiting') known.expiresAt = req.expiresAt;
      return { ok: true, state: known.state, changed: false };
    }
    if (!room.askToJoin) return { ok: true, state: 'open', changed: false };
    if (room.locked) return { ok: false, code: 'ROOM_LOCKED' };
    if ((room.denied.get(req.identity) ?? 0) > req.now) return { ok: false, code: 'DENIED' };
    if ([...room.knocks.values()].filter((k) => k.state === 'waiting').length >= KNOCKS_MAX) return { ok: false, code: 'RATE_LIMITED' };
    room.knocks.set(req.id, {
      id: req.id,
      name: req.name,
      at: req.now,
      identity: req.identity,
      state: 'waiting',
      expiresAt: req.expiresAt,
    });
    return { ok: true, state: 'waiting', changed: true };
  }

  /** Forgets knocks and denials whose time is up. */
  private sweepKnocks(room: RoomRecord, now: number): void {
    for (const [id, k] of room.knocks) if (k.expiresAt < now) room.knocks.delete(id);
    for (const [who, until] of room.denied) if (until <= now) room.denied.delete(who);
  }

  async knocks(roomId: string, now: number): Promise<Knock[]> {
    const room = this.rooms.get(roomId);
    if (!room) return [];
    this.sweepKnocks(room, now);
    return publicKnocks([...room.knocks.values()].filter((k) => k.state === 'waiting'));
  }

  async answerKnocks(
    roomId: string,
    by: PeerId,
    ids: string[] | 'all',
    admit: boolean,
    now: number,
  ): Promise<HostAction<{ answered: Knock[] }>> {
    const c = this.hostCheck(roomId, by);
    if (!c.ok) return c;
    this.sweepKnocks(c.room, now);
    const waiting = [...c.room.knocks.values()].filter((k) => k.state === 'waiting');
    const chosen = ids === 'all' ? waiting : waiting.filter((k) => ids.includes(k.id));
    if (ids !== 'all' && ids.length === 1 && chosen.length === 0) return { ok: false, code: 'NOT_IN_ROOM' };
    for (const k of chosen) {
      k.state = admit ? 'admitted' : 'denied';
      k.expiresAt = now + KNOCK_ANSWER_MS;
      if (!admit) c.room.denied.set(k.identity, now + KNOCK_ANSWER_MS);
    }
    return { ok: true, answered: publicKnocks(chosen) };
  }

  async withdrawKnock(roomId: string, id: string): Promise<boolean> {
    const room = this.rooms.get(roomId);
    const k = room?.knocks.get(id);
    if (!room || !k || k.state !== 'waiting') return false;
    room.knocks.delete(id);
    return true;
  }

  async openBreakouts(roomId: string, by: PeerId, plan: Breakouts, assign: PeerId[]): Promise<HostAction> {
    const c = this.hostCheck(roomId, by);
    if (!c.ok) return c;
    if (c.room.breakouts) return { ok: false, code: 'BAD_REQUEST' };
    for (const id of assign) {
      const m = c.room.members.get(id);
      if (!m) return { ok: false, code: 'NOT_IN_ROOM' };
      if (runsMeeting(m)) return { ok: false, code: 'BAD_REQUEST' };
    }
    c.room.breakouts = clone(plan);
    return { ok: true };
  }

  async closeBreakouts(roomId: string, by: PeerId | null, opened?: Breakouts): Promise<HostAction<{ closed: Breakouts | null }>> {
    const room = this.rooms.get(roomId);
    if (by !== null) {
      const c = this.hostCheck(roomId, by);
      if (!c.ok) return c;
    }
    const closed = room?.breakouts ?? null;
    // The timer closes only the rooms it was set for, not a later opening.
    if (!room || !closed || (by === null && JSON.stringify(closed) !== JSON.stringify(opened))) return { ok: true, closed: null };
    room.breakouts = null;
    return { ok: true, closed: clone(closed) };
  }

  async addChat(roomId: string, message: ChatMessage, limit: number): Promise<HostAction> {
    const room = this.rooms.get(roomId);
    const from = room?.members.get(message.from);
    if (!room || !from) return { ok: false, code: 'NOT_IN_ROOM' };
    if (room.chatLocked && !runsMeeting(from)) return { ok: false, code: 'NOT_HOST' };
    room.chat.push(clone(message));
    if (room.chat.length > limit) room.chat.splice(0, room.chat.length - limit);
    return { ok: true };
  }

  async chat(roomId: string): Promise<ChatMessage[]> {
    return clone(this.rooms.get(roomId)?.chat ?? []);
  }

  async close(): Promise<void> {
    this.rooms.clear();
    this.ended.clear();
  }
}

/** Knocks as hosts see them, oldest first. */
function publicKnocks(list: Iterable<StoredKnock>): Knock[] {
  return [...list].map(({ id, name, at }) => ({ id, name, at })).sort((a, b) => a.at - b.at);
}
