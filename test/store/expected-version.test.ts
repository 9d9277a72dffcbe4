import { describe, expect, test } from 'vitest';
import { checkExpectedVersion } from '../../src/store/expected-version.js';

const refusal = (result: ReturnType<typeof checkExpectedVersion>) => (result.ok ? 'ok' : result.error.code);

describe('the expected-version rule', () => {
  test('a missing stream accepts an unversioned append or expectedVersion 0 only', () => {
    expect(checkExpectedVersion(null, undefined)).toEqual({ ok: true, currentVersion: 0 });
    expect(checkExpectedVersion(null, 0)).toEqual({ ok: true, currentVersion: 0 });
    const wrong = checkExpectedVersion(null, 3);
    expect(wrong.ok ? null : wrong.error).toMatchObject({ expectedVersion: 3, actualVersion: 0 });
  });

  test('a versioned stream needs the exact version', () => {
    const head = { version: 4, versioned: true };
    expect(checkExpectedVersion(head, 4)).toEqual({ ok: true, currentVersion: 4 });
    expect(refusal(checkExpectedVersion(head, 3))).toBe('WRONG_EXPECTED_VERSION');
    expect(refusal(checkExpectedVersion(head, 0))).toBe('WRONG_EXPECTED_VERSION');
    expect(refusal(checkExpectedVersion(head, null))).toBe('EXPECTED_VERSION_REQUIRED');
  });

  test('an unversioned stream refuses expected versions, except 0 which says it must not exist', () => {
    const head = { version: 2, versioned: false };
    expect(checkExpectedVersion(head, undefined)).toEqual({ ok: true, currentVersion: 2 });
    expect(refusal(checkExpectedVersion(head, 2))).toBe('STREAM_IS_UNVERSIONED');
    expect(refusal(checkExpectedVersion(head, 0))).toBe('WRONG_EXPECTED_VERSION');
  });
});
