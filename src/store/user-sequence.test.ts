import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { beforeEach, it } from 'node:test';
import { createTestDatabase, describeEachDriver } from '../../test/support/databases.js';
import { EventStore } from './event-store.js';
import { ConcurrencyError, type NewEvent } from './events.js';
import { loadMigrations, migrate } from './migrations.js';
import type { Sql } from './sql.js';

const change = (userId: string | undefined, n: number): NewEvent => ({
  type: 'Changed',
  data: { n },
  ...(userId ? { metadata: { userId } } : {}),
});

async function userSeqs(sql: Sql, userId: string, after = 0): Promise<number[]> {
  const result = await sql.query<{ user_seq: number }>('SELECT user_seq FROM events WHERE user_id = $1 AND user_seq > $2 ORDER BY user_seq', [userId, after]);
  return result.rows.map((row) => Number(row.user_seq));
}

describeEachDriver('per-account event numbering', (current) => {
  let store: EventStore;
  let user: string;
  beforeEach(() => {
    store = new EventStore(current().db);
    user = `u-${randomUUID()}`;
  });

  it('numbers an account’s events 1, 2, 3… across its streams, apart from other accounts', async () => {
    const first = await store.appendToStream(`a-${user}`, [change(user, 1), change(user, 2)]);
    await store.appendToStream(`b-${user}`, [change('someone-else', 1)]);
    const anonymous = await store.appendToStream(`c-${user}`, [change(undefined, 1)]);
    const second = await store.appendToStream(`b-${randomUUID()}`, [change(user, 3)]);
    assert.deepEqual(first.events.map((event) => event.userSeq), [1, 2]);
    assert.deepEqual(second.events.map((event) => event.userSeq), [3]);
    assert.equal(anonymous.events[0]!.userSeq, undefined);
    const read = await store.readStream(`a-${user}`);
    assert.deepEqual(read.events.map((event) => event.userSeq), [1, 2]);
    assert.deepEqual(await userSeqs(current().db, 'someone-else'), [1]);
  });

  it('does not use up a number when an append is refused', async () => {
    await store.appendToStream(`a-${user}`, [change(user, 1)]);
    await assert.rejects(store.appendToStream(`a-${user}`, [change(user, 2)], { expectedVersion: 0 }), ConcurrencyError);
    await assert.rejects(store.appendToStream(`a-${user}`, [change(user, 2)], { expectedVersion: 5 }), ConcurrencyError);
    const next = await store.appendToStream(`a-${user}`, [change(user, 2)], { expectedVersion: 1 });
    assert.deepEqual(next.events.map((event) => event.userSeq), [2]);
  });

  it('never lets a reader see a number before all the lower ones, with concurrent writers', async () => {
    const writers = 8;
    const perWriter = 20;
    let writing = true;
    const seen: number[] = [];
    const reader = (async () => {
      const other = current().connect({ maxConnections: 1 });
      try {
        while (writing) {
          const fresh = await userSeqs(other, user, seen.length);
          // Contiguous from where the reader stopped: a later commit never fills a gap below.
          fresh.forEach((seq, index) => assert.equal(seq, seen.length + index + 1, `saw ${fresh.join(',')} after ${seen.length}`));
          seen.push(...fresh);
          await new Promise((resolve) => setImmediate(resolve));
        }
      } finally {
        if (other !== current().db) await other.close();
      }
    })();
    await Promise.all(
      Array.from({ length: writers }, async (_, writer) => {
        for (let n = 0; n < perWriter; n++) await store.appendToStream(`w${writer}-${user}`, [change(user, n)]);
      }),
    );
    writing = false;
    await reader;
    const all = await userSeqs(current().db, user);
    assert.deepEqual(all, Array.from({ length: writers * perWriter }, (_, index) => index + 1));
  });

  it('numbers the events recorded before the numbering existed, in commit order', async () => {
    const test = await createTestDatabase(current().driver, { migrated: false });
    try {
      const migrations = loadMigrations();
      const before = migrations.filter((migration) => migration.version < 6);
      await migrate(test.db, before);
      for (const [stream, userId] of [['s1', 'alice'], ['s2', 'bob'], ['s1', 'alice'], ['s3', undefined], ['s4', 'alice']] as const) {
        await test.db.query(`INSERT INTO events (stream_id, stream_version, event_id, type, data, metadata)
          VALUES ($1, (SELECT count(*) + 1 FROM events WHERE stream_id = $1), $2, 'Old', '{}', $3)`, [stream, randomUUID(), JSON.stringify(userId ? { userId } : {})]);
      }
      await migrate(test.db, migrations);
      assert.deepEqual(await userSeqs(test.db, 'alice'), [1, 2, 3]);
      assert.deepEqual(await userSeqs(test.db, 'bob'), [1]);
      const next = await new EventStore(test.db).appendToStream('s5', [change('alice', 9)]);
      assert.equal(next.events[0]!.userSeq, 4);
    } finally {
      await test.dispose();
    }
  });
});
