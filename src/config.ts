/**
 * The gateway's configuration, read from the environment once at start and validated so
 * that a mistake stops the process with a message naming the variable, not a stack trace
 * later. This is the only module that reads `process.env`.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultReadBudget } from './store/read-budget.js';
import { defaultPollBackoff } from './subscriptions/backoff.js';

export interface DynamoDbConfig {
  /**
   * The DynamoDB endpoint URL; `null` when the SDK should use AWS's endpoint for the region
   * (DYNAMODB_ENDPOINT=aws). Undefined: none configured, `npm start` embeds DynamoDB Local.
   */
  endpoint?: string | null;
  region: string;
  /**
   * Use DynamoDB Local's dummy credentials: for the embedded instance, and for a loopback
   * endpoint when no AWS_ACCESS_KEY_ID is set. Otherwise the AWS SDK's default chain applies.
   */
  localCredentials: boolean;
}

export interface Config {
  port: number;
  host: string;
  dynamodb: DynamoDbConfig;
  tablePrefix: string;
  /** API key -> tenant. `null`: no keys configured, one tenant (`default`) served without auth. */
  apiKeys: ReadonlyMap<string, string> | null;
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
  /** Logging, DynamoDB timeouts and abuse limits; omitted: {@link defaultOperations}. */
  operations?: OperationsConfig;
  /**
   * Where `/metrics` listens, apart from the API (EVENTLOOM_METRICS_PORT, default 9464, "off"
   * for none; EVENTLOOM_METRICS_HOST, default loopback). Omitted or null: not served.
   */
  metrics?: MetricsListenConfig | null;
}

export interface MetricsListenConfig {
  /** 0: any free port. */
  port: number;
  host: string;
}

export interface OperationsConfig {
  /** LOG_LEVEL: trace, debug, info, warn, error, fatal or silent. */
  logLevel: string;
  /** DYNAMODB_TIMEOUT_MS: how long one DynamoDB call may take before it fails (and is retried). */
  dynamoTimeoutMs: number;
  /** DYNAMODB_MAX_ATTEMPTS: attempts of one DynamoDB call, the SDK's backoff between them. */
  dynamoMaxAttempts: number;
  /** EVENTLOOM_RATE_LIMIT_PER_SECOND / _BURST: mutations per API key and gateway. */
  mutationRate: { perSecond: number; burst: number };
  /**
   * EVENTLOOM_TENANT_READS_PER_SECOND / _BURST: DynamoDB reads per tenant and gateway; beyond
   * them reads wait (up to 1 s) or fail with RATE_LIMITED (src/store/read-budget.ts).
   */
  tenantReadRate: { perSecond: number; burst: number };
  /** EVENTLOOM_MAX_SUBSCRIPTIONS_PER_CONNECTION: open subscriptions on one WebSocket. */
  maxSubscriptionsPerConnection: number;
  /** EVENTLOOM_MAX_SUBSCRIPTIONS_PER_TENANT: open subscriptions of one tenant on one gateway. */
  maxSubscriptionsPerTenant: number;
}

export const defaultOperations: Readonly<OperationsConfig> = Object.freeze({
  logLevel: 'info',
  dynamoTimeoutMs: 5000,
  dynamoMaxAttempts: 3,
  mutationRate: Object.freeze({ perSecond: 200, burst: 400 }),
  tenantReadRate: Object.freeze({ perSecond: defaultReadBudget.perSecond, burst: defaultReadBudget.burst }),
  maxSubscriptionsPerConnection: 100,
  maxSubscriptionsPerTenant: 10_000,
});

const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export interface SubscriptionPollConfig {
  /** Delay after a poll that found events (and the first idle delay). */
  activeIntervalMs: number;
  /** Longest delay between two polls of an idle log. */
  maxIntervalMs: number;
}

export const defaultTenant = 'default';
export const defaultPort = 4000;
export const defaultHost = '127.0.0.1';
/** The Prometheus exporters' customary port; loopback, so that only the machine's scraper sees it. */
export const defaultMetricsListen: Readonly<MetricsListenConfig> = Object.freeze({
  port: 9464,
  host: '127.0.0.1',
});
export const defaultTablePrefix = 'eventloom';
/** Bounds of EVENTLOOM_POLL_MIN_MS and EVENTLOOM_POLL_MAX_MS. */
export const pollIntervalBounds = Object.freeze({ min: 1, max: 60_000 });

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

