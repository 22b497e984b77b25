import { ReturnWatch } from '../../client/shared/returning';

describe('ReturnWatch: peers missing from a welcome, kept for the grace period', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('a peer not back within the grace period is gone, once', () => {
    const gone: string[] = [];
    const watch = new ReturnWatch(15_000, (id) => gone.push(id));
    watch.wait('p1');
    jest.advanceTimersByTime(14_999);
    expect(gone).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(gone).toEqual(['p1']);
    jest.advanceTimersByTime(60_000);
    expect(gone).toEqual(['p1']);
  });

  test('a peer back in time is not gone; the others still are', () => {
    const gone: string[] = [];
    const watch = new ReturnWatch(2000, (id) => gone.push(id));
    watch.wait('p1');
    watch.wait('p2');
    jest.advanceTimersByTime(1500);
    watch.back('p1');
    jest.advanceTimersByTime(500);
    expect(gone).toEqual(['p2']);
  });

  test('waiting again restarts the period; stop cancels everything', () => {
    const gone: string[] = [];
    const watch = new ReturnWatch(1000, (id) => gone.push(id));
    watch.wait('p1');
    jest.advanceTimersByTime(800);
    watch.wait('p1');
    jest.advanceTimersByTime(800);
    expect(gone).toEqual([]);
    jest.advanceTimersByTime(200);
    expect(gone).toEqual(['p1']);
    watch.wait('p2');
    watch.stop();
    jest.advanceTimersByTime(5000);
    expect(gone).toEqual(['p1']);
  });
});
