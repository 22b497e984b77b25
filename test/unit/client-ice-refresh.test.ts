/** TURN credential renewal in the client: when to ask, and what a renewal does (fake timers, literal servers). */
import { earliestExpiry, IceRefresher, MIN_DELAY_MS, refreshDelayMs, RETRY_MS } from '../../client/rtc/ice-refresh';
import type { IceServer } from '../../server/protocol/events';

const NOW_MS = 1_700_000_000_000;
const STUN: IceServer = { urls: ['stun:stun.example.org:3478'] };
const turn = (expiryS: number, user = 'peer-1'): IceServer => ({
  urls: ['turn:turn.example.org:3478?transport=udp'],
  username: `${expiryS}:${user}`,
  credential: 'c2VjcmV0',
});

describe('refreshDelayMs', () => {
  test('80 % of what is left of the lifetime: 480 s of a 600 s credential', () => {
    expect(refreshDelayMs([STUN, turn(1_700_000_600)], NOW_MS)).toBe(480_000);
    expect(refreshDelayMs([STUN, turn(1_700_000_600)], NOW_MS + 100_000)).toBe(400_000);
  });

  test('the earliest expiry counts when several servers carry one', () => {
    expect(earliestExpiry([turn(1_700_003_600), turn(1_700_000_600)])).toBe(1_700_000_600_000);
    expect(refreshDelayMs([turn(1_700_003_600), turn(1_700_000_600)], NOW_MS)).toBe(480_000);
  });

  test('never sooner than MIN_DELAY_MS, also for an expired credential or a clock far ahead', () => {
    expect(refreshDelayMs([turn(1_700_000_010)], NOW_MS)).toBe(MIN_DELAY_MS);
    expect(refreshDelayMs([turn(1_699_990_000)], NOW_MS)).toBe(MIN_DELAY_MS);
  });

  test('no renewal without an expiring credential: STUN only, or a username that is not "<expiry>:<user>"', () => {
    expect(refreshDelayMs([], NOW_MS)).toBeNull();
    expect(refreshDelayMs([STUN], NOW_MS)).toBeNull();
    expect(refreshDelayMs([{ urls: 'turn:t', username: 'static-user', credential: 'x' }], NOW_MS)).toBeNull();
  });
});

describe('IceRefresher', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    jest.setSystemTime(NOW_MS);
  });
  afterEach(() => jest.useRealTimers());

  test('renews at 80 % of the lifetime, applies the fresh servers, and plans the next renewal from them', async () => {
    const fresh = [STUN, turn(1_700_001_080)];
    const fetch = jest.fn(async () => fresh);
    const applied: IceServer[][] = [];
    const r = new IceRefresher(fetch, (s) => applied.push(s));
    r.schedule([STUN, turn(1_700_000_600)]);
    await jest.advanceTimersByTimeAsync(479_999);
    expect(fetch).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(applied).toEqual([fresh]);
    // Fresh servers at 480 s that expire at 1,080 s: the next renewal 480 s later.
    await jest.advanceTimersByTimeAsync(479_999);
    expect(fetch).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(fetch).toHaveBeenCalledTimes(2);
    r.stop();
  });

  test('a failed renewal is tried again RETRY_MS later; a new welcome replaces the plan', async () => {
    const fetch = jest.fn<Promise<IceServer[]>, []>().mockRejectedValueOnce(new Error('offline'));
    fetch.mockResolvedValue([turn(1_700_010_000)]);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const r = new IceRefresher(fetch, () => undefined);
    r.schedule([turn(1_700_000_600)]);
    await jest.advanceTimersByTimeAsync(480_000);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(RETRY_MS);
    expect(fetch).toHaveBeenCalledTimes(2);
    // A welcome (a reconnection) with credentials good for 1,000 s more: nothing until 800 s from now.
    r.schedule([turn(Math.floor(Date.now() / 1000) + 1000)]);
    await jest.advanceTimersByTimeAsync(799_000);
    expect(fetch).toHaveBeenCalledTimes(2);
    r.stop();
    await jest.advanceTimersByTimeAsync(10_000_000);
    expect(fetch).toHaveBeenCalledTimes(2);
    warn.mockRestore();
  });

  test('nothing is planned for STUN-only servers, nor after stop()', async () => {
    const fetch = jest.fn(async () => [STUN]);
    const r = new IceRefresher(fetch, () => undefined);
    r.schedule([STUN]);
    r.stop();
    r.schedule([turn(1_700_000_600)]);
    await jest.advanceTimersByTimeAsync(10_000_000);
    expect(fetch).not.toHaveBeenCalled();
  });
});
