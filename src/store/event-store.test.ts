import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createTestDatabase, describeEachDriver, type TestDatabase } from '../../test/support/databases.js';
import { EventStore, InvalidEventError } from './event-store.js';
import { comparePositions, ConcurrencyError, DuplicateEventError, START, type GlobalPosition, type NewEvent } from './events.js';

const played = (n: number): NewEvent => ({ type: 'PositionUpdated', data: { position: n } });

describeEachDriver('event store', (current) => {
  let store: EventStore;
  let stream: string;
  beforeEach(() => {
    store = new EventStore(current().db);
    stream = `user-${randomUUID()}`;
  });

  it('appends and reads a stream with versions, data and metadata', async () => {
    const metadata = {
      userId: 'u1',
      deviceId: 'phone',
      correlationId: 'c1',
      causationId: 'cmd1',
      clientTimestamp: '2026-11-25T10:00:00.000Z',
    };
    const first = await store.appendToStream(stream, [{ type: 'Subscribed', data: { feed: 'https://a.example/rss' }, metadata }]);
    assert.equal(first.nextExpectedVersion, 1);
    const second = await store.appendToStream(stream, [played(10), played(20)], { expectedVersion: 1 });
    assert.equal(second.nextExpectedVersion, 3);
    const read = await store.readStream(stream);
    assert.equal(read.currentVersion, 3);
    assert.deepEqual(read.events.map((event) => [event.streamVersion, event.type, event.data]), [
      [1, 'Subscribed', { feed: 'https://a.example/rss' }],
      [2, 'PositionUpdated', { position: 10 }],
      [3, 'PositionUpdated', { position: 20 }],
    ]);
    assert.deepEqual(read.events[0]!.metadata, metadata);
    assert.ok(read.events[0]!.recordedAt instanceof Date);
    assert.ok(Math.abs(read.events[0]!.recordedAt.getTime() - Date.now()) < 60_000);
    assert.deepEqual(read.events[1]!.globalPosition, second.events[0]!.globalPosition);
    const partial = await store.readStream(stream, { fromVersion: 2, maxCount: 1 });
    assert.deepEqual(partial.events.map((event) => event.streamVersion), [2]);
  });

  it('reports a missing stream as version 0 with no events', async () => {
    const read = await store.readStream(stream);
    assert.deepEqual(read, { currentVersion: 0, events: [] });
  });

  it('refuses appends whose expected version does not match, without writing', async () => {
    await store.appendToStream(stream, [played(1)], { expectedVersion: 'no_stream' });
    await assert.rejects(store.appendToStream(stream, [played(2)], { expectedVersion: 'no_stream' }), (error: unknown) => {
      assert.ok(error instanceof ConcurrencyError);
      assert.equal(error.actual, 1);
      assert.equal(error.code, 'concurrency_conflict');
      return true;
    });
    await assert.rejects(store.appendToStream(stream, [played(2)], { expectedVersion: 0 }), ConcurrencyError);
    await assert.rejects(store.appendToStream(stream, [played(2)], { expectedVersion: 5 }), ConcurrencyError);
    await assert.rejects(store.appendToStream(`${stream}-other`, [played(2)], { expectedVersion: 'stream_exists' }), ConcurrencyError);
    await assert.rejects(store.appendToStream(`${stream}-other`, [played(2)], { expectedVersion: 3 }), ConcurrencyError);
    await store.appendToStream(stream, [played(2)], { expectedVersion: 'stream_exists' });
    await store.appendToStream(stream, [played(3)], { expectedVersion: 2 });
    await assert.rejects(store.appendToStream(stream, [], { expectedVersion: 2 }), ConcurrencyError);
    const read = await store.readStream(stream);
    assert.deepEqual(read.events.map((event) => event.data), [{ position: 1 }, { position: 2 }, { position: 3 }]);
    assert.equal((await store.readStream(`${stream}-other`)).currentVersion, 0);
  });

  it('lets exactly one of two writers with the same expected version win', async () => {
    await store.appendToStream(stream, [played(0)]);
    const outcomes = await Promise.allSettled([
      store.appendToStream(stream, [played(1)], { expectedVersion: 1 }),
      store.appendToStream(stream, [played(2)], { expectedVersion: 1 }),
    ]);
    assert.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled').length, 1);
    const rejected = outcomes.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
    assert.ok(rejected.reason instanceof ConcurrencyError);
    assert.equal((await store.readStream(stream)).currentVersion, 2);
  });

  it('refuses a duplicate event id and keeps the batch all-or-nothing', async () => {
    const id = randomUUID();
    await store.appendToStream(stream, [{ ...played(1), id }]);
    await assert.rejects(store.appendToStream(stream, [played(2), { ...played(3), id }]), DuplicateEventError);
    const read = await store.readStream(stream);
    assert.equal(read.currentVersion, 1);
    assert.equal(read.events.length, 1);
  });

  it('refuses event data that PostgreSQL cannot store, with a clear error', async () => {
    await assert.rejects(store.appendToStream(stream, [{ type: 'X', data: { title: 'a\u0000b' } }]), InvalidEventError);
    assert.equal((await store.readStream(stream)).currentVersion, 0);
  });

  // Readers stay below the oldest transaction running in the database: on a PostgreSQL server
  // shared with other test files, one of theirs can hold back what this suite committed. Waits
  // until the safe head has reached `position`.
  async function readableUpTo(position: GlobalPosition): Promise<GlobalPosition> {
    for (let waited = 0; ; waited += 20) {
      const head = await store.head();
      if (comparePositions(head, position) >= 0) return head;
      assert.ok(waited < 30_000, 'committed events never became readable');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('reads the global log in order from a checkpoint, by pages and by type', async () => {
    // Start after everything earlier tests committed, once it is all readable.
    const latest = await current().db.query<{ transaction_text: string; global_position: number }>(
      'SELECT transaction_id::text AS transaction_text, global_position FROM events ORDER BY transaction_id DESC, global_position DESC LIMIT 1',
    );
    const row = latest.rows[0];
    const start = await readableUpTo(row ? { transactionId: row.transaction_text, position: Number(row.global_position) } : START);
    const streams = [stream, `${stream}-b`];
    let last = start;
    for (let i = 0; i < 5; i++) {
      const appended = await store.appendToStream(streams[i % 2]!, [played(i), { type: 'Other', data: { i } }]);
      last = appended.events[1]!.globalPosition;
    }
    await readableUpTo(last);
    const seen: unknown[] = [];
    let checkpoint = start;
    for (;;) {
      const page = await store.readAll({ after: checkpoint, limit: 3 });
      seen.push(...page.events.map((event) => event.data));
      checkpoint = page.checkpoint;
      if (!page.hasMore) break;
    }
    assert.equal(seen.length, 10);
    assert.deepEqual(seen.slice(0, 4), [{ position: 0 }, { i: 0 }, { position: 1 }, { i: 1 }]);
    assert.deepEqual(checkpoint, await store.head());

    const filtered = await store.readAll({ after: start, types: ['Other'], limit: 100 });
    assert.deepEqual(filtered.events.map((event) => event.data), [0, 1, 2, 3, 4].map((i) => ({ i })));
    assert.deepEqual(filtered.checkpoint, await store.head());
    const none = await store.readAll({ after: start, types: ['Nothing'] });
    assert.equal(none.events.length, 0);
    assert.deepEqual(none.checkpoint, await store.head(), 'the checkpoint moves past events of other types');
    const empty = await store.readAll({ after: await store.head() });
    assert.deepEqual(empty, { events: [], checkpoint: await store.head(), hasMore: false });
    assert.deepEqual((await store.readAll({ after: START, limit: 1 })).events.length, 1);
  });
});

// The bug this pins (ORDER BY resolving to the text form of the transaction id, so 1000 sorted
// before 999) lives in SQL both drivers share. PGlite's transaction ids start near 750, so a
// digit boundary is always a few thousand statements away; a long-lived PostgreSQL server's may
// be millions away.
describe('event store global order across a digit boundary [pglite]', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase('pglite');
  });
  after(async () => database?.dispose());

  it('orders the global log by transaction number, also where the number gains a digit', async () => {
    const { db } = database;
    const store = new EventStore(db);
    const stream = `xid-${randomUUID()}`;
    const xid = async () => BigInt((await db.query<{ x: string }>('SELECT pg_current_xact_id()::text AS x')).rows[0]!.x);
    const now = await xid();
    const boundary = 10n ** BigInt(now.toString().length);
    const start = await store.head();
    // Each standalone pg_current_xact_id() burns one transaction id.
    while ((await xid()) < boundary - 3n);
    for (let i = 0; i < 5; i++) await store.appendToStream(stream, [played(i)]);
    const read = await store.readAll({ after: start, limit: 3 });
    const rest = await store.readAll({ after: read.checkpoint, limit: 10 });
    const ids = [...read.events, ...rest.events].map((event) => BigInt(event.globalPosition.transactionId));
    assert.ok(ids[0]! < boundary && ids.at(-1)! >= boundary, `crossed ${boundary}: ${ids.join(',')}`);
    assert.deepEqual([...read.events, ...rest.events].map((event) => event.data), [0, 1, 2, 3, 4].map((position) => ({ position })));
  });
});
