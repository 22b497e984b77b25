/**
 * Records a call as this participant sees and hears it: the stage's tiles drawn onto a canvas at a steady frame rate
 * (a worker's clock, so a hidden tab keeps its pace), and every voice mixed in Web Audio, into one WebM file with
 * MediaRecorder. People who come and go while it records are followed: tiles and voices are looked up on every frame.
 */
import { initials } from '../shared/names';
import { cropRect, fitRect, pickRecordingType, recordLayout, type Rect } from '../shared/record-layout';

/** One tile of the stage as the recording draws it. */
export interface StageTile {
  name: string;
  /** The element showing the tile's video (it keeps decoding while the page is hidden). */
  video: HTMLVideoElement | null;
  /** Whether the video is on (off: the avatar is drawn). */
  showVideo: boolean;
  /** A shared screen: drawn whole and large. */
  screen: boolean;
}

export interface RecordingSource {
  /** What is on the stage now, in stage order (self first). */
  tiles(): StageTile[];
  /** Every voice to hear: the others' and our own microphone. */
  audio(): MediaStreamTrack[];
}

export interface RecorderOptions {
  width: number;
  height: number;
  fps: number;
  /** The frame clock worker's script; without it (or when it cannot start), a timer of the page. */
  clockUrl?: string;
}

const DEFAULTS: RecorderOptions = { width: 1280, height: 720, fps: 25, clockUrl: '/assets/build/rec-clock.js' };
/** How often the voices are matched with the people present, in frames. */
const AUDIO_SYNC_FRAMES = 10;

export class CallRecorder {
  /** The type this browser would record, or null when it cannot record a call. */
  static mimeType(): string | null {
    if (typeof MediaRecorder === 'undefined' || typeof AudioContext === 'undefined') return null;
    if (!('captureStream' in HTMLCanvasElement.prototype)) return null;
    return pickRecordingType((t) => MediaRecorder.isTypeSupported(t));
  }

  private readonly opts: RecorderOptions;
  private readonly canvas = document.createElement('canvas');
  private readonly g: CanvasRenderingContext2D;
  private readonly audio = new AudioContext();
  private readonly mix: MediaStreamAudioDestinationNode;
  private readonly voices = new Map<string, MediaStreamAudioSourceNode>();
  private readonly recorder: MediaRecorder;
  private readonly chunks: Blob[] = [];
  private readonly videoTrack: CanvasCaptureMediaStreamTrack;
  private clock: Worker | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private frames = 0;
  /** When the last frame was finished (performance.now()). */
  private drawnAt = -Infinity;
  /** How long the last frame took to draw, in ms. */
  private drawCost = 0;
  private done: Promise<Blob> | null = null;

  constructor(
    private readonly source: RecordingSource,
    mimeType: string,
    opts: Partial<RecorderOptions> = {},
  ) {
    this.opts = { ...DEFAULTS, ...opts };
    this.canvas.width = this.opts.width;
    this.canvas.height = this.opts.height;
    const g = this.canvas.getContext('2d', { alpha: false });
    if (!g) throw new Error('no 2D canvas');
    this.g = g;
    this.mix = this.audio.createMediaStreamDestination();
    // Frames are pushed by the clock (requestFrame), not sampled by the browser: the pace is ours, hidden tab or not.
    this.videoTrack = this.canvas.captureStream(0).getVideoTracks()[0] as CanvasCaptureMediaStreamTrack;
    const stream = new MediaStream([this.videoTrack, ...this.mix.stream.getAudioTracks()]);
    this.recorder = new MediaRecorder(stream, { mimeType, videoBitsPerSecond: 2_500_000, audioBitsPerSecond: 128_000 });
    this.recorder.addEventListener('dataavailable', (ev) => {
      if (ev.data.size > 0) this.chunks.push(ev.data);
    });
  }

  get type(): string {
    return this.recorder.mimeType || 'video/webm';
  }

  /** Starts drawing, mixing and recording (call from a click: the audio context may need the gesture). */
  async start(): Promise<void> {
    await this.audio.resume().catch(() => undefined);
    this.syncVoices();
    this.draw();
    this.startClock();
    // Data every second: a tab that crashes late loses at most the last second of what was gathered.
    this.recorder.start(1000);
  }

  /** Stops and resolves with the file (also when called again). */
  stop(): Promise<Blob> {
    if (this.done) return this.done;
    this.done = new Promise<Blob>((resolve) => {
      const finish = () => {
        this.stopClock();
        for (const node of this.voices.values()) node.disconnect();
        this.voices.clear();
        this.videoTrack.stop();
        void this.audio.close().catch(() => undefined);
        resolve(new Blob(this.chunks, { type: this.type.split(';')[0] }));
      };
      if (this.recorder.state === 'inactive') return finish();
      this.recorder.addEventListener('stop', finish, { once: true });
      this.recorder.stop();
    });
    return this.done;
  }

