/**
 * Room passwords are kept as scrypt hashes with a per-room salt, compared in constant time.
 *
 * Parameters: N=2^14, r=8, p=5, the lower-memory equivalent of OWASP's minimum (N=2^17, r=8, p=1): the same work
 * (~140 ms of one core here) in 16 MiB instead of 128 MiB, which keeps a burst of joins from taking the memory of a
 * replica. The salt names its parameters (`5$<hex>`), so hashes made with the earlier N=2^14, p=1 (plain hex salt)
 * still verify while such a room lives.
 *
 * Hashing runs on libuv's thread pool, which also serves file reads: at most HASH_CONCURRENCY hashes run at once so
 * that static files and the rest of the server keep their threads, and at most HASH_QUEUE wait; past that a join is
 * refused as busy rather than queued without bound.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const KEYLEN = 32;
const MAXMEM = 64 * 1024 * 1024;
const CURRENT = '5$';
const PARAMS: Record<string, ScryptOptions> = {
  [CURRENT]: { N: 16384, r: 8, p: 5, maxmem: MAXMEM },
  '': { N: 16384, r: 8, p: 1, maxmem: MAXMEM },
};
export const HASH_CONCURRENCY = 2;
export const HASH_QUEUE = 64;

export interface PasswordHash {
  salt: string;
  hash: string;
}

/** Thrown when more hashes are waiting than HASH_QUEUE. */
export class HashingBusy extends Error {
  constructor() {
    super('password hashing is busy');
  }
}

export function newSalt(): string {
  return CURRENT + randomBytes(16).toString('hex');
}

/** What this process has hashed (for /metrics). */
export const hashing = { done: 0, refused: 0 };

let running = 0;
const waiting: Array<() => void> = [];

async function slot<T>(work: () => Promise<T>): Promise<T> {
  if (running < HASH_CONCURRENCY) running++;
  else if (waiting.length >= HASH_QUEUE) {
    hashing.refused++;
    throw new HashingBusy();
  }
  // A finished hash hands its slot to the next in line, so `running` never overshoots.
  else await new Promise<void>((resolve) => waiting.push(resolve));
  try {
    hashing.done++;
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

export function hashPassword(password: string, salt: string): Promise<PasswordHash> {
  const params = PARAMS[salt.startsWith(CURRENT) ? CURRENT : ''];
  return slot(
    () =>
      new Promise((resolve, reject) => {
        scrypt(password, salt, KEYLEN, params, (err, key) => (err ? reject(err) : resolve({ salt, hash: key.toString('hex') })));
      }),
  );
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
