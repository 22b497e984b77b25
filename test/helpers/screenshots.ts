/**
 * Where browser tests save their screenshots: into docs/screenshots (tracked, shown by the README) only for
 * `npm run screenshots`, which sets PARLEY_SCREENSHOTS=1; otherwise into test-results/screenshots (ignored), so
 * that a test run leaves the work tree as it found it.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

export function screenshotPath(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.PARLEY_SCREENSHOTS === '1' ? path.join(ROOT, 'docs/screenshots') : path.join(ROOT, 'test-results/screenshots');
  mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}
