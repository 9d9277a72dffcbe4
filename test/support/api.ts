/**
 * A real gateway for API tests: buildApp on a free port over the suite's DynamoDB Local, with
 * its own table prefix, talked to over HTTP with the generated typed documents. Every gateway
 * a test file starts is stopped after it (`useTestApi` registers the hooks).
 */

import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type GraphQLFormattedError, print } from 'graphql';
import { afterAll, beforeAll, inject } from 'vitest';
import { type App, type AppOptions, buildApp } from '../../src/app.js';
import { type ApiKeyGrant, parseGrant } from '../../src/config/api-keys.js';
import type { CorsConfig } from '../../src/config/cors.js';
import {
  defaultJwksCooldownMs,
  defaultJwksTimeoutMs,
  defaultJwtClaims,
  type JwtConfig,
} from '../../src/config/jwt.js';
import type { TrustedDocuments } from '../../src/config/trusted-documents.js';
import type { WebhookConfig } from '../../src/config/webhooks.js';
import { type Config, defaultOperations, type OperationsConfig } from '../../src/config.js';
import type { ApiLimits } from '../../src/plugins/api-limits.js';
import { testClient, uniquePrefix } from './dynamo.js';

export interface GraphQLResult<TData> {
  status: number;
  data?: TData | null;
  errors?: GraphQLFormattedError[];
  /** The raw body, for assertions that nothing leaks (stack traces, internals). */
  text: string;
}

export interface RequestOptions {
  /** Sent as "Authorization: Bearer <key>". */
  key?: string;
  headers?: Record<string, string>;
}

export interface TestApiOptions {
  /** key -> tenant; none: the single `default` tenant without auth. */
  apiKeys?: Record<string, string>;
  /** Accept tokens from this JWKS (the rest as EVENTLOOM_JWT_* would set it; defaults otherwise). */
  jwt?: TestJwtOptions;
  limits?: Partial<ApiLimits>;
  /** Share tables with another gateway (several gateways on one DynamoDB). */
  tablePrefix?: string;
  /** Logging, timeouts and abuse limits (default: the production defaults). */
  operations?: OperationsConfig;
  /** EVENTLOOM_CORS_ORIGINS as parsed (default: unset). */
  cors?: CorsConfig;
  /** EVENTLOOM_TRUSTED_DOCUMENTS as loaded (default: unset). */
  trustedDocuments?: TrustedDocuments;
  /** EVENTLOOM_WEBHOOK_* as parsed (default: no host allowed). */
  webhooks?: WebhookConfig;
  /** Use this client (e.g. with a call-counting middleware). */
  client?: DynamoDBClient;
  endpoint?: string;
  options?: Omit<AppOptions, 'client' | 'limits' | 'logger'>;
}

export interface TestApi {
  readonly app: App;
  readonly url: string;
  readonly origin: string;
  /** Where this gateway serves /metrics (its own listener). */
  readonly metricsUrl: string;
  readonly tablePrefix: string;
  readonly client: DynamoDBClient;
  execute<TData, TVariables>(
    document: TypedDocumentNode<TData, TVariables>,
    variables?: TVariables,
    options?: RequestOptions,
  ): Promise<GraphQLResult<TData>>;
  /** Like execute, but fails unless the response has data and no errors. */
  data<TData, TVariables>(
    document: TypedDocumentNode<TData, TVariables>,
    variables?: TVariables,
    options?: RequestOptions,
  ): Promise<TData>;
  /** A raw POST of any body to /graphql. */
  post(body: string, headers?: Record<string, string>): Promise<GraphQLResult<unknown>>;
  stop(): Promise<void>;
}

function grantOf(spec: string): ApiKeyGrant {
  const grant = parseGrant(spec);
  if (typeof grant === 'string') throw new Error(`bad test key grant "${spec}"${grant}`);
  return grant;
}

export const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };

export type TestJwtOptions = Partial<Omit<JwtConfig, 'claims'>> & {
  jwksUrl: URL;
  claims?: Partial<JwtConfig['claims']>;
};

function jwtConfigOf(options: TestJwtOptions): JwtConfig {
  return {
    issuer: null,
    audience: null,
    jwksCooldownMs: defaultJwksCooldownMs,
    jwksTimeoutMs: defaultJwksTimeoutMs,
    ...options,
    claims: { ...defaultJwtClaims, ...options.claims },
  };
}

