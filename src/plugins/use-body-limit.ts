/**
 * The request body limit (HTTP 413 above `maxBytes`), in place of yoga's `maxRequestBodySize`.
 * Yoga pipes every body through a counting TransformStream, also when its Content-Length is
 * known: a stream pipeline, a second Request and an AbortError built when the pipeline ends,
 * on every POST. Node's HTTP parser never delivers more than the Content-Length it checked, so
 * a body with a valid Content-Length is limited by that header alone; only a body without one
 * (chunked) is counted as it is read, and refused once it passes the limit.
 */
import { createGraphQLError, type Plugin } from 'graphql-yoga';

function tooLarge(): Error {
  return createGraphQLError('Request body too large', {
    extensions: { http: { status: 413 }, code: 'REQUEST_ENTITY_TOO_LARGE' },
  });
}

/** A single non-negative integer, as yoga requires (no lists, signs or spaces). */
const contentLengthPattern = /^\d+$/;

/** The body's bytes, refused as soon as they pass `maxBytes`. */
async function readAtMost(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

export function useBodyLimit(maxBytes: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const contentLength = request.headers.get('content-length');
      if (contentLength !== null) {
        if (!contentLengthPattern.test(contentLength)) {
          throw createGraphQLError('Content-Length header is invalid.', {
            extensions: { http: { status: 400 }, code: 'BAD_REQUEST' },
          });
        }
        if (Number(contentLength) > maxBytes) throw tooLarge();
        return;
      }
      if (requestParser === undefined || request.body === null) return;
      setRequestParser(async (unlimited) => {
        const body = unlimited.body ? await readAtMost(unlimited.body, maxBytes) : null;
        return requestParser(
          new fetchAPI.Request(unlimited.url, {
            method: unlimited.method,
            headers: unlimited.headers,
            signal: unlimited.signal,
            body,
          }),
        );
      });
    },
  };
}
