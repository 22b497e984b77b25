/** When to try `/room` again after a retryable failure: doubling from half a second, jittered, capped. */
import { RECONNECT_DELAY_MAX_MS } from '../../server/protocol/limits';
import { jittered } from '../shared/stats';

/** The random part of each delay, so that clients refused at the same moment do not come back in lockstep. */
const SPREAD_MS = 500;

/** The delay before attempt `attempt + 1` (0-based count of failures so far); `random` in [0, 1). */
export function retryDelay(attempt: number, random: number): number {
  return jittered(Math.min(RECONNECT_DELAY_MAX_MS - SPREAD_MS, 500 * 2 ** Math.min(Math.max(0, attempt), 10)), random, SPREAD_MS);
}

/** HTTP statuses of a handshake that say "the service is there but not now" (the load balancer, a restart). */
const RETRYABLE_STATUS = new Set([502, 503, 504]);

/**
 * Whether a transport-level failure of a handshake (no Parley error code) is worth retrying: the service answered
 * 502/503/504, or nothing answered at all (network error, timeout). A 4xx is a refusal that retrying would not change.
 */
export function retryableTransport(err: unknown): boolean {
  const description = (err as { description?: unknown } | null)?.description;
  if (description === undefined || description === null || description === 0) return true;
  if (typeof description === 'number') return RETRYABLE_STATUS.has(description);
  // A WebSocket error event or a Node error: no status, the connection itself failed.
  return typeof description === 'object';
}
