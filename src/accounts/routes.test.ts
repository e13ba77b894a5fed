import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDriver } from '../../test/support/databases.js';
import { createTestServer, type TestServer } from '../../test/support/server.js';
import { basic } from '../../test/support/http.js';

describeEachDriver('account routes', (current) => {
  let server: TestServer;
  before(async () => {
    server = await createTestServer(current(), { env: { REGISTRATION: 'closed' } });
    await server.app.ready();
  });
  after(async () => server?.app.close());

  const inject = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, authorization?: string, payload?: unknown) =>
    server.app.inject({ method, url, ...(authorization ? { headers: { authorization } } : {}), ...(payload !== undefined ? { payload: payload as object } : {}) });

  it('registers the first account as administrator, then refuses strangers on a closed instance', async () => {
    const first = await inject('POST', '/api/v1/accounts', undefined, { username: 'admin', password: 'correct horse' });
    assert.equal(first.statusCode, 201);
    assert.equal(first.json().admin, true);
    const second = await inject('POST', '/api/v1/accounts', undefined, { username: 'visitor', password: 'correct horse' });
    assert.equal(second.statusCode, 403);
    assert.equal(second.json().error.code, 'registration_closed');
    const invalid = await inject('POST', '/api/v1/accounts', undefined, { username: 'x', password: '1' });
    assert.equal(invalid.statusCode, 400);
    await server.accounts.register('alice', 'alice password', { bypassRegistrationMode: true });
  });

  it('asks for credentials, and tells a wrong password from none', async () => {
    const none = await inject('GET', '/api/v1/me');
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().error.code, 'authentication_required');
    assert.match(none.headers['www-authenticate'] as string, /^Basic realm="Balados Sync"/);
    const wrong = await inject('GET', '/api/v1/me', basic('alice', 'nope nope nope'));
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.json().error.code, 'invalid_credentials');
    const unknown = await inject('GET', '/api/v1/me', basic('nobody', 'alice password'));
    assert.deepEqual(unknown.json(), wrong.json(), 'an unknown user looks exactly like a wrong password');
    const garbage = await inject('GET', '/api/v1/me', 'Basic !!!not-base64');
    assert.equal(garbage.statusCode, 401);
    const other = await inject('GET', '/api/v1/me', 'Digest whatever');
    assert.equal(other.statusCode, 401);
    const me = await inject('GET', '/api/v1/me', basic('ALICE', 'alice password'));
    assert.equal(me.statusCode, 200);
    assert.deepEqual({ ...(me.json() as object), userId: undefined }, { userId: undefined, username: 'alice', admin: false, authenticatedWith: 'password', scopes: ['*'] });
  });

  it('creates an app password that works with HTTP Basic but cannot manage credentials', async () => {
    const created = await inject('POST', '/api/v1/me/app-passwords', basic('alice', 'alice password'), { label: 'AntennaPod', deviceId: 'phone' });
    assert.equal(created.statusCode, 201);
    assert.equal(created.headers['cache-control'], 'no-store');
    const { id, secret } = created.json();
    const me = await inject('GET', '/api/v1/me', basic('alice', secret));
    assert.equal(me.json().authenticatedWith, 'app_password');
    const bearer = await inject('GET', '/api/v1/me', `Bearer ${secret}`);
    assert.equal(bearer.statusCode, 200);
    const escalate = await inject('POST', '/api/v1/me/tokens', basic('alice', secret), { label: 'x', scopes: ['*'] });
    assert.equal(escalate.statusCode, 403);
    assert.equal(escalate.json().error.code, 'password_required');
    const listed = await inject('GET', '/api/v1/me/credentials', basic('alice', 'alice password'));
    assert.deepEqual(listed.json().map((c: { id: string; deviceId: string }) => [c.id, c.deviceId]), [[id, 'phone']]);
    const revoked = await inject('DELETE', `/api/v1/me/credentials/${id}`, basic('alice', 'alice password'));
    assert.equal(revoked.statusCode, 204);
    assert.equal((await inject('GET', '/api/v1/me', basic('alice', secret))).statusCode, 401);
    const again = await inject('DELETE', `/api/v1/me/credentials/${id}`, basic('alice', 'alice password'));
    assert.equal(again.statusCode, 404);
  });

  it('issues scoped tokens, validated against the known scopes', async () => {
    const created = await inject('POST', '/api/v1/me/tokens', basic('alice', 'alice password'), { label: 'script', scopes: ['user.plays.read'], expiresInDays: 30 });
    assert.equal(created.statusCode, 201);
    const me = await inject('GET', '/api/v1/me', `Bearer ${created.json().secret}`);
    assert.deepEqual(me.json().scopes, ['user.plays.read']);
    const bad = await inject('POST', '/api/v1/me/tokens', basic('alice', 'alice password'), { label: 'x', scopes: ['root'] });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'validation_failed');
    const forged = await inject('GET', '/api/v1/me', `Bearer bpt_${'A'.repeat(43)}`);
    assert.equal(forged.statusCode, 401);
  });

  it('changes the password, after which the old one is refused', async () => {
    const wrong = await inject('PUT', '/api/v1/me/password', basic('alice', 'alice password'), { currentPassword: 'not it at all', newPassword: 'new alice password' });
    assert.equal(wrong.statusCode, 403);
    const changed = await inject('PUT', '/api/v1/me/password', basic('alice', 'alice password'), { currentPassword: 'alice password', newPassword: 'new alice password' });
    assert.equal(changed.statusCode, 204);
    assert.equal((await inject('GET', '/api/v1/me', basic('alice', 'alice password'))).statusCode, 401);
    assert.equal((await inject('GET', '/api/v1/me', basic('alice', 'new alice password'))).statusCode, 200);
  });

  it('refuses form-encoded bodies on the JSON API (no cross-site form posts)', async () => {
    const form = await server.app.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'username=alice&password=new%20alice%20password',
    });
    assert.equal(form.statusCode, 415);
    assert.equal(form.cookies.length, 0);
    const appPassword = await server.app.inject({
      method: 'POST',
      url: '/api/v1/me/app-passwords',
      headers: { authorization: basic('alice', 'new alice password'), 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'label=planted',
    });
    assert.equal(appPassword.statusCode, 415);
  });

  it('records the request id and the device on the events a request causes', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/v1/me/app-passwords',
      headers: { authorization: basic('alice', 'new alice password'), 'x-device-id': 'laptop-2', 'x-request-id': 'req-metadata-1' },
      payload: { label: 'metadata check' },
    });
    assert.equal(response.statusCode, 201);
    const userId = (await server.accounts.findByUsername('alice'))!.userId;
    const events = (await server.store.readStream(`account-${userId}`)).events;
    const created = events.find((event) => (event.data as { label?: string }).label === 'metadata check')!;
    assert.equal(created.metadata.correlationId, 'req-metadata-1');
    assert.equal(created.metadata.deviceId, 'laptop-2');
    assert.equal(created.metadata.userId, userId);
    const bad = await server.app.inject({
      method: 'POST',
      url: '/api/v1/me/app-passwords',
      headers: { authorization: basic('alice', 'new alice password'), 'x-device-id': 'not a device id!' },
      payload: { label: 'no device' },
    });
    const unnamed = (await server.store.readStream(`account-${userId}`)).events.find((event) => (event.data as { label?: string }).label === 'no device')!;
    assert.equal(bad.statusCode, 201);
    assert.equal(unnamed.metadata.deviceId, undefined);
  });

  it('never writes a password or secret to the logs', async () => {
    const created = await inject('POST', '/api/v1/me/app-passwords', basic('alice', 'new alice password'), { label: 'log check' });
    await inject('GET', '/api/v1/me', basic('alice', created.json().secret));
    const logs = JSON.stringify(server.logs);
    for (const secret of ['new alice password', 'alice password', 'correct horse', created.json().secret]) assert.ok(!logs.includes(secret), secret);
    assert.ok(!logs.includes(Buffer.from('alice:new alice password').toString('base64')));
  });
});
