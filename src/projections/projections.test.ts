import assert from 'node:assert/strict';
import { beforeEach, it } from 'node:test';
import { describeEachDriver } from '../../test/support/databases.js';
import { projectorTables, streamTotals, tableRows, typeTotals } from '../../test/support/projectors.js';
import { EventStore } from '../store/event-store.js';
import type { NewEvent } from '../store/events.js';
import { AsyncProjectionRunner } from './async-runner.js';
import { applyNextBatch } from './catch-up.js';
import { readCheckpoint } from './checkpoints.js';
import { rebuildProjection, type RebuildProgress } from './rebuild.js';
import { prepareProjections } from './startup.js';
import { projectionStatuses } from './status.js';

let seq = 0;
const added = (amount: number): NewEvent => ({ type: 'Added', data: { amount, seq: ++seq } });
const removed = (amount: number): NewEvent => ({ type: 'Removed', data: { amount, seq: ++seq } });
const ignored = (): NewEvent => ({ type: 'Ignored', data: { seq: ++seq } });

async function until(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeEachDriver('projections', (current, driver) => {
  beforeEach(async () => {
    const { db } = current();
    await db.exec(`DROP TABLE IF EXISTS test_stream_totals, test_type_totals; DELETE FROM projection_checkpoints; DELETE FROM events; DELETE FROM streams; ${projectorTables}`);
  });

  // PGlite has one connection: no other transaction can stay open beside the rebuild.
  if (driver === 'postgres') it('rebuilds an async projection to every event committed before it began, waiting for older transactions', async () => {
    const { db } = current();
    const projector = typeTotals();
    const store = new EventStore(db);
    await prepareProjections(db, store, [projector]);
    // A transaction that began first (and holds an id) keeps later commits out of safe reads.
    const other = current().connect();
    let end!: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const blocker = other.transaction(async (tx) => {
      await tx.query('SELECT pg_current_xact_id()');
      holding();
      await ended;
    });
    await held;
    let settled = false;
    let rebuild: ReturnType<typeof rebuildProjection> | undefined;
    try {
      await store.appendToStream('s-horizon', [added(1), added(2), added(3)]);
      rebuild = rebuildProjection(db, store, projector).finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(settled, false, 'the rebuild waits for the transaction that began before it');
    } finally {
      // Never left open: it would hold back every other test on the server.
      end();
      await blocker;
      await other.close();
    }
    assert.equal((await rebuild).applied, 3);
    assert.deepEqual((await tableRows(db, 'test_type_totals', 'type') as { total: number }[]).map((row) => Number(row.total)), [6]);
  });

  it('updates an inline projection in the same transaction as the append', async () => {
    const { db } = current();
    const inline = streamTotals();
    const store = new EventStore(db, { inlineProjectors: [inline] });
    await prepareProjections(db, store, [inline]);
    await store.appendToStream('s-inline', [added(5), ignored(), removed(2)]);
    assert.deepEqual(await tableRows(db, 'test_stream_totals', 'stream_id'), [{ stream_id: 's-inline', events: 2, total: 3, last_version: 3 }]);
  });

  it('rolls the append back when an inline projector fails', async () => {
    const { db } = current();
    const failing = { ...streamTotals(), apply: async () => Promise.reject(new Error('projector bug')) };
    const store = new EventStore(db, { inlineProjectors: [failing] });
    await assert.rejects(store.appendToStream('s-fail', [added(1)]), /projector bug/);
    assert.equal((await store.readStream('s-fail')).currentVersion, 0);
  });

  it('catches an async projection up in the background, and survives a crash between events', async () => {
    const { db } = current();
    const faults = { failAtSeq: 0 };
    const projector = typeTotals(faults);
    const store = new EventStore(db);
    await prepareProjections(db, store, [projector]);
    const runner = new AsyncProjectionRunner(db, store, [projector], { batchSize: 7, idleIntervalMs: 20, initialBackoffMs: 10 });
    const written: NewEvent[] = [];
    for (let i = 0; i < 30; i++) written.push(i % 5 === 4 ? removed(i) : i % 7 === 0 ? ignored() : added(i));
    faults.failAtSeq = (written[17]!.data as { seq: number }).seq;
    runner.start();
    try {
      for (let i = 0; i < written.length; i += 3) await store.appendToStream(`s-${i % 4}`, written.slice(i, i + 3));
      const expectedEvents = written.filter((event) => event.type !== 'Ignored').length;
      await until(async () => {
        const rows = (await tableRows(db, 'test_type_totals', 'type')) as { events: number }[];
        return rows.reduce((sum, row) => sum + Number(row.events), 0) === expectedEvents;
      });
    } finally {
      await runner.stop();
    }
    assert.equal(faults.failAtSeq, undefined, 'the simulated crash happened');
    const [status] = await projectionStatuses(db, [projector]);
    assert.equal(status!.state, 'up_to_date');
    assert.equal(status!.lag, 0);
    const incremental = await tableRows(db, 'test_type_totals', 'type');
    const sumOf = (type: string) =>
      written.filter((event) => event.type === type).reduce((sum, event) => sum + (event.data as { amount: number }).amount, 0);
    assert.deepEqual(
      (incremental as { type: string; total: number }[]).map((row) => [row.type, Number(row.total)]),
      [['Added', sumOf('Added')], ['Removed', sumOf('Removed')]],
    );
    await rebuildProjection(db, store, projector, { batchSize: 4 });
    assert.deepEqual(await tableRows(db, 'test_type_totals', 'type'), incremental, 'rebuild equals incremental');
  });

  it('records a failing batch and leaves the checkpoint where it was', async () => {
    const { db } = current();
    const faults = { failAtSeq: 0 };
    const projector = typeTotals(faults);
    const store = new EventStore(db);
    await prepareProjections(db, store, [projector]);
    const events = [added(1), added(2), added(3)];
    faults.failAtSeq = (events[1]!.data as { seq: number }).seq;
    await store.appendToStream('s-crash', events);
    const before = await readCheckpoint(db, projector.name);
    // Another transaction on a shared server can hold the log's safe head back a moment: until
    // the batch is readable, a run finds nothing to apply (and must not pass for the crash).
    const firstRun = async () => {
      for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 20))) {
        const outcome = await applyNextBatch(db, store, projector, 100);
        assert.equal(outcome.applied, 0, 'the batch holding the failing event is never applied');
      }
    };
    await assert.rejects(firstRun(), /simulated crash/);
    assert.deepEqual((await readCheckpoint(db, projector.name))!.position, before!.position);
    assert.deepEqual(await tableRows(db, 'test_type_totals', 'type'), [], 'the partial batch was rolled back');
    const retried = await applyNextBatch(db, store, projector, 100);
    assert.equal(retried.applied, 3);
    assert.deepEqual((await tableRows(db, 'test_type_totals', 'type') as { total: number }[]).map((row) => Number(row.total)), [6]);
  });

  it('rebuilds an inline projection to exactly the incremental rows, reporting progress', async () => {
    const { db } = current();
    const inline = streamTotals();
    const store = new EventStore(db, { inlineProjectors: [inline] });
    await prepareProjections(db, store, [inline]);
    for (let i = 0; i < 40; i++) await store.appendToStream(`s-${i % 6}`, [added(i), i % 3 === 0 ? removed(1) : ignored()]);
    const incremental = await tableRows(db, 'test_stream_totals', 'stream_id');
    const progress: RebuildProgress[] = [];
    const result = await rebuildProjection(db, store, inline, { batchSize: 9, onProgress: (p) => progress.push(p) });
    assert.equal(result.applied, 54);
    assert.deepEqual(await tableRows(db, 'test_stream_totals', 'stream_id'), incremental);
    assert.equal(progress.at(-1)!.applied, 54);
    assert.equal(progress.at(-1)!.total, 54);
    assert.ok(progress.length >= 6);
  });

  it('rebuilds a projector whose version changed, and only that one, at startup', async () => {
    const { db } = current();
    const v1 = streamTotals(['Added']);
    const store = new EventStore(db, { inlineProjectors: [v1] });
    assert.deepEqual(await prepareProjections(db, store, [v1, typeTotals()]), ['test_stream_totals', 'test_type_totals']);
    await store.appendToStream('s-v', [added(1), removed(1)]);
    assert.deepEqual(await tableRows(db, 'test_stream_totals', 'stream_id'), [{ stream_id: 's-v', events: 1, total: 1, last_version: 1 }]);
    const v2 = streamTotals(['Added', 'Removed'], 2);
    const statuses = await projectionStatuses(db, [v2]);
    assert.equal(statuses[0]!.state, 'needs_rebuild');
    assert.deepEqual(await prepareProjections(db, new EventStore(db, { inlineProjectors: [v2] }), [v2, typeTotals()]), ['test_stream_totals']);
    assert.deepEqual(await tableRows(db, 'test_stream_totals', 'stream_id'), [{ stream_id: 's-v', events: 2, total: 0, last_version: 2 }]);
  });

  it('shares an async projection between two server processes without applying an event twice', async () => {
    const { db, connect } = current();
    const projector = typeTotals();
    const store = new EventStore(db);
    await prepareProjections(db, store, [projector]);
    // Two runners on two connection pools: two processes as far as PostgreSQL can tell.
    const otherDb = connect({ maxConnections: 2 });
    const runners = [
      new AsyncProjectionRunner(db, store, [projector], { batchSize: 5, idleIntervalMs: 5 }),
      new AsyncProjectionRunner(otherDb, new EventStore(otherDb), [projector], { batchSize: 5, idleIntervalMs: 5 }),
    ];
    runners.forEach((runner) => runner.start());
    let expected = 0;
    try {
      for (let i = 0; i < 60; i++) {
        await store.appendToStream(`shared-${i % 5}`, [added(i)]);
        expected += i;
      }
      await until(async () => {
        const rows = (await tableRows(db, 'test_type_totals', 'type')) as { events: number }[];
        return Number(rows[0]?.events ?? 0) >= 60;
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await Promise.all(runners.map((runner) => runner.stop()));
    }
    const rows = (await tableRows(db, 'test_type_totals', 'type')) as { events: number; total: number }[];
    assert.deepEqual(rows.map((row) => [Number(row.events), Number(row.total)]), [[60, expected]]);
  });

  it('keeps appends made while an inline projection is being rebuilt', async () => {
    const { db } = current();
    const scratchSchemas = async () => (await db.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'balados_rebuild_%'`)).rows.map((row) => row.nspname);
    const earlier = new Set(await scratchSchemas());
    const inline = streamTotals();
    const store = new EventStore(db, { inlineProjectors: [inline] });
    await prepareProjections(db, store, [inline]);
    for (let i = 0; i < 60; i++) await store.appendToStream(`during-${i % 5}`, [added(i)]);
    let appended = 0;
    let rebuilding = true;
    const writer = (async () => {
      while (rebuilding || appended < 20) {
        await store.appendToStream(`during-${appended % 7}`, [added(1000 + appended), removed(1)]);
        appended++;
      }
    })();
    const result = await rebuildProjection(db, store, inline, { batchSize: 7 });
    rebuilding = false;
    await writer;
    assert.ok(result.applied >= 60);
    const afterRebuild = await tableRows(db, 'test_stream_totals', 'stream_id');
    await rebuildProjection(db, store, inline);
    assert.deepEqual(afterRebuild, await tableRows(db, 'test_stream_totals', 'stream_id'), 'nothing appended during the rebuild was lost or doubled');
    // Suites running beside this one on the shared server rebuild too: their scratch schemas come
    // and go within moments, while one this rebuild left behind would stay.
    const leftover = async () => (await scratchSchemas()).filter((name) => !earlier.has(name));
    for (const deadline = Date.now() + 15_000; (await leftover()).length > 0 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(await leftover(), [], 'the scratch schema is gone');
  });
});
