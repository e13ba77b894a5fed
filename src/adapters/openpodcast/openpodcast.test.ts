import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDriver } from '../../../test/support/databases.js';
import { createTestServer, type TestServer } from '../../../test/support/server.js';
import { newListener } from '../../../test/support/api.js';
import { basic } from '../../../test/support/http.js';
import { derivedFeedGuid } from '../../subscriptions/feed-guid.js';
import { encodeFeedId } from '../../subscriptions/feed-id.js';
import { rebuildProjection } from '../../projections/rebuild.js';
import { subscriptionsProjector } from '../../subscriptions/subscriptions-projector.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const OPA = '/opa/v1';

describeEachDriver('Open Podcast API', (current) => {
  let server: TestServer;
  let base = '';

  before(async () => {
    server = await createTestServer(current(), { env: { REGISTRATION: 'open' }, requestLimits: { burst: 100_000, perSecond: 10_000 } });
    await server.app.ready();
    base = server.config.baseUrl.replace(/\/+$/, '');
  });
  after(async () => server?.app.close());

  const listener = () => newListener(server.app, server.accounts, 'opa');

  it('tells which versions and capabilities it serves, without credentials', async () => {
    const versions = await server.app.inject({ method: 'GET', url: `${OPA}/versions` });
    assert.equal(versions.statusCode, 200);
    assert.deepEqual(versions.json(), { versions: ['v1.0'] });
    const capabilities = await server.app.inject({ method: 'GET', url: `${OPA}/capabilities` });
    assert.equal(capabilities.statusCode, 200);
    assert.deepEqual(capabilities.json(), { capabilities: { 'urn:opa:core': { '0.1.0': { status: 'UNSTABLE' } } } });
  });

  it('needs an account for subscriptions, with a Basic challenge', async () => {
    const response = await server.app.inject({ method: 'GET', url: `${OPA}/subscriptions` });
    assert.equal(response.statusCode, 401);
    assert.equal(response.json().error.code, 'authentication_required');
    assert.match(String(response.headers['www-authenticate']), /^Basic realm=/);
  });

  it('adds subscriptions: usable ones applied with their GUID, unusable ones listed as failures', async () => {
    const { phone } = await listener();
    const added = await phone.post(`${OPA}/subscriptions`, {
      subscriptions: [
        { feed_url: 'FEED://Example.COM/one.xml' },
        { feed_url: 'https://example.com/two.xml', guid: '917393E3-1B1E-5CEF-ACE4-EDAA54E1F810' },
        { feed_url: 'example.com/rss4' },
        { feed_url: 'https://example.com/three.xml', guid: 'not-a-uuid' },
      ],
    });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    const stamps = added.body.success.map((entry: { subscription_changed: string }) => entry.subscription_changed);
    for (const stamp of stamps) assert.match(stamp, ISO);
    assert.deepEqual(added.body, {
      success: [
        { feed_url: 'http://example.com/one.xml', guid: derivedFeedGuid('http://example.com/one.xml'), is_subscribed: true, subscription_changed: stamps[0] },
        { feed_url: 'https://example.com/two.xml', guid: '917393e3-1b1e-5cef-ace4-edaa54e1f810', is_subscribed: true, subscription_changed: stamps[1] },
      ],
      failure: [
        { feed_url: 'example.com/rss4', message: 'Not a usable feed URL (http or https, with a host)' },
        { feed_url: 'https://example.com/three.xml', message: 'guid is not a UUID' },
      ],
    });
    // The GUID the client read from the feed is the subscription's; the derived one is not.
    const byOwnGuid = await phone.get(`${OPA}/subscriptions/917393e3-1b1e-5cef-ace4-edaa54e1f810`);
    assert.deepEqual(byOwnGuid.body, { feed_url: 'https://example.com/two.xml', guid: '917393e3-1b1e-5cef-ace4-edaa54e1f810', is_subscribed: true, subscription_changed: stamps[1] });
    const byDerived = await phone.get(`${OPA}/subscriptions/${derivedFeedGuid('https://example.com/two.xml')}`);
    assert.equal(byDerived.status, 404);
    assert.equal(byDerived.body.error.code, 'subscription_not_found');
  });

  it('adds one subscription for one GUID, whether its feeds come in one request or in two', async () => {
    const guid = '2d4e1a5c-7b3f-4c1e-9a8d-0f6b5e4c3a21';
    const sameGuid = [{ feed_url: 'https://one.example/feed', guid }, { feed_url: 'https://mirror.example/feed', guid: guid.toUpperCase() }];
    // Two URLs deriving one GUID: the derivation ignores the scheme.
    const sameDerived = [{ feed_url: 'http://two.example/feed' }, { feed_url: 'https://two.example/feed' }];
    const outcome = async (requests: object[][]) => {
      const { phone } = await listener();
      const answers = [];
      for (const subscriptions of requests) answers.push(...(await phone.post(`${OPA}/subscriptions`, { subscriptions })).body.success);
      const listed = await phone.get(`${OPA}/subscriptions`);
      return {
        answered: answers.map((entry: { feed_url: string; guid: string }) => [entry.feed_url, entry.guid]),
        listed: listed.body.subscriptions.map((entry: { feed_url: string; guid: string }) => [entry.feed_url, entry.guid]),
      };
    };
    const derived = derivedFeedGuid('http://two.example/feed');
    const expected = {
      answered: [['https://one.example/feed', guid], ['https://one.example/feed', guid], ['http://two.example/feed', derived], ['http://two.example/feed', derived]],
      listed: [['https://one.example/feed', guid], ['http://two.example/feed', derived]],
    };
    assert.deepEqual(await outcome([sameGuid, sameDerived]), expected);
    assert.deepEqual(await outcome([...sameGuid, ...sameDerived].map((item) => [item])), expected);
  });

  it('refuses malformed requests with 400 and an error code, changing nothing', async () => {
    const { phone, userId } = await listener();
    const cases: [string, () => Promise<{ status: number; body: any }>, string][] = [
      ['no list', () => phone.post(`${OPA}/subscriptions`, {}), 'validation_failed'],
      ['empty list', () => phone.post(`${OPA}/subscriptions`, { subscriptions: [] }), 'validation_failed'],
      ['feed_url not a string', () => phone.post(`${OPA}/subscriptions`, { subscriptions: [{ feed_url: { href: 'https://example.com/' } }] }), 'validation_failed'],
      ['bad since', () => phone.get(`${OPA}/subscriptions?since=yesterday`), 'invalid_since'],
      ['page 0', () => phone.get(`${OPA}/subscriptions?page=0`), 'validation_failed'],
      ['per_page too big', () => phone.get(`${OPA}/subscriptions?per_page=501`), 'validation_failed'],
      ['forged cursor', () => phone.get(`${OPA}/subscriptions?cursor=abc`), 'invalid_cursor'],
      // PostgreSQL text holds no NUL, and its dates start at year 1: both used to reach the query (500).
      ['cursor with a NUL byte', () => phone.get(`${OPA}/subscriptions?cursor=${Buffer.from(JSON.stringify([1, 'http://a\u0000'])).toString('base64url')}`), 'invalid_cursor'],
      ['since in year 0', () => phone.get(`${OPA}/subscriptions?since=0000-06-01T00:00:00Z`), 'invalid_since'],
      ['since in year 0 once at UTC', () => phone.get(`${OPA}/subscriptions?since=${encodeURIComponent('0001-01-01T00:30:00+01:00')}`), 'invalid_since'],
      ['guid not a UUID', () => phone.get(`${OPA}/subscriptions/12345`), 'invalid_guid'],
      ['unknown guid', () => phone.get(`${OPA}/subscriptions/${derivedFeedGuid('https://nowhere.example/')}`), 'subscription_not_found'],
      ['patch unknown guid', () => phone.patch(`${OPA}/subscriptions/${derivedFeedGuid('https://nowhere.example/')}`, { is_subscribed: false }), 'subscription_not_found'],
    ];
    for (const [what, call, code] of cases) {
      const response = await call();
      assert.ok(response.status === 400 || response.status === 404, `${what}: ${response.status}`);
      assert.equal(response.body.error.code, code, what);
    }
    const added = await phone.post(`${OPA}/subscriptions`, { subscriptions: [{ feed_url: 'https://example.com/kept.xml' }] });
    const guid = added.body.success[0].guid;
    for (const [what, body, code] of [
      ['empty patch', {}, 'validation_failed'],
      ['unknown field', { feed_url: 'https://example.com/x' }, 'validation_failed'],
      ['new_guid not a UUID', { new_guid: 'x' }, 'validation_failed'],
      ['unusable new_feed_url', { new_feed_url: 'ftp://example.com/x', is_subscribed: false }, 'invalid_feed_url'],
    ] as const) {
      const response = await phone.patch(`${OPA}/subscriptions/${guid}`, body);
      assert.equal(response.status, 400, what);
      assert.equal(response.body.error.code, code, what);
    }
    // The refused PATCH with a bad URL did not apply its is_subscribed either.
    const list = await phone.get('/api/v1/subscriptions');
    assert.deepEqual(list.body.subscriptions.map((entry: { feedUrl: string }) => entry.feedUrl), ['https://example.com/kept.xml']);
    assert.ok(userId);
  });

  it('lists current subscriptions with pagination metadata, and follows next links without skipping', async () => {
    const { phone } = await listener();
    const urls = [1, 2, 3, 4, 5].map((n) => `https://pages.example/${n}.xml`);
    for (const url of urls) await phone.post(`${OPA}/subscriptions`, { subscriptions: [{ feed_url: url }] });
    await phone.post('/api/v1/subscriptions/changes', { changes: [{ feedUrl: 'https://pages.example/gone.xml', subscribed: true }] });
    await phone.delete(`/api/v1/subscriptions/${encodeFeedId('https://pages.example/gone.xml')}`);

    const all = await phone.get(`${OPA}/subscriptions`);
    assert.equal(all.status, 200);
    assert.deepEqual(
      { ...all.body, subscriptions: all.body.subscriptions.map((entry: { feed_url: string }) => entry.feed_url) },
      { total: 5, page: 1, per_page: 50, has_next: false, has_prev: false, subscriptions: urls },
    );
    assert.deepEqual(Object.keys(all.body.subscriptions[0]), ['feed_url', 'guid', 'is_subscribed', 'subscription_changed']);

    const first = await phone.get(`${OPA}/subscriptions?per_page=2`);
    assert.equal(first.body.total, 5);
    assert.equal(first.body.has_next, true);
    assert.equal(first.body.previous, undefined);
    assert.deepEqual(first.body.subscriptions.map((entry: { feed_url: string }) => entry.feed_url), urls.slice(0, 2));
    assert.ok(first.body.next.startsWith(`${base}${OPA}/subscriptions?page=2&per_page=2&cursor=`), first.body.next);
    // A change between two pages: offset paging would now skip a row; the next link does not.
    await phone.delete(`/api/v1/subscriptions/${encodeFeedId(urls[0]!)}`);
    const offset = await phone.get(`${OPA}/subscriptions?page=2&per_page=2`);
    assert.deepEqual(offset.body.subscriptions.map((entry: { feed_url: string }) => entry.feed_url), [urls[3], urls[4]]);
    const second = await phone.get(first.body.next.slice(base.length));
    assert.deepEqual(second.body.subscriptions.map((entry: { feed_url: string }) => entry.feed_url), urls.slice(2, 4));
    assert.equal(second.body.page, 2);
    assert.equal(second.body.has_prev, true);
    assert.equal(second.body.previous, `${base}${OPA}/subscriptions?page=1&per_page=2`);
    const third = await phone.get(second.body.next.slice(base.length));
    assert.deepEqual(third.body.subscriptions.map((entry: { feed_url: string }) => entry.feed_url), [urls[4]]);
    assert.equal(third.body.has_next, false);
    assert.equal(third.body.next, undefined);
  });

  it('answers what changed since a date (server time), unsubscriptions included, whatever API made the change', async () => {
    const { phone, laptop, username } = await listener();
    await phone.post(`${OPA}/subscriptions`, { subscriptions: [{ feed_url: 'https://since.example/old.xml' }, { feed_url: 'https://since.example/stays.xml' }] });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const cutoff = new Date().toISOString();
    await laptop.delete(`/api/v1/subscriptions/${encodeFeedId('https://since.example/old.xml')}`);
    const gpodder = await server.app.inject({
      method: 'POST',
      url: `/api/2/subscriptions/${username}/kasts.json`,
      headers: { authorization: basic(username, 'listener password') },
      payload: { add: ['https://since.example/new.xml'], remove: [] },
    });
    assert.equal(gpodder.statusCode, 200, gpodder.body);
    // Recorded after the cutoff with a client time long before it (an offline device): still listed.
    await laptop.post('/api/v1/subscriptions/changes', { changes: [{ feedUrl: 'https://since.example/offline.xml', subscribed: true, at: '2020-01-01T00:00:00Z' }] });
    const changed = await phone.get(`${OPA}/subscriptions?since=${encodeURIComponent(cutoff)}`);
    assert.equal(changed.status, 200);
    assert.equal(changed.body.total, 3);
    assert.deepEqual(
      changed.body.subscriptions.map((entry: { feed_url: string; is_subscribed: boolean; guid: string }) => [entry.feed_url, entry.is_subscribed, entry.guid]),
      [
        ['https://since.example/old.xml', false, derivedFeedGuid('https://since.example/old.xml')],
        ['https://since.example/new.xml', true, derivedFeedGuid('https://since.example/new.xml')],
        ['https://since.example/offline.xml', true, derivedFeedGuid('https://since.example/offline.xml')],
      ],
    );
    for (const entry of changed.body.subscriptions) assert.ok(entry.subscription_changed >= cutoff, entry.subscription_changed);
    const later = await phone.get(`${OPA}/subscriptions?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    assert.deepEqual(later.body.subscriptions, []);
  });

  it('answers one subscription by GUID, an unsubscribed one too', async () => {
    const { phone } = await listener();
    const added = await phone.post(`${OPA}/subscriptions`, { subscriptions: [{ feed_url: 'https://one.example/feed' }] });
    const guid = derivedFeedGuid('https://one.example/feed');
    const one = await phone.get(`${OPA}/subscriptions/${guid.toUpperCase()}`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.body, { feed_url: 'https://one.example/feed', guid, is_subscribed: true, subscription_changed: added.body.success[0].subscription_changed });
    await phone.delete(`/api/v1/subscriptions/${encodeFeedId('https://one.example/feed')}`);
    const gone = await phone.get(`${OPA}/subscriptions/${guid}`);
    assert.equal(gone.status, 200);
    assert.equal(gone.body.is_subscribed, false);
    assert.ok(gone.body.subscription_changed > one.body.subscription_changed);
  });

  it('changes the subscribed state with PATCH, as the native API sees it', async () => {
    const { phone } = await listener();
    await phone.post(`${OPA}/subscriptions`, { subscriptions: [{ feed_url: 'https://patch.example/feed' }] });
    const guid = derivedFeedGuid('https://patch.example/feed');
    const patched = await phone.patch(`${OPA}/subscriptions/${guid}`, { is_subscribed: false });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(Object.keys(patched.body), ['is_subscribed', 'subscription_changed']);
    assert.equal(patched.body.is_subscribed, false);
    assert.match(patched.body.subscription_changed, ISO);
    const native = await phone.get(`/api/v1/subscriptions/${encodeFeedId('https://patch.example/feed')}`);
    assert.equal(native.body.subscribed, false);
    assert.equal(native.body.deviceId, 'phone');
  });

  it('moves a feed with PATCH new_feed_url: the GUID follows it, and its history too', async () => {
    const { phone, laptop } = await listener();
    await phone.post(`${OPA}/subscriptions`, { subscriptions: [{ feed_url: 'https://old.example/feed' }] });
    const guid = derivedFeedGuid('https://old.example/feed');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const cutoff = new Date().toISOString();
    const moved = await laptop.patch(`${OPA}/subscriptions/${guid}`, { new_feed_url: 'HTTPS://New.Example/feed' });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.deepEqual(Object.keys(moved.body), ['new_feed_url', 'subscription_changed']);
    assert.equal(moved.body.new_feed_url, 'https://new.example/feed');
    const one = await phone.get(`${OPA}/subscriptions/${guid}`);
    assert.deepEqual(one.body, { feed_url: 'https://new.example/feed', guid, is_subscribed: true, subscription_changed: moved.body.subscription_changed });
    // Devices asking what changed learn the new URL under the same GUID, once.
    const changed = await phone.get(`${OPA}/subscriptions?since=${encodeURIComponent(cutoff)}`);
    assert.deepEqual(changed.body.subscriptions, [one.body]);
    // The native API shows the move (the old URL's row points at the new one).
    const native = await phone.get('/api/v1/subscriptions?include=unsubscribed');
    assert.deepEqual(
      native.body.subscriptions.map((entry: { feedUrl: string; subscribed: boolean; movedTo: string | null }) => [entry.feedUrl, entry.subscribed, entry.movedTo]).sort(),
      [
        ['https://new.example/feed', true, null],
        ['https://old.example/feed', false, 'https://new.example/feed'],
      ],
    );
    // Adding the old URL again is this same podcast (the specification's tombstones), not a second one.
    const again = await phone.post(`${OPA}/subscriptions`, { subscriptions: [{ feed_url: 'https://old.example/feed' }] });
    assert.deepEqual(again.body.success.map((entry: { feed_url: string; guid: string }) => [entry.feed_url, entry.guid]), [['https://new.example/feed', guid]]);
  });

  it('moving onto a feed the account already has: the old GUID points at the surviving one', async () => {
    const { phone } = await listener();
    await phone.post(`${OPA}/subscriptions`, { subscriptions: [{ feed_url: 'https://a.example/feed' }, { feed_url: 'https://b.example/feed' }] });
    const guidA = derivedFeedGuid('https://a.example/feed');
    const guidB = derivedFeedGuid('https://b.example/feed');
    const cutoff = new Date(Date.now() - 1).toISOString();
    const moved = await phone.patch(`${OPA}/subscriptions/${guidA}`, { new_feed_url: 'https://b.example/feed' });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.deepEqual(moved.body, {
      new_feed_url: 'https://b.example/feed',
      subscription_changed: moved.body.subscription_changed,
      new_guid: guidB,
      guid_changed: moved.body.subscription_changed,
    });
    const one = await phone.get(`${OPA}/subscriptions/${guidA}`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.body, {
      feed_url: 'https://b.example/feed',
      guid: guidA,
      is_subscribed: true,
      subscription_changed: one.body.subscription_changed,
      new_guid: guidB,
      guid_changed: one.body.guid_changed,
    });
    assert.match(one.body.guid_changed, ISO);
    const changed = await phone.get(`${OPA}/subscriptions?since=${encodeURIComponent(cutoff)}`);
    assert.deepEqual(changed.body.subscriptions.map((entry: { guid: string; new_guid?: string }) => [entry.guid, entry.new_guid]).sort(), [
      [guidA, guidB],
      [guidB, undefined],
    ].sort());
  });

  it('sets the GUID the client read from the feed with PATCH new_guid, keeping the subscribed state', async () => {
    const { phone } = await listener();
    await phone.post(`${OPA}/subscriptions`, { subscriptions: [{ feed_url: 'https://guid.example/feed' }, { feed_url: 'https://other.example/feed' }] });
    const derived = derivedFeedGuid('https://guid.example/feed');
    const before = await phone.get(`/api/v1/subscriptions/${encodeFeedId('https://guid.example/feed')}`);
    const own = '856cd618-7f34-57ea-9b84-3600f1f65e7f';
    const patched = await phone.patch(`${OPA}/subscriptions/${derived}`, { new_guid: own.toUpperCase() });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(patched.body, { new_guid: own, guid_changed: patched.body.guid_changed });
    const one = await phone.get(`${OPA}/subscriptions/${own}`);
    assert.equal(one.body.feed_url, 'https://guid.example/feed');
    assert.equal(one.body.is_subscribed, true);
    const after = await phone.get(`/api/v1/subscriptions/${encodeFeedId('https://guid.example/feed')}`);
    assert.equal(after.body.changedAt, before.body.changedAt, 'the subscription register keeps its time');
    const taken = await phone.patch(`${OPA}/subscriptions/${own}`, { new_guid: derivedFeedGuid('https://other.example/feed') });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.error.code, 'guid_in_use');
  });

  it('a feed moved onto one with a GUID of its own: that GUID stays, and the client may then give it the podcast\'s own', async () => {
    const { phone } = await listener();
    const own = '5b0e3c2a-1d4f-4e6a-8b7c-9d0e1f2a3b4c';
    await phone.post(`${OPA}/subscriptions`, { subscriptions: [{ feed_url: 'https://from.example/feed', guid: own }, { feed_url: 'https://onto.example/feed' }] });
    const derived = derivedFeedGuid('https://onto.example/feed');
    const moved = await phone.patch(`${OPA}/subscriptions/${own}`, { new_feed_url: 'https://onto.example/feed' });
    assert.equal(moved.body.new_guid, derived);
    // The surviving subscription is told the podcast's own GUID: recorded, and answered by it from now on.
    const patched = await phone.patch(`${OPA}/subscriptions/${derived}`, { new_guid: own });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(patched.body, { new_guid: own, guid_changed: patched.body.guid_changed });
    const one = await phone.get(`${OPA}/subscriptions/${own}`);
    assert.deepEqual([one.body.feed_url, one.body.guid, one.body.new_guid], ['https://onto.example/feed', own, undefined]);
  });

  it('is one data model: what one API changes, the others show', async () => {
    const { phone, username } = await listener();
    const gpodder = (method: 'GET' | 'POST', url: string, payload?: object) =>
      server.app.inject({ method, url, headers: { authorization: basic(username, 'listener password') }, ...(payload ? { payload } : {}) });
    await phone.post(`${OPA}/subscriptions`, { subscriptions: [{ feed_url: 'https://via-opa.example/feed' }] });
    await phone.post('/api/v1/subscriptions', { feedUrl: 'https://via-native.example/feed' });
    assert.equal((await gpodder('POST', `/api/2/subscriptions/${username}/kasts.json`, { add: ['https://via-gpodder.example/feed'] })).statusCode, 200);
    const everyFeed = ['https://via-gpodder.example/feed', 'https://via-native.example/feed', 'https://via-opa.example/feed'];

    const opa = await phone.get(`${OPA}/subscriptions`);
    assert.deepEqual(opa.body.subscriptions.map((entry: { feed_url: string }) => entry.feed_url).sort(), everyFeed);
    const native = await phone.get('/api/v1/subscriptions');
    assert.deepEqual(native.body.subscriptions.map((entry: { feedUrl: string }) => entry.feedUrl).sort(), everyFeed);
    const gp = await gpodder('GET', `/api/2/subscriptions/${username}/kasts.json?since=0`);
    assert.deepEqual([...gp.json().add].sort(), everyFeed);

    // And back: an unsubscription through the Open Podcast API reaches the other two.
    await phone.patch(`${OPA}/subscriptions/${derivedFeedGuid('https://via-gpodder.example/feed')}`, { is_subscribed: false });
    const nativeAfter = await phone.get('/api/v1/subscriptions');
    assert.deepEqual(nativeAfter.body.subscriptions.map((entry: { feedUrl: string }) => entry.feedUrl).sort(), everyFeed.slice(1));
    const gpAfter = await gpodder('GET', `/api/2/subscriptions/${username}/kasts.json?since=${gp.json().timestamp}`);
    assert.deepEqual(gpAfter.json().remove, ['https://via-gpodder.example/feed']);
  });

  it('rebuilds the subscriptions projection to exactly the rows written live (GUIDs and times included)', async () => {
    const live = await current().db.query('SELECT * FROM subscriptions ORDER BY user_id, feed_url');
    assert.ok(live.rows.filter((row) => (row as { moved_to: string | null }).moved_to).length >= 2, 'moved feeds are part of the check');
    await rebuildProjection(current().db, server.store, subscriptionsProjector(), { batchSize: 5 });
    const rebuilt = await current().db.query('SELECT * FROM subscriptions ORDER BY user_id, feed_url');
    assert.deepEqual(rebuilt.rows, live.rows);
  });
});

