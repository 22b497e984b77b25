/**
 * A direct relay of Socket.IO packets from one replica to another over Redis sharded pub/sub. The adapter's way
 * (`nsp.to(room).emit`) publishes a cluster message to the room's channel, which the receiving replica parses and
 * encodes again; here the sender encodes the packet once, publishes it to the one replica it knows holds the room
 * (each replica listens on a channel of its own), and the receiver writes the encoded packet to the room's local
 * sockets as it is. Packets to one replica queued in the same event-loop turn go out as one SPUBLISH.
 *
 * A batch on the wire: `1;` then, per packet, `<length>:<room><length>:<packet>`, lengths in JavaScript string
 * units (UTF-16). Messages are sent and received as strings, which Redis carries as UTF-8 and hands back as the same
 * string, so the lengths hold on the other side and no packet is escaped or copied into another encoding.
 */
import { createRequire } from 'node:module';
import type { Namespace } from 'socket.io';
import type { Logger } from '../logger';
import type { RedisClient } from './client';

export interface SignalRelay {
  /** This replica instance's id (the channel it listens on). */
  readonly instance: string;
  /**
   * Queues `args` (e.g. ['signal', payload]) for the sockets in Socket.IO room `room` of the namespace on replica
   * `instance`; encodes once here. Args that do not encode as text (binary) are handed to `onMiss` at once, and so
   * are packets to this replica's own instance whose room has no socket here (those are written at once), and, once
   * Redis says so, packets whose publish no replica heard (`instance` is gone: it stopped or was killed).
   * `room` must be a well-formed string: a lone surrogate would reach the other replica as U+FFFD.
   */
  send(instance: string, room: string, args: unknown[]): void;
  /** Resolves once Redis confirmed this replica's subscription to its own channel. */
  ready: Promise<void>;
  /** What the relay has done so far. */
  stats(): RelayStats;
  /** Publishes what is queued, stops listening; messages that still arrive are ignored. */
  close(): Promise<void>;
}

export interface RelayStats {
  /** Packets queued by send() for another replica. */
  queued: number;
  /** SPUBLISH commands sent. */
  batches: number;
  /** Queued packets whose SPUBLISH failed (Redis away); they are lost. */
  failed: number;
  /** Packets that send() could not encode as text and handed to onMiss. */
  unencodable: number;
  /** Packets read from this replica's channel (or sent to its own instance). */
  received: number;
  /** Received packets written to at least one local socket. */
  delivered: number;
  /** Received packets whose room had no local socket (handed to onMiss). */
  missed: number;
  /** Packets published to an instance that nobody listens for (it is gone), handed to onMiss on the sending side. */
  unheard: number;
  /** Messages on this replica's channel that were not batches of this namespace's packets, ignored whole. */
  malformed: number;
}

export interface SignalRelayOptions {
  pub: RedisClient;
  sub: RedisClient;
  nsp: Namespace;
  /** This replica's instance id: the others address it by this. */
  instance: string;
  /** The deployment's pub/sub channel prefix (the adapter's). */
  channelPrefix: string;
  log: Logger;
  /**
   * Called with the room and decoded args of a packet this relay could not deliver: received for a room with no
   * socket here (its participant moved to another replica, or has not entered its rooms yet), published to a replica
   * that is gone (its participant came back on another one), or not encodable as text. The caller falls back to the
   * adapter (`nsp.to(room).emit(...args)`).
   */
  onMiss?: (room: string, args: unknown[]) => void;
  /** The largest batch, in string units, before another SPUBLISH is started (a larger single packet goes alone). */
  maxBatch?: number;
}

/** 256 KiB of ASCII; a batch of text in other scripts is up to three times as many bytes. */
export const MAX_BATCH = 256 * 1024;
/** Opens every batch: another framing will have another tag, which a replica of this version ignores as malformed. */
const TAG = '1;';
/** At most one warning about malformed messages per this many ms. */
const MALFORMED_LOG_MS = 10_000;

/**
 * `instance`'s relay channel. The adapter's channels are `<prefix>#<namespace>#...` and a namespace name begins
 * with '/', so this one cannot be among them.
 */
export function relayChannel(channelPrefix: string, instance: string): string {
  return `${channelPrefix}#relay#${instance}`;
}

