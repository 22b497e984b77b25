/** Structured logs (pino). Modules take a child logger; secrets, tokens and SDP bodies are never logged. */
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { ...base },
    redact: {
      paths: ['password', 'resume', 'token', 'secret', '*.password', '*.resume', '*.token', '*.sdp', 'auth'],
      censor: '[redacted]',
    },
  });
}
