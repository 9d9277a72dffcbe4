/**
 * Durable consumers over the API, one rule of the consumers part's header per test, on a real
 * gateway and DynamoDB Local: administration (create, read, list, delete, reset, replay), the
 * typed refusals that change nothing, and scopes/restrictions.
 */
import { describe, expect, test } from 'vitest';
import {
  ConsumerDocument,
  ConsumersDocument,
  CreateConsumerDocument,
  DeleteConsumerDocument,
  HeadDocument,
  ReplayParkedDocument,
  ResetConsumerDocument,
} from '../generated/graphql.js';
import { uniqueName, useTestApi } from '../support/api.js';
import { appendOk, event } from '../support/fixtures.js';
import { fakeTokens } from '../support/tokens.js';

const tokens = fakeTokens();
const key = 'consumers-api-test-key-0123456789';
const tenant = 'consumers-api';
const api = useTestApi({ apiKeys: { [key]: tenant }, options: { tokens: tokens.verifier } });
const asAdmin = { key };
const create = (input: Parameters<typeof createInput>[0]) =>
  api().data(CreateConsumerDocument, { input: createInput(input) }, asAdmin);
const createInput = (input: { name: string } & Record<string, unknown>) => input as never;

async function head(): Promise<number> {
  return (await api().data(HeadDocument, {}, asAdmin)).head;
}

describe('creating and reading consumers', () => {
  test('a consumer starts at the head by default, or after `after`; lag is head minus checkpoint', async () => {
    await appendOk(api(), { name: uniqueName('c') }, [event('A'), event('B')], undefined, asAdmin);
    const now = await head();
    const name = uniqueName('consumer');
    const created = await create({ name, filter: { categories: ['orders'] }, maxAttempts: 3 });
    expect(created.createConsumer).toMatchObject({
      __typename: 'ConsumerSuccess',
      consumer: {
        name,
        checkpoint: now,
        lag: 0,
        maxAttempts: 3,
        ackTimeoutMs: 30000,
        webhook: null,
        filter: { categories: ['orders'], types: null, streamIds: null },
      },
    });
    const fromStart = await create({ name: `${name}-2`, after: 0 });
    expect(fromStart.createConsumer).toMatchObject({ consumer: { checkpoint: 0, lag: now, filter: null } });
    const read = await api().data(ConsumerDocument, { name }, asAdmin);
    expect(read.consumer?.name).toBe(name);
  });

  test('a taken name is ConsumerExistsError, and nothing changes', async () => {
    const name = uniqueName('taken');
    await create({ name, maxAttempts: 2 });
    const again = await create({ name, maxAttempts: 9 });
    expect(again.createConsumer.__typename).toBe('ConsumerExistsError');
    expect((await api().data(ConsumerDocument, { name }, asAdmin)).consumer?.maxAttempts).toBe(2);
  });

  test.each<[{ name: string } & Record<string, unknown>, string[]]>([
    [{ name: 'has space' }, ['input', 'name']],
    [{ name: 'x'.repeat(129) }, ['input', 'name']],
    [{ name: 'ok-name', maxAttempts: 0 }, ['input', 'maxAttempts']],
    [{ name: 'ok-name', maxAttempts: 101 }, ['input', 'maxAttempts']],
    [{ name: 'ok-name', ackTimeoutMs: 999 }, ['input', 'ackTimeoutMs']],
    [{ name: 'ok-name', ackTimeoutMs: 3_600_001 }, ['input', 'ackTimeoutMs']],
    [{ name: 'ok-name', after: 10_000_000 }, ['input', 'after']],
    [
      { name: 'ok-name', webhook: { url: 'https://example.com/h', secret: 's', batchSize: 0 } },
      ['input', 'webhook', 'batchSize'],
    ],
    [{ name: 'ok-name', webhook: { url: 'http://127.0.0.1:9/h', secret: 's' } }, ['input', 'webhook', 'url']],
    [
      { name: 'ok-name', webhook: { url: 'http://169.254.169.254/latest', secret: 's' } },
      ['input', 'webhook', 'url'],
    ],
    [{ name: 'ok-name', webhook: { url: 'ftp://example.com/h', secret: 's' } }, ['input', 'webhook', 'url']],
    ...[
      'http://localhost:4000/h',
      'http://[::1]/h',
      'http://[::ffff:127.0.0.1]/h',
      'http://[fe80::1]/h',
      'http://[fd00::1]/h',
      'http://10.1.2.3/h',
      'http://192.168.0.1/h',
      'http://172.16.5.4/h',
      'http://0.0.0.0/h',
      'http://2130706433/h',
      'http://user:pass@93.184.216.34/h',
      'not a url',
    ].map((url): [{ name: string; webhook: object }, string[]] => [
      { name: 'ok-name', webhook: { url, secret: 's' } },
      ['input', 'webhook', 'url'],
    ]),
    [
      { name: 'ok-name', webhook: { url: 'https://93.184.216.34/h', secret: 'x'.repeat(257) } },
      ['input', 'webhook', 'secret'],
    ],
    [{ name: '' }, ['input', 'name']],
    [{ name: '../etc' }, ['input', 'name']],
    [{ name: 'naïve' }, ['input', 'name']],
  ])('bad input %j is InvalidInputError at %j, and nothing is created', async (input, path) => {
    const name = uniqueName('bad');
    const result = await create({ ...input, name: input.name === 'ok-name' ? name : input.name });
    expect(result.createConsumer).toMatchObject({ __typename: 'InvalidInputError', path });
    expect((await api().data(ConsumerDocument, { name }, asAdmin)).consumer).toBeNull();
  });

  test('consumers are listed by name, page by page', async () => {
    const names = [1, 2, 3].map((index) => `list-${index}`);
    for (const name of names) await create({ name });
    const first = await api().data(ConsumersDocument, { first: 2 }, asAdmin);
    const all = [...first.consumers.edges.map((edge) => edge.node.name)];
    let after = first.consumers.pageInfo.endCursor;
    let more = first.consumers.pageInfo.hasNextPage;
    while (more) {
      const page = await api().data(ConsumersDocument, { first: 2, after }, asAdmin);
      all.push(...page.consumers.edges.map((edge) => edge.node.name));
      after = page.consumers.pageInfo.endCursor;
      more = page.consumers.pageInfo.hasNextPage;
    }
    expect(all).toEqual([...all].sort());
    expect(all).toEqual(expect.arrayContaining(names));
  });

  test('the webhook secret is never returned; the URL and batch size are', async () => {
    const name = uniqueName('hooked');
    const created = await create({
      name,
      webhook: { url: 'https://93.184.216.34/hook', secret: 'never-shown-secret', batchSize: 7 },
    });
    expect(created.createConsumer).toMatchObject({
      consumer: { webhook: { url: 'https://93.184.216.34/hook', batchSize: 7 } },
    });
    const text = (
      await api().post(JSON.stringify({ query: `{ consumer(name: "${name}") { webhook { url } } }` }))
    ).text;
    expect(text).not.toContain('never-shown-secret');
    expect(JSON.stringify(created)).not.toContain('never-shown-secret');
  });
});

