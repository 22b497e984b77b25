/**
 * A private coturn for tests (deploy/turnserver.conf as it is, plus where to listen and the shared secret), and a
 * minimal TURN client (RFC 8656 with RFC 6062 allocations over TCP) that speaks STUN messages by hand: long-term
 * credentials with REALM and NONCE, MESSAGE-INTEGRITY (HMAC-SHA1), XOR-PEER-ADDRESS for IPv4 and IPv6.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, requireBinary, stopProcess, until, waitForPort } from '../../scripts/procs.cjs';

const TURN_CONF = path.join(__dirname, '..', '..', 'deploy', 'turnserver.conf');

export interface CoturnProcess {
  port: number;
  secret: string;
  proc: ChildProcess;
  /** What coturn printed so far (it logs to stdout). */
  log(): string;
  stop(): Promise<void>;
}

/** Starts coturn with deploy/turnserver.conf on 127.0.0.1 and ::1, on a free port, with `secret` as its static-auth-secret. */
export async function startCoturn(secret: string, extra: string[] = []): Promise<CoturnProcess> {
  const bin = requireBinary('turnserver');
  const port = await freePort();
  // Only the state files go to a private directory, so that parallel coturns do not share a pid file or database.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-turn-'));
  const args = [
    '-c',
    TURN_CONF,
    `--listening-port=${port}`,
    '--listening-ip=127.0.0.1',
    '--listening-ip=::1',
    `--static-auth-secret=${secret}`,
    `--pidfile=${path.join(dir, 'turnserver.pid')}`,
    `--db=${path.join(dir, 'turndb')}`,
    ...extra,
  ];
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  proc.stderr?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  await waitForPort(port, 10_000, proc);
  // TCP answers before every UDP listener is up: wait until a Binding request over UDP is answered too.
  await until('coturn answering STUN over UDP', () => stunBindingAnswered(port), 10_000, proc, 100);
  return {
    port,
    secret,
    proc,
    log: () => out,
    stop: async () => {
      await stopProcess(proc, 'SIGTERM', 5000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function stunBindingAnswered(port: number): Promise<boolean> {
  const c = await TurnClient.udp(port);
  try {
    const r = await c.request(BINDING, [], { authenticate: false, timeoutMs: 300 });
    return r.type === BINDING + SUCCESS;
  } catch {
    return false;
  } finally {
    c.close();
  }
}

// STUN/TURN message types (method; a response adds SUCCESS or ERROR) and attributes.
export const BINDING = 0x0001;
export const ALLOCATE = 0x0003;
export const REFRESH = 0x0004;
export const SEND_INDICATION = 0x0016;
export const CREATE_PERMISSION = 0x0008;
export const SUCCESS = 0x0100;
export const ERROR = 0x0110;
const MAGIC = 0x2112a442;

export const ATTR = {
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  LIFETIME: 0x000d,
  XOR_PEER_ADDRESS: 0x0012,
  DATA: 0x0013,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_RELAYED_ADDRESS: 0x0016,
  REQUESTED_ADDRESS_FAMILY: 0x0017,
  REQUESTED_TRANSPORT: 0x0019,
} as const;

export interface Attr {
  type: number;
  value: Buffer;
}

type Attrs = Attr[] | ((txid: Buffer) => Attr[]);

export interface StunMessage {
  type: number;
  txid: Buffer;
  attrs: Attr[];
}

/** A response: the message, and its error code and reason when it is an error response. */
export interface TurnReply extends StunMessage {
  ok: boolean;
  code?: number;
  reason?: string;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function encodeAttrs(attrs: Attr[]): Buffer {
  const parts: Buffer[] = [];
  for (const a of attrs) {
    const head = Buffer.alloc(4);
    head.writeUInt16BE(a.type, 0);
    head.writeUInt16BE(a.value.length, 2);
    parts.push(head, a.value, Buffer.alloc(pad4(a.value.length) - a.value.length));
  }
  return Buffer.concat(parts);
}

function header(type: number, length: number, txid: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(type, 0);
  h.writeUInt16BE(length, 2);
  h.writeUInt32BE(MAGIC, 4);
  txid.copy(h, 8);
  return h;
}

/** Encodes a message; with `key`, appends MESSAGE-INTEGRITY over everything before it (RFC 8489 §14.5). */
export function encode(type: number, txid: Buffer, attrs: Attr[], key?: Buffer): Buffer {
  const body = encodeAttrs(attrs);
  if (!key) return Buffer.concat([header(type, body.length, txid), body]);
  const signed = Buffer.concat([header(type, body.length + 24, txid), body]);
  const mac = createHmac('sha1', key).update(signed).digest();
  return Buffer.concat([signed, encodeAttrs([{ type: ATTR.MESSAGE_INTEGRITY, value: mac }])]);
}

export function decode(buf: Buffer): StunMessage | null {
  if (buf.length < 20 || buf.readUInt32BE(4) !== MAGIC) return null;
  const length = buf.readUInt16BE(2);
  if (buf.length < 20 + length) return null;
  const attrs: Attr[] = [];
  for (let at = 20; at + 4 <= 20 + length;) {
    const type = buf.readUInt16BE(at);
    const len = buf.readUInt16BE(at + 2);
    attrs.push({ type, value: buf.subarray(at + 4, at + 4 + len) });
    at += 4 + pad4(len);
  }
  return { type: buf.readUInt16BE(0), txid: buf.subarray(8, 20), attrs };
}

const attr = (m: StunMessage, type: number) => m.attrs.find((a) => a.type === type)?.value;

/** XOR-PEER-ADDRESS (or XOR-RELAYED-ADDRESS) for an IPv4 or IPv6 address. */
export function xorAddress(ip: string, port: number, txid: Buffer): Buffer {
  const v6 = net.isIPv6(ip);
  const out = Buffer.alloc(v6 ? 20 : 8);
  out.writeUInt8(v6 ? 0x02 : 0x01, 1);
  out.writeUInt16BE(port ^ (MAGIC >>> 16), 2);
  const raw = v6 ? ipv6Bytes(ip) : Buffer.from(ip.split('.').map(Number));
  const mask = Buffer.concat([Buffer.from([0x21, 0x12, 0xa4, 0x42]), txid]);
  for (let i = 0; i < raw.length; i++) out[4 + i] = raw[i]! ^ mask[i]!;
  return out;
}

export function readXorAddress(value: Buffer, txid: Buffer): { ip: string; port: number } {
  const v6 = value.readUInt8(1) === 0x02;
  const port = value.readUInt16BE(2) ^ (MAGIC >>> 16);
  const mask = Buffer.concat([Buffer.from([0x21, 0x12, 0xa4, 0x42]), txid]);
  const raw = Buffer.from(value.subarray(4, v6 ? 20 : 8).map((b, i) => b ^ mask[i]!));
  const ip = v6 ? (raw.toString('hex').match(/.{4}/g) ?? []).join(':') : [...raw].join('.');
  return { ip, port };
}

/** The 16 bytes of an IPv6 address in any textual form (with ::, or an IPv4 tail as in ::ffff:10.0.0.1). */
function ipv6Bytes(ip: string): Buffer {
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = v4[1]!.split('.').map(Number);
    text = `${text.slice(0, -v4[1]!.length)}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const groups = (s: string | undefined) => (s ? s.split(':').filter(Boolean) : []);
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function errorOf(m: StunMessage): { code: number; reason: string } | undefined {
  const v = attr(m, ATTR.ERROR_CODE);
  if (!v) return undefined;
  return { code: (v.readUInt8(2) & 0x07) * 100 + v.readUInt8(3), reason: v.subarray(4).toString('utf8') };
}

/** One client 5-tuple to coturn: over UDP, or over TCP (where an allocation may ask for a TCP relay). */
export class TurnClient {
  private username = '';
  private password = '';
  private key: Buffer | undefined;
  private realm: Buffer | undefined;
  private nonce: Buffer | undefined;
  private readonly waiting = new Map<string, (m: StunMessage) => void>();
  private tcpBuffer = Buffer.alloc(0);

  private constructor(
    private readonly write: (buf: Buffer) => void,
    private readonly end: () => void,
  ) {}

  static async udp(port: number, host = '127.0.0.1'): Promise<TurnClient> {
    const sock = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    await new Promise<void>((resolve) => sock.bind(0, resolve));
    const c = new TurnClient(
      (buf) => sock.send(buf, port, host),
      () => sock.close(),
    );
    sock.on('message', (buf) => c.receive(buf));
    return c;
  }

  static async tcp(port: number, host = '127.0.0.1'): Promise<TurnClient> {
    const sock = net.connect(port, host);
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    sock.on('error', () => undefined);
    const c = new TurnClient(
      (buf) => sock.write(buf),
      () => sock.destroy(),
    );
    sock.on('data', (chunk) => c.receiveStream(chunk));
    return c;
  }

  /** Long-term credentials (RFC 8489 §9.2): the key is MD5(username:realm:password), once the realm is known. */
  credentials(username: string, password: string): this {
    this.username = username;
    this.password = password;
    return this;
  }

  private receive(buf: Buffer): void {
    const m = decode(buf);
    if (!m) return;
    const k = m.txid.toString('hex');
    this.waiting.get(k)?.(m);
    this.waiting.delete(k);
  }

  private receiveStream(chunk: Buffer): void {
    this.tcpBuffer = Buffer.concat([this.tcpBuffer, chunk]);
    while (this.tcpBuffer.length >= 20) {
      const total = 20 + this.tcpBuffer.readUInt16BE(2);
      if (this.tcpBuffer.length < total) return;
      this.receive(this.tcpBuffer.subarray(0, total));
      this.tcpBuffer = this.tcpBuffer.subarray(total);
    }
  }

  /** `attrs` may depend on the transaction id (an XOR address): each attempt has its own. */
  private send(type: number, attrs: Attrs, authenticate: boolean, timeoutMs: number): Promise<StunMessage> {
    const txid = randomBytes(12);
    const auth: Attr[] = [];
    if (authenticate && this.realm && this.nonce) {
      auth.push(
        { type: ATTR.USERNAME, value: Buffer.from(this.username) },
        { type: ATTR.REALM, value: this.realm },
        { type: ATTR.NONCE, value: this.nonce },
      );
    }
    const own = typeof attrs === 'function' ? attrs(txid) : attrs;
    const msg = encode(type, txid, [...own, ...auth], auth.length > 0 ? this.key : undefined);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(txid.toString('hex'));
        reject(new Error(`no answer to STUN method 0x${type.toString(16)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(txid.toString('hex'), (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.write(msg);
    });
  }

  /**
   * Sends a request; with `authenticate` (the default), answers a 401 or 438 challenge with the credentials, the
   * realm and the nonce it carries, once.
   */
  async request(type: number, attrs: Attrs = [], opts: { authenticate?: boolean; timeoutMs?: number } = {}): Promise<TurnReply> {
    const { authenticate = true, timeoutMs = 3000 } = opts;
    let m = await this.send(type, attrs, authenticate, timeoutMs);
    let err = errorOf(m);
    if (authenticate && err && (err.code === 401 || err.code === 438) && attr(m, ATTR.NONCE)) {
      const firstChallenge = !this.nonce || err.code === 438;
      this.nonce = attr(m, ATTR.NONCE);
      this.realm = attr(m, ATTR.REALM) ?? this.realm;
      this.key = createHash('md5')
        .update(`${this.username}:${this.realm?.toString('utf8')}:${this.password}`)
        .digest();
      if (firstChallenge) {
        m = await this.send(type, attrs, true, timeoutMs);
        err = errorOf(m);
      }
    }
    return { ...m, ok: (m.type & ERROR) === SUCCESS, code: err?.code, reason: err?.reason };
  }

  /** Allocates a relay: UDP (17) or TCP (6), IPv4 or IPv6. */
  allocate(opts: { transport?: 'udp' | 'tcp'; family?: 4 | 6 } = {}): Promise<TurnReply> {
    const attrs: Attr[] = [{ type: ATTR.REQUESTED_TRANSPORT, value: Buffer.from([opts.transport === 'tcp' ? 6 : 17, 0, 0, 0]) }];
    if (opts.family === 6) attrs.push({ type: ATTR.REQUESTED_ADDRESS_FAMILY, value: Buffer.from([0x02, 0, 0, 0]) });
    return this.request(ALLOCATE, attrs);
  }

  relayedAddress(reply: StunMessage): { ip: string; port: number } | undefined {
    const v = attr(reply, ATTR.XOR_RELAYED_ADDRESS);
    return v ? readXorAddress(v, reply.txid) : undefined;
  }

  /** A permission for `ip` (any port): coturn checks the peer address against its allowed and denied ranges here. */
  createPermission(ip: string): Promise<TurnReply> {
    return this.request(CREATE_PERMISSION, (txid) => [{ type: ATTR.XOR_PEER_ADDRESS, value: xorAddress(ip, 0, txid) }]);
  }

  /** A Send indication (not answered): `data` to ip:port through the relay. */
  sendIndication(ip: string, port: number, data: Buffer): void {
    const txid = randomBytes(12);
    this.write(
      encode(SEND_INDICATION, txid, [
        { type: ATTR.XOR_PEER_ADDRESS, value: xorAddress(ip, port, txid) },
        { type: ATTR.DATA, value: data },
      ]),
    );
  }

  close(): void {
    this.end();
  }
}
