/**
 * DRAIN_NOTICE_MS against the health checks of deploy/haproxy.cfg: a draining replica tells its participants to move
 * only once HAProxy has taken it out of the rotation, so the default must outlast the slowest way HAProxy gets there.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../server/config';

/** HAProxy's time format as the file uses it: `2s`, `500ms`, or plain milliseconds. */
function ms(value: string): number {
  const m = /^(\d+)(ms|s)?$/.exec(value);
  if (!m) throw new Error(`not an HAProxy time: ${value}`);
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

test('the default DRAIN_NOTICE_MS outlasts the time HAProxy takes to mark a replica down, with a second to spare', () => {
  const cfg = readFileSync(path.join(__dirname, '../../deploy/haproxy.cfg'), 'utf8');
  const line = /^\s*default-server\s.*$/m.exec(cfg)?.[0];
  expect(line).toBeDefined();
  const setting = (name: string) => new RegExp(`\\s${name}\\s+(\\S+)`).exec(line as string)?.[1];
  const inter = ms(setting('inter') ?? '2s');
  const fastinter = ms(setting('fastinter') ?? String(inter));
  const fall = Number(setting('fall') ?? '3');
  expect(cfg).toMatch(/option httpchk GET \/readyz/);
  // /readyz turns 503 just after a check passed: the next comes `inter` later, and each further one of the `fall`
  // failures `fastinter` after the last (the server is changing state by then).
  const markedDown = inter + (fall - 1) * fastinter;
  // The figures config.ts and docs/operations.md give; change them there with the checks.
  expect({ inter, fastinter, fall, markedDown }).toEqual({ inter: 2000, fastinter: 500, fall: 2, markedDown: 2500 });
  expect(loadConfig({}).drainNoticeMs).toBeGreaterThanOrEqual(markedDown + 1000);
});