/** Packets to one replica that go out in one SPUBLISH. */
interface Batch {
  /** `<length>:<room><length>:<packet>` per packet. */
  parts: string[];
  /** The room and args of each packet, in the same order. */
  sent: Array<[string, unknown[]]>;
  size: number;
  count: number;
}

interface WriteOptions {
  preEncoded: true;
  wsPreEncodedFrame?: unknown;
}
/** Socket.IO's Client as its adapters use it: writeToEngine is private in the typings. */
interface EngineWriter {
  writeToEngine(packets: string[], opts: WriteOptions): void;
}

/** Socket.IO's packet types, from the parser copy socket.io loads. */
const ioParser = createRequire(require.resolve('socket.io'))('socket.io-parser') as typeof import('socket.io-parser');

/**
 * ws's frame builder, from the copy engine.io writes with: a packet for several WebSocket sockets is framed once,
 * as socket.io-adapter's broadcast does. Absent (another ws), each socket frames it itself.
 */
const frame = (() => {
  try {
    const engineRequire = createRequire(createRequire(require.resolve('socket.io')).resolve('engine.io'));
    const { Sender } = engineRequire('ws') as { Sender?: { frame?: (data: Buffer, opts: object) => unknown } };
    const build = Sender?.frame;
    if (typeof build !== 'function') return undefined;
    return (packet: string) => build(Buffer.from('4' + packet), { readOnly: false, mask: false, rsv1: false, opcode: 1, fin: true });
  } catch {
    return undefined;
  }
})();

/** Splits a batch into [room, packet, room, packet, ...]; undefined when it is not a well-formed batch. */
export function parseBatch(message: string): string[] | undefined {
  if (!message.startsWith(TAG)) return undefined;
  const out: string[] = [];
  let i = TAG.length;
  while (i < message.length) {
    // A length: 1 to 9 digits, then ':'.
    let n = 0;
    let j = i;
    for (; j < message.length && j - i < 10; j++) {
      const c = message.charCodeAt(j);
      if (c === 0x3a) break;
      if (c < 0x30 || c > 0x39) return undefined;
      n = n * 10 + (c - 0x30);
    }
    if (j === i || j - i > 9 || message.charCodeAt(j) !== 0x3a) return undefined;
    const end = j + 1 + n;
    if (end > message.length) return undefined;
    out.push(message.slice(j + 1, end));
    i = end;
  }
  // Rooms and packets come in pairs.
  return out.length % 2 === 0 ? out : undefined;
}

