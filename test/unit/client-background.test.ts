import { formatBackground, parseBackground } from '../../client/shared/background';
import { FRAME_RATE_RULE, frameRateFloor, tooSlow } from '../../client/shared/frame-rate';

describe('background choice (localStorage parley.background)', () => {
  it.each([
    ['blur', { kind: 'blur' }],
    ['replace:sky', { kind: 'replace', backdrop: 'sky' }],
    ['replace:studio', { kind: 'replace', backdrop: 'studio' }],
    ['none', { kind: 'none' }],
  ])('%s round-trips', (stored, choice) => {
    expect(parseBackground(stored)).toEqual(choice);
    expect(formatBackground(parseBackground(stored))).toBe(stored);
  });

  it.each([[null], [undefined], [''], ['Blur'], ['replace:'], ['replace:beach'], ['replace:sky:2'], ['replace:constructor']])(
    'unknown value %p means no effect',
    (stored) => {
      expect(parseBackground(stored)).toEqual({ kind: 'none' });
    },
  );
});

describe('turning the effect off when it is too slow', () => {
  /** Frame times at `fps` from `from` to `to` (ms). */
  const frames = (fps: number, from: number, to: number) =>
    Array.from({ length: Math.floor(((to - from) * fps) / 1000) }, (_, i) => from + (i * 1000) / fps);
  const { warmupMs, windowMs } = FRAME_RATE_RULE;

  it('never during the warm-up, however slow', () => {
    expect(tooSlow([], 0, warmupMs + windowMs - 1, 15)).toBe(false);
    expect(tooSlow(frames(2, 0, 4000), 0, 4000, 15)).toBe(false);
  });

  it('below the floor over the whole window after the warm-up: off', () => {
    expect(tooSlow(frames(12, 0, 8000), 0, 8000, 15)).toBe(true);
    expect(tooSlow([], 0, 8000, 15)).toBe(true);
  });

  it('above the floor: on', () => {
    expect(tooSlow(frames(16, 0, 8000), 0, 8000, 15)).toBe(false);
    expect(tooSlow(frames(24, 0, 8000), 0, 8000, 15)).toBe(false);
  });

  it('judges the last window only: a slow start then a recovery stays on, a stall after a good start goes off', () => {
    expect(tooSlow([...frames(5, 0, 5000), ...frames(20, 5000, 9000)], 0, 9000, 15)).toBe(false);
    expect(tooSlow([...frames(24, 0, 6000), ...frames(4, 6000, 9000)], 0, 9000, 15)).toBe(true);
  });

  it('the floor is 15 fps, or 80 % of a camera that itself delivers less', () => {
    expect(frameRateFloor(30)).toBe(15);
    expect(frameRateFloor(24)).toBe(15);
    expect(frameRateFloor(10)).toBe(8);
    expect(frameRateFloor(undefined)).toBe(15);
    expect(frameRateFloor(0)).toBe(15);
    // A 10 fps camera processed at 9 fps keeps its effect; at 6 fps it does not.
    expect(tooSlow(frames(9, 0, 8000), 0, 8000, frameRateFloor(10))).toBe(false);
    expect(tooSlow(frames(6, 0, 8000), 0, 8000, frameRateFloor(10))).toBe(true);
  });
});
