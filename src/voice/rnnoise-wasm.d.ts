/** Types for @jitsi/rnnoise-wasm, which ships none: the Emscripten module's exported C API. */
declare module '@jitsi/rnnoise-wasm/dist/rnnoise-sync.js' {
  export interface RnnoiseModule {
    HEAPF32: Float32Array;
    _malloc(bytes: number): number;
    _free(ptr: number): void;
    _rnnoise_create(model?: number): number;
    _rnnoise_destroy(state: number): void;
    /** Denoises 480 float samples (16-bit scale) in place; returns the voice probability 0…1. */
    _rnnoise_process_frame(state: number, out: number, input: number): number;
  }
  const createRNNWasmModuleSync: () => Promise<RnnoiseModule>;
  export default createRNNWasmModuleSync;
}
