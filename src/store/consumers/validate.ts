/**
 * What the consumer store checks of its callers before it touches DynamoDB: a name becomes part
 * of keys, numbers are stored and compared in conditions. The API checks the same ranges with
 * own; the paths are relative to the request, as the event store's are (the API's error type
 * puts `input` in front), else they name the store call's argument.
 */
import { InvalidInputError } from '../errors.js';

export { checkTenant } from '../tenant-name.js';

import type { ConsumerWebhook, CreateConsumerRequest } from './types.js';

type Path = readonly (string | number)[];

const namePattern = /^[A-Za-z0-9._-]{1,128}$/;

export const consumerLimits = Object.freeze({
  maxAttempts: { min: 1, max: 100 },
  ackTimeoutMs: { min: 1000, max: 3_600_000 },
  batchSize: { min: 1, max: 100 },
  defaultPageSize: 20,
  maxPageSize: 100,
});

export function isConsumerName(name: string): boolean {
  return typeof name === 'string' && namePattern.test(name);
}

export function checkName(name: string, path: Path = ['name']): void {
  if (!isConsumerName(name)) {
    throw new InvalidInputError(
      'A consumer name has 1 to 128 characters of A-Z, a-z, 0-9, ".", "_", "-".',
      path,
    );
  }
}

function checkInteger(value: number, range: { min: number; max: number }, path: Path): void {
  if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw new InvalidInputError(`An integer from ${range.min} to ${range.max}.`, path);
  }
}

export function checkPosition(value: number, path: Path): void {
  checkInteger(value, { min: 0, max: Number.MAX_SAFE_INTEGER }, path);
}

export function checkPositions(positions: readonly number[], path: Path): void {
  positions.forEach((position, index) => {
    checkPosition(position, [...path, index]);
  });
}

function checkWebhook(webhook: ConsumerWebhook, path: Path): void {
  if (typeof webhook.url !== 'string' || webhook.url.length === 0) {
    throw new InvalidInputError('A webhook has a URL.', [...path, 'url']);
  }
  if (typeof webhook.secret !== 'string' || webhook.secret.length === 0) {
    throw new InvalidInputError('A webhook has a secret.', [...path, 'secret']);
  }
  checkInteger(webhook.batchSize, consumerLimits.batchSize, [...path, 'batchSize']);
}

/** Paths as in the API's CreateConsumerInput, relative to `input`. */
export function checkCreateRequest(request: CreateConsumerRequest): void {
  checkName(request.name, ['name']);
  checkPosition(request.after, ['after']);
  checkInteger(request.maxAttempts, consumerLimits.maxAttempts, ['maxAttempts']);
  checkInteger(request.ackTimeoutMs, consumerLimits.ackTimeoutMs, ['ackTimeoutMs']);
  if (request.webhook !== null) checkWebhook(request.webhook, ['webhook']);
}

export function pageSize(first: number | undefined): number {
  if (first === undefined) return consumerLimits.defaultPageSize;
  checkInteger(first, { min: 0, max: consumerLimits.maxPageSize }, ['first']);
  return first;
}

/** A parked-event cursor: the position as a decimal string. */
export function parsePositionCursor(after: string): number {
  const value = Number(after);
  if (typeof after !== 'string' || !/^\d{1,16}$/.test(after) || !Number.isSafeInteger(value)) {
    throw new InvalidInputError('The cursor is not valid here.', ['after']);
  }
  return value;
}

export function checkLeaseRequest(owner: string, ttlMs: number, now: number): void {
  if (typeof owner !== 'string' || owner.length === 0 || owner.length > 256) {
    throw new InvalidInputError('A lease owner has 1 to 256 characters.', ['owner']);
  }
  checkInteger(ttlMs, { min: 1, max: 24 * 3_600_000 }, ['ttlMs']);
  // Expiries are compared in DynamoDB conditions: a clock that is not a number would match nothing.
  checkInteger(now, { min: 0, max: Number.MAX_SAFE_INTEGER - 24 * 3_600_000 }, ['now']);
}