export function testConfig(options: {
  apiKeys?: Record<string, string>;
  jwt?: TestJwtOptions;
  tablePrefix?: string;
  endpoint?: string;
  operations?: OperationsConfig;
  cors?: CorsConfig;
  trustedDocuments?: TrustedDocuments;
  webhooks?: WebhookConfig;
}): Config {
  return {
    port: 0,
    host: '127.0.0.1',
    dynamodb: {
      endpoint: options.endpoint ?? inject('dynamoEndpoint'),
      region: 'local',
      localCredentials: true,
    },
    tablePrefix: options.tablePrefix ?? uniquePrefix('api'),
    // Each value as EVENTLOOM_API_KEYS writes it: "tenant" (every scope) or "tenant:read+subscribe".
    apiKeys: options.apiKeys
      ? new Map(Object.entries(options.apiKeys).map(([key, grant]) => [key, grantOf(grant)]))
      : null,
    jwt: options.jwt ? jwtConfigOf(options.jwt) : null,
    embeddedDataDir: '/nonexistent',
    metrics: { port: 0, host: '127.0.0.1' },
    operations: options.operations ?? defaultOperations,
    ...(options.cors ? { cors: options.cors } : {}),
    ...(options.trustedDocuments ? { trustedDocuments: options.trustedDocuments } : {}),
    ...(options.webhooks ? { webhooks: options.webhooks } : {}),
  };
}

export async function startTestApi(options: TestApiOptions = {}): Promise<TestApi> {
  const config = testConfig(options);
  const ownsClient = options.client === undefined;
  const client = options.client ?? testClient(options.endpoint ? { endpoint: options.endpoint } : {});
  const app = buildApp(config, {
    ...options.options,
    client,
    logger: silentLogger,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const { url, metricsUrl } = await app.start();
  const origin = new URL(url).origin;

  const send = async (body: string, headers: Record<string, string>): Promise<GraphQLResult<unknown>> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        ...headers,
      },
      body,
    });
    const text = await response.text();
    let parsed: { data?: unknown; errors?: GraphQLFormattedError[] } = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      // Not JSON (e.g. a plain 413 page): the caller inspects status and text.
    }
    return { status: response.status, text, ...parsed };
  };

  const api: TestApi = {
    app,
    url,
    origin,
    metricsUrl: metricsUrl ?? '',
    tablePrefix: config.tablePrefix,
    client,
    async execute(document, variables, requestOptions = {}) {
      const headers: Record<string, string> = { ...requestOptions.headers };
      if (requestOptions.key !== undefined) headers.authorization = `Bearer ${requestOptions.key}`;
      const result = await send(
        JSON.stringify({ query: print(document), variables: variables ?? {} }),
        headers,
      );
      return result as GraphQLResult<never>;
    },
    async data(document, variables, requestOptions) {
      const result = await api.execute(document, variables, requestOptions);
      if (result.errors !== undefined || result.data == null || result.status !== 200) {
        throw new Error(`expected data, got HTTP ${result.status}: ${result.text}`);
      }
      return result.data;
    },
    post: (body, headers = {}) => send(body, headers),
    async stop() {
      await app.stop();
      if (ownsClient) client.destroy();
    },
  };
  return api;
}

/**
 * Starts a gateway before the file's tests and stops it after them. Returns a getter, since
 * the gateway exists only once beforeAll has run.
 */
export function useTestApi(options: TestApiOptions = {}): () => TestApi {
  let api: TestApi | undefined;
  beforeAll(async () => {
    api = await startTestApi(options);
  });
  afterAll(async () => {
    await api?.stop();
  });
  return () => {
    if (!api) throw new Error('the test gateway is not started yet');
    return api;
  };
}

/** A stream name no other test uses. */
export function uniqueName(prefix = 'stream'): string {
  return `${prefix}-${randomUUID()}`;
}

/** Asserts a union result's __typename and narrows it. */
export function expectType<T extends { __typename?: string }, N extends string>(
  value: T,
  typename: N,
): Extract<T, { __typename?: N }> {
  if (value.__typename !== typename) {
    throw new Error(`expected ${typename}, got ${JSON.stringify(value)}`);
  }
  return value as Extract<T, { __typename?: N }>;
}
