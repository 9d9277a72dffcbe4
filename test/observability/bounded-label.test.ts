import { describe, expect, test } from 'vitest';
import { boundedLabel } from '../../src/observability/bounded-label.js';

describe('boundedLabel', () => {
  test('keeps the first values, then answers "other"; long values are always "other"', () => {
    const label = boundedLabel({ maxLength: 5, maxValues: 2 });
    expect(label('a')).toBe('a');
    expect(label('toolong')).toBe('other');
    expect(label('b')).toBe('b');
    expect(label('c')).toBe('other');
    expect(label('a')).toBe('a');
    expect(label('b')).toBe('b');
  });
});
