/** LOG_LEVEL, DynamoDB timeouts and the abuse limits: how the gateway runs, by environment. */
import { defaultApiLimits } from '../plugins/api-limits.js';
import { defaultReadBudget } from '../store/read-budget.js';
import { type ReadVariable, readInteger } from './env.js';

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

/** Defaults of the abuse limits that the API enforces come from `defaultApiLimits`, stated once. */
export const defaultOperations: Readonly<OperationsConfig> = Object.freeze({
  logLevel: 'info',
  dynamoTimeoutMs: 5000,
  dynamoMaxAttempts: 3,
  mutationRate: Object.freeze({ perSecond: 200, burst: 400 }),
  tenantReadRate: Object.freeze({ perSecond: defaultReadBudget.perSecond, burst: defaultReadBudget.burst }),
  maxSubscriptionsPerConnection: defaultApiLimits.maxSubscriptionsPerConnection,
  maxSubscriptionsPerTenant: defaultApiLimits.maxSubscriptionsPerTenant,
});

const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function parseOperations(read: ReadVariable, problems: string[]): OperationsConfig {
  const logLevel = (read('LOG_LEVEL') ?? defaultOperations.logLevel).toLowerCase();
  if (!logLevels.includes(logLevel))
    problems.push(`LOG_LEVEL must be one of ${logLevels.join(', ')}, got "${logLevel}".`);
  const int = (name: string, fallback: number, min: number, max: number) =>
    readInteger(read, problems, name, fallback, min, max);
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
