import {
  clampRooms,
  countdown,
  fillAssign,
  formatLeft,
  MAIN_ROOM,
  parseMinutes,
  roomNames,
  shuffleAssign,
  toSend,
} from '../../client/shared/breakouts';

/** A seeded generator (mulberry32), so that a shuffle can be repeated. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sizes = (assign: Record<string, number>, rooms: number) => {
  const n = new Array<number>(rooms).fill(0);
  for (const room of Object.values(assign)) n[room]++;
  return n;
};

describe('breakout room setup', () => {
  test('rooms are named Room 1 … Room n; the count stays within 1 … 20', () => {
    expect(roomNames(3)).toEqual(['Room 1', 'Room 2', 'Room 3']);
    expect([clampRooms('4'), clampRooms(0), clampRooms('99'), clampRooms(''), clampRooms('x'), clampRooms('2.6')]).toEqual([
      4, 1, 20, 2, 2, 3,
    ]);
  });

  test('the timer is whole minutes from 1 to 240, or none', () => {
    expect(['', '  ', '1', '15', '240'].map(parseMinutes)).toEqual([null, null, 1, 15, 240]);
    expect(['0', '241', '1.5', '-3', 'ten'].map(parseMinutes)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  test('shuffle puts everyone in a room, evenly, and not always the same way', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const seen = new Set<string>();
    for (let seed = 1; seed <= 50; seed++) {
      const assign = shuffleAssign(ids, 3, seeded(seed));
      expect(Object.keys(assign).sort()).toEqual(ids);
      const n = sizes(assign, 3);
      expect(Math.max(...n) - Math.min(...n)).toBeLessThanOrEqual(1);
      seen.add(JSON.stringify(assign));
    }
    expect(seen.size).toBeGreaterThan(40);
    // The same seed, the same rooms.
    expect(shuffleAssign(ids, 3, seeded(7))).toEqual(shuffleAssign(ids, 3, seeded(7)));
    expect(sizes(shuffleAssign(['a', 'b', 'c', 'd'], 2, seeded(3)), 2)).toEqual([2, 2]);
  });

  test('filling keeps choices, drops who left, and puts newcomers and those of a removed room where there is most space', () => {
    // b chose the main room; d is in room 3, which goes away when there are only 2 rooms; e and f are new.
    const before = { a: 0, b: MAIN_ROOM, c: 0, d: 2, gone: 1 };
    const after = fillAssign(before, ['a', 'b', 'c', 'd', 'e', 'f'], 2);
    expect(after).toEqual({ a: 0, b: MAIN_ROOM, c: 0, d: 1, e: 1, f: 0 });
    expect(toSend(after)).toEqual({ a: 0, c: 0, d: 1, e: 1, f: 0 });
    // From nothing: round the rooms in order.
    expect(fillAssign({}, ['p', 'q', 'r', 's', 't'], 2)).toEqual({ p: 0, q: 1, r: 0, s: 1, t: 0 });
  });

  test('time left reads like a clock, rounded up to the second', () => {
    expect([0, -5, 1, 999, 1000, 59_001, 60_000, 65_000, 3_600_000, 3_723_000].map(formatLeft)).toEqual([
      '0:00',
      '0:00',
      '0:01',
      '0:01',
      '0:01',
      '1:00',
      '1:00',
      '1:05',
      '1:00:00',
      '1:02:03',
    ]);
  });
});

describe('countdown: the end of the breakout rooms’ timer', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  test('ticks every second and ends once, `grace` after the end, not before', () => {
    const ticks: number[] = [];
    const ended: number[] = [];
    countdown(1_000_000 + 60_000, { tick: (left) => ticks.push(left), end: () => ended.push(Date.now()) }, 1000);
    expect(ticks).toEqual([60_000]);
    jest.advanceTimersByTime(59_000);
    expect(ticks.at(-1)).toBe(1000);
    expect(ended).toEqual([]);
    jest.advanceTimersByTime(1000);
    expect(ticks.at(-1)).toBe(0);
    expect(ended).toEqual([]);
    jest.advanceTimersByTime(1000);
    expect(ended).toEqual([1_000_000 + 61_000]);
    const count = ticks.length;
    jest.advanceTimersByTime(10 * 60_000);
    expect(ended).toHaveLength(1);
    expect(ticks).toHaveLength(count);
  });

  test('a clock set forward (or a computer that slept) ends it at the next tick', () => {
    const ended: number[] = [];
    countdown(1_000_000 + 30 * 60_000, { end: () => ended.push(Date.now()) }, 1000);
    jest.advanceTimersByTime(5000);
    expect(ended).toEqual([]);
    // The wall clock jumps past the end; no timer of the countdown was due then.
    jest.setSystemTime(1_000_000 + 31 * 60_000);
    expect(ended).toEqual([]);
    jest.advanceTimersByTime(1000);
    expect(ended).toHaveLength(1);
  });

  test('an end already past ends at once; no timer (0) never ends; stop cancels', () => {
    const ended: string[] = [];
    countdown(1_000_000 - 5000, { end: () => ended.push('past') }, 1000);
    expect(ended).toEqual(['past']);
    const ticks: number[] = [];
    countdown(0, { tick: (left) => ticks.push(left), end: () => ended.push('none') }, 1000);
    const stop = countdown(1_000_000 + 3000, { end: () => ended.push('stopped') }, 1000);
    jest.advanceTimersByTime(1000);
    stop();
    jest.advanceTimersByTime(60_000);
    expect(ended).toEqual(['past']);
    expect(ticks).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
  });
});
