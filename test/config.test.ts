import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  test('defaults: port 4000 on loopback, embedded DynamoDB Local, no keys', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      host: '127.0.0.1',
      tablePrefix: 'eventloom',
      apiKeys: null,
      dynamodb: { region: 'local', localCredentials: true },
    });
    expect(config.dynamodb.endpoint).toBeUndefined();
    expect(config.embeddedDataDir).toMatch(/\.eventloom[/\\]dynamodb$/);
  });

  test('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DYNAMODB_ENDPOINT: 'http://dynamodb:8000',
      AWS_REGION: 'eu-west-1',
      EVENTLOOM_TABLE_PREFIX: 'prod_',
      EVENTLOOM_API_KEYS:
        ' keyAAAAAAAAAAAAAAAA=tenant-a , keyBBBBBBBBBBBBBBBB=tenant_b,keyCCCCCCCCCCCCCCCC=tenant_b: subscribe + read,',
      EVENTLOOM_DATA_DIR: '/tmp/eventloom-data',
      AWS_ACCESS_KEY_ID: 'x',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      tablePrefix: 'prod_',
      dynamodb: { endpoint: 'http://dynamodb:8000', region: 'eu-west-1', localCredentials: false },
      embeddedDataDir: '/tmp/eventloom-data',
    });
    const every = ['append', 'consume', 'delete', 'manage', 'read', 'snapshot', 'subscribe'];
    expect([...(config.apiKeys ?? [])]).toEqual([
      ['keyAAAAAAAAAAAAAAAA', { tenant: 'tenant-a', scopes: every }],
      ['keyBBBBBBBBBBBBBBBB', { tenant: 'tenant_b', scopes: every }],
      ['keyCCCCCCCCCCCCCCCC', { tenant: 'tenant_b', scopes: ['read', 'subscribe'] }],
    ]);
  });

  test('DYNAMODB_ENDPOINT=aws uses AWS endpoints and needs AWS_REGION', () => {
    expect(problems({ DYNAMODB_ENDPOINT: 'aws' })).toEqual([expect.stringMatching(/AWS_REGION is required/)]);
    const config = loadConfig({ DYNAMODB_ENDPOINT: 'aws', AWS_REGION: 'us-east-2' });
    expect(config.dynamodb).toEqual({ endpoint: null, region: 'us-east-2', localCredentials: false });
  });

  test('a loopback endpoint uses DynamoDB Local credentials unless AWS credentials are given', () => {
    expect(loadConfig({ DYNAMODB_ENDPOINT: 'http://localhost:8000' }).dynamodb.localCredentials).toBe(true);
    expect(loadConfig({ DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000' }).dynamodb.localCredentials).toBe(true);
    expect(
      loadConfig({ DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000', AWS_ACCESS_KEY_ID: 'AKIA' }).dynamodb
        .localCredentials,
    ).toBe(false);
  });

  test('lists every problem at once, naming the variable', () => {
    const found = problems({
      PORT: '70000',
      DYNAMODB_ENDPOINT: 'localhost:8000',
      AWS_REGION: 'EU WEST',
      EVENTLOOM_TABLE_PREFIX: 'bad prefix!',
      EVENTLOOM_API_KEYS: 'short=t',
    });
    expect(found).toHaveLength(5);
    expect(found.join('\n')).toMatch(
      /PORT[\s\S]*DYNAMODB_ENDPOINT[\s\S]*AWS_REGION[\s\S]*EVENTLOOM_TABLE_PREFIX[\s\S]*EVENTLOOM_API_KEYS/,
    );
    expect(new ConfigError(found).message).toMatch(/^Invalid configuration:\n {2}- PORT/);
  });

  test.each([
    ['no separator', 'justakeywithoutatenant'],
    ['an empty tenant', 'keyAAAAAAAAAAAAAAAA='],
    ['a short key', 'abc=tenant'],
    ['a tenant with separators', 'keyAAAAAAAAAAAAAAAA=a#b'],
    ['the same key twice', 'keyAAAAAAAAAAAAAAAA=a,keyAAAAAAAAAAAAAAAA=b'],
    ['only commas', ',,'],
  ])('refuses EVENTLOOM_API_KEYS with %s, without echoing the key', (_, value) => {
    const found = problems({ EVENTLOOM_API_KEYS: value });
    expect(found.length).toBeGreaterThan(0);
    expect(found.join('\n')).toMatch(/EVENTLOOM_API_KEYS/);
    expect(found.join('\n')).not.toContain('keyAAAAAAAAAAAAAAAA');
  });

  test('PORT 0 means any free port; a blank variable counts as unset', () => {
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
    expect(loadConfig({ PORT: '  ', HOST: '' })).toMatchObject({ port: 4000, host: '127.0.0.1' });
  });
});

describe('subscription poll settings', () => {
  test('default to the hub defaults: 100 ms while events flow, up to 1000 ms idle', () => {
    expect(loadConfig({}).subscriptionPoll).toEqual({ activeIntervalMs: 100, maxIntervalMs: 1000 });
  });

  test('EVENTLOOM_POLL_MIN_MS and EVENTLOOM_POLL_MAX_MS set them; a high minimum alone lifts the maximum', () => {
    expect(
      loadConfig({ EVENTLOOM_POLL_MIN_MS: '20', EVENTLOOM_POLL_MAX_MS: '250' }).subscriptionPoll,
    ).toEqual({ activeIntervalMs: 20, maxIntervalMs: 250 });
    expect(loadConfig({ EVENTLOOM_POLL_MIN_MS: '5000' }).subscriptionPoll).toEqual({
      activeIntervalMs: 5000,
      maxIntervalMs: 5000,
    });
  });

  test.each([
    [{ EVENTLOOM_POLL_MIN_MS: '0' }, /EVENTLOOM_POLL_MIN_MS must be a whole number of milliseconds from 1/],
    [{ EVENTLOOM_POLL_MIN_MS: '1.5' }, /EVENTLOOM_POLL_MIN_MS/],
    [{ EVENTLOOM_POLL_MAX_MS: 'soon' }, /EVENTLOOM_POLL_MAX_MS must be/],
    [{ EVENTLOOM_POLL_MAX_MS: '600001' }, /EVENTLOOM_POLL_MAX_MS must be .* to 60000/],
    [
      { EVENTLOOM_POLL_MIN_MS: '500', EVENTLOOM_POLL_MAX_MS: '200' },
      /EVENTLOOM_POLL_MAX_MS \(200\) must be at least EVENTLOOM_POLL_MIN_MS \(500\)/,
    ],
  ])('refuses %o', (env, message) => {
    expect(problems(env)).toEqual([expect.stringMatching(message)]);
  });
});

describe('operations settings', () => {
  test('defaults, every variable, and clear problems', () => {
    expect(loadConfig({}).operations).toEqual({
      logLevel: 'info',
      dynamoTimeoutMs: 5000,
      dynamoMaxAttempts: 3,
      mutationRate: { perSecond: 200, burst: 400 },
      tenantReadRate: { perSecond: 1000, burst: 2000 },
      maxSubscriptionsPerConnection: 100,
      maxSubscriptionsPerTenant: 10_000,
    });
    expect(
      loadConfig({
        LOG_LEVEL: 'WARN',
        DYNAMODB_TIMEOUT_MS: '800',
        DYNAMODB_MAX_ATTEMPTS: '5',
        EVENTLOOM_RATE_LIMIT_PER_SECOND: '10',
        EVENTLOOM_RATE_LIMIT_BURST: '20',
        EVENTLOOM_TENANT_READS_PER_SECOND: '30',
        EVENTLOOM_TENANT_READ_BURST: '60',
        EVENTLOOM_MAX_SUBSCRIPTIONS_PER_CONNECTION: '3',
        EVENTLOOM_MAX_SUBSCRIPTIONS_PER_TENANT: '7',
      }).operations,
    ).toEqual({
      logLevel: 'warn',
      dynamoTimeoutMs: 800,
      dynamoMaxAttempts: 5,
      mutationRate: { perSecond: 10, burst: 20 },
      tenantReadRate: { perSecond: 30, burst: 60 },
      maxSubscriptionsPerConnection: 3,
      maxSubscriptionsPerTenant: 7,
    });
    const found = problems({ LOG_LEVEL: 'loud', DYNAMODB_TIMEOUT_MS: '5s', EVENTLOOM_RATE_LIMIT_BURST: '0' });
    expect(found).toHaveLength(3);
    expect(found.join('\n')).toMatch(/LOG_LEVEL.*"loud"/);
    expect(found.join('\n')).toMatch(/DYNAMODB_TIMEOUT_MS.*"5s"/);
    expect(found.join('\n')).toMatch(/EVENTLOOM_RATE_LIMIT_BURST.*"0"/);
  });
});

describe('metrics listener', () => {
  test('loopback port 9464 by default; EVENTLOOM_METRICS_PORT and _HOST move it, "off" removes it', () => {
    expect(loadConfig({}).metrics).toEqual({ port: 9464, host: '127.0.0.1' });
    expect(loadConfig({ EVENTLOOM_METRICS_PORT: '9100', EVENTLOOM_METRICS_HOST: '0.0.0.0' }).metrics).toEqual(
      {
        port: 9100,
        host: '0.0.0.0',
      },
    );
    expect(loadConfig({ EVENTLOOM_METRICS_PORT: 'off' }).metrics).toBeNull();
    expect(problems({ EVENTLOOM_METRICS_PORT: '70000' })).toEqual([
      expect.stringMatching(/EVENTLOOM_METRICS_PORT.*"70000"/),
    ]);
  });
});

describe('tokens (JWT)', () => {
  test('unset EVENTLOOM_JWKS_URL: no tokens', () => {
    expect(loadConfig({}).jwt).toBeNull();
  });

  test('reads the JWKS URL, issuer, audience and claim names; keys and tokens together', () => {
    const config = loadConfig({
      EVENTLOOM_API_KEYS: 'keyAAAAAAAAAAAAAAAA=tenant-a',
      EVENTLOOM_JWKS_URL: 'https://cognito-idp.eu-west-1.amazonaws.com/pool/.well-known/jwks.json',
      EVENTLOOM_JWT_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/pool',
      EVENTLOOM_JWT_AUDIENCE: 'eventloom',
      EVENTLOOM_JWT_TENANT_CLAIM: 'custom:tenant',
      EVENTLOOM_JWT_SCOPE_CLAIM: 'scp',
      EVENTLOOM_JWT_CATEGORIES_CLAIM: 'https://eventloom.example/categories',
      EVENTLOOM_JWT_STREAMS_CLAIM: 'https://eventloom.example/streams',
    });
    expect(config.apiKeys?.size).toBe(1);
    expect(config.jwt).toMatchObject({
      issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/pool',
      audience: 'eventloom',
      claims: {
        tenant: 'custom:tenant',
        scope: 'scp',
        categories: 'https://eventloom.example/categories',
        streams: 'https://eventloom.example/streams',
      },
      jwksCooldownMs: 30_000,
      jwksTimeoutMs: 5_000,
    });
    expect(config.jwt?.jwksUrl.href).toBe(
      'https://cognito-idp.eu-west-1.amazonaws.com/pool/.well-known/jwks.json',
    );
  });

  test('default claim names', () => {
    expect(loadConfig({ EVENTLOOM_JWKS_URL: 'http://127.0.0.1:8080/jwks' }).jwt).toMatchObject({
      issuer: null,
      audience: null,
      claims: { tenant: 'tenant', scope: 'scope', categories: 'categories', streams: 'streams' },
    });
  });

  test.each([
    ['not a URL', { EVENTLOOM_JWKS_URL: 'jwks.json' }, /EVENTLOOM_JWKS_URL must be an http\(s\) URL/],
    ['another scheme', { EVENTLOOM_JWKS_URL: 'file:///etc/jwks.json' }, /EVENTLOOM_JWKS_URL/],
    ['an issuer without a JWKS', { EVENTLOOM_JWT_ISSUER: 'https://x/' }, /EVENTLOOM_JWT_ISSUER is set/],
    [
      'a claim name with a space',
      { EVENTLOOM_JWKS_URL: 'https://x/jwks', EVENTLOOM_JWT_TENANT_CLAIM: 'my tenant' },
      /EVENTLOOM_JWT_TENANT_CLAIM/,
    ],
  ])('refuses %s', (_, env, message) => {
    expect(problems(env).join('\n')).toMatch(message);
  });
});
