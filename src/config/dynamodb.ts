/** DYNAMODB_ENDPOINT, AWS_REGION, EVENTLOOM_TABLE_PREFIX: which DynamoDB, and which tables in it. */
import type { ReadVariable } from './env.js';

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

export const defaultTablePrefix = 'eventloom';

// DynamoDB table names allow [a-zA-Z0-9_.-], 3 to 255 characters; the store appends its suffixes.
const tablePrefixPattern = /^[A-Za-z0-9_.-]{1,200}$/;
const regionPattern = /^[a-z0-9-]{1,64}$/;

export function parseDynamoDb(read: ReadVariable, problems: string[]): DynamoDbConfig {
  const endpoint = parseEndpoint(read, problems);
  const region = read('AWS_REGION') ?? (endpoint === null ? undefined : 'local');
  if (region === undefined) {
    problems.push('AWS_REGION is required with DYNAMODB_ENDPOINT=aws (e.g. AWS_REGION=eu-west-1).');
  } else if (!regionPattern.test(region)) {
    problems.push(`AWS_REGION must look like eu-west-1, got "${region}".`);
  }
  const localCredentials =
    endpoint === undefined ||
    (endpoint !== null && isLoopback(new URL(endpoint).hostname) && read('AWS_ACCESS_KEY_ID') === undefined);
  const dynamodb: DynamoDbConfig = { region: region ?? 'local', localCredentials };
  if (endpoint !== undefined) dynamodb.endpoint = endpoint;
  return dynamodb;
}

export function parseTablePrefix(read: ReadVariable, problems: string[]): string {
  const tablePrefix = read('EVENTLOOM_TABLE_PREFIX') ?? defaultTablePrefix;
  if (!tablePrefixPattern.test(tablePrefix)) {
    problems.push(
      `EVENTLOOM_TABLE_PREFIX may hold letters, digits, "_", "-" and "." (1 to 200), got "${tablePrefix}".`,
    );
  }
  return tablePrefix;
}

/** A URL, null for "aws", undefined when unset (or invalid, with a problem noted). */
function parseEndpoint(read: ReadVariable, problems: string[]): string | null | undefined {
  const raw = read('DYNAMODB_ENDPOINT');
  if (raw === 'aws') return null;
  if (raw === undefined) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol === 'http:' || url.protocol === 'https:') return raw;
  } catch {
    // reported below
  }
  problems.push(
    `DYNAMODB_ENDPOINT must be an http(s) URL such as http://localhost:8000, or "aws" for AWS's endpoint of AWS_REGION; got "${raw}".`,
  );
  return undefined;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