  private startClock(): void {
    const tick = () => this.frame();
    if (this.opts.clockUrl && typeof Worker !== 'undefined') {
      try {
        this.clock = new Worker(this.opts.clockUrl);
        this.clock.onmessage = tick;
        this.clock.onerror = () => this.fallbackClock();
        this.clock.postMessage({ fps: this.opts.fps });
        return;
      } catch {
        this.clock = null;
      }
    }
    this.fallbackClock();
  }

  private fallbackClock(): void {
    this.clock?.terminate();
    this.clock = null;
    if (!this.timer && !this.done) this.timer = setInterval(() => this.frame(), 1000 / this.opts.fps);
  }

  private stopClock(): void {
    this.clock?.postMessage({ fps: 0 });
    this.clock?.terminate();
    this.clock = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private frame(): void {
    // Ticks that queued up while a slow frame was drawn are let go, and after a frame that took long the next waits as
    // long again: drawing is at most half of the page's time, so the call itself (clicks, its own rendering) stays
    // responsive. On a busy machine the recording's frame rate drops instead.
    const now = performance.now();
    if (now - this.drawnAt < Math.max(500 / this.opts.fps, this.drawCost)) return;
    this.frames++;
    if (this.frames % AUDIO_SYNC_FRAMES === 0) this.syncVoices();
    this.draw();
    this.drawnAt = performance.now();
    this.drawCost = this.drawnAt - now;
  }

  /** Mixes in the voices of whoever is here now, and lets go of those gone. */
  private syncVoices(): void {
    const live = new Map(
      this.source
        .audio()
        .filter((t) => t.readyState === 'live')
        .map((t) => [t.id, t]),
    );
    for (const [id, node] of this.voices) {
      if (live.has(id)) continue;
      node.disconnect();
      this.voices.delete(id);
    }
    for (const [id, track] of live) {
      if (this.voices.has(id)) continue;
      const node = this.audio.createMediaStreamSource(new MediaStream([track]));
      node.connect(this.mix);
      this.voices.set(id, node);
    }
  }

  private draw(): void {
    const { g } = this;
    const { width, height } = this.opts;
    g.fillStyle = '#202124';
    g.fillRect(0, 0, width, height);
    const tiles = this.source.tiles();
    const rects = recordLayout(tiles, width, height);
    tiles.forEach((tile, i) => this.drawTile(tile, rects[i]));
    this.videoTrack.requestFrame();
  }

  private drawTile(tile: StageTile, r: Rect): void {
    const { g } = this;
    g.fillStyle = '#3c4043';
    g.fillRect(r.x, r.y, r.w, r.h);
    const v = tile.video;
    if (tile.showVideo && v && v.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA && v.videoWidth > 0) {
      // Cropped by the source rectangle rather than a clip path: software canvases draw clipped images slowly.
      const s = cropRect(v.videoWidth, v.videoHeight, r, tile.screen);
      const d = tile.screen ? fitRect(v.videoWidth, v.videoHeight, r, true) : r;
      g.drawImage(v, s.x, s.y, s.w, s.h, d.x, d.y, d.w, d.h);
    } else {
      const radius = Math.min(r.w, r.h) * 0.2;
      g.fillStyle = '#5f6368';
      g.beginPath();
      g.arc(r.x + r.w / 2, r.y + r.h / 2, radius, 0, Math.PI * 2);
      g.fill();
      g.fillStyle = '#e8eaed';
      g.font = `500 ${Math.round(radius * 0.8)}px system-ui, sans-serif`;
      g.textAlign = 'center';
      g.textBaseline = 'middle';
      g.fillText(initials(tile.name), r.x + r.w / 2, r.y + r.h / 2);
    }
    this.drawName(tile.name, r);
  }

  private drawName(name: string, r: Rect): void {
    const { g } = this;
    const size = Math.max(12, Math.min(20, Math.round(r.h / 14)));
    g.font = `500 ${size}px system-ui, sans-serif`;
    g.textAlign = 'left';
    g.textBaseline = 'middle';
    const pad = size * 0.5;
    const maxText = r.w - 4 * pad;
    let text = name;
    while (text.length > 1 && g.measureText(text).width > maxText) text = `${Array.from(text).slice(0, -2).join('')}…`;
    const w = g.measureText(text).width + 2 * pad;
    const h = size + pad;
    const x = r.x + pad;
    const y = r.y + r.h - h - pad;
    g.fillStyle = 'rgba(32, 33, 36, 0.7)';
    g.beginPath();
    g.roundRect(x, y, w, h, 6);
    g.fill();
    g.fillStyle = '#ffffff';
    g.fillText(text, x + pad, y + h / 2);
  }
}
