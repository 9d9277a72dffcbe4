/**
 * Yoga's own log calls, routed to the app's logger. Yoga logs every error it masks at error
 * level, with its fields; a client's mistake (a typed store error such as a bad cursor or an
 * invalid input, or a request yoga refused with a 4xx such as malformed JSON) is not the gateway's error: its request line (warn, with its error codes) is
 * all that is written of it.
 */
import { GraphQLError } from 'graphql';
import { isEventStoreError } from '../store/errors.js';
import type { Logger } from './logger.js';

function isClientMistake(value: unknown): boolean {
  if (value instanceof GraphQLError && isClientStatus(value.extensions?.http)) return true;
  const original = value instanceof GraphQLError ? value.originalError : value;
  return isEventStoreError(original) && original.code !== 'STORE_UNAVAILABLE';
}

/** Yoga's own refusals of a request (malformed JSON, no query) carry a 4xx status. */
function isClientStatus(http: unknown): boolean {
  const status = (http as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

export function yogaLogging(logger: Logger) {
  return {
    // One debug line per request would drown the log.
    debug: () => undefined,
    info: (...args: unknown[]) => logger.info(...args),
    warn: (...args: unknown[]) => logger.warn(...args),
    error: (...args: unknown[]) => {
      if (!args.some(isClientMistake)) logger.error(...args);
    },
  };
}
