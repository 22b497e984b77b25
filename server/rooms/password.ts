/** Room passwords are kept as scrypt hashes with a per-room salt, compared in constant time. */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const KEYLEN = 32;
// N=2^14 costs ~40 ms of CPU off the event loop; the per-address join rate limit bounds guessing.
const PARAMS = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export interface PasswordHash {
  salt: string;
  hash: string;
}

export function newSalt(): string {
  return randomBytes(16).toString('hex');
}

export function hashPassword(password: string, salt: string): Promise<PasswordHash> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEYLEN, PARAMS, (err, key) => (err ? reject(err) : resolve({ salt, hash: key.toString('hex') })));
  });
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
