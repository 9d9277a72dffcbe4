/**
 * Opaque page cursors. A cursor names a place in one kind of listing (a stream version, a
 * log position, a stream listing key); it carries no tenant, because every read is already
 * bound to one: a cursor taken from another tenant only ever reads the caller's own data.
 */
import { InvalidInputError } from './errors.js';

type CursorKind = 'v' | 'p' | 's' | 'k';

export function encodeCursor(kind: CursorKind, value: string | number): string {
  return Buffer.from(`${kind}:${value}`, 'utf8').toString('base64url');
}

function decode(cursor: string, kind: CursorKind, path: readonly (string | number)[]): string {
  const text =
    typeof cursor === 'string' && cursor.length <= 2048
      ? Buffer.from(cursor, 'base64url').toString('utf8')
      : '';
  if (!text.startsWith(`${kind}:`)) throw new InvalidInputError('The cursor is not valid here.', path);
  return text.slice(2);
}

export function decodeNumberCursor(
  cursor: string,
  kind: 'v' | 'p',
  path: readonly (string | number)[],
): number {
  const text = decode(cursor, kind, path);
  const value = Number(text);
  if (!/^\d{1,16}$/.test(text) || !Number.isSafeInteger(value)) {
    throw new InvalidInputError('The cursor is not valid here.', path);
  }
  return value;
}

export function decodeStringCursor(
  cursor: string,
  kind: 's' | 'k',
  path: readonly (string | number)[],
): string {
  return decode(cursor, kind, path);
}
