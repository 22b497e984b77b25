import { cropRect, fitRect, pickRecordingType, recordingFileName, recordLayout } from '../../client/shared/record-layout';
import { emptyParticipants, reduceParticipants, type Participants } from '../../client/shared/participants';

const W = 1280;
const H = 720;
const inside = (r: { x: number; y: number; w: number; h: number }) =>
  r.x >= 0 && r.y >= 0 && r.x + r.w <= W + 1e-9 && r.y + r.h <= H + 1e-9;
const overlap = (a: { x: number; y: number; w: number; h: number }, b: typeof a) =>
  a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

describe('the recording frame', () => {
  it('lays out tiles as the stage does: one fills the frame, two side by side, five in rows with the last centred', () => {
    expect(recordLayout([], W, H)).toEqual([]);
    expect(recordLayout([{ screen: false }], W, H, 8)).toEqual([{ x: 8, y: 8, w: 1264, h: 704 }]);
    const two = recordLayout([{ screen: false }, { screen: false }], W, H, 8);
    expect(two).toEqual([
      { x: 8, y: 8, w: 628, h: 704 },
      { x: 644, y: 8, w: 628, h: 704 },
    ]);
    const five = recordLayout(
      Array.from({ length: 5 }, () => ({ screen: false })),
      W,
      H,
      8,
    );
    expect(new Set(five.map((r) => r.y)).size).toBe(2);
    const lastRow = five.filter((r) => r.y === five[4].y);
    expect(lastRow).toHaveLength(2);
    // Centred: as much room on the left of the last row as on its right.
    const left = lastRow[0].x;
    const right = W - (lastRow[1].x + lastRow[1].w);
    expect(Math.abs(left - right)).toBeLessThan(1e-6);
    for (const list of [two, five]) {
      for (const [i, a] of list.entries()) {
        expect(inside(a)).toBe(true);
        for (const b of list.slice(i + 1)) expect(overlap(a, b)).toBe(false);
      }
    }
  });

  it('puts a shared screen large on the left and everyone else in a column on the right', () => {
    const tiles = [{ screen: false }, { screen: true }, { screen: false }, { screen: false }];
    const rects = recordLayout(tiles, W, H, 8);
    const screen = rects[1];
    expect(screen.h).toBe(H - 16);
    expect(screen.w).toBeGreaterThan(W * 0.7);
    for (const i of [0, 2, 3]) {
      expect(rects[i].x).toBeGreaterThanOrEqual(screen.x + screen.w);
      expect(rects[i].w / rects[i].h).toBeCloseTo(16 / 9, 1);
    }
    for (const [i, a] of rects.entries()) {
      expect(inside(a)).toBe(true);
      for (const b of rects.slice(i + 1)) expect(overlap(a, b)).toBe(false);
    }
  });

  it('crops a camera to cover its tile and fits a screen whole', () => {
    // 4:3 into 16:9: the middle band of the source.
    expect(cropRect(640, 480, { w: 1600, h: 900 })).toEqual({ x: 0, y: 60, w: 640, h: 360 });
    expect(cropRect(640, 480, { w: 100, h: 100 }, true)).toEqual({ x: 0, y: 0, w: 640, h: 480 });
    expect(fitRect(640, 480, { x: 0, y: 0, w: 1600, h: 900 }, true)).toEqual({ x: 200, y: 0, w: 1200, h: 900 });
    expect(fitRect(640, 480, { x: 0, y: 0, w: 1600, h: 900 })).toEqual({ x: 0, y: -150, w: 1600, h: 1200 });
  });

  it('names the file after the room and the local start time', () => {
    const at = new Date(2026, 2, 4, 9, 5);
    expect(recordingFileName('abc-defg-hij', at)).toBe('parley-abc-defg-hij-2026-03-04-0905.webm');
    expect(recordingFileName('../Weird Room!', at)).toBe('parley-weirdroom-2026-03-04-0905.webm');
    expect(recordingFileName('', at)).toBe('parley-meeting-2026-03-04-0905.webm');
  });

  it('records VP8 with Opus where it can, else VP9, else plain WebM, else nothing', () => {
    expect(pickRecordingType(() => true)).toBe('video/webm;codecs=vp8,opus');
    expect(pickRecordingType((t) => t.includes('vp9') || t === 'video/webm')).toBe('video/webm;codecs=vp9,opus');
    expect(pickRecordingType((t) => t === 'video/webm')).toBe('video/webm');
    expect(pickRecordingType(() => false)).toBeNull();
  });
});

describe('who records, in the participant list', () => {
  const base: Participants = reduceParticipants(emptyParticipants, {
    type: 'welcome',
    welcome: {
      self: { id: 'me', name: 'Me', host: true, media: { audio: true, video: true, screen: false }, hand: false },
      peers: [{ id: 'ada', name: 'Ada', host: false, media: { audio: true, video: true, screen: false }, hand: false, recording: true }],
      room: { id: 'r', locked: false, maxPeers: 8 },
    },
  });

  it('takes it from the welcome, carries it only while true, and follows peer:updated', () => {
    expect(base.list.find((p) => p.id === 'ada')?.recording).toBe(true);
    const stopped = reduceParticipants(base, { type: 'updated', id: 'ada', patch: { recording: false } });
    expect('recording' in stopped.list.find((p) => p.id === 'ada')!).toBe(false);
    const other = reduceParticipants(base, { type: 'updated', id: 'ada', patch: { hand: true } });
    expect(other.list.find((p) => p.id === 'ada')).toMatchObject({ hand: true, recording: true });
    const self = reduceParticipants(base, { type: 'updated', id: 'me', patch: { recording: true } });
    expect(self.list[0].recording).toBe(true);
  });
});
