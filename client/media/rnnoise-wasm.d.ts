/** The Emscripten loader of @jitsi/rnnoise-wasm: the parts of its module the noise worklet uses. */
declare module '@jitsi/rnnoise-wasm/dist/rnnoise.js' {
  export interface RnnoiseModule {
    HEAPF32: Float32Array;
    _rnnoise_create(model: number): number;
    _rnnoise_destroy(state: number): void;
    _rnnoise_process_frame(state: number, out: number, input: number): number;
    _malloc(bytes: number): number;
    _free(ptr: number): void;
  }
  export default function createRNNWasmModule(options: { wasmBinary: ArrayBuffer }): Promise<RnnoiseModule>;
}
