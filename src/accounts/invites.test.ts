import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDriver } from '../../test/support/databases.js';
import { createTestServer, type TestServer } from '../../test/support/server.js';
import { basic } from '../../test/support/http.js';

describeEachDriver('registration by invitation', (current) => {
  let server: TestServer;
  before(async () => {
    server = await createTestServer(current(), { env: { REGISTRATION: 'invite' } });
    await server.app.ready();
  });
  after(async () => server?.app.close());

  const register = (username: string, inviteCode?: string) =>
    server.app.inject({ method: 'POST', url: '/api/v1/accounts', payload: { username, password: `${username} password`, ...(inviteCode ? { inviteCode } : {}) } });

  it('lets the first account in, then only people with a valid, unused invitation', async () => {
    assert.equal((await register('admin')).statusCode, 201);
    const none = await register('stranger');
    assert.equal(none.statusCode, 403);
    assert.equal(none.json().error.code, 'invite_required');
    const created = await server.app.inject({ method: 'POST', url: '/api/v1/invites', headers: { authorization: basic('admin', 'admin password') } });
    assert.equal(created.statusCode, 201);
    const { code } = created.json();
    assert.match(code, /^bin_/);
    assert.equal((await register('friend', code)).statusCode, 201);
    const reused = await register('other', code);
    assert.equal(reused.statusCode, 403);
    assert.equal(reused.json().error.code, 'invalid_invite');
    assert.equal((await register('other', `${code.slice(0, -1)}${code.endsWith('x') ? 'y' : 'x'}`)).statusCode, 403);
    assert.equal(await server.accounts.findByUsername('other'), undefined, 'a refused invitation creates nothing');

    const byFriend = await server.app.inject({ method: 'POST', url: '/api/v1/invites', headers: { authorization: basic('friend', 'friend password') } });
    assert.equal(byFriend.statusCode, 403);
    assert.equal(byFriend.json().error.code, 'admin_required');
  });

  it('refuses an expired invitation, and lets one code through once when raced', async () => {
    const old = await server.accounts.invites.create('test', new Date(Date.now() - 8 * 86_400_000));
    assert.equal((await register('late', old.code)).statusCode, 403);
    const invite = await server.accounts.invites.create('test');
    const outcomes = await Promise.all(['racer1', 'racer2', 'racer3'].map((name) => register(name, invite.code)));
    assert.deepEqual(outcomes.map((response) => response.statusCode).sort(), [201, 403, 403]);
  });
});
