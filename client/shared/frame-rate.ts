/**
 * When a camera effect is too slow to keep: the rate of processed frames over the last `windowMs` stays below
 * `minFps`, judged only once the effect has run for `warmupMs + windowMs` (loading the model and the first frames
 * are slow on every machine). A camera that itself delivers fewer frames than `minFps` (a dim room, a cheap webcam)
 * is not the effect's fault: the bar is then 80 % of what the camera delivers.
 */
export interface FrameRateRule {
  minFps: number;
  windowMs: number;
  warmupMs: number;
}

export const FRAME_RATE_RULE: FrameRateRule = { minFps: 15, windowMs: 3000, warmupMs: 2000 };

/** The lowest acceptable processed rate for a camera that delivers `cameraFps` (unknown: the rule's own). */
export function frameRateFloor(cameraFps: number | undefined, rule: FrameRateRule = FRAME_RATE_RULE): number {
  return cameraFps && cameraFps > 0 ? Math.min(rule.minFps, cameraFps * 0.8) : rule.minFps;
}

/**
 * True when the effect should turn itself off: `frames` are the times (ms) processed frames came out, `startedAt`
 * when the effect started, `now` the time of the judgement.
 */
export function tooSlow(
  frames: readonly number[],
  startedAt: number,
  now: number,
  floorFps: number,
  rule: FrameRateRule = FRAME_RATE_RULE,
): boolean {
  if (now - startedAt < rule.warmupMs + rule.windowMs) return false;
  const from = now - rule.windowMs;
  let n = 0;
  for (const t of frames) if (t > from && t <= now) n++;
  return (n * 1000) / rule.windowMs < floorFps;
}
