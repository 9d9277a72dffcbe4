/**
 * Subscription clients for tests: graphql-ws over a real WebSocket (the `ws` package) and
 * GraphQL over SSE (yoga's "distinct connections" mode: a POST with
 * `Accept: text/event-stream`). Every client a test file opens is disposed after each test
 * (`useSubscriptionClients` registers the hook), so no socket outlives its test.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type GraphQLFormattedError, print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import { afterEach } from 'vitest';
import WebSocket from 'ws';
import type { App } from '../../src/app.js';
import { until } from './until.js';

export interface WsClientOptions {
  /** Sent as connectionParams.authorization = "Bearer <key>". */
  key?: string;
  /** Raw connectionParams instead of the key's. */
  connectionParams?: Record<string, unknown>;
}

/** One running subscription: what it received, and how it ended. */
export interface LiveSubscription<TData> {
  readonly items: TData[];
  /** GraphQL errors received (in `next` payloads or an `error` message). */
  readonly errors: GraphQLFormattedError[];
  /** Resolves when the server completed the subscription or it failed. */
  readonly ended: Promise<'complete' | 'error'>;
  /** A close event or other non-GraphQL failure, if that is how it ended. */
  readonly failure: () => unknown;
  /** Waits until at least `count` items arrived (or the subscription ended, or the timeout). */
  waitFor(count: number, timeoutMs?: number): Promise<TData[]>;
  /** Waits until `done(items)` holds. */
  waitUntil(done: (items: TData[]) => boolean, timeoutMs?: number): Promise<TData[]>;
  unsubscribe(): void;
}

export interface WsClient {
  readonly client: Client;
  subscribe<TData, TVariables>(
    document: TypedDocumentNode<TData, TVariables>,
    variables?: TVariables,
  ): LiveSubscription<TData>;
  /** A query or mutation over the socket. */
  execute<TData, TVariables>(
    document: TypedDocumentNode<TData, TVariables> | string,
    variables?: TVariables,
  ): Promise<{ data?: TData | null; errors?: GraphQLFormattedError[] }>;
  /** Close codes of the socket(s) this client saw, in order. */
  readonly closeCodes: number[];
  /** Resolves with the code of the next (or the already seen first) close. */
  closed(): Promise<number>;
  dispose(): Promise<void>;
}

const defaultWaitMs = 20_000;

function liveSubscription<TData>(
  start: (sink: {
    next(value: { data?: unknown; errors?: readonly GraphQLFormattedError[] }): void;
    error(error: unknown): void;
    complete(): void;
  }) => () => void,
): LiveSubscription<TData> {
  const items: TData[] = [];
  const errors: GraphQLFormattedError[] = [];
  let failure: unknown;
  let end: (how: 'complete' | 'error') => void = () => undefined;
  let endedAs: 'complete' | 'error' | undefined;
  const ended = new Promise<'complete' | 'error'>((resolve) => {
    end = (how) => {
      endedAs ??= how;
      resolve(endedAs);
    };
  });
  const stop = start({
    next(value) {
      if (value.errors) errors.push(...value.errors);
      if (value.data != null) items.push(value.data as TData);
    },
    error(error) {
      if (Array.isArray(error)) errors.push(...(error as GraphQLFormattedError[]));
      else failure = error;
      end('error');
    },
    complete() {
      end('complete');
    },
  });
  const subscription: LiveSubscription<TData> = {
    items,
    errors,
    ended,
    failure: () => failure,
    async waitUntil(done, timeoutMs = defaultWaitMs) {
      await until(
        () => done(items) || endedAs !== undefined,
        () => `(received ${items.length} items, errors ${JSON.stringify(errors)})`,
        timeoutMs,
      );
      return items;
    },
    waitFor: (count, timeoutMs) => subscription.waitUntil((received) => received.length >= count, timeoutMs),
    unsubscribe: () => stop(),
  };
  return subscription;
}

