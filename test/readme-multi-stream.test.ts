/**
 * The README's "Append to several streams at once" example, run as written against a real
 * gateway: the transfer mutation is taken from the README verbatim, on a fresh tenant set up as
 * the text says, and must answer exactly the JSON shown; with the limits moved first it must
 * answer the refusal shown. So the example cannot drift from what the gateway does.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { streamIdForName } from '../src/store/index.js';
import { useTestApi } from './support/api.js';
import { uniqueTenant } from './support/dynamo.js';
import { appendOk, event } from './support/fixtures.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('### Append to several streams at once'));
const blocks = [...section.matchAll(/```(graphql|json)\n([\s\S]*?)```/g)].map((match) => match[2] ?? '');
const [mutation = '', successJson = '', refusalJson = ''] = blocks;

const tenants = [uniqueTenant('readme-transfer'), uniqueTenant('readme-refused')];
const keyOf = (tenant: string) => `readme-${tenant}-key-0123456789`;
const api = useTestApi({ apiKeys: Object.fromEntries(tenants.map((tenant) => [keyOf(tenant), tenant])) });

/** The accounts and the limits stream, each at version 1, as the README says. */
async function setUp(key: string) {
  await appendOk(api(), { name: 'account-alice', category: 'account' }, [event('Opened')], 0, { key });
  await appendOk(api(), { name: 'account-bob', category: 'account' }, [event('Opened')], 0, { key });
  await appendOk(api(), { name: 'limits-alice', category: 'limits' }, [event('LimitSet', { max: 100 })], 0, {
    key,
  });
}

async function runTransfer(key: string) {
  const result = await api().post(JSON.stringify({ query: mutation }), { authorization: `Bearer ${key}` });
  expect(result.errors).toBeUndefined();
  return result.data;
}

describe("the README's multi-stream example", () => {
  test('the transfer answers exactly what the README shows', async () => {
    expect(mutation).toContain('mutation Transfer');
    const key = keyOf(tenants[0]!);
    await setUp(key);
    expect(await runTransfer(key)).toEqual(JSON.parse(successJson).data);
  });

  test('with the limits moved, the refusal is the one the README shows, and nothing is stored', async () => {
    const key = keyOf(tenants[1]!);
    await setUp(key);
    await appendOk(api(), { name: 'limits-alice', category: 'limits' }, [event('LimitSet', { max: 10 })], 1, {
      key,
    });
    const shown = JSON.parse(refusalJson) as Record<string, unknown>;
    const { appendToStreams } = (await runTransfer(key)) as { appendToStreams: Record<string, unknown> };
    expect(appendToStreams).toEqual({ ...shown, streamId: streamIdForName('limits-alice') });
    expect(shown.streamId).toBe('…');
    const after = await api().post(
      JSON.stringify({
        query:
          '{ head alice: stream(ref: { name: "account-alice", category: "account" }) { version } bob: stream(ref: { name: "account-bob", category: "account" }) { version } }',
      }),
      { authorization: `Bearer ${key}` },
    );
    expect(after.data).toEqual({ head: 4, alice: { version: 1 }, bob: { version: 1 } });
  });
});
