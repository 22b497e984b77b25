// Bundles the browser client (client/*.ts entry points) into public/build with esbuild.
import { copyFileSync, mkdirSync } from 'node:fs';
import { build, context } from 'esbuild';

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

if (watch) {
  const ctx = await context(options);
  await ctx.watch();
} else {
  await build(options);
}
