/**
 * One webhook request: POST a signed batch and say whether the receiver took it. The relay
 * decides what a failure means (retry, park); this only sends, within a deadline, and reports
 * a short reason that is safe to store and log: it never holds the secret or the body.
 *
 * The connection goes to an address the guard checked: a hostname is resolved by the request's
 * own `lookup`, which refuses it when any address is refused, so a name cannot resolve to a
 * public address at creation and to 127.0.0.1 at delivery (DNS rebinding) and get through.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { type ClientRequest, request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import {
  isListedHost,
  parseWebhookUrl,
  refusedAddressKind,
  type WebhookAddressSettings,
} from './address-guard.js';
import { signWebhookBody, webhookDeliveryHeader, webhookSignatureHeader } from './signature.js';

/** How long a receiver has to answer (the status line) before the attempt counts as failed. */
export const webhookTimeoutMs = 10_000;

/** Response bytes read (and discarded) at most: enough for any acknowledgement, bounded for a hostile one. */
export const webhookResponseBodyLimit = 64 * 1024;

export interface WebhookRequest {
  readonly url: string;
  /** The exact bytes sent and signed (a string is sent as UTF-8). */
  readonly body: string | Uint8Array;
  readonly secret: string;
  /** `eventloom-delivery`: unique to the batch, the same on its retries. */
  readonly deliveryId: string;
  readonly settings: WebhookAddressSettings;
  readonly timeoutMs?: number;
  /** Aborts the request (the relay stopping, or the batch dropped): the result is "aborted". */
  readonly signal?: AbortSignal | undefined;
}

/**
 * `ok` when the receiver answered 2xx. A failure's reason is one of: "HTTP <status>",
 * "timeout", "connection refused", "connection reset", "address not allowed", "DNS lookup
 * failed", "invalid URL", "invalid request", "TLS error (<code>)", "connection failed (<code>)",
 * and "aborted" when the caller's signal aborted it (not a failed attempt: nobody answered).
 */
export type WebhookResult =
  | { readonly ok: true; readonly status: number }
  | { readonly ok: false; readonly reason: string };

const addressNotAllowedCode = 'EVENTLOOM_ADDRESS_NOT_ALLOWED';

export async function sendWebhook({
  url,
  body,
  secret,
  deliveryId,
  settings,
  timeoutMs = webhookTimeoutMs,
  signal,
}: WebhookRequest): Promise<WebhookResult> {
  const target = parseWebhookUrl(url);
  if (!target.ok) return failed('invalid URL');
  const listed = isListedHost(target.host, settings);
  // An IP literal is connected to without any lookup, so it is checked here.
  if (!listed && isIP(target.host) !== 0 && refusedAddressKind(target.host) !== null)
    return failed('address not allowed');
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
  const headers = {
    'content-type': 'application/json',
    'content-length': String(bytes.byteLength),
    [webhookSignatureHeader]: signWebhookBody(bytes, secret),
    [webhookDeliveryHeader]: deliveryId,
  };
  const lookup = listed ? lookupUnguarded : lookupGuarded;
  return post({ url: target.url, host: target.host, bytes, headers, lookup, timeoutMs, signal });
}

function failed(reason: string): WebhookResult {
  return { ok: false, reason };
}

function statusResult(status: number): WebhookResult {
  return status >= 200 && status < 300 ? { ok: true, status } : failed(`HTTP ${status}`);
}

