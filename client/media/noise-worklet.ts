/**
 * AudioWorklet processor: RNNoise on the microphone. Render quanta are 128 samples, RNNoise takes 480-sample frames
 * at 48 kHz: samples go through a ring buffer and come out 512 samples (about 11 ms) later, denoised.
 * The RNNoise WebAssembly bytes arrive in `processorOptions.wasm` (a worklet cannot fetch); once RNNoise runs, the
 * processor posts 'ready' on its port, or 'error' with a reason.
 */
import createRNNWasmModule, { type RnnoiseModule } from '@jitsi/rnnoise-wasm/dist/rnnoise.js';

declare class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor(options?: { processorOptions?: unknown });
}
declare function registerProcessor(name: string, ctor: unknown): void;
declare const sampleRate: number;

const FRAME = 480;
const QUANTUM = 128;
/** A multiple of both the frame and the quantum, so neither ever wraps around the end of the ring. */
const RING = 1920;
/** Output lags input by this much: the most a quantum can wait for its frame (448) rounded up to a quantum. */
const DELAY = 512;
/** RNNoise works on 16-bit sample values. */
const SCALE = 32768;

class RnnoiseProcessor extends AudioWorkletProcessor {
  private rnn: RnnoiseModule | null = null;
  private state = 0;
  private frame = 0;
  private readonly ring = new Float32Array(RING);
  /** Samples written, and samples denoised so far (both grow forever; positions in the ring are modulo RING). */
  private written = 0;
  private denoised = 0;
  private stopped = false;

  constructor(options: { processorOptions?: { wasm?: ArrayBuffer } }) {
    super(options);
    this.port.onmessage = (ev: MessageEvent) => {
      if (ev.data === 'stop') this.stop();
    };
    const wasm = options.processorOptions?.wasm;
    if (sampleRate !== 48_000 || !(wasm instanceof ArrayBuffer)) {
      this.port.postMessage({ type: 'error', reason: sampleRate !== 48_000 ? `sample rate ${sampleRate}` : 'no wasm' });
      return;
    }
    createRNNWasmModule({ wasmBinary: wasm })
      .then((m) => {
        if (this.stopped) return;
        this.state = m._rnnoise_create(0);
        this.frame = m._malloc(FRAME * 4);
        if (!this.state || !this.frame) throw new Error('out of memory');
        this.rnn = m;
        this.port.postMessage({ type: 'ready' });
      })
      .catch((err: unknown) => this.port.postMessage({ type: 'error', reason: String(err) }));
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    if (this.stopped) return false;
    const input = inputs[0]?.[0];
    const output = outputs[0]?.[0];
    if (!output) return true;
    const rnn = this.rnn;
    if (!rnn) {
      // Not loaded yet: pass the microphone through.
      if (input) output.set(input);
      return true;
    }
    const at = this.written % RING;
    if (input && input.length === QUANTUM) this.ring.set(input, at);
    else this.ring.fill(0, at, at + QUANTUM);
    this.written += QUANTUM;
    while (this.written - this.denoised >= FRAME) {
      const start = this.denoised % RING;
      const heap = rnn.HEAPF32.subarray(this.frame >> 2, (this.frame >> 2) + FRAME);
      for (let i = 0; i < FRAME; i++) heap[i] = this.ring[start + i] * SCALE;
      rnn._rnnoise_process_frame(this.state, this.frame, this.frame);
      // The heap view is taken again: the call may have grown the memory.
      const out = rnn.HEAPF32.subarray(this.frame >> 2, (this.frame >> 2) + FRAME);
      for (let i = 0; i < FRAME; i++) this.ring[start + i] = out[i] / SCALE;
      this.denoised += FRAME;
    }
    const from = this.written - QUANTUM - DELAY;
    if (from < 0) output.fill(0);
    else output.set(this.ring.subarray(from % RING, (from % RING) + QUANTUM));
    return true;
  }

  private stop(): void {
    this.stopped = true;
    if (this.rnn && this.state) this.rnn._rnnoise_destroy(this.state);
    if (this.rnn && this.frame) this.rnn._free(this.frame);
    this.rnn = null;
  }
}

registerProcessor('parley-rnnoise', RnnoiseProcessor);
