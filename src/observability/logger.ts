/**
 * Structured JSON logs (pino). Request lines carry tenant, operation, duration and outcome;
 * never event data, variables or keys: redaction guards the fields that could hold them.
 */
import { type Logger as PinoLogger, pino } from 'pino';

/** pino, configured: JSON lines with redaction. The rest of the gateway logs through {@link Logger}. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): PinoLogger {
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

/** The gateway's logging interface (console-like); {@link toAppLogger} puts pino behind it. */
export interface Logger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/**
 * Adapts pino to console-style calls: `warn('text', error)` becomes `{ err, msg: 'text' }`,
 * an object first stays the line's fields, so every line is one JSON object.
 */
export function toAppLogger(logger: PinoLogger): Logger {
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]): void => {
      const [first, ...rest] = args;
      if (typeof first === 'string') {
        const error = rest.find((value) => value instanceof Error);
        if (error) logger[level]({ err: error }, first);
        else logger[level](first);
      } else if (first instanceof Error) {
        logger[level]({ err: first }, typeof rest[0] === 'string' ? rest[0] : first.message);
      } else if (typeof first === 'object' && first !== null) {
        logger[level](first as Record<string, unknown>, typeof rest[0] === 'string' ? rest[0] : undefined);
      } else {
        logger[level](String(first));
      }
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