describe('deleting, resetting, replaying', () => {
  test('deleteConsumer removes it; an unknown or malformed name is ConsumerNotFoundError', async () => {
    const name = uniqueName('gone');
    await create({ name });
    expect((await api().data(DeleteConsumerDocument, { name }, asAdmin)).deleteConsumer).toEqual({
      __typename: 'DeleteConsumerSuccess',
      name,
    });
    expect((await api().data(ConsumerDocument, { name }, asAdmin)).consumer).toBeNull();
    expect((await api().data(DeleteConsumerDocument, { name }, asAdmin)).deleteConsumer.__typename).toBe(
      'ConsumerNotFoundError',
    );
    expect(
      (await api().data(DeleteConsumerDocument, { name: 'bad name' }, asAdmin)).deleteConsumer.__typename,
    ).toBe('ConsumerNotFoundError');
  });

  test('resetConsumer moves the checkpoint; beyond the head it is InvalidInputError and nothing moves', async () => {
    await appendOk(api(), { name: uniqueName('r') }, [event('A'), event('B')], undefined, asAdmin);
    const name = uniqueName('reset');
    await create({ name });
    const now = await head();
    const reset = await api().data(
      ResetConsumerDocument,
      { input: { consumer: name, after: now - 1 } },
      asAdmin,
    );
    expect(reset.resetConsumer).toMatchObject({
      __typename: 'ConsumerSuccess',
      consumer: { checkpoint: now - 1 },
    });
    const beyond = await api().data(
      ResetConsumerDocument,
      { input: { consumer: name, after: now + 100 } },
      asAdmin,
    );
    expect(beyond.resetConsumer).toMatchObject({ __typename: 'InvalidInputError', path: ['input', 'after'] });
    expect((await api().data(ConsumerDocument, { name }, asAdmin)).consumer?.checkpoint).toBe(now - 1);
    const missing = await api().data(
      ResetConsumerDocument,
      {
        input: { consumer: uniqueName('no'), after: 0 },
      },
      asAdmin,
    );
    expect(missing.resetConsumer.__typename).toBe('ConsumerNotFoundError');
  });

  test('replayParked of a position that is not parked is InvalidInputError naming it', async () => {
    const name = uniqueName('replay');
    await create({ name });
    const result = await api().data(
      ReplayParkedDocument,
      { input: { consumer: name, positions: [1] } },
      asAdmin,
    );
    expect(result.replayParked).toMatchObject({
      __typename: 'InvalidInputError',
      path: ['input', 'positions', '0'],
    });
    const all = await api().data(ReplayParkedDocument, { input: { consumer: name } }, asAdmin);
    expect(all.replayParked.__typename).toBe('ConsumerSuccess');
  });
});

describe('who may use consumers', () => {
  test('a restricted token is refused with FORBIDDEN, and nothing is created', async () => {
    const token = tokens.issue({ tenant, categories: ['orders'] });
    const name = uniqueName('restricted');
    const result = await api().execute(
      CreateConsumerDocument,
      { input: { name } },
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await api().data(ConsumerDocument, { name }, asAdmin)).consumer).toBeNull();
  });

  test('a token without manage cannot create; with consume only it may not list', async () => {
    const token = tokens.issue({ tenant, scopes: ['consume', 'read'] });
    const headers = { authorization: `Bearer ${token}` };
    const created = await api().execute(
      CreateConsumerDocument,
      { input: { name: uniqueName('x') } },
      { headers },
    );
    expect(created.status).toBe(403);
    const listed = await api().execute(ConsumersDocument, {}, { headers });
    expect(listed.status).toBe(403);
  });
});