// DynamoDB table names allow [a-zA-Z0-9_.-], 3 to 255 characters; the store appends its suffixes.
const tablePrefixPattern = /^[A-Za-z0-9_.-]{1,200}$/;
// Tenants become part of every DynamoDB key: keep them short and free of separators.
const tenantPattern = /^[A-Za-z0-9_-]{1,64}$/;
const regionPattern = /^[a-z0-9-]{1,64}$/;

/** Reads and validates the configuration; throws ConfigError listing every problem found. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };

  let port = defaultPort;
  const rawPort = value('PORT');
  if (rawPort !== undefined) {
    port = Number(rawPort);
    if (!/^\d+$/.test(rawPort) || port > 65535) {
      problems.push(`PORT must be an integer from 0 to 65535 (0 = any free port), got "${rawPort}".`);
    }
  }

  const host = value('HOST') ?? defaultHost;

  let endpoint: string | null | undefined;
  const rawEndpoint = value('DYNAMODB_ENDPOINT');
  if (rawEndpoint === 'aws') {
    endpoint = null;
  } else if (rawEndpoint !== undefined) {
    try {
      const url = new URL(rawEndpoint);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
      endpoint = rawEndpoint;
    } catch {
      problems.push(
        `DYNAMODB_ENDPOINT must be an http(s) URL such as http://localhost:8000, or "aws" for AWS's endpoint of AWS_REGION; got "${rawEndpoint}".`,
      );
    }
  }

  const region = value('AWS_REGION') ?? (endpoint === null ? undefined : 'local');
  if (region === undefined) {
    problems.push('AWS_REGION is required with DYNAMODB_ENDPOINT=aws (e.g. AWS_REGION=eu-west-1).');
  } else if (!regionPattern.test(region)) {
    problems.push(`AWS_REGION must look like eu-west-1, got "${region}".`);
  }

  const tablePrefix = value('EVENTLOOM_TABLE_PREFIX') ?? defaultTablePrefix;
  if (!tablePrefixPattern.test(tablePrefix)) {
    problems.push(
      `EVENTLOOM_TABLE_PREFIX may hold letters, digits, "_", "-" and "." (1 to 200), got "${tablePrefix}".`,
    );
  }

  const rawKeys = value('EVENTLOOM_API_KEYS');
  const apiKeys = rawKeys === undefined ? null : parseApiKeys(rawKeys, problems);

  const subscriptionPoll = parsePoll(value, problems);
  const operations = parseOperations(value, problems);
  const metrics = parseMetricsListen(value, problems);

  if (problems.length > 0) throw new ConfigError(problems);
  const localCredentials =
    endpoint === undefined ||
    (endpoint !== null && isLoopback(new URL(endpoint).hostname) && value('AWS_ACCESS_KEY_ID') === undefined);
  const dynamodb: DynamoDbConfig = { region: region ?? 'local', localCredentials };
  if (endpoint !== undefined) dynamodb.endpoint = endpoint;
  return {
    port,
    host,
    dynamodb,
    tablePrefix,
    apiKeys,
    embeddedDataDir: resolve(value('EVENTLOOM_DATA_DIR') ?? resolve(projectRoot, '.eventloom', 'dynamodb')),
    subscriptionPoll,
    operations,
    metrics,
  };
}

function parseMetricsListen(
  value: (name: string) => string | undefined,
  problems: string[],
): MetricsListenConfig | null {
  const host = value('EVENTLOOM_METRICS_HOST') ?? defaultMetricsListen.host;
  const raw = value('EVENTLOOM_METRICS_PORT');
  if (raw?.toLowerCase() === 'off') return null;
  if (raw === undefined) return { ...defaultMetricsListen, host };
  const port = Number(raw);
  if (/^\d+$/.test(raw) && port <= 65535) return { port, host };
  problems.push(
    `EVENTLOOM_METRICS_PORT must be an integer from 0 to 65535 (0 = any free port) or "off", got "${raw}".`,
  );
  return null;
}

/** A whole number from `min` to `max`, or the fallback when unset. */
function readInteger(
  value: (name: string) => string | undefined,
  problems: string[],
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = value(name);
  if (raw === undefined) return fallback;
  const parsed = Number(raw);
  if (/^\d+$/.test(raw) && parsed >= min && parsed <= max) return parsed;
  problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}".`);
  return fallback;
}

