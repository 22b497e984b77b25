/**
 * The recording's frame clock, run as a dedicated worker: a page in a background tab has its timers slowed to once a
 * second, a worker's are not, so the recording keeps a steady frame rate while the meeting's tab is hidden.
 * Messages in: `{ fps }` starts (or changes) the beat, `{ fps: 0 }` stops it. Out: one `'tick'` per frame.
 */
let timer: ReturnType<typeof setInterval> | null = null;

self.addEventListener('message', (ev: MessageEvent<{ fps?: unknown }>) => {
  if (timer) clearInterval(timer);
  timer = null;
  const fps = Number(ev.data?.fps);
  if (Number.isFinite(fps) && fps > 0) timer = setInterval(() => self.postMessage('tick'), 1000 / Math.min(fps, 60));
});
