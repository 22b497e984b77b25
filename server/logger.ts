/** Structured logs (pino). Modules take a child logger; secrets, tokens and SDP bodies are never logged. */
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Logs to stdout unless given another `destination` (tests read what was logged). */
export function createLogger(level: string, base: Record<string, unknown> = {}, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { ...base },
    redact: {
      paths: ['password', 'resume', 'token', 'secret', '*.password', '*.resume', '*.token', '*.sdp', 'auth'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
