/**
 * Operator endpoints: GET /metrics (Prometheus text) and GET /readyz, which answers 503 until
 * the app says it is ready (tables exist, DynamoDB answers) and again once shutdown begins,
 * so that a load balancer stops sending new work before the gateway closes.
 */
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../observability/metrics.js';

export interface Readiness {
  ready(): boolean;
}

export function useProbes(metrics: Metrics, readiness: Readiness): Plugin {
  return {
    async onRequest({ url, request, fetchAPI, endResponse }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      if (url.pathname === '/metrics') {
        endResponse(
          new fetchAPI.Response(await renderMetrics(metrics), {
            status: 200,
            headers: { 'content-type': metrics.contentType, 'cache-control': 'no-store' },
          }),
        );
      } else if (url.pathname === '/readyz') {
        const ready = readiness.ready();
        endResponse(
          new fetchAPI.Response(JSON.stringify({ status: ready ? 'ready' : 'not ready' }), {
            status: ready ? 200 : 503,
            headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
          }),
        );
      }
    },
  };
}

/**
 * The metrics text. Rendering is not expected to fail (every client-chosen label is bounded);
 * if it does, a scraper gets a comment rather than a 500 with a stack trace, and the scrape
 * shows as empty.
 */
async function renderMetrics(metrics: Metrics): Promise<string> {
  try {
    return await metrics.text();
  } catch {
    return '# eventloom: the metrics could not be rendered\n';
  }
}
