/**
 * What a token costs per request (issue 14): `{ head }` over HTTP with an API key, with one
 * token used again and again (verified once, then served from the verifier's cache keyed by
 * its signature), and with a new token on every request (each one verified: the worst case,
 * as many one-shot clients would cause). RS256 and ES256 tokens; concurrency 1 and 32. The
 * modes take turns within each repetition (each repetition starting with another), so that all
 * see the same machine; the key is the baseline of the same run.
 *
 * The JWKS is served by this process on 127.0.0.1 with keys made here; the gateway is a child
 * process of its own (bench/lib/gateway.ts) that trusts it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { startGateway } from '../lib/gateway.js';
import { medianOf, round, summarize } from '../lib/stats.js';

type Alg = 'RS256' | 'ES256';
export type TokenMode =
  | 'key'
  | 'token RS256 (cached)'
  | 'token ES256 (cached)'
  | 'token RS256 (new each request)'
  | 'token ES256 (new each request)';

export interface TokenRow {
  concurrency: number;
  mode: TokenMode;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** Requests per second of the key in the same repetition, divided by this mode's. */
  costRatio: number;
}

export interface TokenOptions {
  dynamoEndpoint: string;
  tablePrefix: string;
  concurrencies: number[];
  /** Requests per mode and repetition. */
  requests: number;
  warmupRequests: number;
  /** Requests with the key before anything is measured. */
  firstWarmupRequests: number;
  repetitions: number;
  log: (line: string) => void;
}

const issuer = 'https://bench-issuer.test/';
const audience = 'eventloom-bench';
const tenant = 'tokens';
const apiKey = 'bench-key-for-tokens-00000000';

interface Issuer {
  url: string;
  sign(alg: Alg, subject: string): Promise<string>;
  close(): Promise<void>;
}

async function startIssuer(): Promise<Issuer> {
  const keys = await Promise.all(
    (['RS256', 'ES256'] as const).map(async (alg) => {
      const pair = await generateKeyPair(alg, { extractable: true });
      const jwk = { ...(await exportJWK(pair.publicKey)), kid: `bench-${alg}`, alg, use: 'sig' };
      return { alg, jwk, privateKey: pair.privateKey };
    }),
  );
  const body = JSON.stringify({ keys: keys.map((key) => key.jwk) });
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    async sign(alg, subject) {
      const key = keys.find((candidate) => candidate.alg === alg);
      if (!key) throw new Error(`no ${alg} key`);
      return new SignJWT({ tenant, scope: 'read' })
        .setProtectedHeader({ alg, kid: key.jwk.kid })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(subject)
        .setExpirationTime('1h')
        .sign(key.privateKey);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Runs `count` requests from `concurrency` workers; `credential(i)` is the i-th request's. */
async function drive(
  url: string,
  concurrency: number,
  count: number,
  credential: (index: number) => string,
): Promise<{ seconds: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < count; index = next++) {
      const begin = performance.now();
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${credential(index)}` },
        body: '{"query":"{ head }"}',
      });
      const text = await response.text();
      if (response.status !== 200 || !text.includes('"head"')) {
        throw new Error(`{ head } answered ${response.status}: ${text.slice(0, 200)}`);
      }
      latencies.push(performance.now() - begin);
    }
  };
  const begin = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { seconds: (performance.now() - begin) / 1000, latencies };
}

/** The credential of each request of one mode: fresh tokens are signed before the clock starts. */
async function credentialsFor(mode: TokenMode, issuer: Issuer, count: number, round: string) {
  if (mode === 'key') return () => apiKey;
  const alg: Alg = mode.includes('RS256') ? 'RS256' : 'ES256';
  if (mode.includes('cached')) {
    const token = await issuer.sign(alg, `cached-${round}`);
    return () => token;
  }
  const tokens = await Promise.all(
    Array.from({ length: count }, (_, index) => issuer.sign(alg, `fresh-${round}-${index}`)),
  );
  return (index: number) => tokens[index] ?? apiKey;
}

const modes: TokenMode[] = [
  'key',
  'token RS256 (cached)',
  'token ES256 (cached)',
  'token RS256 (new each request)',
  'token ES256 (new each request)',
];

export async function tokenScenario(options: TokenOptions): Promise<TokenRow[]> {
  const issuerServer = await startIssuer();
  const gateway = await startGateway({
    dynamoEndpoint: options.dynamoEndpoint,
    tablePrefix: options.tablePrefix,
    env: {
      EVENTLOOM_API_KEYS: `${apiKey}=${tenant}`,
      EVENTLOOM_JWKS_URL: issuerServer.url,
      EVENTLOOM_JWT_ISSUER: issuer,
      EVENTLOOM_JWT_AUDIENCE: audience,
    },
  });
  const rows: TokenRow[] = [];
  try {
    // The gateway's JIT and DynamoDB Local's JVM warm up first, so that no mode pays for it.
    await drive(gateway.url, 4, options.firstWarmupRequests, () => apiKey);
    for (const concurrency of options.concurrencies) {
      const runs = new Map<
        TokenMode,
        { requestsPerSecond: number; p50: number; p99: number; costRatio: number }[]
      >();
      for (let rep = 0; rep < options.repetitions; rep++) {
        const perMode = new Map<TokenMode, { requestsPerSecond: number; p50: number; p99: number }>();
        // Each repetition starts with another mode: no mode always runs first or last.
        for (const mode of [...modes.slice(rep % modes.length), ...modes.slice(0, rep % modes.length)]) {
          const tag = `c${concurrency}-r${rep}-${mode.replace(/\W+/g, '')}`;
          const warm = await credentialsFor(mode, issuerServer, options.warmupRequests, `${tag}-warm`);
          await drive(gateway.url, concurrency, options.warmupRequests, warm);
          const credential = await credentialsFor(mode, issuerServer, options.requests, tag);
          const { seconds, latencies } = await drive(gateway.url, concurrency, options.requests, credential);
          const summary = summarize(latencies);
          perMode.set(mode, {
            requestsPerSecond: options.requests / seconds,
            p50: summary.p50,
            p99: summary.p99,
          });
        }
        const key = perMode.get('key')?.requestsPerSecond ?? Number.NaN;
        for (const [mode, run] of perMode) {
          const list = runs.get(mode) ?? [];
          list.push({ ...run, costRatio: key / run.requestsPerSecond });
          runs.set(mode, list);
        }
        options.log(
          `  tokens c=${concurrency} rep ${rep + 1}: ${[...perMode].map(([mode, run]) => `${mode} ${round(run.requestsPerSecond, 0)}/s p50 ${round(run.p50, 2)}`).join(' | ')}`,
        );
      }
      for (const mode of modes) rows.push({ concurrency, mode, ...medianOf(runs.get(mode) ?? []) });
    }
  } finally {
    await gateway.stop();
    await issuerServer.close();
  }
  return rows;
}
