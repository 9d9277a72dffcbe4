/**
 * Token expiry on SSE: a subscription served over HTTP (yoga's `text/event-stream`) whose
 * principal expires (a token's `exp`) ends at that instant, without clock tolerance: its last
 * record is an UNAUTHENTICATED error with `reason: "expired"`, then `complete`. The client
 * subscribes again with a fresh token and `after`. Over WebSocket the transport closes the
 * whole connection with 4403 instead (src/transports/graphql-ws.ts), so this leaves those alone.
 */
import { GraphQLError } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { atExpiry } from '../auth/expiry.js';
import type { Principal } from '../auth/principal.js';
import { ApiErrorCode } from '../errors/codes.js';
import { unauthenticatedMessageFor } from '../errors/unauthenticated.js';

interface ExpiringContext {
  readonly principal?: Principal;
  /** Present over HTTP (and SSE) only: graphql-ws builds its contexts from connectionParams. */
  readonly request?: Request;
}

export function useTokenExpiry(): Plugin {
  return {
    onSubscribe({ args }) {
      const context = args.contextValue as ExpiringContext;
      const expiresAt = context.principal?.expiresAt ?? null;
      if (expiresAt === null || context.request === undefined) return;
      return {
        onSubscribeResult({ result, setResult }) {
          if (isAsyncIterable(result)) setResult(endAtExpiry(result, expiresAt));
        },
      };
    },
  };
}

const expired = Symbol('expired');

/** The last record of a subscription whose token expired. */
function expiredResult() {
  const error = new GraphQLError(unauthenticatedMessageFor('expired'), {
    extensions: { code: ApiErrorCode.unauthenticated, reason: 'expired' },
  });
  return { errors: [error] };
}

/**
 * `source`, ended at `expiresAt` with an expiry error. Not an async generator: a generator
 * could not be returned while it waits for the next event, and a client that goes away must
 * end the source at once, not at the next event.
 */
export function endAtExpiry<T>(
  source: AsyncIterable<T>,
  expiresAt: Date,
): AsyncIterableIterator<T | ReturnType<typeof expiredResult>> {
  const iterator = source[Symbol.asyncIterator]();
  let done = false;
  let cancel = () => {};
  const expiry = new Promise<typeof expired>((resolve) => {
    cancel = atExpiry(expiresAt, () => resolve(expired));
  });
  const finish = async () => {
    done = true;
    cancel();
    await iterator.return?.();
  };
  const result: AsyncIterableIterator<T | ReturnType<typeof expiredResult>> = {
    async next() {
      if (done) return { done: true, value: undefined };
      const outcome = await Promise.race([iterator.next(), expiry]);
      if (outcome === expired) {
        await finish();
        return { done: false, value: expiredResult() };
      }
      if (outcome.done) {
        done = true;
        cancel();
      }
      return outcome;
    },
    async return() {
      if (!done) await finish();
      return { done: true, value: undefined };
    },
    async throw(error: unknown) {
      if (!done) await finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return result;
    },
  };
  return result;
}
