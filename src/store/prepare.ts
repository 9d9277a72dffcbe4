/**
 * Validation of what callers send, before anything is written: an append or snapshot that
 * breaks a rule gets an InvalidInputError naming the offending field, and writes nothing.
 */
import { v4 as uuidv4 } from 'uuid';
import { InvalidInputError } from './errors.js';
import type { StoreLimits } from './limits.js';
import { isCleanText, normalizeUuid, type ResolvedStream, resolveStreamRef } from './stream-id.js';
import type { AppendRequest, JsonValue } from './types.js';

export interface PreparedEvent {
  id: string;
  /**
   * The client gave the id. An id this gateway made for this call was never stored before, so a
   * version refusal of its append needs no claim reads to rule out an idempotent retry.
   */
  idGiven: boolean;
  type: string;
  /** JSON text as stored: kept as text so numbers and nesting round-trip exactly. */
  data: string;
  metadata: string;
}

export interface PreparedAppend {
  stream: ResolvedStream;
  expectedVersion: number | null;
  events: PreparedEvent[];
  /** Bytes of JSON data and metadata together. */
  bytes: number;
}

export function isValidVersion(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Serializes a JSON value, refusing what is not JSON or nests deeper than the limit. */
export function toJsonText(value: unknown, maxDepth: number, path: readonly (string | number)[]): string {
  if (value === undefined) throw new InvalidInputError('A JSON value is required.', path);
  // Walk iteratively: a recursive check would overflow the stack on hostile nesting.
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  while (stack.length > 0) {
    const top = stack.pop()!;
    for (const child of jsonChildren(top.value, top.depth, maxDepth, path)) {
      stack.push({ value: child, depth: top.depth + 1 });
    }
  }
  return JSON.stringify(value);
}

/** Checks one JSON value at `depth` (not its children) and returns its children: none for a scalar. */
function jsonChildren(
  value: unknown,
  depth: number,
  maxDepth: number,
  path: readonly (string | number)[],
): unknown[] {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return [];
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidInputError('JSON numbers must be finite.', path);
    return [];
  }
  if (typeof value !== 'object') throw new InvalidInputError('The value is not JSON.', path);
  if (depth > maxDepth) throw new InvalidInputError(`JSON may nest at most ${maxDepth} levels deep.`, path);
  const children = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
  // for…of, not some(): a hole in a sparse array is undefined too.
  for (const child of children) {
    if (child === undefined) throw new InvalidInputError('The value is not JSON.', path);
  }
  return children;
}

export function checkType(type: unknown, limits: StoreLimits, path: readonly (string | number)[]): string {
  if (
    typeof type !== 'string' ||
    type.length === 0 ||
    type.length > limits.maxTypeLength ||
    !isCleanText(type)
  ) {
    throw new InvalidInputError(
      `A type has 1 to ${limits.maxTypeLength} characters, no control characters and no unpaired surrogates.`,
      path,
    );
  }
  return type;
}

export function prepareAppend(request: AppendRequest, limits: StoreLimits): PreparedAppend {
  const stream = resolveStreamRef(request.stream, limits, ['stream']);
  const expectedVersion = request.expectedVersion ?? null;
  if (expectedVersion !== null && !isValidVersion(expectedVersion)) {
    throw new InvalidInputError('expectedVersion is an integer from 0.', ['expectedVersion']);
  }
  if (!Array.isArray(request.events) || request.events.length === 0) {
    throw new InvalidInputError('An append holds at least one event.', ['events']);
  }
  if (request.events.length > limits.maxEventsPerAppend) {
    throw new InvalidInputError(
      `An append holds at most ${limits.maxEventsPerAppend} events; this one has ${request.events.length}.`,
      ['events'],
    );
  }
  const seen = new Set<string>();
  let bytes = 0;
  const events = request.events.map((event, index): PreparedEvent => {
    const path = ['events', index];
    const idGiven = event.id !== null && event.id !== undefined;
    const id = idGiven ? normalizeUuid(event.id, [...path, 'id']) : uuidv4();
    if (seen.has(id))
      throw new InvalidInputError(`The event id ${id} appears twice in one append.`, [...path, 'id']);
    seen.add(id);
    const type = checkType(event.type, limits, [...path, 'type']);
    const data = toJsonText(event.data, limits.maxJsonDepth, [...path, 'data']);
    const metadata = toJsonText(event.metadata ?? {}, limits.maxJsonDepth, [...path, 'metadata']);
    bytes += Buffer.byteLength(data) + Buffer.byteLength(metadata);
    return { id, idGiven, type, data, metadata };
  });
  if (bytes > limits.maxAppendBytes) {
    throw new InvalidInputError(
      `An append holds at most ${limits.maxAppendBytes} bytes of data and metadata; this one has ${bytes}.`,
      ['events'],
    );
  }
  return { stream, expectedVersion, events, bytes };
}

export function parseJsonText(text: string): JsonValue {
  return JSON.parse(text) as JsonValue;
}
