/**
 * `room:welcome` is a participant's first event. Its socket joins the meeting's rooms before the welcome's snapshot
 * is read (so that whoever joins after that read is heard of), and a replica may handle another participant's
 * `peer:joined` from its pub/sub connection before the older snapshot reply from its store connection: without a
 * hold, a newcomer could hear of someone, then get a welcome that leaves them out. What is sent to the socket in
 * between is held, and written after the welcome, less what the welcome already says.
 */
import type { Socket } from 'socket.io';

type Write = (encoded: unknown, opts: unknown) => void;
interface EngineClient {
  writeToEngine: Write;
}

export interface Hold {
  /**
   * Writes `first` (the welcome, emitted by the callback), then what was held, in order, except a `peer:joined` of a
   * participant `known` already lists and a `peer:left` of one it does not list.
   */
  release(first: () => void, known: ReadonlySet<string>): void;
  /** Drops what was held (the socket is going away). */
  discard(): void;
}

/** Starts holding what is written to `socket`'s connection for its namespace. */
export function holdEvents(socket: Socket): Hold {
  const client = socket.client as unknown as EngineClient;
  const original = client.writeToEngine;
  const prefix = `2${socket.nsp.name},`;
  const held: Array<[unknown, unknown]> = [];
  let holding = true;
  // Another namespace on the same connection (the lobby) is not held.
  client.writeToEngine = function (this: EngineClient, encoded: unknown, opts: unknown) {
    const ours = (Array.isArray(encoded) ? encoded : [encoded]).some((p) => typeof p === 'string' && p.startsWith(prefix));
    if (holding && ours) held.push([encoded, opts]);
    else original.call(this, encoded, opts);
  };
  const restore = () => {
    holding = false;
    if (client.writeToEngine !== original) client.writeToEngine = original;
  };
  return {
    release(first, known) {
      restore();
      first();
      for (const [encoded, opts] of held.splice(0)) {
        if (!redundant(encoded, prefix, known)) original.call(client, encoded, opts);
      }
    },
    discard() {
      restore();
      held.length = 0;
    },
  };
}

/** A `peer:joined` the welcome already reflects, or a `peer:left` of a participant the welcome does not list. */
function redundant(encoded: unknown, prefix: string, known: ReadonlySet<string>): boolean {
  if (Array.isArray(encoded)) return encoded.length === 1 && redundant(encoded[0], prefix, known);
  if (typeof encoded !== 'string' || !encoded.startsWith(prefix)) return false;
  let event: unknown;
  let id: unknown;
  try {
    // An event packet without an ack id: `2/room,["name",{...}]`.
    const parsed = JSON.parse(encoded.slice(prefix.length)) as unknown;
    if (!Array.isArray(parsed)) return false;
    event = parsed[0];
    id = (parsed[1] as { id?: unknown } | undefined)?.id;
  } catch {
    return false;
  }
  if (typeof id !== 'string') return false;
  if (event === 'peer:joined') return known.has(id);
  if (event === 'peer:left') return !known.has(id);
  return false;
}
