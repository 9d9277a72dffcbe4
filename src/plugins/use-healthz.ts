/**
 * GET /healthz: 200 when the process is up and DynamoDB answers, 503 otherwise. For load
 * balancers and orchestrators; it needs no key and says nothing about any tenant's data.
 */
import type { Plugin } from 'graphql-yoga';

export function useHealthz(
  checkStore: () => Promise<void>,
  onFailure: (error: unknown) => void = () => {},
  path = '/healthz',
  timeoutMs = 3000,
): Plugin {
  return {
    async onRequest({ url, fetchAPI, endResponse }) {
      if (url.pathname !== path) return;
      let ok = false;
      try {
        await withTimeout(checkStore(), timeoutMs);
        ok = true;
      } catch (error) {
        // The cause goes to the operator's log (at debug: probes repeat), never to the caller.
        onFailure(error);
      }
      endResponse(
        new fetchAPI.Response(JSON.stringify({ status: ok ? 'ok' : 'unavailable', dynamodb: ok }), {
          status: ok ? 200 : 503,
          headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
        }),
      );
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
