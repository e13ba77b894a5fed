import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { describeEachDriver } from '../../../test/support/databases.js';
import { createTestServer, type TestServer } from '../../../test/support/server.js';
import { basic } from '../../../test/support/http.js';
import { encodeFeedId } from '../../subscriptions/feed-id.js';
import { AccountEraser } from '../../accounts/erasure.js';
import { applicationProjectors } from '../../app/projectors.js';

const PASSWORD = 'gpodder test password';

function sessionCookie(response: { headers: Record<string, unknown> }): string | undefined {
  const line = ([] as string[]).concat((response.headers['set-cookie'] as string | string[] | undefined) ?? []).find((entry) => entry.startsWith('sessionid='));
  return line ? /^sessionid=([^;]*)/.exec(line)![1] : undefined;
}

describeEachDriver('gpodder.net API v2', (current) => {
  let server: TestServer;
  let appPassword = '';
  const asUser = { authorization: basic('gpuser', PASSWORD) };

  before(async () => {
    server = await createTestServer(current(), { env: { REGISTRATION: 'open' }, requestLimits: { burst: 100_000, perSecond: 10_000 } });
    await server.app.ready();
    const { userId } = await server.accounts.register('gpuser', PASSWORD);
    appPassword = (await server.accounts.createAppPassword(userId, 'Kasts', 'kasts-desk')).secret;
    await server.accounts.register('other', 'other password');
  });
  after(async () => server?.app.close());

  const inject = (options: InjectOptions) => server.app.inject(options);

  it('challenges requests without credentials with a Basic realm', async () => {
    for (const url of ['/api/2/devices/gpuser.json', '/api/2/subscriptions/gpuser/d1.json?since=0', '/subscriptions/gpuser.json']) {
      const response = await inject({ method: 'GET', url });
      assert.equal(response.statusCode, 401, url);
      assert.match(String(response.headers['www-authenticate']), /^Basic realm="Balados Sync"/);
      assert.equal(sessionCookie(response), undefined);
    }
    const wrong = await inject({ method: 'POST', url: '/api/2/auth/gpuser/login.json', headers: { authorization: basic('gpuser', 'wrong') } });
    assert.equal(wrong.statusCode, 401);
    assert.match(String(wrong.headers['www-authenticate']), /^Basic realm=/);
  });

  it('accepts the password or an app password on any request, and answers the session cookie', async () => {
    for (const authorization of [basic('gpuser', PASSWORD), basic('gpuser', appPassword)]) {
      const response = await inject({ method: 'GET', url: '/api/2/devices/gpuser.json', headers: { authorization } });
      assert.equal(response.statusCode, 200, response.body);
      const cookie = sessionCookie(response);
      assert.ok(cookie, 'a Basic-authenticated answer sets sessionid');
      const withCookie = await inject({ method: 'GET', url: '/api/2/devices/gpuser.json', headers: { cookie: `sessionid=${cookie}` } });
      assert.equal(withCookie.statusCode, 200, withCookie.body);
    }
  });

  it('logs in and out with the sessionid cookie; the cookie works for changes (no CSRF token)', async () => {
    const login = await inject({ method: 'POST', url: '/api/2/auth/gpuser/login.json', headers: { ...asUser, 'content-type': 'plain/text; charset=utf-8' }, payload: '' });
    assert.equal(login.statusCode, 200, login.body);
    assert.equal(login.body, '');
    const cookie = sessionCookie(login)!;
    assert.ok(cookie);
    const headers = { cookie: `sessionid=${cookie}` };
    const device = await inject({ method: 'POST', url: '/api/2/devices/gpuser/cookie-device.json', headers: { ...headers, 'content-type': 'application/json' }, payload: { caption: 'Cookie', type: 'mobile' } });
    assert.equal(device.statusCode, 200, device.body);
    const again = await inject({ method: 'POST', url: '/api/2/auth/gpuser/login.json', headers });
    assert.equal(again.statusCode, 200);
    const logout = await inject({ method: 'POST', url: '/api/2/auth/gpuser/logout.json', headers });
    assert.equal(logout.statusCode, 200);
    const after = await inject({ method: 'GET', url: '/api/2/devices/gpuser.json', headers });
    assert.equal(after.statusCode, 401);
    // A made-up cookie is no session, and the native API does not take this cookie.
    assert.equal((await inject({ method: 'GET', url: '/api/2/devices/gpuser.json', headers: { cookie: `sessionid=${'0'.repeat(64)}` } })).statusCode, 401);
    const fresh = sessionCookie(await inject({ method: 'POST', url: '/api/2/auth/gpuser/login.json', headers: asUser }))!;
    assert.equal((await inject({ method: 'GET', url: '/api/v1/devices', headers: { cookie: `sessionid=${fresh}` } })).statusCode, 401);
  });

  it("refuses a path naming another user, and another user's cookie", async () => {
    const asOther = { authorization: basic('other', 'other password') };
    for (const [method, url] of [
      ['GET', '/api/2/devices/gpuser.json'],
      ['GET', '/api/2/subscriptions/gpuser/d1.json?since=0'],
      ['POST', '/api/2/subscriptions/gpuser/d1.json'],
      ['POST', '/api/2/auth/gpuser/login.json'],
      ['GET', '/subscriptions/gpuser.txt'],
      ['PUT', '/subscriptions/gpuser/d1.txt'],
    ] as const) {
      const response = await inject({ method, url, headers: asOther, payload: method === 'GET' ? undefined : '{"add":["https://x.example/feed"]}' });
      assert.equal(response.statusCode, 400, `${method} ${url}`);
      assert.equal(response.json().error.code, 'wrong_user');
    }
    const cookie = sessionCookie(await inject({ method: 'POST', url: '/api/2/auth/other/login.json', headers: asOther }))!;
    assert.equal((await inject({ method: 'GET', url: '/api/2/devices/gpuser.json', headers: { cookie: `sessionid=${cookie}` } })).statusCode, 400);
    // Case-insensitive, as mygpo.
    assert.equal((await inject({ method: 'GET', url: '/api/2/devices/GPUser.json', headers: asUser })).statusCode, 200);
  });

  it('creates and updates devices; lists id, caption, type and the subscription count', async () => {
    const headers = { ...asUser, 'content-type': 'application/x-www-form-urlencoded' };
    assert.equal((await inject({ method: 'POST', url: '/api/2/devices/gpuser/my.laptop.json', headers, payload: '{"caption":"Laptop","type":"laptop"}' })).statusCode, 200);
    assert.equal((await inject({ method: 'POST', url: '/api/2/devices/gpuser/my.laptop.json', headers, payload: '{"caption":"Work laptop"}' })).statusCode, 200);
    assert.equal((await inject({ method: 'POST', url: '/api/2/devices/gpuser/my.laptop.json', headers, payload: '{"type":"toaster"}' })).statusCode, 400);
    assert.equal((await inject({ method: 'POST', url: '/api/2/devices/gpuser/my.laptop.json', headers, payload: '{"caption":""}' })).statusCode, 400);
    assert.equal((await inject({ method: 'POST', url: '/api/2/devices/gpuser/bad%20id.json', headers, payload: '{}' })).statusCode, 400);
    const list = await inject({ method: 'GET', url: '/api/2/devices/gpuser.json', headers: asUser });
    const laptop = (list.json() as { id: string; caption: string; type: string; subscriptions: number }[]).find((device) => device.id === 'my.laptop');
    assert.deepEqual(laptop, { id: 'my.laptop', caption: 'Work laptop', type: 'laptop', subscriptions: laptop!.subscriptions });
    assert.ok(Number.isInteger(laptop!.subscriptions));
  });

  it('gives two uploads in the same second to a client resuming at the timestamp it was given', async () => {
    const { userId } = await server.accounts.register('samesecond', PASSWORD);
    const headers = { authorization: basic('samesecond', PASSWORD) };
    const first = await inject({ method: 'GET', url: '/api/2/subscriptions/samesecond/reader.json?since=0', headers });
    const since = first.json().timestamp as number;
    for (let round = 0; round < 3; round++) {
      // Another device uploads twice within one second, before and after the reader downloads.
      const a = `https://same-second.example/a${round}`;
      const b = `https://same-second.example/b${round}`;
      assert.equal((await inject({ method: 'POST', url: '/api/2/subscriptions/samesecond/writer.json', headers, payload: { add: [a] } })).statusCode, 200);
      const middle = await inject({ method: 'GET', url: `/api/2/subscriptions/samesecond/reader.json?since=${since}`, headers });
      assert.ok(middle.json().add.includes(a));
      const given = middle.json().timestamp as number;
      assert.equal((await inject({ method: 'POST', url: '/api/2/subscriptions/samesecond/writer.json', headers, payload: { add: [b] } })).statusCode, 200);
      for (const resume of [given, given + 1]) {
        const next = await inject({ method: 'GET', url: `/api/2/subscriptions/samesecond/reader.json?since=${resume}`, headers });
        assert.ok(next.json().add.includes(b), `resuming at ${resume - given === 1 ? 'timestamp + 1 (Kasts)' : 'timestamp'} sees the second upload`);
      }
    }
    const marks = await current().db.query('SELECT 1 FROM gpodder_marks WHERE user_id = $1', [userId]);
    assert.ok(marks.rows.length > 0, 'the seconds given out are recorded');
  });

  it('answers an upload with the timestamp of the last download, so a change in between is not skipped', async () => {
    await server.accounts.register('between', PASSWORD);
    const headers = { authorization: basic('between', PASSWORD) };
    const download = (await inject({ method: 'GET', url: '/api/2/subscriptions/between/phone.json?since=0', headers })).json();
    await inject({ method: 'POST', url: '/api/2/subscriptions/between/laptop.json', headers, payload: { add: ['https://between.example/laptop'] } });
    const upload = await inject({ method: 'POST', url: '/api/2/subscriptions/between/phone.json', headers, payload: { add: ['https://between.example/phone'] } });
    assert.equal(upload.json().timestamp, download.timestamp);
    const next = (await inject({ method: 'GET', url: `/api/2/subscriptions/between/phone.json?since=${upload.json().timestamp}`, headers })).json();
    assert.ok(next.add.includes('https://between.example/laptop'));
  });

  it('validates uploads: since required, empty body, same URL in both lists, refused URLs as ""', async () => {
    const url = '/api/2/subscriptions/gpuser/d1.json';
    assert.equal((await inject({ method: 'GET', url, headers: asUser })).statusCode, 400);
    assert.equal((await inject({ method: 'GET', url: `${url}?since=-1`, headers: asUser })).statusCode, 400);
    assert.equal((await inject({ method: 'POST', url, headers: asUser })).statusCode, 400);
    const both = await inject({ method: 'POST', url, headers: asUser, payload: { add: ['https://x.example/f'], remove: ['https://x.example/f'] } });
    assert.equal(both.statusCode, 400);
    const refused = await inject({ method: 'POST', url, headers: asUser, payload: { add: ['nope', ''], remove: [] } });
    assert.equal(refused.statusCode, 200, refused.body);
    assert.deepEqual(refused.json().update_urls, [['nope', '']]);
  });

  it('one data model: the gpodder API and the native API see the same subscriptions', async () => {
    await server.accounts.register('onemodel', PASSWORD);
    const headers = { authorization: basic('onemodel', PASSWORD) };
    const start = (await inject({ method: 'GET', url: '/api/2/subscriptions/onemodel/phone.json?since=0', headers })).json().timestamp as number;
    await inject({ method: 'POST', url: '/api/2/subscriptions/onemodel/phone.json', headers, payload: { add: ['https://one-model.example/from-gpodder'] } });
    const native = await inject({ method: 'GET', url: '/api/v1/subscriptions', headers });
    assert.equal(native.statusCode, 200, native.body);
    assert.ok(native.body.includes('https://one-model.example/from-gpodder'), native.body);

    const added = await inject({ method: 'POST', url: '/api/v1/subscriptions', headers: { ...headers, 'x-device-id': 'web' }, payload: { feedUrl: 'https://one-model.example/from-native' } });
    assert.equal(added.statusCode, 200, added.body);
    const removed = await inject({ method: 'DELETE', url: `/api/v1/subscriptions/${encodeFeedId('https://one-model.example/from-gpodder')}`, headers });
    assert.ok(removed.statusCode < 300, removed.body);
    const delta = (await inject({ method: 'GET', url: `/api/2/subscriptions/onemodel/tablet.json?since=${start}`, headers })).json();
    assert.ok(delta.add.includes('https://one-model.example/from-native'));
    assert.ok(delta.remove.includes('https://one-model.example/from-gpodder'));
    assert.ok(!delta.add.includes('https://one-model.example/from-gpodder'));
  });

  it('simple API: PUT replaces the list, GET answers json, txt and opml', async () => {
    await server.accounts.register('simple', PASSWORD);
    const headers = { authorization: basic('simple', PASSWORD), 'content-type': 'application/x-www-form-urlencoded' };
    await inject({ method: 'POST', url: '/api/2/subscriptions/simple/pc.json', headers, payload: { add: ['https://simple.example/old'] } });
    const put = await inject({ method: 'PUT', url: '/subscriptions/simple/pc.txt', headers, payload: 'https://simple.example/a\n\nhttps://simple.example/b\n' });
    assert.equal(put.statusCode, 200, put.body);
    assert.equal(put.body, '');
    const json = await inject({ method: 'GET', url: '/subscriptions/simple/pc.json', headers });
    assert.deepEqual([...json.json()].sort(), ['https://simple.example/a', 'https://simple.example/b']);
    const txt = await inject({ method: 'GET', url: '/subscriptions/simple/pc.txt', headers });
    assert.match(String(txt.headers['content-type']), /^text\/plain/);
    assert.deepEqual(txt.body.split('\n').sort(), ['', 'https://simple.example/a', 'https://simple.example/b']);
    const opml = await inject({ method: 'GET', url: '/subscriptions/simple.opml', headers });
    assert.match(String(opml.headers['content-type']), /xml/);
    assert.match(opml.body, /xmlUrl="https:\/\/simple\.example\/a"/);
    const reput = await inject({ method: 'PUT', url: '/subscriptions/simple/pc.opml', headers, payload: opml.body.replace(/<outline[^>]*simple\.example\/b[^>]*\/>/, '') });
    assert.equal(reput.statusCode, 200, reput.body);
    const all = await inject({ method: 'GET', url: '/subscriptions/simple.json', headers });
    assert.deepEqual(
      (all.json() as { url: string }[]).map((podcast) => podcast.url),
      ['https://simple.example/a'],
    );
    assert.deepEqual(Object.keys(all.json()[0]).sort(), ['author', 'description', 'logo_url', 'mygpo_link', 'scaled_logo_url', 'subscribers', 'subscribers_last_week', 'title', 'url', 'website']);
    assert.equal((await inject({ method: 'GET', url: '/subscriptions/simple/pc.xml', headers })).statusCode, 400);
  });

  it('refuses changes a browser makes on behalf of another site, not those of apps', async () => {
    const url = '/api/2/subscriptions/gpuser/browser.json';
    const payload = JSON.stringify({ add: ['https://forged.example/feed'], remove: [] });
    const form = { ...asUser, 'content-type': 'text/plain' };
    for (const headers of [
      { ...form, 'sec-fetch-site': 'cross-site' },
      { ...form, 'sec-fetch-site': 'same-site' },
      { ...form, origin: 'https://evil.example' },
      { ...form, origin: 'null' },
    ]) {
      const refused = await inject({ method: 'POST', url, headers, payload });
      assert.deepEqual([refused.statusCode, refused.json().error.code], [403, 'cross_site_request'], JSON.stringify(headers));
    }
    const list = await inject({ method: 'GET', url: '/subscriptions/gpuser.json', headers: asUser });
    assert.ok(!list.body.includes('forged.example'), 'nothing of the forged requests was applied');
    const fromApp = await inject({ method: 'POST', url, headers: form, payload });
    assert.equal(fromApp.statusCode, 200, fromApp.body);
    const sameOrigin = await inject({ method: 'POST', url, headers: { ...form, 'sec-fetch-site': 'same-origin', origin: 'http://localhost:80' }, payload: JSON.stringify({ add: [], remove: ['https://forged.example/feed'] }) });
    assert.equal(sameOrigin.statusCode, 200, sameOrigin.body);
    assert.equal((await inject({ method: 'GET', url: '/api/2/devices/gpuser.json', headers: { ...asUser, 'sec-fetch-site': 'cross-site' } })).statusCode, 200, 'reads are not changes');
  });

  it('forgets its sessions and marks when the account is erased', async () => {
    const { userId } = await server.accounts.register('leaver', PASSWORD);
    const headers = { authorization: basic('leaver', PASSWORD) };
    const answer = await inject({ method: 'GET', url: '/api/2/subscriptions/leaver/phone.json?since=0', headers });
    assert.equal(answer.statusCode, 200);
    await inject({ method: 'POST', url: '/api/2/subscriptions/leaver/phone.json', headers, payload: { add: ['https://leaving.example/feed'] } });
    const count = async () => {
      let total = 0;
      for (const table of ['gpodder_sessions', 'gpodder_marks', 'gpodder_device_marks']) {
        total += (await current().db.query(`SELECT 1 FROM ${table} WHERE user_id = $1`, [userId])).rows.length;
      }
      return total;
    };
    assert.ok((await count()) >= 3);
    await new AccountEraser(server.store, applicationProjectors()).erase(userId);
    assert.equal(await count(), 0);
  });
});
