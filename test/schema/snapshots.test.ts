import { describe, expect, test } from 'vitest';
import {
  DeleteStreamDocument,
  SaveSnapshotDocument,
  type SaveSnapshotInput,
  StreamDocument,
  StreamEventsDocument,
} from '../generated/graphql.js';
import { expectType, uniqueName, useTestApi } from '../support/api.js';
import { appendOk, event, type Ref } from '../support/fixtures.js';

const api = useTestApi();

async function save(input: SaveSnapshotInput) {
  const { saveSnapshot } = await api().data(SaveSnapshotDocument, { input });
  return saveSnapshot;
}

async function newStream(events: number): Promise<Ref> {
  const ref = { name: uniqueName('snap'), category: 'snapshots' };
  await appendOk(
    api(),
    ref,
    Array.from({ length: events }, (_, i) => event(`E${i + 1}`, { i: i + 1 })),
  );
  return ref;
}

async function versionsSinceSnapshot(ref: Ref, fromVersion?: number, toVersion?: number) {
  const { stream } = await api().data(StreamEventsDocument, {
    ref,
    sinceSnapshot: true,
    ...(fromVersion === undefined ? {} : { fromVersion }),
    ...(toVersion === undefined ? {} : { toVersion }),
  });
  return stream?.events.edges.map((e) => e.node.version);
}

describe('snapshots', () => {
  test('a saved snapshot is the stream latest one, with its stream', async () => {
    const ref = await newStream(3);
    const saved = expectType(
      await save({ stream: ref, version: 2, type: 'State', data: { total: 3, list: [1, 2] } }),
      'SaveSnapshotSuccess',
    );
    expect(saved.snapshot).toMatchObject({
      version: 2,
      type: 'State',
      data: { total: 3, list: [1, 2] },
      stream: { name: ref.name, category: 'snapshots', version: 3 },
    });
    expect(saved.snapshot.createdAt).toMatch(/Z$/);

    const { stream } = await api().data(StreamDocument, { ref });
    expect(stream?.snapshot).toEqual(saved.snapshot);
  });

  test('without snapshots Stream.snapshot is null and sinceSnapshot reads everything', async () => {
    const ref = await newStream(2);
    const { stream } = await api().data(StreamDocument, { ref });
    expect(stream?.snapshot).toBeNull();
    expect(await versionsSinceSnapshot(ref)).toEqual([1, 2]);
  });

  test('several snapshots: the latest wins; sinceSnapshot takes the latest within the bounds', async () => {
    const ref = await newStream(8);
    for (const version of [2, 5, 7]) {
      expectType(
        await save({ stream: ref, version, type: 'S', data: { at: version } }),
        'SaveSnapshotSuccess',
      );
    }
    const { stream } = await api().data(StreamDocument, { ref });
    expect(stream?.snapshot).toMatchObject({ version: 7, data: { at: 7 } });

    expect(await versionsSinceSnapshot(ref)).toEqual([8]);
    // The snapshot at 7 lies above toVersion 6: the one at 5 applies.
    expect(await versionsSinceSnapshot(ref, 1, 6)).toEqual([6]);
    // No snapshot within 3..4: all events in the bounds.
    expect(await versionsSinceSnapshot(ref, 3, 4)).toEqual([3, 4]);
  });

  test('a snapshot at the current version leaves nothing to read since it', async () => {
    const ref = await newStream(2);
    expectType(await save({ stream: ref, version: 2, type: 'S', data: {} }), 'SaveSnapshotSuccess');
    expect(await versionsSinceSnapshot(ref)).toEqual([]);
  });

  test('a version outside 1..current is invalid input', async () => {
    const ref = await newStream(2);
    for (const version of [0, 3, -1]) {
      const refused = expectType(
        await save({ stream: ref, version, type: 'S', data: {} }),
        'InvalidInputError',
      );
      expect(refused.path?.[0]).toBe('input');
    }
    const { stream } = await api().data(StreamDocument, { ref });
    expect(stream?.snapshot).toBeNull();
  });

  test('a missing stream gets StreamNotFoundError', async () => {
    const refused = expectType(
      await save({ stream: { name: uniqueName('missing') }, version: 1, type: 'S', data: {} }),
      'StreamNotFoundError',
    );
    expect(refused.message).toBeTruthy();
  });

  test('snapshots are removed with their stream', async () => {
    const ref = await newStream(2);
    expectType(await save({ stream: ref, version: 1, type: 'S', data: {} }), 'SaveSnapshotSuccess');
    const { deleteStream } = await api().data(DeleteStreamDocument, { input: { stream: ref } });
    expectType(deleteStream, 'DeleteStreamSuccess');
    await appendOk(api(), ref, [event('Again')]);
    const { stream } = await api().data(StreamDocument, { ref });
    expect(stream).toMatchObject({ version: 1, snapshot: null });
  });
});
