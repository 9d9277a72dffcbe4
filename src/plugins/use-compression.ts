/**
 * Large GraphQL JSON responses are compressed when the client accepts it (brotli, else gzip:
 * src/plugins/accept-encoding.ts), on libuv's thread pool so the event loop keeps serving.
 * Only complete JSON bodies of at least `thresholdBytes` (their Content-Length says so before
 * anything is read): small answers (an append, `{ head }`) are sent as they are, at the cost of
 * two header reads; SSE and multipart streams are never touched (no Content-Length, another
 * type), nor what is already encoded (the GraphiQL page, src/plugins/use-graphiql-page.ts).
 * Every response that could be compressed says `Vary: Accept-Encoding`, also when it is not.
 */
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';
import { acceptedEncoding, type Encoding } from './accept-encoding.js';

export interface CompressionOptions {
  /** Smallest body compressed, in bytes. */
  thresholdBytes: number;
  /** Brotli quality: 1 compresses GraphQL JSON about 4× at a few ms per 400 KiB here. */
  brotliQuality: number;
  /** Gzip level, for clients without brotli. */
  gzipLevel: number;
}

export const defaultCompression: CompressionOptions = {
  thresholdBytes: 1024,
  brotliQuality: 1,
  gzipLevel: 1,
};

const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);
const jsonTypes = /^application\/(?:graphql-response\+)?json\b/i;

function compress(body: Uint8Array, encoding: Encoding, options: CompressionOptions): Promise<Buffer> {
  if (encoding === 'gzip') return gzipAsync(body, { level: options.gzipLevel });
  return brotliAsync(body, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: options.brotliQuality,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
    },
  });
}

/**
 * Whether a response is a complete JSON body of at least the threshold, not yet encoded. Only
 * headers are read: `response.body` would make the body a stream.
 */
function compressible(response: Response, request: Request, thresholdBytes: number): boolean {
  if (request.method === 'HEAD') return false;
  const { headers } = response;
  if (!jsonTypes.test(headers.get('content-type') ?? '') || headers.get('content-encoding') !== null) {
    return false;
  }
  return Number(headers.get('content-length') ?? Number.NaN) >= thresholdBytes;
}

export function useCompression(options: CompressionOptions = defaultCompression): Plugin {
  return {
    // Not async: a response that is not compressed goes on without waiting for a promise.
    onResponse({ request, response, setResponse, fetchAPI }) {
      if (!compressible(response, request, options.thresholdBytes)) return;
      response.headers.append('vary', 'Accept-Encoding');
      const encoding = acceptedEncoding(request.headers.get('accept-encoding'));
      if (encoding === null) return;
      return (async () => {
        const compressed = await compress(new Uint8Array(await response.arrayBuffer()), encoding, options);
        const headers = new fetchAPI.Headers(response.headers);
        headers.set('content-encoding', encoding);
        headers.set('content-length', String(compressed.byteLength));
        setResponse(
          new fetchAPI.Response(new Uint8Array(compressed), {
            status: response.status,
            statusText: response.statusText,
            headers,
          }),
        );
      })();
    },
  };
}
