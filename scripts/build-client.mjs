// Bundles the browser client (client/*.ts entry points) into public/build with esbuild.
import { build, context } from 'esbuild';

const watch = process.argv.includes('--watch');
const options = {
  entryPoints: ['client/home.ts', 'client/room.ts', 'client/rec-clock.ts'],
  outdir: 'public/build',
  bundle: true,
  format: 'iife',
  target: ['es2020'],
  minify: !watch,
  sourcemap: true,
  logLevel: 'info',
};

if (watch) {
  const ctx = await context(options);
  await ctx.watch();
} else {
  await build(options);
}
