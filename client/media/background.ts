/**
 * Background blur and replacement for the camera: camera frames → person segmentation → the person drawn over a
 * blurred copy of the frame or a backdrop → a new video track. LocalMedia sends that track instead of the camera
 * (replaceTrack, no renegotiation) once it carries frames, and the camera itself whenever the effect is off, has not
 * started yet, failed, or turned itself off for being too slow.
 *
 * Chromium reads and writes frames with MediaStreamTrackProcessor / MediaStreamTrackGenerator, which keep going in a
 * background tab; other browsers draw a <video> element and capture the canvas.
 */
import type { ImageSegmenter } from '@mediapipe/tasks-vision';
import { t } from '../i18n';
import { NO_BACKGROUND, storeBackground, storedBackground, type Backdrop, type BackgroundChoice } from '../shared/background';
import { Emitter } from '../shared/emitter';
import { FRAME_RATE_RULE, frameRateFloor, tooSlow } from '../shared/frame-rate';
import { paintBackdrop } from './backdrops';
import { loadSegmenter, segmentInto } from './segmenter';

interface Frame {
  image: CanvasImageSource;
  width: number;
  height: number;
  /** Microseconds. */
  timestamp: number;
  close(): void;
}

interface FrameSource {
  next(): Promise<Frame | null>;
  stop(): void;
}

interface FrameSink {
  readonly track: MediaStreamTrack;
  put(canvas: HTMLCanvasElement, timestamp: number): Promise<void>;
  stop(): void;
}

type TrackProcessor = new (init: { track: MediaStreamTrack; maxBufferSize?: number }) => { readable: ReadableStream<VideoFrame> };
type TrackGenerator = new (init: { kind: 'video' }) => MediaStreamTrack & { writable: WritableStream<VideoFrame> };
const breakoutBox = globalThis as unknown as { MediaStreamTrackProcessor?: TrackProcessor; MediaStreamTrackGenerator?: TrackGenerator };

function processorSource(track: MediaStreamTrack, Processor: TrackProcessor): FrameSource {
  // A frame waiting while the last one is processed is enough: older ones are dropped, not queued.
  const reader = new Processor({ track, maxBufferSize: 1 }).readable.getReader();
  return {
    async next() {
      const r = await reader.read();
      if (r.done) return null;
      const f = r.value;
      return { image: f, width: f.displayWidth, height: f.displayHeight, timestamp: f.timestamp, close: () => f.close() };
    },
    stop: () => void reader.cancel().catch(() => undefined),
  };
}

function elementSource(track: MediaStreamTrack): FrameSource {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.srcObject = new MediaStream([track]);
  void video.play().catch(() => undefined);
  let wake: (() => void) | null = null;
  let stopped = false;
  return {
    async next() {
      await new Promise<void>((resolve) => {
        wake = resolve;
        if ('requestVideoFrameCallback' in video) video.requestVideoFrameCallback(() => resolve());
        else setTimeout(resolve, 1000 / 30);
      });
      if (stopped) return null;
      return {
        image: video,
        width: video.videoWidth,
        height: video.videoHeight,
        timestamp: performance.now() * 1000,
        close: () => undefined,
      };
    },
    stop() {
      stopped = true;
      video.srcObject = null;
      wake?.();
    },
  };
}

function generatorSink(Generator: TrackGenerator): FrameSink {
  const track = new Generator({ kind: 'video' });
  const writer = track.writable.getWriter();
  return {
    track,
    put: (canvas, timestamp) => writer.write(new VideoFrame(canvas, { timestamp })),
    stop() {
      track.stop();
      void writer.close().catch(() => undefined);
    },
  };
}

function canvasSink(canvas: HTMLCanvasElement): FrameSink {
  const track = canvas.captureStream().getVideoTracks()[0];
  return { track, put: async () => undefined, stop: () => track.stop() };
}

/** Segmentation runs on a small copy of the frame: the model sees 256×256 anyway. */
const SEGMENT_WIDTH = 256;
/** The blurred background is drawn from a copy this many times smaller (cheap, and scaling up smooths it further). */
const BLUR_SCALE = 4;
/** At most about 15 segmentations a second; frames in between reuse the last outline. */
const SEGMENT_EVERY_MS = 60;

function canvas2d(w = 1, h = 1): [HTMLCanvasElement, CanvasRenderingContext2D] {
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  const g = c.getContext('2d', { willReadFrequently: false });
  if (!g) throw new Error('no 2D canvas');
  return [c, g];
}

