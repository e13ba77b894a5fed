import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachDriver } from '../../test/support/databases.js';
import { spec } from '../../test/support/specification.js';
import { EventStore } from '../store/event-store.js';
import { CommandHandler } from './command-handler.js';
import { SnapshotCommandHandler, type Snapshotting } from './snapshot-handler.js';
import { DomainError, type Decider } from './decider.js';

// A tiny decider for the machinery's tests: a counter that refuses to go below zero.
type CounterEvent = { type: 'Incremented'; data: { by: number } } | { type: 'Decremented'; data: { by: number } };
type CounterCommand = { kind: 'increment'; by: number } | { kind: 'decrement'; by: number };

const counter: Decider<CounterCommand, CounterEvent, number> = {
  initialState: () => 0,
  evolve: (state, event) => (event.type === 'Incremented' ? state + event.data.by : state - event.data.by),
  decide(command, state) {
    if (command.by === 0) return [];
    if (command.kind === 'increment') return [{ type: 'Incremented', data: { by: command.by } }];
    if (state < command.by) throw new DomainError('below_zero', `Cannot take ${command.by} from ${state}`);
    return [{ type: 'Decremented', data: { by: command.by } }];
  },
};

it('specifies deciders with given/when/then', () => {
  spec(counter).given([]).when({ kind: 'increment', by: 2 }).then([{ type: 'Incremented', data: { by: 2 } }]);
  spec(counter).given([{ type: 'Incremented', data: { by: 1 } }]).when({ kind: 'decrement', by: 2 }).thenThrows(DomainError, /Cannot take 2 from 1/);
  spec(counter).given([{ type: 'Incremented', data: { by: 1 } }]).when({ kind: 'increment', by: 0 }).thenNothing();
});

describeEachDriver('command handler', (current) => {
  it('decides on the current state, appends with its version, and retries after a concurrent write', async () => {
    const store = new EventStore(current().db);
    const handler = new CommandHandler(store, counter);
    const stream = `counter-${Date.now()}`;
    const first = await handler.handle(stream, { kind: 'increment', by: 5 }, { metadata: { userId: 'u1', deviceId: 'd1' } });
    assert.equal(first.state, 5);
    assert.equal(first.version, 1);
    assert.equal(first.events[0]!.metadata.deviceId, 'd1');

    const results = await Promise.all(Array.from({ length: 5 }, () => handler.handle(stream, { kind: 'decrement', by: 1 }, { maxAttempts: 10 })));
    assert.deepEqual(results.map((result) => result.state).sort(), [0, 1, 2, 3, 4]);
    await assert.rejects(handler.handle(stream, { kind: 'decrement', by: 1 }), DomainError);
    const read = await store.readStream(stream);
    assert.equal(read.currentVersion, 6);
    const unchanged = await handler.handle(stream, { kind: 'increment', by: 0 });
    assert.deepEqual(unchanged.events, []);
    assert.equal(unchanged.version, 6);
  });
});

describeEachDriver('snapshot command handler', (current) => {
  const asNumber: Snapshotting<number> = { schemaVersion: 1, toSnapshot: (state) => ({ total: state }), fromSnapshot: (json) => (json as { total: number }).total };

  it('decides like the folding handler, from a snapshot written with each append', async () => {
    const store = new EventStore(current().db);
    const handler = new SnapshotCommandHandler(store, counter, asNumber);
    const stream = `snap-counter-${Date.now()}`;
    await handler.handle(stream, { kind: 'increment', by: 5 });
    const results = await Promise.all(Array.from({ length: 5 }, () => handler.handle(stream, { kind: 'decrement', by: 1 }, { maxAttempts: 10 })));
    assert.deepEqual(results.map((result) => result.state).sort(), [0, 1, 2, 3, 4]);
    await assert.rejects(handler.handle(stream, { kind: 'decrement', by: 1 }), DomainError);
    const snapshot = await current().db.query<{ version: number; state: unknown }>('SELECT version, state FROM snapshots WHERE stream_id = $1', [stream]);
    assert.deepEqual([Number(snapshot.rows[0]!.version), snapshot.rows[0]!.state], [6, { total: 0 }]);

    // Events appended without a snapshot (another writer) are folded on top of it.
    await store.appendToStream(stream, [{ type: 'Incremented', data: { by: 7 } }]);
    assert.deepEqual(await handler.load(stream), { state: 7, version: 7 });
    // A snapshot of another shape is ignored: the whole stream is folded.
    await current().db.query('UPDATE snapshots SET schema_version = 0, state = $2 WHERE stream_id = $1', [stream, JSON.stringify({ total: 1000 })]);
    assert.deepEqual(await handler.load(stream), { state: 7, version: 7 });
    const next = await handler.handle(stream, { kind: 'decrement', by: 7 });
    assert.deepEqual([next.state, next.version], [0, 8]);
    assert.deepEqual(await handler.load(`never-${Date.now()}`), { state: 0, version: 0 });
  });
});
