import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { beforeEach, it } from 'node:test';
import { describeEachDriver } from '../../test/support/databases.js';
import { EventStore, InvalidEventError } from './event-store.js';
import { ConcurrencyError, type NewEvent } from './events.js';

const change = (userId: string, n: number): NewEvent => ({ type: 'Changed', data: { n }, metadata: { userId } });

describeEachDriver('appending to several streams at once', (current) => {
  let store: EventStore;
  let run: string;
  beforeEach(() => {
    store = new EventStore(current().db);
    run = randomUUID().slice(0, 8);
  });

  it('creates and extends streams in one go, numbering each account’s events', async () => {
    const [a, b, c] = [`a-${run}`, `b-${run}`, `c-${run}`];
    await store.appendToStream(b, [change(`alice-${run}`, 0)]);
    const recorded = await store.appendMany([
      { streamId: c, expectedVersion: 0, events: [change(`bob-${run}`, 1)] },
      { streamId: a, expectedVersion: 0, events: [change(`alice-${run}`, 1), change(`alice-${run}`, 2)] },
      { streamId: b, expectedVersion: 1, events: [change(`alice-${run}`, 3)] },
    ]);
    const view = recorded.map((event) => [event.streamId, event.streamVersion, (event.data as { n: number }).n, event.userSeq]);
    assert.deepEqual(view, [
      [a, 1, 1, 2],
      [a, 2, 2, 3],
      [b, 2, 3, 4],
      [c, 1, 1, 1],
    ]);
    for (const event of recorded) {
      const read = await store.readStream(event.streamId);
      const stored = read.events.find((candidate) => candidate.id === event.id)!;
      assert.deepEqual([stored.streamVersion, stored.userSeq, stored.globalPosition], [event.streamVersion, event.userSeq, event.globalPosition]);
    }
  });

  it('writes nothing when one stream is not at its expected version', async () => {
    const [a, b] = [`a-${run}`, `b-${run}`];
    await store.appendToStream(b, [change(`carol-${run}`, 0)]);
    for (const wrong of [0, 2]) {
      await assert.rejects(
        store.appendMany([
          { streamId: a, expectedVersion: 0, events: [change(`carol-${run}`, 1)] },
          { streamId: b, expectedVersion: wrong, events: [change(`carol-${run}`, 2)] },
        ]),
        ConcurrencyError,
      );
    }
    // A stream expected at a version it never reached because it does not exist (erased meanwhile).
    const missing = `missing-${run}`;
    await assert.rejects(
      store.appendMany([
        { streamId: missing, expectedVersion: 4, events: [change(`carol-${run}`, 1)] },
        { streamId: b, expectedVersion: 1, events: [change(`carol-${run}`, 2)] },
      ]),
      ConcurrencyError,
    );
    assert.equal((await store.readStream(missing)).currentVersion, 0, 'not created by the refused append');
    await assert.rejects(
      store.appendMany([
        { streamId: b, expectedVersion: 1, events: [change(`carol-${run}`, 2)] },
        { streamId: b, expectedVersion: 1, events: [change(`carol-${run}`, 2)] },
      ]),
      RangeError,
    );
    assert.equal((await store.readStream(a)).currentVersion, 0);
    assert.equal((await store.readStream(b)).currentVersion, 1);
    const next = await store.appendMany([{ streamId: b, expectedVersion: 1, events: [change(`carol-${run}`, 3)] }]);
    assert.deepEqual([next[0]!.streamVersion, next[0]!.userSeq], [2, 2], 'no version or number was used up');
    await assert.rejects(store.appendMany([{ streamId: a, expectedVersion: 0, events: [{ type: 'Bad', data: { text: 'a\u0000b' } }] }]), InvalidEventError);
  });

  it('keeps versions and numbers contiguous under concurrent multi-stream appends', async () => {
    const user = `dave-${run}`;
    const streams = Array.from({ length: 6 }, (_, n) => `s${n}-${run}`);
    const versions = new Map(streams.map((stream) => [stream, 0]));
    await Promise.all(
      Array.from({ length: 4 }, async (_, writer) => {
        for (let round = 0; round < 10; round++) {
          const pick = [streams[(writer + round) % 6]!, streams[(writer + round + 3) % 6]!];
          for (;;) {
            const expected = await Promise.all(pick.map(async (stream) => (await store.readStream(stream)).currentVersion));
            try {
              await store.appendMany(pick.map((stream, index) => ({ streamId: stream, expectedVersion: expected[index]!, events: [change(user, round)] })));
              for (const stream of pick) versions.set(stream, versions.get(stream)! + 1);
              break;
            } catch (error) {
              if (!(error instanceof ConcurrencyError)) throw error;
              // Another writer moved one of the streams: read the versions again.
            }
          }
        }
      }),
    );
    for (const stream of streams) {
      const read = await store.readStream(stream);
      assert.deepEqual(read.events.map((event) => event.streamVersion), Array.from({ length: versions.get(stream)! }, (_, i) => i + 1));
    }
    const seqs = await current().db.query<{ user_seq: number }>('SELECT user_seq FROM events WHERE user_id = $1 ORDER BY user_seq', [user]);
    assert.deepEqual(seqs.rows.map((row) => Number(row.user_seq)), Array.from({ length: 80 }, (_, i) => i + 1));
  });
});
