/**
 * `/metrics` on a listener of its own (EVENTLOOM_METRICS_PORT, loopback by default), not on
 * the API's port: the text names every tenant and the operations they run, which is for the
 * operator's scraper, not for clients. Only `GET /metrics` is served; everything else is 404.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './metrics.js';

export interface MetricsListen {
  port: number;
  host: string;
}

export interface MetricsServer {
  /** Listens; resolves with the URL of /metrics. */
  start(listen: MetricsListen): Promise<string>;
  stop(): Promise<void>;
}

export function createMetricsServer(metrics: Metrics): MetricsServer {
  const server: Server = createServer(
    { headersTimeout: 10_000, requestTimeout: 30_000 },
    (request, response) => {
      const path = new URL(request.url ?? '/', 'http://metrics').pathname;
      if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
        response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
        return;
      }
      void renderMetrics(metrics).then((text) => {
        response.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : text);
      });
    },
  );
  return {
    async start({ port, host }) {
      await new Promise<void>((resolveListen, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolveListen();
        });
      });
      const bound = (server.address() as AddressInfo).port;
      return `http://${host.includes(':') ? `[${host}]` : host}:${bound}/metrics`;
    },
    async stop() {
      if (!server.listening) return;
      const closed = new Promise<void>((resolveClose) => server.close(() => resolveClose()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * The metrics text. Rendering is not expected to fail (every client-chosen label is bounded);
 * if it does, the scraper gets a comment rather than a 500 with a stack trace, and the scrape
 * shows as empty.
 */
export async function renderMetrics(metrics: Metrics): Promise<string> {
  try {
    return await metrics.text();
  } catch {
    return '# eventloom: the metrics could not be rendered\n';
  }
}
