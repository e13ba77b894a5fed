import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDriver } from '../../test/support/databases.js';
import { createTestServer, type TestServer } from '../../test/support/server.js';

function form_(fields: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) for (const item of ([] as string[]).concat(value)) params.append(key, item);
  return params.toString();
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describeEachDriver('web pages', (current) => {
  let server: TestServer;
  before(async () => {
    server = await createTestServer(current(), { env: { REGISTRATION: 'open' } });
    await server.app.ready();
    await server.accounts.register('alice', 'alice password');
  });
  after(async () => server?.app.close());

  async function loginPage(next = '') {
    const response = await server.app.inject({ method: 'GET', url: `/login${next ? `?next=${encodeURIComponent(next)}` : ''}` });
    const token = /name="_csrf" value="([^"]+)"/.exec(response.body)![1]!;
    const cookie = response.cookies.find((c) => c.name === 'balados_form_login')!;
    return { response, token, cookie: `balados_form_login=${cookie.value}` };
  }

  async function logIn(next = '') {
    const { token, cookie } = await loginPage(next);
    const response = await server.app.inject({
      method: 'POST',
      url: '/login',
      headers: { ...FORM, cookie },
      payload: form_({ username: 'alice', password: 'alice password', _csrf: token, next }),
    });
    const session = response.cookies.find((c) => c.name === 'balados_session');
    return { response, cookie: session ? `balados_session=${session.value}` : '' };
  }

  it('sends visitors of the account page to the login form, and back after logging in', async () => {
    const account = await server.app.inject({ method: 'GET', url: '/account' });
    assert.equal(account.statusCode, 303);
    assert.equal(account.headers.location, '/login?next=%2Faccount');
    const { response } = await loginPage('/account');
    assert.equal(response.statusCode, 200);
    assert.match(response.headers['content-security-policy'] as string, /default-src 'none'/);
    assert.equal(response.headers['x-frame-options'], 'DENY');
    const loggedIn = await logIn('/account');
    assert.equal(loggedIn.response.statusCode, 303);
    assert.equal(loggedIn.response.headers.location, '/account');
    const page = await server.app.inject({ method: 'GET', url: '/account', headers: { cookie: loggedIn.cookie } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<h1>Your account<\/h1>/);
    assert.match(page.body, /alice/);
  });

  it('refuses a login form without its token, a wrong password, and redirects elsewhere than this site', async () => {
    const { cookie } = await loginPage();
    const noToken = await server.app.inject({ method: 'POST', url: '/login', headers: { ...FORM, cookie }, payload: form_({ username: 'alice', password: 'alice password' }) });
    assert.equal(noToken.statusCode, 403);
    assert.equal(noToken.cookies.find((c) => c.name === 'balados_session'), undefined);
    const { token, cookie: fresh } = await loginPage();
    const wrong = await server.app.inject({ method: 'POST', url: '/login', headers: { ...FORM, cookie: fresh }, payload: form_({ username: 'alice', password: 'nope', _csrf: token }) });
    assert.equal(wrong.statusCode, 401);
    assert.match(wrong.body, /Wrong username or password/);
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      const loggedIn = await logIn(next);
      assert.equal(loggedIn.response.headers.location, '/account', next);
    }
  });

  it('creates an app password from the account page, shows it once, escapes what users typed', async () => {
    const { cookie } = await logIn();
    const page = await server.app.inject({ method: 'GET', url: '/account', headers: { cookie } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const forged = await server.app.inject({ method: 'POST', url: '/account/app-passwords', headers: { ...FORM, cookie }, payload: form_({ label: 'x' }) });
    assert.equal(forged.statusCode, 403);
    const created = await server.app.inject({
      method: 'POST',
      url: '/account/app-passwords',
      headers: { ...FORM, cookie },
      payload: form_({ label: '<script>alert(1)</script>', _csrf: csrf }),
    });
    assert.equal(created.statusCode, 200);
    const secret = /<code class="secret">(bap_[^<]+)<\/code>/.exec(created.body)![1]!;
    assert.ok(!created.body.includes('<script>alert(1)</script>'));
    assert.match(created.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    const me = await server.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Basic ${Buffer.from(`alice:${secret}`).toString('base64')}` } });
    assert.equal(me.statusCode, 200);
    const again = await server.app.inject({ method: 'GET', url: '/account', headers: { cookie } });
    assert.ok(!again.body.includes(secret), 'the secret is shown once');

    const token = await server.app.inject({
      method: 'POST',
      url: '/account/tokens',
      headers: { ...FORM, cookie },
      payload: form_({ label: 'script', scopes: ['user.plays.read', 'user.subscriptions.read'], _csrf: csrf }),
    });
    assert.match(token.body, /<code class="secret">bpt_/);
    const noScope = await server.app.inject({ method: 'POST', url: '/account/tokens', headers: { ...FORM, cookie }, payload: form_({ label: 'none', _csrf: csrf }) });
    assert.equal(noScope.statusCode, 400);
    assert.match(noScope.body, /at least one scope/);
    const id = /action="\/account\/credentials\/([^/]+)\/revoke"/.exec(again.body)![1]!;
    const revoked = await server.app.inject({ method: 'POST', url: `/account/credentials/${id}/revoke`, headers: { ...FORM, cookie }, payload: form_({ _csrf: csrf }) });
    assert.equal(revoked.statusCode, 303);
    assert.equal((await server.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Basic ${Buffer.from(`alice:${secret}`).toString('base64')}` } })).statusCode, 401);
  });

  it('creates a play token from the account page (CSRF-checked), shows its feed once, and revokes it', async () => {
    const { cookie } = await logIn();
    const page = await server.app.inject({ method: 'GET', url: '/account', headers: { cookie } });
    assert.match(page.body, /No play token yet/);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const forged = await server.app.inject({ method: 'POST', url: '/account/play-tokens', headers: { ...FORM, cookie }, payload: form_({ label: 'car' }) });
    assert.equal(forged.statusCode, 403);
    const created = await server.app.inject({ method: 'POST', url: '/account/play-tokens', headers: { ...FORM, cookie }, payload: form_({ label: 'Car <radio>', _csrf: csrf }) });
    assert.equal(created.statusCode, 200);
    const secret = /<code class="secret">(bpl_[^<]+)<\/code>/.exec(created.body)![1]!;
    const feedUrl = /<code class="feed-url">([^<]+)<\/code>/.exec(created.body)![1]!;
    assert.equal(feedUrl, `${server.config.baseUrl.replace(/\/$/, '')}/rss/${secret}/subscriptions.xml`);
    assert.equal((await server.app.inject({ method: 'GET', url: `/rss/${secret}/subscriptions.xml` })).statusCode, 200);
    const again = await server.app.inject({ method: 'GET', url: '/account', headers: { cookie } });
    assert.ok(!again.body.includes(secret), 'the secret is shown once');
    assert.match(again.body, /<td>Car &lt;radio&gt;<\/td>/);
    const id = (await server.app.inject({ method: 'GET', url: '/api/v1/me/play-tokens', headers: { authorization: `Basic ${Buffer.from('alice:alice password').toString('base64')}` } })).json()[0].id;
    const forgedRevoke = await server.app.inject({ method: 'POST', url: `/account/credentials/${id}/revoke`, headers: { ...FORM, cookie }, payload: form_({}) });
    assert.equal(forgedRevoke.statusCode, 403);
    const revoked = await server.app.inject({ method: 'POST', url: `/account/credentials/${id}/revoke`, headers: { ...FORM, cookie }, payload: form_({ _csrf: csrf }) });
    assert.equal(revoked.statusCode, 303);
    assert.equal((await server.app.inject({ method: 'GET', url: `/rss/${secret}/subscriptions.xml` })).statusCode, 404);
  });

  it('creates an account from the sign-up page and logs it in', async () => {
    const form = await server.app.inject({ method: 'GET', url: '/register' });
    assert.equal(form.statusCode, 200);
    const token = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
    const cookie = form.cookies.find((c) => c.name === 'balados_form_register')!;
    const headers = { ...FORM, cookie: `balados_form_register=${cookie.value}` };
    const taken = await server.app.inject({ method: 'POST', url: '/register', headers, payload: form_({ username: 'ALICE', password: 'whatever password', _csrf: token }) });
    assert.equal(taken.statusCode, 409);
    assert.match(taken.body, /This username is taken/);
    const retry = /name="_csrf" value="([^"]+)"/.exec(taken.body)![1]!;
    const retryCookie = taken.cookies.find((c) => c.name === 'balados_form_register')!;
    const created = await server.app.inject({
      method: 'POST',
      url: '/register',
      headers: { ...FORM, cookie: `balados_form_register=${retryCookie.value}` },
      payload: form_({ username: 'carol', password: 'carol password', _csrf: retry }),
    });
    assert.equal(created.statusCode, 303, created.body);
    assert.equal(created.headers.location, '/account');
    const session = created.cookies.find((c) => c.name === 'balados_session')!;
    const me = await server.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: `balados_session=${session.value}` } });
    assert.equal(me.json().username, 'carol');
  });

  it('logs out', async () => {
    const { cookie } = await logIn();
    const page = await server.app.inject({ method: 'GET', url: '/', headers: { cookie } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const out = await server.app.inject({ method: 'POST', url: '/logout', headers: { ...FORM, cookie }, payload: form_({ _csrf: csrf }) });
    assert.equal(out.statusCode, 303);
    assert.equal((await server.app.inject({ method: 'GET', url: '/account', headers: { cookie } })).statusCode, 303);
  });
});
