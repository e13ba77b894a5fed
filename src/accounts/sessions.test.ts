import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDriver } from '../../test/support/databases.js';
import { createTestServer, type TestServer } from '../../test/support/server.js';

describeEachDriver('web sessions', (current) => {
  let server: TestServer;
  before(async () => {
    server = await createTestServer(current(), { env: { BASE_URL: 'https://sync.example.org' } });
    await server.app.ready();
    await server.accounts.register('alice', 'alice password');
  });
  after(async () => server?.app.close());

  async function login(password = 'alice password') {
    const response = await server.app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'alice', password } });
    const cookie = response.cookies.find((c) => c.name === 'balados_session');
    return { response, cookie: cookie ? `balados_session=${cookie.value}` : '', csrf: response.statusCode === 201 ? (response.json().csrfToken as string) : '' };
  }

  it('logs in with an HTTP-only, SameSite=Lax, Secure cookie', async () => {
    const { response } = await login();
    assert.equal(response.statusCode, 201);
    const cookie = response.cookies.find((c) => c.name === 'balados_session')!;
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(cookie.secure, true);
    assert.match(cookie.value, /^bse_/);
    const stored = await current().db.query<{ session_hash: string }>('SELECT session_hash FROM sessions');
    assert.ok(stored.rows.every((row) => row.session_hash !== cookie.value), 'only a hash of the session is stored');
    const wrong = await login('not the password');
    assert.equal(wrong.response.statusCode, 401);
    assert.equal(wrong.cookie, '');
  });

  it('authenticates requests by cookie and demands the CSRF token for changes', async () => {
    const { cookie, csrf } = await login();
    const me = await server.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } });
    assert.equal(me.json().authenticatedWith, 'session');
    const forged = await server.app.inject({ method: 'POST', url: '/api/v1/me/app-passwords', headers: { cookie }, payload: { label: 'x' } });
    assert.equal(forged.statusCode, 403);
    assert.equal(forged.json().error.code, 'csrf_failed');
    const wrongToken = await server.app.inject({ method: 'POST', url: '/api/v1/me/app-passwords', headers: { cookie, 'x-csrf-token': `${csrf}x` }, payload: { label: 'x' } });
    assert.equal(wrongToken.statusCode, 403);
    const ok = await server.app.inject({ method: 'POST', url: '/api/v1/me/app-passwords', headers: { cookie, 'x-csrf-token': csrf }, payload: { label: 'x' } });
    assert.equal(ok.statusCode, 201);
    const stale = await server.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: 'balados_session=bse_unknown' } });
    assert.equal(stale.statusCode, 401);
    assert.equal(stale.json().error.code, 'authentication_required');
  });

  it('logs out, and a password change ends the other sessions but not the current one', async () => {
    const first = await login();
    const second = await login();
    const out = await server.app.inject({ method: 'DELETE', url: '/api/v1/sessions/current', headers: { cookie: first.cookie, 'x-csrf-token': first.csrf } });
    assert.equal(out.statusCode, 204);
    assert.equal((await server.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: first.cookie } })).statusCode, 401);
    const third = await login();
    const changed = await server.app.inject({
      method: 'PUT',
      url: '/api/v1/me/password',
      headers: { cookie: second.cookie, 'x-csrf-token': second.csrf },
      payload: { currentPassword: 'alice password', newPassword: 'alice new password' },
    });
    assert.equal(changed.statusCode, 204);
    assert.equal((await server.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: second.cookie } })).statusCode, 200);
    assert.equal((await server.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: third.cookie } })).statusCode, 401);
  });
});
