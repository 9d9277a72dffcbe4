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
      const [fields, message] = toPinoArguments(args);
      if (fields) logger[level](fields, message);
      else logger[level](message);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Console-style arguments as pino's (fields, message). */
function toPinoArguments(args: unknown[]): [Record<string, unknown> | null, string | undefined] {
  const [first, ...rest] = args;
  const text = typeof rest[0] === 'string' ? rest[0] : undefined;
  if (typeof first === 'string') {
    const error = rest.find((value) => value instanceof Error);
    return [error ? { err: error } : null, first];
  }
  if (first instanceof Error) return [{ err: first }, text ?? first.message];
  if (typeof first === 'object' && first !== null) return [first as Record<string, unknown>, text];
  return [null, String(first)];
}
