/**
 * The GraphiQL page (about 9 MB of HTML, the whole editor inlined), built once and served
 * from memory: compressed (brotli or gzip, as the browser accepts), with a strong ETag, and
 * `304 Not Modified` to a browser that has it. Yoga would render and send it whole on every
 * GET, which lets anonymous clients cost the gateway 9 MB each.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { type Plugin, shouldRenderGraphiQL } from 'graphql-yoga';
import { acceptedEncoding } from './accept-encoding.js';

interface Page {
  etag: string;
  identity: Uint8Array<ArrayBuffer>;
  gzip: Uint8Array<ArrayBuffer>;
  br: Uint8Array<ArrayBuffer>;
}

const bytes = (buffer: Buffer): Uint8Array<ArrayBuffer> => new Uint8Array(buffer);

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** Compression runs on libuv's thread pool: the event loop keeps serving meanwhile. */
async function buildPage(html: string): Promise<Page> {
  const identity = Buffer.from(html);
  const [gzipped, brotli] = await Promise.all([
    gzipAsync(identity, { level: 6 }),
    brotliAsync(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 6 } }),
  ]);
  return {
    etag: `"${createHash('sha256').update(identity).digest('base64url').slice(0, 32)}"`,
    identity: bytes(identity),
    gzip: bytes(gzipped),
    br: bytes(brotli),
  };
}

/** Serves `render()`'s page for GETs of the GraphQL path that ask for HTML; built on first use. */
export function useGraphiQLPage(graphqlEndpoint: string, render: () => string): Plugin {
  let building: Promise<Page> | undefined;
  return {
    async onRequest({ request, url, fetchAPI, endResponse }) {
      if (url.pathname !== graphqlEndpoint || !shouldRenderGraphiQL(request)) return;
      building ??= buildPage(render());
      const page = await building;
      const headers = {
        etag: page.etag,
        'cache-control': 'no-cache',
        vary: 'accept-encoding',
        'content-type': 'text/html; charset=utf-8',
      };
      if (request.headers.get('if-none-match') === page.etag) {
        endResponse(new fetchAPI.Response(null, { status: 304, headers }));
        return;
      }
      const encoding = acceptedEncoding(request.headers.get('accept-encoding')) ?? 'identity';
      const body = page[encoding];
      endResponse(
        new fetchAPI.Response(request.method === 'HEAD' ? null : body, {
          status: 200,
          headers: {
            ...headers,
            'content-length': String(body.length),
            ...(encoding === 'identity' ? {} : { 'content-encoding': encoding }),
          },
        }),
      );
    },
  };
}