interface Post {
  readonly url: URL;
  readonly host: string;
  readonly bytes: Buffer;
  readonly headers: Record<string, string>;
  readonly lookup: LookupFunction;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

function post({ url, host, bytes, headers, lookup, timeoutMs, signal }: Post): Promise<WebhookResult> {
  if (signal?.aborted) return Promise.resolve(failed('aborted'));
  return new Promise((resolve) => {
    let request: ClientRequest | undefined;
    // Once the status line came, the attempt's outcome is known: whatever happens to the rest
    // of the response (cut off, too long, too slow) only ends the reading.
    let status: number | null = null;
    let settled = false;
    // `withoutStatus`: the outcome when no status line came.
    const finish = (withoutStatus: WebhookResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      signal?.removeEventListener('abort', abort);
      request?.destroy();
      resolve(status === null ? withoutStatus : statusResult(status));
    };
    const deadline = setTimeout(() => finish(failed('timeout')), timeoutMs);
    const abort = () => finish(failed('aborted'));
    signal?.addEventListener('abort', abort, { once: true });
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    try {
      request = send(
        {
          protocol: url.protocol,
          hostname: host,
          port: url.port === '' ? undefined : Number(url.port),
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          headers,
          lookup,
          // A connection of its own: a pooled socket would skip the lookup, and so the guard.
          agent: false,
        },
        (response) => {
          const answered = response.statusCode ?? 0;
          status = answered;
          discardBody(response, () => finish(statusResult(answered)));
        },
      );
    } catch {
      // http.request throws at once on a header it cannot send (a delivery id with a newline).
      finish(failed('invalid request'));
      return;
    }
    request.on('error', (error) => finish(failed(failureReason(error))));
    request.end(bytes);
  });
}

/** Reads up to the limit and forgets it; `done` when the body ended, broke or was too long. */
function discardBody(response: IncomingMessage, done: () => void): void {
  let received = 0;
  response.on('data', (chunk: Buffer) => {
    received += chunk.byteLength;
    if (received > webhookResponseBodyLimit) done();
  });
  response.on('end', done);
  response.on('error', done);
  response.on('close', done);
}

/** A short, fixed description of why the request failed: never the error's message, which may hold the URL. */
function failureReason(error: unknown): string {
  const code = errorCode(error);
  if (code === addressNotAllowedCode) return 'address not allowed';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection reset';
  if (code === 'ETIMEDOUT') return 'timeout';
  if (code === 'ENOTFOUND' || code.startsWith('EAI_') || syscallOf(error) === 'getaddrinfo')
    return 'DNS lookup failed';
  if (code === '') return 'connection failed';
  if (/CERT|SSL|TLS/.test(code)) return `TLS error (${code})`;
  return `connection failed (${code})`;
}

/** The error's code, if it is a plain code; with several addresses tried, the first attempt's. */
function errorCode(error: unknown): string {
  const first = error instanceof AggregateError ? error.errors[0] : error;
  const code = (first as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? code : '';
}

function syscallOf(error: unknown): unknown {
  return (error as { syscall?: unknown } | null | undefined)?.syscall;
}

function lookupGuarded(
  hostname: string,
  options: Parameters<LookupFunction>[1],
  callback: LookupCallback,
): void {
  resolveAll(hostname, options, callback, true);
}

function lookupUnguarded(
  hostname: string,
  options: Parameters<LookupFunction>[1],
  callback: LookupCallback,
): void {
  resolveAll(hostname, options, callback, false);
}

type LookupCallback = Parameters<LookupFunction>[2];

/**
 * Resolves every address, refuses them all when any is refused (as checkWebhookUrl does), and
 * answers in the form net asked for: all addresses (Node 20 tries them in turn) or the first.
 */
function resolveAll(
  hostname: string,
  options: Parameters<LookupFunction>[1],
  callback: LookupCallback,
  guarded: boolean,
): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    const first = addresses?.[0];
    if (error || first === undefined) {
      callback(error ?? Object.assign(new Error('no address'), { code: 'ENOTFOUND' }), '');
      return;
    }
    if (guarded && addresses.some(({ address }) => refusedAddressKind(address) !== null)) {
      callback(Object.assign(new Error('address not allowed'), { code: addressNotAllowedCode }), '');
      return;
    }
    if (options.all) callback(null, addresses);
    else callback(null, first.address, first.family);
  });
}
