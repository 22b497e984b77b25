import { gridShape } from '../../client/shared/layout';
import { jittered, quality, summarize, type StatEntry } from '../../client/shared/stats';

const report: StatEntry[] = [
  { type: 'inbound-rtp', id: 'v1', kind: 'video', framesDecoded: 120, packetsReceived: 400, packetsLost: 2 },
  { type: 'inbound-rtp', id: 'v2', kind: 'video', framesDecoded: 30, packetsReceived: 100, packetsLost: 0 },
  { type: 'inbound-rtp', id: 'a1', kind: 'audio', packetsReceived: 250, packetsLost: 1, audioLevel: 0.2 },
  { type: 'transport', id: 't', selectedCandidatePairId: 'p2' },
  { type: 'candidate-pair', id: 'p1', state: 'succeeded', nominated: true, currentRoundTripTime: 0.9 },
  { type: 'candidate-pair', id: 'p2', state: 'succeeded', nominated: true, currentRoundTripTime: 0.04 },
  { type: 'outbound-rtp', id: 'o', kind: 'video' },
];

describe('summarize', () => {
  test('adds up inbound video and audio, takes the rtt of the selected pair', () => {
    expect(summarize(report)).toEqual({
      framesDecoded: 150,
      audioPacketsReceived: 250,
      videoPacketsReceived: 500,
      packetsLost: 3,
      rtt: 0.04,
      audioLevel: 0.2,
    });
  });

  test('an empty report is all zeros', () => {
    expect(summarize([])).toEqual({
      framesDecoded: 0,
      audioPacketsReceived: 0,
      videoPacketsReceived: 0,
      packetsLost: 0,
      rtt: null,
      audioLevel: null,
    });
  });

  test('without a transport entry, a nominated succeeded pair is used', () => {
    expect(summarize(report.filter((e) => e.type !== 'transport')).rtt).toBe(0.9);
  });
});

describe('quality', () => {
  const s = (received: number, lost: number, rtt: number | null = 0.02) => ({
    framesDecoded: 0,
    audioPacketsReceived: received,
    videoPacketsReceived: 0,
    packetsLost: lost,
    rtt,
    audioLevel: null,
  });

  test('from loss over the interval and round-trip time', () => {
    expect(quality(s(100, 0), s(200, 0), 'connected')).toBe('good');
    expect(quality(s(100, 0), s(195, 5), 'connected')).toBe('fair');
    expect(quality(s(100, 0), s(180, 20), 'connected')).toBe('poor');
    expect(quality(null, s(100, 0, 0.3), 'connected')).toBe('fair');
    expect(quality(null, s(100, 0, 0.8), 'connected')).toBe('poor');
  });

  test('not connected is unknown; dropped is poor', () => {
    expect(quality(null, s(0, 0), 'connecting')).toBe('unknown');
    expect(quality(null, s(0, 0), 'disconnected')).toBe('poor');
    expect(quality(null, s(0, 0), 'failed')).toBe('poor');
  });
});

describe('jittered', () => {
  test('adds up to the spread to the base, never negative', () => {
    expect(jittered(1000, 0)).toBe(1000);
    expect(jittered(1000, 1)).toBe(1250);
    expect(jittered(1000, 0.5, 100)).toBe(1050);
    expect(jittered(-5, 2, 100)).toBe(100);
  });
});

describe('gridShape', () => {
  test.each([
    [1, 16 / 9, { cols: 1, rows: 1 }],
    [2, 16 / 9, { cols: 2, rows: 1 }],
    [3, 16 / 9, { cols: 2, rows: 2 }],
    [4, 16 / 9, { cols: 2, rows: 2 }],
    [6, 16 / 9, { cols: 3, rows: 2 }],
    [8, 16 / 9, { cols: 3, rows: 3 }],
    [3, 9 / 19, { cols: 1, rows: 3 }],
  ])('%i tiles at aspect %f', (n, aspect, shape) => {
    expect(gridShape(n, aspect)).toEqual(shape);
  });
});
