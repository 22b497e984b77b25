/**
 * Keeps TURN credentials valid for the whole call. They are short-lived (the server's TURN_TTL_S): a relay
 * allocated in time keeps working, but a new peer connection or an ICE restart needs credentials that have not
 * expired. So, at about 80 % of their lifetime, fresh servers are fetched (`ice:refresh`) and applied to every
 * peer connection.
 */
import type { IceServer } from '../../server/protocol/events';

/** Renew at this fraction of what is left of the lifetime. */
export const RENEW_AT = 0.8;
/** Never sooner than this (a clock far ahead of the server's would otherwise ask in a loop). */
export const MIN_DELAY_MS = 30_000;
/** After a failed renewal (offline, refused), try again this much later. */
export const RETRY_MS = 30_000;
/** setTimeout's limit; a longer lifetime is renewed in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** The earliest expiry (epoch ms) among the TURN REST usernames ("<expiry>:<user>") of `servers`; null when none has one. */
export function earliestExpiry(servers: readonly IceServer[]): number | null {
  let earliest: number | null = null;
  for (const s of servers) {
    const m = typeof s.username === 'string' ? /^(\d{1,12}):/.exec(s.username) : null;
    if (!m) continue;
    const ms = Number(m[1]) * 1000;
    if (earliest === null || ms < earliest) earliest = ms;
  }
  return earliest;
}

/** How long to wait before renewing `servers` at `nowMs`; null when they carry no expiring credential (STUN only). */
export function refreshDelayMs(servers: readonly IceServer[], nowMs: number): number | null {
  const expiry = earliestExpiry(servers);
  if (expiry === null) return null;
  return Math.min(MAX_DELAY_MS, Math.max(MIN_DELAY_MS, Math.floor((expiry - nowMs) * RENEW_AT)));
}

/** Schedules the renewals: `fetch` asks the server, `apply` hands the fresh servers to the peer connections. */
export class IceRefresher {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(
    private readonly fetch: () => Promise<IceServer[]>,
    private readonly apply: (servers: IceServer[]) => void,
  ) {}

  /** Plans the renewal of `servers` (from a welcome or a renewal), replacing any plan before. */
  schedule(servers: readonly IceServer[]): void {
    this.clear();
    if (this.stopped) return;
    const delay = refreshDelayMs(servers, Date.now());
    if (delay !== null) this.after(delay);
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }

  private after(ms: number): void {
    this.timer = setTimeout(() => void this.renew(), ms);
  }

  private async renew(): Promise<void> {
    this.timer = null;
    let servers: IceServer[];
    try {
      servers = await this.fetch();
    } catch (err) {
      // Offline or refused: a reconnection's welcome brings fresh servers anyway; until then, ask again later.
      console.warn('parley: TURN credential renewal failed', err);
      if (!this.stopped && this.timer === null) this.after(RETRY_MS);
      return;
    }
    if (this.stopped) return;
    this.apply(servers);
    this.schedule(servers);
  }

  private clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
