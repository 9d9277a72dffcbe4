import { describe, expect, it } from 'vitest';
import { readReplayedEvents } from '../../src/consumers/replayed-events.js';
import { FakeLog } from '../subscriptions/fake-log.js';

describe('readReplayedEvents', () => {
  it('finds the events of dense and sparse positions with few reads, and names those gone from the log', async () => {
    const log = new FakeLog();
    log.appendMany(300);
    log.append([{ stream: 'doomed' }]);
    log.appendMany(200);
    log.deleteStream('doomed');
    const { found, gone } = await readReplayedEvents(log, [450, 3, 2, 4, 301, 150, 3]);
    expect(found.map((event) => event.position)).toEqual([2, 3, 4, 150, 450]);
    expect(gone).toEqual([301]);
    expect(log.calls.filter((call) => call.kind === 'log').map((call) => call.after)).toEqual([
      1, 149, 300, 449,
    ]);
  });

  it('leaves positions the log cannot show yet for a later load', async () => {
    const log = new FakeLog();
    log.appendMany(3);
    log.append([{}], { hidden: true });
    const { found, gone } = await readReplayedEvents(log, [2, 4]);
    expect(found.map((event) => event.position)).toEqual([2]);
    expect(gone).toEqual([]);
  });

  it('reads nothing for no positions', async () => {
    const log = new FakeLog();
    expect(await readReplayedEvents(log, [])).toEqual({ found: [], gone: [] });
    expect(log.calls).toEqual([]);
  });
});
