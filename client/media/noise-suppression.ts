/**
 * Noise suppression on the microphone: RNNoise (WebAssembly) in an AudioWorklet, between the microphone and what is
 * sent. It loads in the background: the raw microphone is sent until it runs, and stays sent when it cannot run.
 * Whether it is wanted is a preference of this browser (`parley.noiseSuppression`: 'off', else on).
 */
import { Emitter } from '../shared/emitter';

export const NOISE_SUPPRESSION_KEY = 'parley.noiseSuppression';
const WORKLET_URL = '/assets/build/noise-worklet.js';
const WASM_URL = '/assets/build/rnnoise.wasm';
/** How long RNNoise may take to start once audio runs before we give up on it. */
const READY_TIMEOUT_MS = 15_000;

const preference = new (class extends Emitter<{ change: boolean }> {
  set(on: boolean): void {
    try {
      localStorage.setItem(NOISE_SUPPRESSION_KEY, on ? 'on' : 'off');
    } catch {
      // Storage blocked: the choice lasts for this page only.
    }
    this.emit('change', on);
  }
})();

/** Whether noise suppression is wanted (on unless turned off in this browser). */
export function noiseSuppressionWanted(): boolean {
  try {
    return localStorage.getItem(NOISE_SUPPRESSION_KEY) !== 'off';
  } catch {
    return true;
  }
}

/** Turns noise suppression on or off for this browser (remembered) and for the microphone in use now. */
export function setNoiseSuppression(on: boolean): void {
  preference.set(on);
}

export function onNoiseSuppressionChange(fn: (on: boolean) => void): () => void {
  return preference.on('change', fn);
}

interface Graph {
  ctx: AudioContext;
  node: AudioWorkletNode;
  /** The denoised microphone: what is sent while suppression runs. */
  track: MediaStreamTrack;
}

/**
 * Follows the microphone in use and says what to send for it. The audio graph is built once and kept: switching the
 * microphone swaps its source only, so the track sent stays the same (no replaceTrack at all).
 */
export class NoiseSuppressor {
  private graph: Graph | null = null;
  private loading: Promise<Graph> | null = null;
  private source: MediaStreamAudioSourceNode | null = null;
  private input: MediaStreamTrack | null = null;
  private failed = false;
  private enabled = noiseSuppressionWanted();

  /**
   * `changed`: what to send changed (suppression started, stopped or failed); `failure`: it cannot run in this
   * browser, the raw microphone is sent.
   */
  constructor(
    private readonly changed: () => void,
    private readonly failure: () => void,
  ) {
    onNoiseSuppressionChange((on) => this.setEnabled(on));
  }

  /** Whether the microphone is denoised right now. */
  get active(): boolean {
    return !!this.source;
  }

  /** What to send for the raw microphone `mic`: its denoised copy once suppression runs, else `mic` itself. */
  output(mic: MediaStreamTrack | null): MediaStreamTrack | null {
    if (!mic || !this.graph || !this.source || this.input !== mic) return mic;
    this.graph.track.enabled = mic.enabled;
    return this.graph.track;
  }

  /** Keeps the denoised track's on/off (mute) in step with the microphone's. */
  mirror(mic: MediaStreamTrack | null): void {
    if (this.graph && mic && this.input === mic) this.graph.track.enabled = mic.enabled;
  }

  /** The microphone in use now (a new device, or none): suppression moves to it at once, or starts in the background. */
  follow(mic: MediaStreamTrack | null): void {
    if (mic === this.input) return;
    this.input = mic;
    const attaching = !!mic && this.enabled && !this.failed;
    this.detach(!attaching);
    if (!mic || !attaching) return;
    if (this.graph) this.attach(this.graph, mic);
    else void this.start();
  }

  private setEnabled(on: boolean): void {
    if (on === this.enabled) return;
    this.enabled = on;
    if (!on) this.detach(true);
    else if (this.input && !this.failed) {
      if (this.graph) this.attach(this.graph, this.input);
      else void this.start();
    }
    this.changed();
  }

  private async start(): Promise<void> {
    try {
      this.loading ??= build();
      this.graph = await this.loading;
    } catch (err) {
      if (this.failed) return;
      this.failed = true;
      console.warn('parley: noise suppression unavailable', err);
      this.failure();
      this.changed();
      return;
    }
    if (this.input && this.enabled && !this.source) {
      this.attach(this.graph, this.input);
      this.changed();
    }
  }

  private attach(graph: Graph, mic: MediaStreamTrack): void {
    this.source = graph.ctx.createMediaStreamSource(new MediaStream([mic]));
    this.source.connect(graph.node);
    graph.track.enabled = mic.enabled;
    void graph.ctx.resume().catch(() => undefined);
  }

  /** Disconnects the microphone; `idle`: none follows, so the audio thread can rest. */
  private detach(idle: boolean): void {
    if (!this.source) return;
    this.source.disconnect();
    this.source = null;
    if (idle) void this.graph?.ctx.suspend().catch(() => undefined);
  }
}

/** The audio graph: RNNoise's worklet at 48 kHz, running (the page may have to be clicked first), ready to denoise. */
async function build(): Promise<Graph> {
  if (typeof AudioWorkletNode === 'undefined') throw new Error('no AudioWorklet');
  const ctx = new AudioContext({ sampleRate: 48_000, latencyHint: 'interactive' });
  try {
    const [wasm] = await Promise.all([fetchWasm(), ctx.audioWorklet.addModule(WORKLET_URL)]);
    const node = new AudioWorkletNode(ctx, 'parley-rnnoise', {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      outputChannelCount: [1],
      channelCount: 1,
      channelCountMode: 'explicit',
      processorOptions: { wasm },
    });
    const dest = ctx.createMediaStreamDestination();
    dest.channelCount = 1;
    node.connect(dest);
    await running(ctx);
    await workletReady(node);
    const track = dest.stream.getAudioTracks()[0];
    if (!track) throw new Error('no output track');
    return { ctx, node, track };
  } catch (err) {
    void ctx.close().catch(() => undefined);
    throw err;
  }
}

async function fetchWasm(): Promise<ArrayBuffer> {
  const res = await fetch(WASM_URL);
  if (!res.ok) throw new Error(`${WASM_URL}: HTTP ${res.status}`);
  return res.arrayBuffer();
}

/**
 * Resolves once the context runs. Browsers start audio only after the person interacted with the page: until then
 * (the pre-join page before "Join now" is pressed) this waits, and the raw microphone is sent meanwhile.
 */
function running(ctx: AudioContext): Promise<void> {
  if (ctx.state === 'running') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const events = ['pointerdown', 'keydown'] as const;
    const kick = () => void ctx.resume().catch(() => undefined);
    const done = () => {
      for (const e of events) document.removeEventListener(e, kick, true);
      ctx.removeEventListener('statechange', check);
    };
    const check = () => {
      if (ctx.state === 'running') {
        done();
        resolve();
      } else if (ctx.state === 'closed') {
        done();
        reject(new Error('audio context closed'));
      }
    };
    ctx.addEventListener('statechange', check);
    for (const e of events) document.addEventListener(e, kick, true);
    kick();
  });
}

function workletReady(node: AudioWorkletNode): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('RNNoise did not start')), READY_TIMEOUT_MS);
    node.port.onmessage = (ev: MessageEvent<{ type: string; reason?: string }>) => {
      clearTimeout(timer);
      if (ev.data?.type === 'ready') resolve();
      else reject(new Error(`RNNoise failed: ${ev.data?.reason ?? 'unknown'}`));
    };
  });
}
