/**
 * Structured JSON logs (pino). Request lines carry tenant, operation, duration and outcome;
 * never event data, variables or keys: redaction guards the fields that could hold them.
 */
import { type Logger, pino } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'eventloom' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'authorization',
          'headers.authorization',
          'req.headers.authorization',
          'variables',
          'data',
          'metadata',
        ],
        censor: '[redacted]',
      },
    },
    destination as Parameters<typeof pino>[1],
  );
}
