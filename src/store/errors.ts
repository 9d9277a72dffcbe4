/**
 * Typed errors of the event store. Each has a stable `code`; the API maps them to the
 * contract's error types. Messages never include internal details of DynamoDB.
 */

export type EventStoreErrorCode =
  | 'WRONG_EXPECTED_VERSION'
  | 'EXPECTED_VERSION_REQUIRED'
  | 'STREAM_IS_UNVERSIONED'
  | 'STREAM_NOT_FOUND'
  | 'CONSUMER_EXISTS'
  | 'CONSUMER_NOT_FOUND'
  | 'FORBIDDEN'
  | 'INVALID_INPUT'
  | 'STORE_UNAVAILABLE'
  | 'RATE_LIMITED';

export abstract class EventStoreError extends Error {
  abstract readonly code: EventStoreErrorCode;
  /** True when the same request may succeed if sent again later. */
  readonly retryable: boolean = false;
}

/**
 * The stream a version refusal is about. Optional: an append to one stream needs no name, but
 * appendToStreams touches several and its refusal must say which one failed.
 */
export interface RefusedStream {
  id: string;
  category: string | null;
}

export class WrongExpectedVersionError extends EventStoreError {
  readonly code = 'WRONG_EXPECTED_VERSION';
  readonly streamId: string | undefined;
  readonly category: string | null | undefined;
  constructor(
    readonly expectedVersion: number,
    readonly actualVersion: number,
    stream?: RefusedStream,
  ) {
    super(`Expected the stream at version ${expectedVersion}, but it is at version ${actualVersion}.`);
    this.name = 'WrongExpectedVersionError';
    this.streamId = stream?.id;
    this.category = stream?.category;
  }
}

export class ExpectedVersionRequiredError extends EventStoreError {
  readonly code = 'EXPECTED_VERSION_REQUIRED';
  readonly streamId: string | undefined;
  readonly category: string | null | undefined;
  constructor(stream?: RefusedStream) {
    super('The stream is versioned: appends to it must give expectedVersion.');
    this.name = 'ExpectedVersionRequiredError';
    this.streamId = stream?.id;
    this.category = stream?.category;
  }
}

export class StreamIsUnversionedError extends EventStoreError {
  readonly code = 'STREAM_IS_UNVERSIONED';
  readonly streamId: string | undefined;
  readonly category: string | null | undefined;
  constructor(stream?: RefusedStream) {
    super('The stream is unversioned: appends to it must not give expectedVersion.');
    this.name = 'StreamIsUnversionedError';
    this.streamId = stream?.id;
    this.category = stream?.category;
  }
}

export class StreamNotFoundError extends EventStoreError {
  readonly code = 'STREAM_NOT_FOUND';
  constructor(message = 'The stream does not exist.') {
    super(message);
    this.name = 'StreamNotFoundError';
  }
}

/** A consumer of that name exists already in the tenant (whatever its settings). */
export class ConsumerExistsError extends EventStoreError {
  readonly code = 'CONSUMER_EXISTS';
  constructor(message = 'A consumer of this name exists already.') {
    super(message);
    this.name = 'ConsumerExistsError';
  }
}

/** No consumer of that name in the tenant (never created, or deleted). */
export class ConsumerNotFoundError extends EventStoreError {
  readonly code = 'CONSUMER_NOT_FOUND';
  constructor(message = 'The consumer does not exist.') {
    super(message);
    this.name = 'ConsumerNotFoundError';
  }
}

/**
 * The caller's restriction (`restriction.ts`) does not allow the stream it would write. The
 * message says no more than that: whether the stream exists stays unknown to the caller.
 */
export class ForbiddenError extends EventStoreError {
  readonly code = 'FORBIDDEN';
  constructor(message = 'This stream is not within your restrictions.') {
    super(message);
    this.name = 'ForbiddenError';
  }
}

export class InvalidInputError extends EventStoreError {
  readonly code = 'INVALID_INPUT';
  /** Path of the offending field relative to the request, e.g. ["events", "3", "data"]. */
  readonly path: string[];
  constructor(message: string, path: readonly (string | number)[] = []) {
    super(message);
    this.name = 'InvalidInputError';
    this.path = path.map(String);
  }
}

/** DynamoDB could not be reached, throttled beyond the retry bound, or timed out. Retryable. */
export class StoreUnavailableError extends EventStoreError {
  readonly code = 'STORE_UNAVAILABLE';
  override readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * The tenant's read budget in this gateway is spent for now (src/store/read-budget.ts): the
 * same read succeeds after `retryAfterMs`. Retryable; other tenants are not affected.
 */
export class RateLimitedError extends EventStoreError {
  readonly code = 'RATE_LIMITED';
  override readonly retryable = true;
  constructor(readonly retryAfterMs: number) {
    super(`Too many reads for this tenant: retry in ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s.`);
    this.name = 'RateLimitedError';
  }
}

export function isEventStoreError(error: unknown): error is EventStoreError {
  return error instanceof EventStoreError;
}
