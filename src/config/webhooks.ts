/**
 * EVENTLOOM_WEBHOOK_RETRY_BASE_MS and EVENTLOOM_WEBHOOK_ALLOWED_HOSTS: how the outbox relay
 * retries webhook batches, and which hosts webhooks may reach although they are (or resolve
 * to) loopback, private or link-local addresses. Every gateway sharing a table needs the same
 * values: any of them may relay any consumer.
 */
import { canonicalHost, type WebhookAddressSettings } from '../outbox/address-guard.js';
import { defaultWebhookRetryBaseMs, webhookRetryCapMs } from '../outbox/backoff.js';
import { type ReadVariable, readInteger } from './env.js';

export interface WebhookConfig extends WebhookAddressSettings {
  /** Delay before the first retry of a failed batch; it doubles per failure, up to 60 s (src/outbox/backoff.ts). */
  readonly retryBaseMs: number;
  /** Canonical hosts (lowercase, IPv6 without brackets); empty: none beyond public addresses. */
  readonly allowedHosts: readonly string[];
}

export const defaultWebhookConfig: Readonly<WebhookConfig> = Object.freeze({
  retryBaseMs: defaultWebhookRetryBaseMs,
  allowedHosts: Object.freeze([]),
});

export function parseWebhooks(read: ReadVariable, problems: string[]): WebhookConfig {
  return {
    retryBaseMs: readInteger(
      read,
      problems,
      'EVENTLOOM_WEBHOOK_RETRY_BASE_MS',
      defaultWebhookRetryBaseMs,
      1,
      webhookRetryCapMs,
    ),
    allowedHosts: parseAllowedHosts(read, problems),
  };
}

function parseAllowedHosts(read: ReadVariable, problems: string[]): readonly string[] {
  const name = 'EVENTLOOM_WEBHOOK_ALLOWED_HOSTS';
  const raw = read(name);
  if (raw === undefined) return defaultWebhookConfig.allowedHosts;
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const hosts: string[] = [];
  for (const entry of entries) {
    const host = canonicalHost(entry);
    if (host === null)
      problems.push(
        `${name}: "${entry}" is not a hostname or IP address: write the host alone, without scheme, port or path (e.g. hooks.internal, 10.0.0.7, ::1).`,
      );
    else if (!hosts.includes(host)) hosts.push(host);
  }
  if (entries.length === 0) problems.push(`${name} is set but names no host.`);
  return hosts;
}
