import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDriver } from '../../test/support/databases.js';
import { createTestServer, type TestServer } from '../../test/support/server.js';
import { housekeeping } from './housekeeping.js';

describeEachDriver('housekeeping', (current) => {
  let server: TestServer;
  before(async () => {
    server = await createTestServer(current());
    await server.app.ready();
  });
  after(async () => server?.app.close());

  it('purges expired sessions and old rate-limit windows, and keeps live ones', async () => {
    const { db } = current();
    const user = await server.accounts.register('alice', 'alice password');
    const live = await server.accounts.sessions.create(user.userId, 'live');
    const stale = await server.accounts.sessions.create(user.userId, 'stale');
    await db.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_agent = 'stale'`);
    await db.query(`INSERT INTO rate_limits (key, window_start, hits) VALUES ('old', now() - interval '2 days', 3), ('recent', now(), 1)`);
    const purged = await housekeeping(db, server.accounts);
    assert.equal(purged.sessions, 1);
    assert.ok(await server.accounts.sessions.resolve(live.secret));
    assert.equal(await server.accounts.sessions.resolve(stale.secret), undefined);
    const limits = await db.query<{ key: string }>('SELECT key FROM rate_limits ORDER BY key');
    assert.deepEqual(limits.rows.map((row) => row.key), ['recent']);
  });
});
