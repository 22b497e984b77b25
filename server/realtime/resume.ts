/**
 * Resume tokens: proof that a participant was admitted to one meeting of a room as a PeerId, with a role.
 * HMAC-SHA256 with the cluster's shared SECRET, so any replica accepts them. The meeting id ties a token to one
 * meeting (a room code emptied and opened again is another meeting); the role and "had a password" let a meeting
 * whose state was lost come back without a token conferring more than it proved.
 */
import { createHmac } from 'node:crypto';
import { RESUME_MAX_AGE_S } from '../protocol/limits';
import { seal, unseal } from './signed';

export interface ResumeClaim {
  room: string;
  peer: string;
  /** Issued at, epoch seconds. */
  iat: number;
  /** The meeting's random id; '' in tokens issued before meetings had one. */
  meeting: string;
  host: boolean;
  /** The meeting had a password. */
  password: boolean;
}

function sign(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('base64url');
}

export function issueResume(secret: string, claim: ResumeClaim): string {
  const fields = [claim.room, claim.peer, claim.iat, claim.meeting, claim.host ? 1 : 0, claim.password ? 1 : 0];
  return seal(fields, (body) => sign(secret, body));
}

/** Returns the claim of a valid token for `room`, or null for anything else. */
export function verifyResume(secret: string, token: string, room: string, nowMs = Date.now()): ResumeClaim | null {
  const parsed = unseal(token, (body) => sign(secret, body));
  if (!Array.isArray(parsed) || (parsed.length !== 3 && parsed.length !== 6)) return null;
  const [r, p, iat, meeting = '', host = 0, password = 0] = parsed as unknown[];
  if (typeof r !== 'string' || typeof p !== 'string' || typeof iat !== 'number' || typeof meeting !== 'string') return null;
  if ((host !== 0 && host !== 1) || (password !== 0 && password !== 1) || (parsed.length === 6 && meeting === '')) return null;
  if (r !== room || iat > nowMs / 1000 + 60 || nowMs / 1000 - iat > RESUME_MAX_AGE_S) return null;
  return { room: r, peer: p, iat, meeting, host: host === 1, password: password === 1 };
}
