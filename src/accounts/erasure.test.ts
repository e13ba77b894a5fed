import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDriver } from '../../test/support/databases.js';
import { createTestServer, type TestServer } from '../../test/support/server.js';
import { eventTypeCounts } from '../operations/event-type-counts.js';
import { applyNextBatch } from '../projections/catch-up.js';
import { rebuildProjection } from '../projections/rebuild.js';
import { accountsProjector } from './accounts-projector.js';
import { devicesProjector } from './devices/devices-projector.js';
import { AccountEraser } from './erasure.js';
import { grantsProjector } from './oauth/grants-projector.js';
import { basic } from '../../test/support/http.js';

describeEachDriver('account export and erasure', (current) => {
  let server: TestServer;
  let aliceId: string;
  let bobId: string;
  before(async () => {
    server = await createTestServer(current(), { env: { REGISTRATION: 'open' } });
    await server.app.ready();
    aliceId = (await server.accounts.register('alice', 'alice password')).userId;
    bobId = (await server.accounts.register('bob', 'bob password')).userId;
    await server.devices.save(aliceId, 'phone', { caption: 'Phone', type: 'mobile' });
    await server.devices.save(bobId, 'laptop');
    await server.accounts.createAppPassword(aliceId, 'AntennaPod', 'phone');
    await server.accounts.createPersonalToken(aliceId, 'script', ['user.plays.read'], null);
  });
  after(async () => server?.app.close());

  const countAll = async () => {
    const projector = eventTypeCounts();
    // The server's own runner may hold the projector's lock for a batch: wait for a run of ours to find nothing left.
    for (;;) {
      const outcome = await applyNextBatch(current().db, server.store, projector, 1000);
      if (outcome.ran && !outcome.hasMore) break;
      if (!outcome.ran) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const rows = await current().db.query<{ type: string; events: number }>('SELECT type, events FROM event_type_counts ORDER BY type');
    return Object.fromEntries(rows.rows.map((row) => [row.type, Number(row.events)]));
  };

  it('exports the account summary and all its events, without secrets or other users', async () => {
    const response = await server.app.inject({ method: 'GET', url: '/api/v1/me/export', headers: { authorization: basic('alice', 'alice password') } });
    assert.equal(response.statusCode, 200);
    assert.match(response.headers['content-disposition'] as string, /attachment; filename="balados-alice-\d{4}-\d{2}-\d{2}\.json"/);
    const body = response.json();
    assert.equal(body.account.username, 'alice');
    assert.deepEqual(body.devices.map((d: { id: string }) => d.id), ['phone']);
    assert.deepEqual(body.credentials.map((c: { label: string }) => c.label).sort(), ['AntennaPod', 'script']);
    assert.deepEqual(body.events.map((e: { type: string }) => e.type), ['AccountRegistered', 'DeviceRegistered', 'AppPasswordCreated', 'PersonalTokenCreated']);
    assert.equal(body.events[0].data.passwordHash, '[redacted]');
    assert.ok(!response.body.includes('scrypt$'));
    assert.ok(!response.body.includes(bobId));
    const token = await server.accounts.createPersonalToken(bobId, 'no read', ['user.plays.write'], null);
    const refused = await server.app.inject({ method: 'GET', url: '/api/v1/me/export', headers: { authorization: `Bearer ${token.secret}` } });
    assert.equal(refused.statusCode, 403);
  });

  it('erases an account, its read models and sessions, leaving an anonymous record and other users intact', async () => {
    const before = await countAll();
    const wrong = await server.app.inject({ method: 'DELETE', url: '/api/v1/me', headers: { authorization: basic('alice', 'alice password') }, payload: { password: 'nope' } });
    assert.equal(wrong.statusCode, 403);
    assert.ok(await server.accounts.findByUsername('alice'));
    await server.accounts.sessions.create(aliceId, 'test');

    const erased = await server.app.inject({ method: 'DELETE', url: '/api/v1/me', headers: { authorization: basic('alice', 'alice password') }, payload: { password: 'alice password' } });
    assert.equal(erased.statusCode, 204);

    const { db } = current();
    for (const [table, column] of [['accounts', 'user_id'], ['account_credentials', 'user_id'], ['devices', 'user_id'], ['sessions', 'user_id'], ['streams', 'user_id']]) {
      const left = await db.query(`SELECT 1 FROM ${table} WHERE ${column} = $1`, [aliceId]);
      assert.equal(left.rowCount, 0, table);
    }
    const traces = await db.query(`SELECT type, data, metadata FROM events WHERE stream_id LIKE $1 OR metadata->>'userId' = $2`, [`%${aliceId}%`, aliceId]);
    assert.equal(traces.rowCount, 0);
    const record = await server.store.readStream('erased-accounts');
    assert.deepEqual(record.events.map((event) => [event.type, event.data]), [['AccountErased', { streams: 2, events: 4 }]]);
    assert.ok(!JSON.stringify(record.events).includes('alice'));

    assert.equal((await server.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: basic('alice', 'alice password') } })).statusCode, 401);
    assert.equal((await server.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: basic('bob', 'bob password') } })).statusCode, 200);
    const after = await countAll();
    assert.equal(after.AccountRegistered, before.AccountRegistered! - 1, 'the shared counts were rebuilt without her events');
    assert.equal(after.DeviceRegistered, before.DeviceRegistered! - 1);
    assert.equal(after.AccountErased, 1);
    const again = await server.accounts.register('alice', 'a new alice password');
    assert.notEqual(again.userId, aliceId, 'the name is free again');
  });

  it('does not bring an account back when it is erased while its projection is being rebuilt', async () => {
    const carol = await server.accounts.register('carol', 'carol password');
    await server.accounts.createAppPassword(carol.userId, 'carol phone');
    const eraser = new AccountEraser(server.store, [accountsProjector(), devicesProjector(), grantsProjector(), eventTypeCounts()]);
    let erasure: Promise<unknown> | undefined;
    await rebuildProjection(current().db, server.store, accountsProjector(), {
      batchSize: 1,
      onProgress: () => {
        erasure ??= eraser.erase(carol.userId);
      },
    });
    await erasure;
    assert.equal(await server.accounts.findByUsername('carol'), undefined);
    const rows = await current().db.query('SELECT 1 FROM account_credentials WHERE user_id = $1', [carol.userId]);
    assert.equal(rows.rowCount, 0);
    assert.ok(await server.accounts.findByUsername('bob'), 'the others were rebuilt');
  });
});