/** Draws frames with the effect: the person over a blurred copy of the frame or over a backdrop. */
class Compositor {
  readonly out: HTMLCanvasElement;
  private readonly g: CanvasRenderingContext2D;
  private readonly small = canvas2d();
  private readonly mask = canvas2d();
  private readonly blurred = canvas2d();
  private readonly backdrop = canvas2d();
  private painted: Backdrop | null = null;
  private maskData: ImageData | null = null;
  /** Whether the mask holds an outline for frames of this size. */
  private segmented = false;

  constructor() {
    [this.out, this.g] = canvas2d();
  }

  /**
   * Draws `frame` with the effect; with a segmenter, finds the person in it first (else reuses the last outline).
   * Three full-size passes, the frame converted from YUV once: the frame, cut to the person by the mask, then the
   * background drawn behind it.
   */
  draw(frame: Frame, segmenter: ImageSegmenter | null, choice: BackgroundChoice): boolean {
    const { width: w, height: h } = frame;
    if (this.out.width !== w || this.out.height !== h) {
      for (const [c] of [[this.out], this.backdrop]) {
        c.width = w;
        c.height = h;
      }
      const sw = SEGMENT_WIDTH;
      const sh = Math.max(1, Math.round((SEGMENT_WIDTH * h) / w));
      for (const [c] of [this.small, this.mask]) {
        c.width = sw;
        c.height = sh;
      }
      this.blurred[0].width = Math.max(1, Math.round(w / BLUR_SCALE));
      this.blurred[0].height = Math.max(1, Math.round(h / BLUR_SCALE));
      this.maskData = new ImageData(sw, sh);
      this.segmented = false;
      this.painted = null;
    }
    const g = this.g;
    g.globalCompositeOperation = 'copy';
    g.drawImage(frame.image, 0, 0, w, h);
    if (segmenter || !this.segmented) {
      const [small, sg] = this.small;
      sg.drawImage(this.out, 0, 0, small.width, small.height);
      if (!segmenter || !this.maskData || !segmentInto(segmenter, small, this.maskData)) return false;
      this.mask[1].putImageData(this.maskData, 0, 0);
      this.segmented = true;
    }
    if (choice.kind === 'blur') {
      const [b, bg] = this.blurred;
      bg.filter = 'blur(3px)';
      bg.drawImage(this.out, 0, 0, b.width, b.height);
    } else if (choice.kind === 'replace' && this.painted !== choice.backdrop) {
      paintBackdrop(this.backdrop[1], choice.backdrop, w, h);
      this.painted = choice.backdrop;
    }
    // The person: the frame kept where the mask (scaled up smoothly) is; then the background behind it.
    g.globalCompositeOperation = 'destination-in';
    g.drawImage(this.mask[0], 0, 0, w, h);
    g.globalCompositeOperation = 'destination-over';
    g.drawImage(choice.kind === 'replace' ? this.backdrop[0] : this.blurred[0], 0, 0, w, h);
    return true;
  }
}

interface RunEvents {
  /** The first processed frame is out: the effect's track can be sent. */
  ready(): void;
  slow(): void;
  failed(err: unknown): void;
}

/** The effect on one camera track, from start to stop. */
class EffectRun {
  /** The processed track, once it carries frames. */
  track: MediaStreamTrack | null = null;
  private stopped = false;
  private source: FrameSource | null = null;
  private sink: FrameSink | null = null;
  private readonly input: MediaStreamTrack;
  private readonly frames: number[] = [];
  /** Frames the camera delivered to this page, sampled every second: [time, count]. */
  private readonly delivered: [number, number][] = [];
  private startedAt = 0;
  private watch: ReturnType<typeof setInterval> | null = null;
  private lastSegmentedAt = -Infinity;

