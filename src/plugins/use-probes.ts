/**
 * GET /readyz answers 503 until the app says it is ready (tables exist, DynamoDB answers) and
 * again once shutdown begins, so that a load balancer stops sending new work before the
 * gateway closes. (`/metrics` has its own listener: src/observability/metrics-server.ts.)
 */
import type { Plugin } from 'graphql-yoga';

export interface Readiness {
  ready(): boolean;
}

export function useProbes(readiness: Readiness): Plugin {
  return {
    onRequest({ url, request, fetchAPI, endResponse }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      if (url.pathname !== '/readyz') return;
      const ready = readiness.ready();
      endResponse(
        new fetchAPI.Response(JSON.stringify({ status: ready ? 'ready' : 'not ready' }), {
          status: ready ? 200 : 503,
          headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
        }),
      );
    },
  };
}
