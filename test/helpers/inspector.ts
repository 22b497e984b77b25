/**
 * A full garbage collection in another Node process, through its inspector (started with `--inspect=127.0.0.1:0`):
 * a heap reading taken after it counts what is retained, not garbage V8 has not got round to collecting yet.
 */
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

/** The inspector's WebSocket URL, from the "Debugger listening on ws://…" line in the process's log. */
export function inspectorUrl(logFile: string): string {
  const m = /Debugger listening on (ws:\/\/\S+)/.exec(readFileSync(logFile, 'utf8'));
  if (!m) throw new Error(`no inspector URL in ${logFile}: was the process started with --inspect?`);
  return m[1];
}

/** Runs HeapProfiler.collectGarbage in the process behind `url` and resolves when it is done. */
export function collectGarbage(url: string, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`collectGarbage through ${url}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (err?: Error) => {
      clearTimeout(timer);
      ws.close();
      if (err) reject(err);
      else resolve();
    };
    ws.once('open', () => ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' })));
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; error?: { message: string } };
      if (msg.id === 1) done(msg.error ? new Error(msg.error.message) : undefined);
    });
    ws.once('error', done);
  });
}
