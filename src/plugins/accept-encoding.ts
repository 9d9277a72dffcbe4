/**
 * Which compression a client accepts, from its Accept-Encoding header: brotli when it lists
 * `br`, else gzip when it lists `gzip` (or `x-gzip`, or `*`), else none. A coding with `q=0` is
 * refused, as RFC 9110 says; other weights are not ranked (both codings are cheap here, and
 * brotli at the qualities used is the faster and the smaller: BENCHMARKS.md).
 */
export type Encoding = 'br' | 'gzip';

export function acceptedEncoding(acceptEncoding: string | null): Encoding | null {
  if (!acceptEncoding) return null;
  const accepted = new Set<string>();
  for (const part of acceptEncoding.toLowerCase().split(',')) {
    const [coding = '', ...parameters] = part.split(';').map((piece) => piece.trim());
    const q = parameters.find((parameter) => parameter.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue;
    accepted.add(coding);
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip') || accepted.has('x-gzip') || accepted.has('*')) return 'gzip';
  return null;
}