export function createSignalRelay(opts: SignalRelayOptions): SignalRelay {
  const { pub, sub, nsp, instance, log: parentLog, onMiss } = opts;
  const maxBatch = opts.maxBatch ?? MAX_BATCH;
  const log = parentLog.child({ ns: 'relay', instance });
  const channelOf = (target: string) => relayChannel(opts.channelPrefix, target);
  const own = channelOf(instance);
  const { encoder } = nsp.server;
  const { EVENT } = ioParser.PacketType;
  // An event of this namespace in Socket.IO's text encoding is this prefix and the JSON array of its args.
  const probe = encoder.encode({ type: EVENT, nsp: nsp.name, data: [] });
  if (probe.length !== 1 || typeof probe[0] !== 'string' || !probe[0].endsWith('[]')) {
    throw new Error("the signal relay needs Socket.IO's text packet encoding");
  }
  const prefix = probe[0].slice(0, -2);

  const stats: RelayStats = {
    queued: 0,
    batches: 0,
    failed: 0,
    unencodable: 0,
    received: 0,
    delivered: 0,
    missed: 0,
    unheard: 0,
    malformed: 0,
  };
  let closed = false;

  // Per target instance: batches ready to go, the last one still filling. Map order keeps each instance's order.
  // Each batch keeps its packets' rooms and args, for onMiss should no replica hear it.
  const queues = new Map<string, Batch[]>();
  let flushing: NodeJS.Immediate | undefined;
  // Set while publishing fails; the first failure of an outage is logged, the rest counted.
  let failing = false;

  const publish = (target: string, batch: Batch) => {
    stats.batches++;
    pub.sPublish(channelOf(target), TAG + batch.parts.join('')).then(
      (heard) => {
        if (failing) {
          failing = false;
          log.info('relay publishing again');
        }
        // Nobody listens on the target's channel: that replica is gone (a sender may still think a participant is
        // there for a moment after it came back elsewhere). The adapter reaches wherever the participant is now.
        if (heard === 0 && !closed) {
          stats.unheard += batch.count;
          for (const [room, args] of batch.sent) miss(room, args);
        }
      },
      (err: unknown) => {
        stats.failed += batch.count;
        if (failing) return;
        failing = true;
        log.warn({ err, target }, 'relay publish failed; packets to other replicas are lost until redis is back');
      },
    );
  };

  const flush = () => {
    flushing = undefined;
    for (const [target, batches] of queues) for (const batch of batches) publish(target, batch);
    queues.clear();
  };

  const miss = (room: string, args: unknown[]) => {
    if (!onMiss) return;
    try {
      onMiss(room, args);
    } catch (err) {
      log.error({ err, room }, 'relay miss handler failed');
    }
  };

  /** Writes `packet` to the room's sockets here; false when it has none. */
  const write = (room: string, packet: string): boolean => {
    const ids = nsp.adapter.rooms.get(room);
    if (!ids) return false;
    let wrote = false;
    const writeOpts: WriteOptions = { preEncoded: true };
    // For one socket, framing here is the same work as the socket framing it itself.
    if (frame && ids.size > 1) writeOpts.wsPreEncodedFrame = frame(packet);
    for (const id of ids) {
      const socket = nsp.sockets.get(id);
      if (!socket) continue;
      (socket.client as unknown as EngineWriter).writeToEngine([packet], writeOpts);
      wrote = true;
    }
    return wrote;
  };

  const deliver = (room: string, packet: string) => {
    stats.received++;
    if (write(room, packet)) {
      stats.delivered++;
      return;
    }
    stats.missed++;
    if (!onMiss) return;
    let args: unknown;
    try {
      args = JSON.parse(packet.slice(prefix.length));
    } catch {
      args = undefined;
    }
    if (Array.isArray(args)) miss(room, args);
    else log.warn({ room }, 'relayed packet could not be decoded; dropped');
  };

  let malformedSince = 0;
  let malformedLogged = 0;
  const malformed = (message: string) => {
    stats.malformed++;
    malformedSince++;
    const now = Date.now();
    if (now - malformedLogged < MALFORMED_LOG_MS) return;
    log.warn({ ignored: malformedSince, length: message.length }, 'malformed message on the relay channel ignored');
    malformedLogged = now;
    malformedSince = 0;
  };

  const receive = (message: string) => {
    if (closed) return;
    const fields = parseBatch(message);
    // Every packet must be an event of this namespace in text encoding before any is written.
    if (!fields) return malformed(message);
    for (let i = 1; i < fields.length; i += 2) {
      if (!fields[i].startsWith(prefix) || fields[i].charCodeAt(prefix.length) !== 0x5b) return malformed(message);
    }
    for (let i = 0; i < fields.length; i += 2) deliver(fields[i], fields[i + 1]);
  };

  const ready = sub.sSubscribe(own, receive);
  ready.catch((err: unknown) => log.warn({ err, channel: own }, 'relay subscription failed'));

  return {
    instance,
    ready,
    stats: () => ({ ...stats }),
    send(target, room, args) {
      if (closed) return;
      const encoded = encoder.encode({ type: EVENT, nsp: nsp.name, data: args });
      if (encoded.length !== 1 || typeof encoded[0] !== 'string') {
        stats.unencodable++;
        miss(room, args);
        return;
      }
      const packet = encoded[0];
      if (target === instance) return deliver(room, packet);
      stats.queued++;
      const item = `${room.length}:${room}${packet.length}:${packet}`;
      let batches = queues.get(target);
      if (!batches) queues.set(target, (batches = []));
      let last = batches[batches.length - 1];
      if (!last || (last.size > 0 && last.size + item.length > maxBatch)) batches.push((last = { parts: [], sent: [], size: 0, count: 0 }));
      last.parts.push(item);
      last.sent.push([room, args]);
      last.size += item.length;
      last.count++;
      flushing ??= setImmediate(flush);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (flushing) {
        clearImmediate(flushing);
        flush();
      }
      if (!sub.isOpen) return;
      const done = sub.sUnsubscribe(own, receive).catch(() => undefined);
      // While the connection is down the unsubscription waits for it; nothing more arrives meanwhile anyway.
      if (sub.isReady) await done;
    },
  };
}
