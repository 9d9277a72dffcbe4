// Strings that go into keys or are stored as text must be well-formed UTF-16: a lone surrogate
// cannot be encoded (encodeURIComponent and UUIDv5 of a name throw URIError), nor stored as
// UTF-8. Such input is the caller's error: InvalidInputError naming the field, nothing written.
import { beforeAll, describe, expect, test } from 'vitest';
import {
  type EventStore,
  InvalidInputError,
  type StreamRef,
  type TenantEventStore,
} from '../../src/store/index.js';
import { createTestStore, uniquePrefix, uniqueTenant } from '../support/dynamo.js';

const loneSurrogates = ['\uD800', 'a\uDC00b', 'x\uDBFF', '\uDFFFy'];

let store: EventStore;
let tenant: TenantEventStore;

beforeAll(async () => {
  ({ store } = await createTestStore(uniquePrefix('wellformed')));
  tenant = store.forTenant(uniqueTenant());
  // A stream that exists, so that refusals are not "stream not found" by accident.
  await tenant.append({ stream: { name: 'ok', category: 'cat' }, events: [{ type: 'A', data: 1 }] });
});

/** Runs `call` (sync or async) and returns what it threw, or fails if it did not throw. */
async function thrown(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  return new Error('it did not throw');
}

async function expectInvalid(call: () => unknown, field: string, what: string): Promise<void> {
  const error = await thrown(call);
  const shown = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  expect(error, `${what}: got ${shown}`).toBeInstanceOf(InvalidInputError);
  expect((error as InvalidInputError).path.at(-1), `${what}: the path names the field`).toBe(field);
}

const show = (value: string) =>
  JSON.stringify(value).replace(/[\uD800-\uDFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);

describe.each(loneSurrogates)('a lone surrogate in %j', (bad) => {
  const refs: Array<{ ref: StreamRef; field: 'name' | 'category' }> = [
    { ref: { name: bad }, field: 'name' },
    { ref: { name: bad, category: 'cat' }, field: 'name' },
    { ref: { name: 'ok', category: bad }, field: 'category' },
  ];

  test.each(refs)(
    'stream $field: every operation refuses it with InvalidInputError',
    async ({ ref, field }) => {
      const what = (operation: string) => `${operation} with ${field} ${show(bad)}`;
      const before = await tenant.headPosition();
      await expectInvalid(
        () => tenant.append({ stream: ref, events: [{ type: 'A', data: 1 }] }),
        field,
        what('append'),
      );
      await expectInvalid(
        () => tenant.append({ stream: ref, expectedVersion: 0, events: [{ type: 'A', data: 1 }] }),
        field,
        what('versioned append'),
      );
      expect(await tenant.headPosition(), 'nothing written').toBe(before);
      await expectInvalid(() => tenant.readStream(ref), field, what('readStream'));
      await expectInvalid(() => tenant.getStream(ref), field, what('getStream'));
      await expectInvalid(() => tenant.latestSnapshot(ref), field, what('latestSnapshot'));
      await expectInvalid(
        () => tenant.saveSnapshot({ stream: ref, version: 1, type: 'S', data: {} }),
        field,
        what('saveSnapshot'),
      );
      await expectInvalid(() => tenant.deleteStream(ref), field, what('deleteStream'));
    },
  );

  test('listStreams({category}) refuses it with InvalidInputError', async () => {
    await expectInvalid(
      () => tenant.listStreams({ category: bad }),
      'category',
      `listStreams category ${show(bad)}`,
    );
  });

  test('an event type with it is refused with InvalidInputError, nothing written', async () => {
    const before = await tenant.headPosition();
    await expectInvalid(
      () =>
        tenant.append({
          stream: { name: 'ok', category: 'cat' },
          events: [
            { type: 'A', data: 1 },
            { type: bad, data: 2 },
          ],
        }),
      'type',
      `append with event type ${show(bad)}`,
    );
    const error = (await thrown(() =>
      tenant.append({ stream: { name: 'ok', category: 'cat' }, events: [{ type: bad, data: 2 }] }),
    )) as InvalidInputError;
    expect(error.path, `append with event type ${show(bad)}: ${error}`).toEqual(['events', '0', 'type']);
    expect(await tenant.headPosition(), 'nothing written').toBe(before);
    const stored = (await tenant.readStream({ name: 'ok', category: 'cat' })).edges.map(
      (edge) => edge.node.type,
    );
    expect(stored.filter((type) => /\p{Surrogate}/u.test(type))).toEqual([]);
  });

  test('a snapshot type with it is refused with InvalidInputError', async () => {
    await expectInvalid(
      () => tenant.saveSnapshot({ stream: { name: 'ok', category: 'cat' }, version: 1, type: bad, data: {} }),
      'type',
      `saveSnapshot with type ${show(bad)}`,
    );
    expect(await tenant.latestSnapshot({ name: 'ok', category: 'cat' })).toBeNull();
  });

  test('forTenant refuses a tenant with it with InvalidInputError', async () => {
    await expectInvalid(() => store.forTenant(`t-${bad}`), 'tenant', `forTenant ${show(`t-${bad}`)}`);
  });
});

describe('well-formed text outside the BMP (surrogate pairs)', () => {
  test('is accepted as category, name, type and tenant', async () => {
    const emoji = '\u{1F600}';
    const other = store.forTenant(uniqueTenant(`t${emoji}`));
    const ref = { name: `n${emoji}`, category: `c${emoji}` };
    const result = await other.append({ stream: ref, events: [{ type: `T${emoji}`, data: emoji }] });
    expect(result.events[0]).toMatchObject({ type: `T${emoji}`, data: emoji, version: 1 });
    expect((await other.getStream(ref))?.name).toBe(`n${emoji}`);
    expect((await other.listStreams({ category: `c${emoji}` })).edges).toHaveLength(1);
    expect((await other.readStream(ref)).edges.map((edge) => edge.node.type)).toEqual([`T${emoji}`]);
    await other.saveSnapshot({ stream: ref, version: 1, type: `S${emoji}`, data: {} });
    expect(await other.deleteStream(ref, 1)).toMatchObject({ deletedEvents: 1 });
  });
});
