/**
 * Validation of an appendToStreams before anything is written. Each append is checked as
 * `append` checks it (its paths under `appends.<i>`), each condition's stream and version; a
 * stream appears at most once across appends and conditions, an event id at most once in the
 * call (DynamoDB refuses two actions on one item in one transaction). The whole call must fit
 * one transaction: at most `maxStreamsPerCall` streams and, over all appends together, the
 * single append's limits (`maxEventsPerAppend` events, `maxAppendBytes` bytes) and DynamoDB's
 * 100 actions (1 for the counter, 2 per append and 3 per event, 1 per condition).
 */
import { InvalidInputError } from './errors.js';
import { maxTransactionActions, type StoreLimits } from './limits.js';
import { isValidVersion, type PreparedAppend, prepareAppend } from './prepare.js';
import { resolveStreamRef } from './stream-id.js';
import type { AppendRequest, AppendToStreamsRequest, StreamCondition } from './types.js';

/** One stream of a call, as the committer takes it: an append, or a condition (no events). */
export interface CallPart {
  prepared: PreparedAppend;
  condition: boolean;
}

/** The call's parts in input order: appends, then conditions. */
export function prepareAppendToStreams(request: AppendToStreamsRequest, limits: StoreLimits): CallPart[] {
  const appends: readonly AppendRequest[] = Array.isArray(request.appends) ? request.appends : [];
  const conditions: readonly StreamCondition[] = Array.isArray(request.conditions) ? request.conditions : [];
  if (appends.length === 0)
    throw new InvalidInputError('appendToStreams holds at least one append.', ['appends']);
  const streams = appends.length + conditions.length;
  if (streams > limits.maxStreamsPerCall) {
    throw new InvalidInputError(
      `appendToStreams touches at most ${limits.maxStreamsPerCall} streams (appends and conditions); this one ${streams}.`,
      ['appends'],
    );
  }
  const parts = [
    ...appends.map((append, index) => ({ prepared: prepareOne(append, limits, index), condition: false })),
    ...conditions.map((condition, index) => ({
      prepared: prepareCondition(condition, limits, index),
      condition: true,
    })),
  ];
  checkEachStreamOnce(parts, appends.length);
  checkEachIdOnce(parts);
  checkFitsOneTransaction(parts, limits);
  return parts;
}

function prepareOne(request: AppendRequest, limits: StoreLimits, index: number): PreparedAppend {
  try {
    return prepareAppend(request ?? {}, limits);
  } catch (error) {
    if (error instanceof InvalidInputError)
      throw new InvalidInputError(error.message, ['appends', index, ...error.path]);
    throw error;
  }
}

function prepareCondition(condition: StreamCondition, limits: StoreLimits, index: number): PreparedAppend {
  const path = ['conditions', index];
  const stream = resolveStreamRef(condition?.stream ?? {}, limits, [...path, 'stream']);
  if (!isValidVersion(condition.expectedVersion)) {
    throw new InvalidInputError('A condition gives expectedVersion, an integer from 0.', [
      ...path,
      'expectedVersion',
    ]);
  }
  return { stream, expectedVersion: condition.expectedVersion, events: [], bytes: 0 };
}

/** The path of the part at `index` of the call's parts (appends first, then conditions). */
function pathOf(index: number, appends: number): (string | number)[] {
  return index < appends ? ['appends', index] : ['conditions', index - appends];
}

function checkEachStreamOnce(parts: readonly CallPart[], appends: number): void {
  const seen = new Set<string>();
  for (const [index, { prepared }] of parts.entries()) {
    const key = JSON.stringify([prepared.stream.category, prepared.stream.id]);
    if (seen.has(key)) {
      throw new InvalidInputError('A stream appears at most once across appends and conditions.', [
        ...pathOf(index, appends),
        'stream',
      ]);
    }
    seen.add(key);
  }
}

function checkEachIdOnce(parts: readonly CallPart[]): void {
  const seen = new Set<string>();
  for (const [index, { prepared }] of parts.entries()) {
    for (const [eventIndex, event] of prepared.events.entries()) {
      if (seen.has(event.id)) {
        throw new InvalidInputError(`The event id ${event.id} appears twice in one call.`, [
          'appends',
          index,
          'events',
          eventIndex,
          'id',
        ]);
      }
      seen.add(event.id);
    }
  }
}

function checkFitsOneTransaction(parts: readonly CallPart[], limits: StoreLimits): void {
  let events = 0;
  let bytes = 0;
  let actions = 1; // the counter
  for (const { prepared, condition } of parts) {
    events += prepared.events.length;
    bytes += prepared.bytes;
    actions += condition ? 1 : 2 + 3 * prepared.events.length;
  }
  if (events > limits.maxEventsPerAppend || actions > maxTransactionActions) {
    throw new InvalidInputError(
      `appendToStreams holds at most ${limits.maxEventsPerAppend} events, and 3 per event + 2 per append + 1 per condition ≤ ${maxTransactionActions - 1}; this one has ${events} events.`,
      ['appends'],
    );
  }
  if (bytes > limits.maxAppendBytes) {
    throw new InvalidInputError(
      `appendToStreams holds at most ${limits.maxAppendBytes} bytes of data and metadata; this one has ${bytes}.`,
      ['appends'],
    );
  }
}
