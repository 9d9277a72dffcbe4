import { GraphQLError } from 'graphql';
import { describe, expect, test } from 'vitest';
import { maskError, storeUnavailableMessage } from '../../src/errors/mask-error.js';
import { InvalidInputError, StoreUnavailableError, StreamNotFoundError } from '../../src/store/errors.js';

const located = (original: Error) =>
  new GraphQLError(original.message, { originalError: original, path: ['head'] });

describe('maskError', () => {
  test('an unexpected error becomes "Unexpected error." with nothing of the original', () => {
    const secret = new Error('connect ECONNREFUSED 10.0.0.1:8000 while reading table prod-events');
    for (const error of [secret, located(secret)]) {
      const masked = maskError(error, 'Unexpected error.');
      expect(masked.message).toBe('Unexpected error.');
      const json = JSON.stringify(masked);
      expect(json).not.toMatch(/ECONNREFUSED|prod-events|stack/);
    }
    expect(JSON.stringify(maskError(located(secret), 'Unexpected error.'))).toContain(
      'INTERNAL_SERVER_ERROR',
    );
  });

  test('an unavailable store becomes a retryable STORE_UNAVAILABLE error', () => {
    const cause = new Error('socket hang up');
    const masked = maskError(located(new StoreUnavailableError('DynamoDB timed out', { cause })), 'x');
    expect(masked).toBeInstanceOf(GraphQLError);
    expect((masked as GraphQLError).toJSON()).toEqual({
      message: storeUnavailableMessage,
      path: ['head'],
      extensions: { code: 'STORE_UNAVAILABLE', retryable: true },
    });
  });

  test('store errors about the input keep their message, with a code', () => {
    const invalid = maskError(
      located(new InvalidInputError('A type has 1 to 256 characters.', ['events', 0, 'type'])),
      'x',
    );
    expect((invalid as GraphQLError).toJSON()).toMatchObject({
      message: 'A type has 1 to 256 characters.',
      extensions: { code: 'BAD_USER_INPUT', inputPath: ['events', '0', 'type'] },
    });
    const missing = maskError(located(new StreamNotFoundError()), 'x');
    expect((missing as GraphQLError).extensions.code).toBe('STREAM_NOT_FOUND');
  });

  test('errors meant for the client pass unchanged', () => {
    const error = new GraphQLError('Syntax Error: Expected Name', {
      extensions: { code: 'GRAPHQL_PARSE_FAILED' },
    });
    expect(maskError(error, 'x')).toBe(error);
  });
});
