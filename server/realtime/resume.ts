/**
 * Resume tokens: proof that a participant was admitted to a room as a PeerId.
 * HMAC-SHA256 with the cluster's shared SECRET, so any replica accepts them.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface ResumeClaim {
  room: string;
  peer: string;
  /** Issued at, epoch seconds. */
  iat: number;
}

const MAX_AGE_S = 24 * 3600;

function sign(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}

export function issueResume(secret: string, claim: ResumeClaim): string {
  const body = Buffer.from(JSON.stringify([claim.room, claim.peer, claim.iat])).toString('base64url');
  return `${body}.${sign(secret, body)}`;
}

/** Returns the claim of a valid token for `room`, or null for anything else. */
export function verifyResume(secret: string, token: string, room: string, nowMs = Date.now()): ResumeClaim | null {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return null;
  const body = token.slice(0, dot);
  // Compared as text, not as decoded bytes: base64url decoding skips stray characters and ignores the
  // spare bits of the last one, so a decoded comparison would accept altered copies of a token.
  const mac = Buffer.from(token.slice(dot + 1), 'utf8');
  const expected = Buffer.from(sign(secret, body), 'utf8');
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) return null;
  const [r, p, iat] = parsed as unknown[];
  if (typeof r !== 'string' || typeof p !== 'string' || typeof iat !== 'number') return null;
  if (r !== room || iat > nowMs / 1000 + 60 || nowMs / 1000 - iat > MAX_AGE_S) return null;
  return { room: r, peer: p, iat };
}
