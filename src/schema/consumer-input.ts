/**
 * What the API checks of a consumer's settings beyond the store's own checks (names, ranges:
 * src/store/consumers/validate.ts): the defaults, `after` against the head, and the webhook's
 * URL against server-side request forgery (src/outbox/address-guard.ts). Refusals are
 * InvalidInputError with a path relative to the mutation's `input`.
 */

import type { GraphQLContext } from '../context.js';
import type { ConsumerWebhook, CreateConsumerRequest } from '../store/consumers/types.js';
import { ForbiddenError, InvalidInputError } from '../store/errors.js';
import { consumerLimits, isConsumerName } from '../store/index.js';
import type { EventFilter } from '../store/types.js';

/** The longest webhook secret: HMAC keys longer than SHA-256's block gain nothing. */
const maxSecretLength = 256;

export interface CreateConsumerArgs {
  name: string;
  filter?: EventFilter | null | undefined;
  after?: number | null | undefined;
  maxAttempts?: number | null | undefined;
  ackTimeoutMs?: number | null | undefined;
  webhook?: { url: string; secret: string; batchSize?: number | null | undefined } | null | undefined;
}

/** The filter as stored: null without one, and null for each field that was not given. */
export function normalizeFilter(filter: EventFilter | null | undefined): EventFilter | null {
  if (!filter) return null;
  return {
    categories: filter.categories ?? null,
    types: filter.types ?? null,
    streamIds: filter.streamIds ?? null,
  };
}

async function webhookOf(
  webhook: NonNullable<CreateConsumerArgs['webhook']>,
  checkUrl: (url: string) => Promise<string | null>,
): Promise<ConsumerWebhook> {
  if (webhook.secret.length > maxSecretLength) {
    throw new InvalidInputError(`The webhook secret must be 1 to ${maxSecretLength} characters.`, [
      'webhook',
      'secret',
    ]);
  }
  const batchSize = webhook.batchSize ?? 1;
  const { min, max } = consumerLimits.batchSize;
  if (!Number.isInteger(batchSize) || batchSize < min || batchSize > max) {
    throw new InvalidInputError(`"batchSize" must be from ${min} to ${max}; got ${batchSize}.`, [
      'webhook',
      'batchSize',
    ]);
  }
  const refusal = await checkUrl(webhook.url);
  if (refusal !== null) throw new InvalidInputError(refusal, ['webhook', 'url']);
  return { url: webhook.url, secret: webhook.secret, batchSize };
}

/** The create request with its defaults; `head` is the tenant's head now. The store checks the rest. */
export async function createRequestOf(
  args: CreateConsumerArgs,
  head: number,
  checkUrl: (url: string) => Promise<string | null>,
): Promise<CreateConsumerRequest> {
  const after = args.after ?? head;
  checkAfter(after, head, ['after']);
  return {
    name: args.name,
    filter: normalizeFilter(args.filter),
    after,
    maxAttempts: args.maxAttempts ?? 5,
    ackTimeoutMs: args.ackTimeoutMs ?? 30_000,
    webhook: args.webhook ? await webhookOf(args.webhook, checkUrl) : null,
  };
}

export function checkAfter(after: number, head: number, path: readonly string[]): void {
  if (after > head) {
    throw new InvalidInputError(`"after" (${after}) is beyond the head of the log (${head}).`, path);
  }
}

/** A consumer named by a mutation's input (`consumer`): malformed is InvalidInputError at `path`. */
export function checkConsumerName(name: string, path: readonly string[]): void {
  if (!isConsumerName(name)) {
    throw new InvalidInputError(
      'A consumer name is 1 to 128 characters of letters, digits, ".", "_" and "-".',
      path,
    );
  }
}

/**
 * A consumer's checkpoint is the tenant's: a principal restricted to some streams could move
 * it past events it cannot see. Consumers are for unrestricted principals only.
 */
export function requireUnrestricted(context: GraphQLContext): void {
  if (context.principal.categories !== null || context.principal.streamIds !== null) {
    throw new ForbiddenError('Consumers read the whole tenant: a restricted token cannot use them.');
  }
}