  constructor(
    /** The camera track (LocalMedia's; a clone is read, so stopping the effect never ends the camera). */
    readonly camera: MediaStreamTrack,
    public choice: BackgroundChoice,
    private readonly events: RunEvents,
  ) {
    this.input = camera.clone();
    void this.loop().catch((err: unknown) => {
      if (this.stopped) return;
      this.stop();
      events.failed(err);
    });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.watch) clearInterval(this.watch);
    this.source?.stop();
    this.sink?.stop();
    this.input.stop();
    this.track = null;
  }

  private async loop(): Promise<void> {
    const segmenter = await loadSegmenter();
    if (this.stopped) return;
    const compositor = new Compositor();
    const { MediaStreamTrackProcessor: Processor, MediaStreamTrackGenerator: Generator } = breakoutBox;
    this.source = Processor && Generator ? processorSource(this.input, Processor) : elementSource(this.input);
    this.sink = Processor && Generator ? generatorSink(Generator) : canvasSink(compositor.out);
    this.startedAt = performance.now();
    // Judged on a clock as well as per frame: an effect too slow to deliver any frame must turn off too.
    this.watch = setInterval(() => this.judge(), 1000);
    for (;;) {
      const frame = await this.source.next();
      if (!frame || this.stopped) {
        frame?.close();
        return;
      }
      // The person moves little between two frames: segmenting at most every SEGMENT_EVERY_MS leaves time to draw
      // every frame on a slow machine; the others reuse the last outline.
      const segment = performance.now() - this.lastSegmentedAt >= SEGMENT_EVERY_MS;
      if (segment) this.lastSegmentedAt = performance.now();
      let drawn: boolean;
      try {
        drawn = frame.width > 0 && frame.height > 0 && compositor.draw(frame, segment ? segmenter : null, this.choice);
      } finally {
        frame.close();
      }
      if (!drawn) continue;
      await this.sink.put(compositor.out, frame.timestamp);
      if (this.stopped) return;
      const now = performance.now();
      this.frames.push(now);
      while (this.frames.length && this.frames[0] < now - 2 * FRAME_RATE_RULE.windowMs) this.frames.shift();
      if (!this.track) {
        // Loading the model and the first frames are slow everywhere: the warm-up counts from here.
        this.startedAt = now;
        this.track = this.sink.track;
        this.events.ready();
      }
    }
  }

  /**
   * The camera's own rate as this page receives it (Chromium counts delivered frames per track), else what it
   * was opened with: on a busy machine the camera alone may arrive at less than its nominal rate.
   */
  private cameraFps(now: number): number | undefined {
    const stats = (this.input as MediaStreamTrack & { stats?: { deliveredFrames?: number } }).stats;
    if (typeof stats?.deliveredFrames === 'number') {
      this.delivered.push([now, stats.deliveredFrames]);
      while (this.delivered.length > 1 && this.delivered[0][0] < now - FRAME_RATE_RULE.windowMs) this.delivered.shift();
      const [t0, n0] = this.delivered[0];
      if (now - t0 >= 1000) return ((stats.deliveredFrames - n0) * 1000) / (now - t0);
    }
    return this.input.getSettings().frameRate;
  }

  private judge(): void {
    if (this.stopped || !this.track) return;
    const now = performance.now();
    const floor = frameRateFloor(this.cameraFps(now));
    if (!tooSlow(this.frames, this.startedAt, now, floor)) return;
    const fps = this.frames.filter((t) => t > now - FRAME_RATE_RULE.windowMs).length / (FRAME_RATE_RULE.windowMs / 1000);
    console.info(`parley: background effect too slow (${fps.toFixed(1)} frames per second, at least ${floor.toFixed(1)} needed)`);
    this.stop();
    this.events.slow();
  }
}

interface CameraEffectEvents {
  /** The choice changed (by the person, or by the effect turning itself off). */
  choice: BackgroundChoice;
}

/**
 * The background effect of LocalMedia's camera: what the person chose (kept in localStorage) and the run that
 * processes the current camera track.
 */
export class CameraEffect extends Emitter<CameraEffectEvents> {
  private chosen: BackgroundChoice = storedBackground();
  private run: EffectRun | null = null;

  constructor(
    /** The track to send changed: LocalMedia publishes again. */
    private readonly changed: () => void,
    private readonly notice: (text: string) => void,
  ) {
    super();
  }

  get choice(): BackgroundChoice {
    return this.chosen;
  }

  choose(choice: BackgroundChoice): void {
    storeBackground(choice);
    this.chosen = choice;
    this.emit('choice', choice);
    // Blur ↔ backdrop switch on the running effect; to or from "none" goes through follow().
    if (this.run && choice.kind !== 'none') this.run.choice = choice;
    this.changed();
  }

  /** What to send for `camera`: the processed track once it has frames, else the camera itself. */
  output(camera: MediaStreamTrack | null): MediaStreamTrack | null {
    return this.run && this.run.camera === camera && this.run.track ? this.run.track : camera;
  }

  /** Starts, restarts or stops the effect to match `camera` (null: the camera is off) and the choice. */
  follow(camera: MediaStreamTrack | null): void {
    const live = camera && camera.readyState === 'live' ? camera : null;
    if (this.run && (this.run.camera !== live || this.chosen.kind === 'none')) {
      this.run.stop();
      this.run = null;
    }
    if (this.run || !live || this.chosen.kind === 'none') return;
    const run: EffectRun = new EffectRun(live, this.chosen, {
      ready: () => {
        if (this.run === run) this.changed();
      },
      slow: () => this.turnOff(run, t('background.tooSlow')),
      failed: (err) => {
        console.warn('parley: background effect failed', err);
        this.turnOff(run, t('background.failed'));
      },
    });
    this.run = run;
  }

  private turnOff(run: EffectRun, text: string): void {
    if (this.run !== run) return;
    this.run = null;
    this.notice(text);
    this.choose(NO_BACKGROUND);
  }
}
