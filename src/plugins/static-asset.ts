/**
 * A file served from memory: compressed once (brotli and gzip), with a strong ETag, sent in the
 * encoding the browser accepts, `304 Not Modified` when it has it already. Used for the GraphiQL
 * page and the explorer's files.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { acceptedEncoding } from './accept-encoding.js';

export interface StaticAsset {
  etag: string;
  contentType: string;
  identity: Uint8Array<ArrayBuffer>;
  gzip: Uint8Array<ArrayBuffer>;
  br: Uint8Array<ArrayBuffer>;
}

const bytes = (buffer: Buffer): Uint8Array<ArrayBuffer> => new Uint8Array(buffer);

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** Compression runs on libuv's thread pool: the event loop keeps serving meanwhile. */
export async function staticAsset(content: string | Buffer, contentType: string): Promise<StaticAsset> {
  const identity = Buffer.from(content);
  const [gzipped, brotli] = await Promise.all([
    gzipAsync(identity, { level: 6 }),
    brotliAsync(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 6 } }),
  ]);
  return {
    etag: `"${createHash('sha256').update(identity).digest('base64url').slice(0, 32)}"`,
    contentType,
    identity: bytes(identity),
    gzip: bytes(gzipped),
    br: bytes(brotli),
  };
}

/** The response to a GET or HEAD of `asset`, with `headers` added (e.g. a content security policy). */
export function assetResponse(
  request: Request,
  asset: StaticAsset,
  ResponseClass: typeof Response,
  headers: Record<string, string> = {},
): Response {
  const common = {
    ...headers,
    etag: asset.etag,
    'cache-control': 'no-cache',
    vary: 'accept-encoding',
    'content-type': asset.contentType,
  };
  if (request.headers.get('if-none-match') === asset.etag) {
    return new ResponseClass(null, { status: 304, headers: common });
  }
  const encoding = acceptedEncoding(request.headers.get('accept-encoding')) ?? 'identity';
  const body = asset[encoding];
  return new ResponseClass(request.method === 'HEAD' ? null : body, {
    status: 200,
    headers: {
      ...common,
      'content-length': String(body.length),
      ...(encoding === 'identity' ? {} : { 'content-encoding': encoding }),
    },
  });
}
