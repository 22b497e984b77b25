// Bundles the browser client (client/*.ts entry points) into public/build with esbuild, and copies the background
// effect's WebAssembly and model there (served by Parley itself, never from a CDN).
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { build, context } from 'esbuild';
import { segmentationModel } from './segmentation-model.mjs';

const watch = process.argv.includes('--watch');
const options = {
  entryPoints: ['client/home.ts', 'client/room.ts'],
  outdir: 'public/build',
  bundle: true,
  format: 'iife',
  target: ['es2020'],
  minify: !watch,
  sourcemap: true,
  logLevel: 'info',
};

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