/** The registry of a test file's clients; all are disposed after each test. */
export function useSubscriptionClients() {
  const open = new Set<{ dispose(): Promise<void> | void }>();
  afterEach(async () => {
    const all = [...open];
    open.clear();
    await Promise.all(all.map((client) => client.dispose()));
  });

  return {
    /** A graphql-ws client on `url` (http(s) URLs are turned into ws(s)); connects at once. */
    ws(url: string, options: WsClientOptions = {}): WsClient {
      const closeCodes: number[] = [];
      const closeWaiters: ((code: number) => void)[] = [];
      const connectionParams =
        options.connectionParams ??
        (options.key !== undefined ? { authorization: `Bearer ${options.key}` } : {});
      const client = createClient({
        url: url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        connectionParams,
        lazy: false,
        // Tests look at every close; the client must not hide one by reconnecting.
        retryAttempts: 0,
        onNonLazyError: () => undefined,
        on: {
          closed: (event) => {
            const code = (event as { code: number }).code;
            closeCodes.push(code);
            for (const resolve of closeWaiters.splice(0)) resolve(code);
          },
        },
      });
      const wsClient: WsClient = {
        client,
        subscribe(document, variables) {
          return liveSubscription((sink) =>
            client.subscribe(
              { query: print(document), variables: (variables ?? {}) as Record<string, unknown> },
              sink,
            ),
          );
        },
        async execute(document, variables) {
          const query = typeof document === 'string' ? document : print(document);
          const result = await client
            .iterate({ query, variables: (variables ?? {}) as Record<string, unknown> })
            .next();
          return result.value as never;
        },
        closeCodes,
        closed() {
          const first = closeCodes[0];
          if (first !== undefined) return Promise.resolve(first);
          return new Promise((resolve) => closeWaiters.push(resolve));
        },
        async dispose() {
          open.delete(wsClient);
          await client.dispose();
        },
      };
      open.add(wsClient);
      return wsClient;
    },

    /** A subscription over SSE: POST to `url` with Accept: text/event-stream. */
    sse<TData, TVariables>(
      url: string,
      document: TypedDocumentNode<TData, TVariables>,
      variables?: TVariables,
      options: { key?: string } = {},
    ): LiveSubscription<TData> & { readonly status: Promise<number> } {
      const abort = new AbortController();
      let setStatus: (status: number) => void = () => undefined;
      const status = new Promise<number>((resolve) => {
        setStatus = resolve;
      });
      const subscription = liveSubscription<TData>((sink) => {
        void (async () => {
          try {
            const response = await fetch(url, {
              method: 'POST',
              signal: abort.signal,
              headers: {
                'content-type': 'application/json',
                accept: 'text/event-stream',
                ...(options.key !== undefined ? { authorization: `Bearer ${options.key}` } : {}),
              },
              body: JSON.stringify({ query: print(document), variables: variables ?? {} }),
            });
            setStatus(response.status);
            if (!response.ok || !response.body) {
              sink.error(new Error(`HTTP ${response.status}: ${await response.text()}`));
              return;
            }
            await readEventStream(response.body, (event, data) => {
              if (event === 'next') sink.next(JSON.parse(data) as { data?: unknown });
              if (event === 'complete') sink.complete();
            });
            sink.complete();
          } catch (error) {
            if (!abort.signal.aborted) sink.error(error);
          }
        })();
        return () => abort.abort();
      });
      const handle = { dispose: () => abort.abort() };
      open.add(handle);
      return Object.assign(subscription, { status });
    },
  };
}

/** Reads `event:`/`data:` records of a text/event-stream body. */
async function readEventStream(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: string, data: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const record = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of record.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length > 0 || event === 'complete') onEvent(event, data.join('\n'));
    }
  }
}

/**
 * Waits until `count` subscriptions of `tenant` in this in-process app have started (read
 * their head and begun delivering): appends after this are after their start.
 */
export async function subscriptionsStarted(app: App, tenant: string, count: number): Promise<void> {
  await until(
    () => {
      const stats = app.subscriptions.tenantStats(tenant);
      return stats !== undefined && stats.live + stats.catchingUp >= count;
    },
    () =>
      `waiting for ${count} subscriptions of ${tenant}: ${JSON.stringify(app.subscriptions.tenantStats(tenant))}`,
    defaultWaitMs,
  );
}
