/**
 * Error masking and its logging, as one concern: what a client sees of an error
 * (src/errors/mask-error.ts), and which errors the operator hears of at level error (internal
 * errors and an unavailable store; a client's own mistakes are its request line's business,
 * src/observability/yoga-logging.ts).
 *
 * Yoga runs masking as its own plugin, configured by its `maskedErrors` option (it masks
 * errors of request parsing too, before any plugin of ours could); so this returns that
 * option rather than a second plugin beside it.
 */
import type { YogaMaskedErrorOpts } from 'graphql-yoga';
import { ApiErrorCode } from '../errors/codes.js';
import { maskError } from '../errors/mask-error.js';
import type { Logger } from '../observability/logger.js';

const operatorsConcern = new Set<unknown>([ApiErrorCode.internal, ApiErrorCode.storeUnavailable]);

export function useErrorMasking(logger: Logger): Partial<YogaMaskedErrorOpts> {
  return {
    isDev: false,
    maskError: (error, message) => {
      const masked = maskError(error, message);
      const code = (masked as { extensions?: { code?: unknown } }).extensions?.code;
      if (operatorsConcern.has(code)) logger.error(error);
      return masked;
    },
  };
}
