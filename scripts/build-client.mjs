// Bundles the browser client (client/*.ts entry points) into public/build with esbuild, and copies the WebAssembly
// and models of the noise suppression and the background effect there (served by Parley itself, never from a CDN).
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { build, context } from 'esbuild';
import { segmentationModel } from './segmentation-model.mjs';

const watch = process.argv.includes('--watch');
const options = {
  entryPoints: ['client/home.ts', 'client/room.ts', 'client/rec-clock.ts', { in: 'client/media/noise-worklet.ts', out: 'noise-worklet' }],
  outdir: 'public/build',
  bundle: true,
  format: 'iife',
  target: ['es2020'],
  minify: !watch,
  sourcemap: true,
  logLevel: 'info',
};

// RNNoise's WebAssembly, served by Parley itself for the noise-suppression worklet.
mkdirSync('public/build', { recursive: true });
copyFileSync('node_modules/@jitsi/rnnoise-wasm/dist/rnnoise.wasm', 'public/build/rnnoise.wasm');

/** MediaPipe Tasks' WebAssembly (SIMD build: every browser that can run the call has it) and the selfie model. */
function copySegmentationAssets() {
  const out = 'public/build/mediapipe';
  mkdirSync(out, { recursive: true });
  for (const f of ['vision_wasm_internal.js', 'vision_wasm_internal.wasm']) {
    copyFileSync(`node_modules/@mediapipe/tasks-vision/wasm/${f}`, `${out}/${f}`);
  }
  writeFileSync(
    `${out}/selfie_segmentation.tflite`,
    segmentationModel('node_modules/@mediapipe/selfie_segmentation/selfie_segmentation.tflite'),
  );
}

copySegmentationAssets();
if (watch) {
  const ctx = await context(options);
  await ctx.watch();
} else {
  await build(options);
}
