/**
 * The gateway's configuration, read from the environment once at start and validated so
 * that a mistake stops the process with a message naming the variable, not a stack trace
 * later. This is the only module that reads `process.env`; src/config/ parses each part.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ApiKeyGrant, parseApiKeys } from './config/api-keys.js';
import { type CorsConfig, parseCors } from './config/cors.js';
import { type DynamoDbConfig, parseDynamoDb, parseTablePrefix } from './config/dynamodb.js';
import { type Env, readPort, variableReader } from './config/env.js';
import { type JwtConfig, parseJwt } from './config/jwt.js';
import { type MetricsListenConfig, parseMetricsListen } from './config/metrics.js';
import { type OperationsConfig, parseOperations } from './config/operations.js';
import { parsePoll, type SubscriptionPollConfig } from './config/poll.js';
import { parseTrustedDocuments, type TrustedDocuments } from './config/trusted-documents.js';
import { parseWebhooks, type WebhookConfig } from './config/webhooks.js';

export { type DynamoDbConfig, defaultTablePrefix } from './config/dynamodb.js';
export { defaultJwtClaims, type JwtClaimNames, type JwtConfig } from './config/jwt.js';
export { defaultMetricsListen, type MetricsListenConfig } from './config/metrics.js';
export { defaultOperations, type OperationsConfig } from './config/operations.js';
export { pollIntervalBounds, type SubscriptionPollConfig } from './config/poll.js';
export { defaultWebhookConfig, type WebhookConfig } from './config/webhooks.js';

export interface Config {
  port: number;
  host: string;
  dynamodb: DynamoDbConfig;
  tablePrefix: string;
  /** API key -> its tenant and scopes. `null`: no keys configured, one tenant (`default`) served without auth. */
  apiKeys: ReadonlyMap<string, ApiKeyGrant> | null;
  /**
   * Tokens (JWTs) verified against EVENTLOOM_JWKS_URL, with EVENTLOOM_JWT_ISSUER,
   * EVENTLOOM_JWT_AUDIENCE and the claim names (src/config/jwt.ts). `null`: tokens
   * are refused. Keys and tokens may be configured together; either makes auth required.
   */
  jwt: JwtConfig | null;
  /**
   * Where the embedded DynamoDB Local keeps its data, kept across restarts: EVENTLOOM_DATA_DIR,
   * by default .eventloom/dynamodb under the project.
   */
  embeddedDataDir: string;
  /**
   * How often a tenant's subscription poller reads the log (EVENTLOOM_POLL_MIN_MS,
   * EVENTLOOM_POLL_MAX_MS). Appends through this process wake it at once; these bound how late
   * appends through other gateways are seen, and what an idle tenant costs. Omitted: the hub's
   * defaults (src/subscriptions/backoff.ts).
   */
  subscriptionPoll?: SubscriptionPollConfig;
  /** Logging, DynamoDB timeouts and abuse limits (`defaultOperations` when nothing is set). */
  operations: OperationsConfig;
  /**
   * Where `/metrics` listens, apart from the API (EVENTLOOM_METRICS_PORT, default 9464, "off"
   * for none; EVENTLOOM_METRICS_HOST, default loopback). Omitted or null: not served.
   */
  metrics?: MetricsListenConfig | null;
  /** Which browser origins may call (EVENTLOOM_CORS_ORIGINS). Omitted: any origin, without credentials. */
  cors?: CorsConfig;
  /**
   * EVENTLOOM_TRUSTED_DOCUMENTS: when set, principals without `manage` run only these documents
   * (src/plugins/trusted-documents.ts). Omitted or null: any document.
   */
  trustedDocuments?: TrustedDocuments | null;
  /**
   * The outbox relay's retries (EVENTLOOM_WEBHOOK_RETRY_BASE_MS) and the hosts webhooks may reach
   * whatever they resolve to (EVENTLOOM_WEBHOOK_ALLOWED_HOSTS). Omitted: `defaultWebhookConfig`.
   */
  webhooks?: WebhookConfig;
}

/** The tenant served when no API keys are configured. */
export const defaultTenant = 'default';
export const defaultPort = 4000;
export const defaultHost = '127.0.0.1';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the configuration; throws ConfigError listing every problem found. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const read = variableReader(env);
  const rawKeys = read('EVENTLOOM_API_KEYS');
  const config: Config = {
    port: readPort(read, problems, 'PORT', defaultPort),
    host: read('HOST') ?? defaultHost,
    dynamodb: parseDynamoDb(read, problems),
    tablePrefix: parseTablePrefix(read, problems),
    apiKeys: rawKeys === undefined ? null : parseApiKeys(rawKeys, problems),
    jwt: parseJwt(read, problems),
    embeddedDataDir: resolve(read('EVENTLOOM_DATA_DIR') ?? resolve(projectRoot, '.eventloom', 'dynamodb')),
    subscriptionPoll: parsePoll(read, problems),
    operations: parseOperations(read, problems),
    metrics: parseMetricsListen(read, problems),
    cors: parseCors(read, problems),
    trustedDocuments: parseTrustedDocuments(read, problems),
    webhooks: parseWebhooks(read, problems),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
