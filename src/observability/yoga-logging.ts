/**
 * Yoga's own log calls, routed to the app's logger. Yoga logs every error it masks at error
 * level, with its fields; a client's mistake (a typed store error such as a bad cursor or an
 * invalid input) is not the gateway's error: its request line (warn, with its error codes) is
 * all that is written of it.
 */
import { GraphQLError } from 'graphql';
import { isEventStoreError } from '../store/errors.js';
import type { Logger } from './logger.js';

function isClientMistake(value: unknown): boolean {
  const original = value instanceof GraphQLError ? value.originalError : value;
  return isEventStoreError(original) && original.code !== 'STORE_UNAVAILABLE';
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
