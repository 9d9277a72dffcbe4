/**
 * The expected-version rule, in one place. A stream is versioned when its first append gave
 * an expected version. Given the stream's head as DynamoDB holds it, an append either may
 * proceed (and then writes `nextVersion` onward) or is refused with the error here.
 */
import {
  type EventStoreError,
  ExpectedVersionRequiredError,
  type RefusedStream,
  StreamIsUnversionedError,
  WrongExpectedVersionError,
} from './errors.js';

export interface HeadState {
  version: number;
  versioned: boolean;
}

export type ExpectedVersionCheck =
  | { ok: true; currentVersion: number }
  | { ok: false; error: EventStoreError };

/**
 * `head` null: the stream does not exist. `expected` null/undefined: an unversioned append.
 * `stream`, when given, is named in the error.
 */
export function checkExpectedVersion(
  head: HeadState | null,
  expected: number | null | undefined,
  stream?: RefusedStream,
): ExpectedVersionCheck {
  const versionedAppend = expected !== null && expected !== undefined;
  if (head === null) {
    if (!versionedAppend || expected === 0) return { ok: true, currentVersion: 0 };
    return { ok: false, error: new WrongExpectedVersionError(expected, 0, stream) };
  }
  if (versionedAppend) {
    // 0 means "must not exist", whatever kind of stream is there.
    if (expected === 0) return { ok: false, error: new WrongExpectedVersionError(0, head.version, stream) };
    if (!head.versioned) return { ok: false, error: new StreamIsUnversionedError(stream) };
    if (head.version !== expected)
      return { ok: false, error: new WrongExpectedVersionError(expected, head.version, stream) };
    return { ok: true, currentVersion: head.version };
  }
  if (head.versioned) return { ok: false, error: new ExpectedVersionRequiredError(stream) };
  return { ok: true, currentVersion: head.version };
}

/**
 * A condition of appendToStreams on a stream it does not write: the stream must be at
 * `expected` (0: must not exist), whether versioned or not; it only reads the version.
 */
export function checkCondition(
  head: HeadState | null,
  expected: number,
  stream?: RefusedStream,
): ExpectedVersionCheck {
  const actual = head?.version ?? 0;
  if (actual !== expected || (head !== null && expected === 0)) {
    return { ok: false, error: new WrongExpectedVersionError(expected, actual, stream) };
  }
  return { ok: true, currentVersion: actual };
}