function parseOperations(value: (name: string) => string | undefined, problems: string[]): OperationsConfig {
  const logLevel = (value('LOG_LEVEL') ?? defaultOperations.logLevel).toLowerCase();
  if (!logLevels.includes(logLevel))
    problems.push(`LOG_LEVEL must be one of ${logLevels.join(', ')}, got "${logLevel}".`);
  const int = (name: string, fallback: number, min: number, max: number) =>
    readInteger(value, problems, name, fallback, min, max);
  const d = defaultOperations;
  return {
    logLevel,
    dynamoTimeoutMs: int('DYNAMODB_TIMEOUT_MS', d.dynamoTimeoutMs, 100, 120_000),
    dynamoMaxAttempts: int('DYNAMODB_MAX_ATTEMPTS', d.dynamoMaxAttempts, 1, 20),
    mutationRate: {
      perSecond: int('EVENTLOOM_RATE_LIMIT_PER_SECOND', d.mutationRate.perSecond, 1, 1_000_000),
      burst: int('EVENTLOOM_RATE_LIMIT_BURST', d.mutationRate.burst, 1, 1_000_000),
    },
    tenantReadRate: {
      perSecond: int('EVENTLOOM_TENANT_READS_PER_SECOND', d.tenantReadRate.perSecond, 1, 1_000_000),
      burst: int('EVENTLOOM_TENANT_READ_BURST', d.tenantReadRate.burst, 1, 1_000_000),
    },
    maxSubscriptionsPerConnection: int(
      'EVENTLOOM_MAX_SUBSCRIPTIONS_PER_CONNECTION',
      d.maxSubscriptionsPerConnection,
      1,
      100_000,
    ),
    maxSubscriptionsPerTenant: int(
      'EVENTLOOM_MAX_SUBSCRIPTIONS_PER_TENANT',
      d.maxSubscriptionsPerTenant,
      1,
      10_000_000,
    ),
  };
}

/** EVENTLOOM_POLL_MIN_MS and EVENTLOOM_POLL_MAX_MS: whole milliseconds, min <= max. */
function parsePoll(value: (name: string) => string | undefined, problems: string[]): SubscriptionPollConfig {
  const { min, max } = pollIntervalBounds;
  const read = (name: string, fallback: number): number | undefined => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const parsed = Number(raw);
    if (/^\d+$/.test(raw) && parsed >= min && parsed <= max) return parsed;
    problems.push(`${name} must be a whole number of milliseconds from ${min} to ${max}, got "${raw}".`);
    return undefined;
  };
  const activeIntervalMs = read('EVENTLOOM_POLL_MIN_MS', defaultPollBackoff.activeIntervalMs);
  // Defaults to at least the minimum, so that setting only EVENTLOOM_POLL_MIN_MS high is valid.
  const maxIntervalMs = read(
    'EVENTLOOM_POLL_MAX_MS',
    Math.max(defaultPollBackoff.maxIntervalMs, activeIntervalMs ?? 0),
  );
  if (activeIntervalMs !== undefined && maxIntervalMs !== undefined && maxIntervalMs < activeIntervalMs) {
    problems.push(
      `EVENTLOOM_POLL_MAX_MS (${maxIntervalMs}) must be at least EVENTLOOM_POLL_MIN_MS (${activeIntervalMs}).`,
    );
  }
  return {
    activeIntervalMs: activeIntervalMs ?? defaultPollBackoff.activeIntervalMs,
    maxIntervalMs: maxIntervalMs ?? defaultPollBackoff.maxIntervalMs,
  };
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** "keyA=tenantA,keyB=tenantB" -> Map; several keys may share a tenant (key rotation). */
function parseApiKeys(raw: string, problems: string[]): Map<string, string> {
  const keys = new Map<string, string>();
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const [index, entry] of entries.entries()) {
    const separator = entry.lastIndexOf('=');
    const key = separator < 0 ? '' : entry.slice(0, separator).trim();
    const tenant = separator < 0 ? '' : entry.slice(separator + 1).trim();
    // Never echo a key back: it is a secret and may end up in logs.
    const where = `EVENTLOOM_API_KEYS entry ${index + 1}`;
    if (key === '' || tenant === '') {
      problems.push(`${where} must be "key=tenant" (entries separated by ",").`);
      continue;
    }
    if (key.length < 16 || /\s/.test(key)) {
      problems.push(`${where}: a key must have at least 16 characters and no spaces.`);
      continue;
    }
    if (!tenantPattern.test(tenant)) {
      problems.push(`${where}: tenant "${tenant}" may hold letters, digits, "_" and "-" (1 to 64).`);
      continue;
    }
    if (keys.has(key)) {
      problems.push(`${where}: the same key appears twice.`);
      continue;
    }
    keys.set(key, tenant);
  }
  if (entries.length === 0) problems.push('EVENTLOOM_API_KEYS is set but holds no "key=tenant" entry.');
  return keys;
}
