import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { screenshotPath } from '../helpers/screenshots';

const ROOT = path.resolve(__dirname, '../..');
/** True when git ignores `file` (so writing it leaves `git status` clean). */
const ignored = (file: string) => spawnSync('git', ['check-ignore', '-q', path.relative(ROOT, file)], { cwd: ROOT }).status === 0;

test('a test run saves screenshots where git ignores them', () => {
  const file = screenshotPath('prejoin.png', {});
  expect(path.relative(ROOT, file)).toBe(path.join('test-results', 'screenshots', 'prejoin.png'));
  expect(ignored(file)).toBe(true);
});

test('npm run screenshots (PARLEY_SCREENSHOTS=1) renews the tracked ones in docs/screenshots', () => {
  const file = screenshotPath('prejoin.png', { PARLEY_SCREENSHOTS: '1' });
  expect(path.relative(ROOT, file)).toBe(path.join('docs', 'screenshots', 'prejoin.png'));
  expect(ignored(file)).toBe(false);
});
