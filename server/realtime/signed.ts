/**
 * Tokens signed with the cluster's SECRET, so that any replica accepts them: `<base64url JSON fields>.<HMAC>`. Each
 * kind of token signs with its own function, so one kind is never taken for another.
 */
import { timingSafeEqual } from 'node:crypto';

/** Signs the encoded body of a token. */
export type Signer = (body: string) => string;

/** A token carrying `fields`. */
export function seal(fields: unknown[], sign: Signer): string {
  const body = Buffer.from(JSON.stringify(fields)).toString('base64url');
  return `${body}.${sign(body)}`;
}

/** The fields of a token signed by `sign` and not altered, or null for anything else (the caller checks their shape). */
export function unseal(token: string, sign: Signer): unknown {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return null;
  const body = token.slice(0, dot);
  // Compared as text, not as decoded bytes: base64url decoding skips stray characters and ignores the
  // spare bits of the last one, so a decoded comparison would accept altered copies of a token.
  const mac = Buffer.from(token.slice(dot + 1), 'utf8');
  const expected = Buffer.from(sign(body), 'utf8');
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return null;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}
