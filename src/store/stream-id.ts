/**
 * Stream identity: a stream addressed by name gets the id python-event-sourcery gives it,
 * UUIDv5 of the name in a fixed namespace, so ids agree across the two systems.
 */
import { validate as isUuid, v5 as uuidv5 } from 'uuid';
import { InvalidInputError } from './errors.js';
import type { StoreLimits } from './limits.js';
import type { StreamKey, StreamRef } from './types.js';

export const streamNamespace = '3a24a3ee-d33d-4266-93ab-7d8e256a6d44';

export function streamIdForName(name: string): string {
  return uuidv5(name, streamNamespace);
}

// Control characters make names and types unreadable in logs and tools; refuse them.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const controlCharacters = /[\u0000-\u001f\u007f]/;

/**
 * False for control characters and for strings that are not well-formed Unicode (a lone UTF-16
 * surrogate): such a string has no UTF-8 form, so it cannot be part of a key or be stored as
 * given.
 */
export function isCleanText(value: string): boolean {
  return value.isWellFormed() && !controlCharacters.test(value);
}

/** Canonical lower-case form; throws InvalidInputError for anything that is not a UUID. */
export function normalizeUuid(value: string, path: readonly (string | number)[]): string {
  if (typeof value !== 'string' || !isUuid(value)) {
    throw new InvalidInputError(`"${String(value).slice(0, 64)}" is not a UUID.`, path);
  }
  return value.toLowerCase();
}

/** A category has 1 to maxCategoryLength characters and no control characters. */
export function checkCategory(
  category: string,
  limits: Pick<StoreLimits, 'maxCategoryLength'>,
  path: readonly (string | number)[],
): void {
  if (category.length === 0 || category.length > limits.maxCategoryLength || !isCleanText(category)) {
    throw new InvalidInputError(
      `A category has 1 to ${limits.maxCategoryLength} characters, no control characters and no unpaired surrogates.`,
      [...path, 'category'],
    );
  }
}

export interface ResolvedStream extends StreamKey {
  name: string | null;
}

/** Resolves a StreamRef to (id, category), checking that id and name agree. */
export function resolveStreamRef(
  ref: StreamRef,
  limits: Pick<StoreLimits, 'maxStreamNameLength' | 'maxCategoryLength'>,
  path: readonly (string | number)[] = ['stream'],
): ResolvedStream {
  const category = ref.category ?? null;
  if (category !== null) checkCategory(category, limits, path);
  const name = ref.name ?? null;
  if (name !== null) {
    if (name.length === 0 || name.length > limits.maxStreamNameLength || !isCleanText(name)) {
      throw new InvalidInputError(
        `A stream name has 1 to ${limits.maxStreamNameLength} characters, no control characters and no unpaired surrogates.`,
        [...path, 'name'],
      );
    }
  }
  const givenId = ref.id === null || ref.id === undefined ? null : normalizeUuid(ref.id, [...path, 'id']);
  if (name === null) {
    if (givenId === null) throw new InvalidInputError('A stream is given by id or name.', path);
    return { id: givenId, category, name: null };
  }
  const nameId = streamIdForName(name);
  if (givenId !== null && givenId !== nameId) {
    throw new InvalidInputError(`The stream id ${givenId} is not the id of the name "${name}".`, [
      ...path,
      'id',
    ]);
  }
  return { id: nameId, category, name };
}
