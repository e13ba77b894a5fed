import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDriver } from '../../../test/support/databases.js';
import { createTestServer, type TestServer } from '../../../test/support/server.js';
import { basic } from '../../../test/support/http.js';
import { AccountEraser } from '../../accounts/erasure.js';
import { applicationProjectors } from '../../app/projectors.js';
import { housekeeping } from '../../operations/housekeeping.js';
import { LOGIN_RULES, type LoginRules } from '../../accounts/throttle.js';

const BASE = 'https://pods.example.org';
const RULES: LoginRules = { ...LOGIN_RULES, tokenPerAddress: { limit: 5, windowMs: 60_000 } };
const FORM = { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'AntennaPod/3.7.0' };

interface Started {
  poll: { token: string; endpoint: string };
  login: string;
}

describeEachDriver('Nextcloud Login Flow v2', (current) => {
  let server: TestServer;
  let userId = '';

  before(async () => {
    server = await createTestServer(current(), { env: { BASE_URL: BASE }, loginRules: RULES, requestLimits: { burst: 100_000, perSecond: 10_000 } });
    await server.app.ready();
    userId = (await server.accounts.register('Alice', 'alice password')).userId;
  });
  after(async () => server?.app.close());

  let addresses = 0;
  // Each start from its own address unless told: only the rate-limit test shares one.
  const start = async (headers: Record<string, string> = FORM, remoteAddress = `10.0.0.${++addresses}`) => {
    const response = await server.app.inject({ method: 'POST', url: '/index.php/login/v2', headers, payload: '', remoteAddress });
    assert.equal(response.statusCode, 200, response.body);
    return response.json() as Started;
  };
  const poll = (token: string) => server.app.inject({ method: 'POST', url: '/index.php/login/v2/poll', headers: FORM, payload: `token=${token}` });
  /** The login page's path and the browser's session cookie, for `inject`. */
  const browser = async () => {
    const session = await server.accounts.sessions.create(userId, 'Mozilla/5.0');
    return { cookie: `balados_session=${session.secret}`, csrf: session.csrfToken };
  };
  const answer = async (flow: Started, decision: string, withCsrf = true) => {
    const { cookie, csrf } = await browser();
    return server.app.inject({
      method: 'POST',
      url: new URL(flow.login).pathname,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ decision, ...(withCsrf ? { _csrf: csrf } : {}) }).toString(),
    });
  };

  it('starts a flow: URL-safe tokens, poll endpoint and login page on the public base URL, secrets stored hashed', async () => {
    const flow = await start();
    assert.deepEqual(Object.keys(flow).sort(), ['login', 'poll']);
    assert.deepEqual(Object.keys(flow.poll).sort(), ['endpoint', 'token']);
    assert.equal(flow.poll.endpoint, `${BASE}/index.php/login/v2/poll`);
    assert.match(flow.login, /^https:\/\/pods\.example\.org\/index\.php\/login\/v2\/flow\/[A-Za-z0-9_-]{40,}$/);
    assert.match(flow.poll.token, /^[A-Za-z0-9_-]{40,}$/);
    const secretInLink = flow.login.slice(flow.login.lastIndexOf('/') + 1);
    const rows = await current().db.query<Record<string, unknown>>('SELECT * FROM nextcloud_login_flows');
    const stored = JSON.stringify(rows.rows);
    assert.ok(!stored.includes(flow.poll.token) && !stored.includes(secretInLink), 'no secret in clear');
  });

  it('polls 404 until granted, then once server, loginName and an app password that works; then 404 again', async () => {
    const flow = await start();
    for (let i = 0; i < 2; i++) {
      const pending = await poll(flow.poll.token);
      assert.equal(pending.statusCode, 404);
      assert.equal(pending.json().error.code, 'not_found');
    }
    // The browser: logged out, the page sends it to the login page and back.
    const page = new URL(flow.login).pathname;
    const anonymous = await server.app.inject({ method: 'GET', url: page });
    assert.equal(anonymous.statusCode, 303);
    assert.equal(anonymous.headers.location, `/login?next=${encodeURIComponent(page)}`);
    const { cookie } = await browser();
    const shown = await server.app.inject({ method: 'GET', url: page, headers: { cookie } });
    assert.equal(shown.statusCode, 200);
    assert.match(shown.body, /AntennaPod\/3\.7\.0/);
    assert.match(shown.body, /Grant access/);
    assert.match(String(shown.headers['content-security-policy']), /form-action 'self'/);
    assert.equal(shown.headers['x-frame-options'], 'DENY');
    // A forged form (no CSRF token) grants nothing.
    const forged = await answer(flow, 'approve', false);
    assert.equal(forged.statusCode, 403);
    assert.equal((await poll(flow.poll.token)).statusCode, 404);

    const granted = await answer(flow, 'approve');
    assert.equal(granted.statusCode, 200, granted.body);
    assert.match(granted.body, /return to the app/);
    const done = await poll(flow.poll.token);
    assert.equal(done.statusCode, 200, done.body);
    assert.equal(done.headers['cache-control'], 'no-store', 'a secret is never cached');
    const body = done.json() as { server: string; loginName: string; appPassword: string };
    assert.deepEqual(Object.keys(body).sort(), ['appPassword', 'loginName', 'server']);
    assert.equal(body.server, BASE);
    assert.equal(body.loginName, 'Alice');
    assert.match(body.appPassword, /^bap_/);
    assert.equal((await poll(flow.poll.token)).statusCode, 404, 'answered once');
    const sync = await server.app.inject({ method: 'GET', url: '/index.php/apps/gpoddersync/subscriptions?since=0', headers: { authorization: basic(body.loginName, body.appPassword) } });
    assert.equal(sync.statusCode, 200, sync.body);
    const credentials = await server.accounts.listCredentials(userId);
    assert.ok(credentials.some((credential) => credential.kind === 'app_password' && credential.label === 'AntennaPod/3.7.0'), 'named after the app');
    // The link is spent too.
    assert.equal((await server.app.inject({ method: 'GET', url: page, headers: { cookie } })).statusCode, 404);
  });

  it('takes the requests the way Nextcloud does: start with any or no body, poll token in a form, JSON or the query', async () => {
    for (const headers of [{ 'content-type': 'application/json' }, {}, { 'content-type': 'text/plain' }]) {
      const response = await server.app.inject({ method: 'POST', url: '/index.php/login/v2', headers, payload: '', remoteAddress: `10.1.0.${++addresses}` });
      assert.equal(response.statusCode, 200, `${JSON.stringify(headers)}: ${response.body}`);
    }
    const flows = [await start(), await start()];
    for (const flow of flows) assert.equal((await answer(flow, 'approve')).statusCode, 200);
    const json = await server.app.inject({ method: 'POST', url: '/index.php/login/v2/poll', headers: { 'content-type': 'application/json' }, payload: { token: flows[0]!.poll.token } });
    assert.equal(json.statusCode, 200, json.body);
    const query = await server.app.inject({ method: 'POST', url: `/index.php/login/v2/poll?token=${flows[1]!.poll.token}` });
    assert.equal(query.statusCode, 200, query.body);
    const broken = await server.app.inject({ method: 'POST', url: '/index.php/login/v2/poll', headers: { 'content-type': 'application/json' }, payload: '{"token":' });
    assert.equal(broken.statusCode, 400);
    assert.equal(broken.json().error.code, 'invalid_json');
  });

  it('keeps the flow\'s secrets out of the logs, the poll token sent in the query and the login link\'s token too', async () => {
    const flow = await start();
    const loginToken = new URL(flow.login).pathname.split('/').pop()!;
    assert.equal((await server.app.inject({ method: 'POST', url: `/index.php/login/v2/poll?token=${flow.poll.token}` })).statusCode, 404);
    assert.equal((await server.app.inject({ method: 'GET', url: new URL(flow.login).pathname })).statusCode, 303);
    const logged = JSON.stringify(server.logs);
    assert.ok(logged.includes('/index.php/login/v2/poll?token=blp_[redacted]'), 'the request is still logged');
    assert.ok(!logged.includes(flow.poll.token), 'poll token logged');
    assert.ok(!logged.includes(loginToken), 'login token logged');
  });

  it('polls racing after the grant: one gets the app password, and only one is created', async () => {
    const flow = await start();
    assert.equal((await answer(flow, 'approve')).statusCode, 200);
    const before = (await server.accounts.listCredentials(userId)).length;
    const answers = await Promise.all(Array.from({ length: 6 }, () => poll(flow.poll.token)));
    assert.deepEqual(answers.map((response) => response.statusCode).sort(), [200, 404, 404, 404, 404, 404]);
    assert.equal((await server.accounts.listCredentials(userId)).length, before + 1);
  });

  it('a refused flow never yields a password; neither does an expired one, even granted', async () => {
    const refused = await start();
    const denied = await answer(refused, 'deny');
    assert.equal(denied.statusCode, 200);
    assert.equal((await poll(refused.poll.token)).statusCode, 404);
    assert.equal((await answer(refused, 'approve')).statusCode, 404, 'a refused link cannot be granted afterwards');
    assert.equal((await poll(refused.poll.token)).statusCode, 404);

    const late = await start();
    assert.equal((await answer(late, 'approve')).statusCode, 200);
    await current().db.query(`UPDATE nextcloud_login_flows SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [userId]);
    assert.equal((await poll(late.poll.token)).statusCode, 404);
    const count = (await current().db.query<{ n: number }>('SELECT count(*)::int AS n FROM nextcloud_login_flows WHERE expires_at <= now()')).rows[0]!.n;
    assert.ok(count >= 1);
    const purged = await housekeeping(current().db, server.accounts);
    assert.equal(purged.loginFlows, count);
  });

  it('escapes the app name on the page and keeps it printable and short', async () => {
    const flow = await start({ ...FORM, 'user-agent': `<script>alert(1)</script>\u0007${'x'.repeat(300)}` });
    const { cookie } = await browser();
    const shown = await server.app.inject({ method: 'GET', url: new URL(flow.login).pathname, headers: { cookie } });
    assert.ok(!shown.body.includes('<script>alert(1)'), 'escaped');
    assert.match(shown.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt; x{10}/);
  });

  it('limits flow starts per client address', async () => {
    const { limit } = RULES.tokenPerAddress;
    for (let i = 0; i < limit; i++) await start(FORM, '10.9.9.9');
    const refused = await server.app.inject({ method: 'POST', url: '/index.php/login/v2', headers: FORM, payload: '', remoteAddress: '10.9.9.9' });
    assert.equal(refused.statusCode, 429);
    assert.ok(refused.headers['retry-after']);
  });

  it("erasing the account forgets the flows it granted", async () => {
    const { userId: erased } = await server.accounts.register('bob', 'bob password', { bypassRegistrationMode: true });
    const flow = await start();
    const session = await server.accounts.sessions.create(erased, 'Mozilla/5.0');
    const granted = await server.app.inject({
      method: 'POST',
      url: new URL(flow.login).pathname,
      headers: { cookie: `balados_session=${session.secret}`, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ decision: 'approve', _csrf: session.csrfToken }).toString(),
    });
    assert.equal(granted.statusCode, 200);
    await new AccountEraser(server.store, applicationProjectors()).erase(erased);
    const left = await current().db.query('SELECT 1 FROM nextcloud_login_flows WHERE user_id = $1', [erased]);
    assert.equal(left.rowCount, 0);
    assert.equal((await poll(flow.poll.token)).statusCode, 404);
  });
});
