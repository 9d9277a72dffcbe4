/**
 * GET /explorer: the event explorer page (explorer/, built into dist/explorer/ by
 * scripts/build-explorer.ts, which `npm start` and the test run call first). The page and its
 * two files need no credential: the page asks for one and sends it with each GraphQL request.
 * Served from memory, compressed, under a content security policy that allows only this origin
 * (no CDN, no inline script).
 */
import { readFile } from 'node:fs/promises';
import type { Plugin } from 'graphql-yoga';
import { assetResponse, type StaticAsset, staticAsset } from './static-asset.js';

export const explorerPath = '/explorer';

const files: Record<string, { file: string; contentType: string }> = {
  [explorerPath]: { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  [`${explorerPath}/`]: { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  [`${explorerPath}/explorer.js`]: { file: 'explorer.js', contentType: 'text/javascript; charset=utf-8' },
  [`${explorerPath}/explorer.css`]: { file: 'explorer.css', contentType: 'text/css; charset=utf-8' },
};

const securityHeaders = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export const defaultExplorerDir = new URL('../../dist/explorer/', import.meta.url);

/** Serves the built explorer from `dir`; each file is read and compressed on its first request. */
export function useExplorer(dir: URL = defaultExplorerDir): Plugin {
  const loaded = new Map<string, Promise<StaticAsset | null>>();
  const load = (file: string, contentType: string) => {
    let asset = loaded.get(file);
    if (!asset) {
      asset = readFile(new URL(file, dir)).then(
        (content) => staticAsset(content, contentType),
        () => null,
      );
      loaded.set(file, asset);
    }
    return asset;
  };
  return {
    async onRequest({ request, url, fetchAPI, endResponse }) {
      const entry = files[url.pathname];
      if (!entry || (request.method !== 'GET' && request.method !== 'HEAD')) return;
      const asset = await load(entry.file, entry.contentType);
      if (asset) {
        endResponse(assetResponse(request, asset, fetchAPI.Response, securityHeaders));
        return;
      }
      loaded.delete(entry.file);
      endResponse(
        new fetchAPI.Response(
          'The explorer is not built: run `npm run build:explorer` (npm start does it).',
          {
            status: 503,
            headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
          },
        ),
      );
    },
  };
}
