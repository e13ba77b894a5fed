import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDriver } from '../../../test/support/databases.js';
import { createTestServer, type TestServer } from '../../../test/support/server.js';
import { apiClient, type ApiClient } from '../../../test/support/api.js';
import { basic } from '../../../test/support/http.js';
import { catchUpAsync } from '../../../test/support/projectors.js';
import { AccountEraser } from '../../accounts/erasure.js';
import { applicationProjectors } from '../../app/projectors.js';
import { directoryProjector } from '../../directory/directory-projector.js';
import { resetAsyncProjection } from '../../projections/rebuild.js';
import { countsFromReadModels as expectedCounts } from '../../directory/testing/expected-counts.js';
import { encodeFeedId } from '../../subscriptions/feed-id.js';
import { podcastData } from './podcast-data.js';
import { isPersonalFeedUrl } from '../../feeds/personal-feed-url.js';

const PASSWORD = 'directory test password';
const FEED = (n: number) => `https://directory-test.example/feed${n}.xml`;

/**
 * The gpodder.net directory endpoints over the async subscriber counts: who may be counted
 * (privacy), what the answers look like, and that the projection catches up with changes.
 */
describeEachDriver('gpodder.net directory', (current) => {
  let server: TestServer;
  const projector = directoryProjector();
  const people: Record<'pub' | 'anon' | 'priv' | 'mixed', { userId: string; api: ApiClient }> = {} as never;

  const catchUp = () => catchUpAsync(current().db, server.store, projector);

  const countsFromReadModels = () => expectedCounts(current().db, 'https://directory-test.example/');

  const get = (url: string, authorization?: string) => server.app.inject({ method: 'GET', url, headers: authorization ? { authorization } : {} });
  const counts = async (): Promise<[string, number][]> => ((await get('/toplist/100.json')).json() as { url: string; subscribers: number }[]).map((p) => [p.url, p.subscribers]);

  before(async () => {
    server = await createTestServer(current(), { env: { REGISTRATION: 'open' }, requestLimits: { burst: 100_000, perSecond: 10_000 } });
    await server.app.ready();
    for (const [name, level] of [['pub', 'public'], ['anon', 'anonymous'], ['priv', null], ['mixed', 'public']] as const) {
      const { userId } = await server.accounts.register(`dir${name}`, PASSWORD);
      const api = apiClient(server.app, `dir${name}`, PASSWORD, 'phone');
      if (level) assert.equal((await api.put('/api/v1/privacy/default', { level })).status, 200);
      people[name] = { userId, api };
    }
    const subscribe = async (who: keyof typeof people, n: number) => assert.equal((await people[who].api.post('/api/v1/subscriptions', { feedUrl: FEED(n), title: `Title of ${who}` })).status, 200);
    // feed1: public, anonymous, private and (overridden) private subscribers; feed2: private only; feed3: public.
    for (const who of ['pub', 'anon', 'priv', 'mixed'] as const) await subscribe(who, 1);
    await subscribe('priv', 2);
    await subscribe('mixed', 3);
    assert.equal((await people.mixed.api.put(`/api/v1/privacy/podcasts/${encodeFeedId(FEED(1))}`, { level: 'private' })).status, 200);
    await catchUp();
  });
  after(async () => server?.app.close());

  it('counts only the subscriptions their owners let be counted, and names nobody', async () => {
    assert.deepEqual(await counts(), [
      [FEED(1), 2],
      [FEED(3), 1],
    ]);
    const toplist = await get('/toplist/10.json');
    assert.equal(toplist.statusCode, 200);
    assert.match(String(toplist.headers['content-type']), /^application\/json/);
    assert.deepEqual(toplist.json(), [podcastData(FEED(1), 2, {}), podcastData(FEED(3), 1, {})]);
    assert.deepEqual(Object.keys(toplist.json()[0]).sort(), ['author', 'description', 'logo_url', 'mygpo_link', 'scaled_logo_url', 'subscribers', 'subscribers_last_week', 'title', 'url', 'website']);
    assert.equal(toplist.json()[0].title, FEED(1), 'the URL stands for the title; titles given by subscribers are theirs');
    for (const { userId } of Object.values(people)) assert.ok(!toplist.body.includes(userId));
    assert.ok(!toplist.body.includes('dirpub') && !toplist.body.includes('Title of'));
    const rows = await current().db.query('SELECT * FROM directory_podcasts ORDER BY feed_url');
    assert.deepEqual(Object.keys(rows.rows[0] as object).sort(), ['feed_url', 'subscribers'], 'the shown table holds no user id');
  });

  it('never shows a feed made for one listener (a secret in its URL), even subscribed publicly', async () => {
    const personal = ['https://paid.example/feed.xml?token=s3cret', 'https://me:pw@private.example/feed', 'https://shop.example/rss?user=7&key=abc'];
    for (const feedUrl of personal) assert.equal((await people.pub.api.post('/api/v1/subscriptions', { feedUrl })).status, 200);
    await catchUp();
    const listed = (await get('/toplist/100.json')).body;
    for (const secret of ['s3cret', 'private.example', 'key=abc']) assert.ok(!listed.includes(secret), secret);
    assert.equal((await get(`/api/2/data/podcast.json?url=${encodeURIComponent(personal[0]!)}`)).statusCode, 404);
    assert.deepEqual(
      ['https://feeds.example/show.xml?format=mp3', 'https://feeds.example/a.xml'].map(isPersonalFeedUrl).concat(personal.map(isPersonalFeedUrl)),
      [false, false, true, true, true],
    );
    for (const feedUrl of personal) await people.pub.api.delete(`/api/v1/subscriptions/${encodeFeedId(feedUrl)}`);
    await catchUp();
  });

  it('follows privacy changes, unsubscriptions and feed moves once caught up', async () => {
    assert.equal((await people.priv.api.put('/api/v1/privacy/default', { level: 'anonymous' })).status, 200);
    assert.deepEqual(await counts(), [
      [FEED(1), 2],
      [FEED(3), 1],
    ], 'not before the projection catches up');
    await catchUp();
    assert.deepEqual(await counts(), [
      [FEED(1), 3],
      [FEED(2), 1],
      [FEED(3), 1],
    ]);
    assert.deepEqual(await counts(), await countsFromReadModels());
    assert.equal((await people.priv.api.put(`/api/v1/privacy/podcasts/${encodeFeedId(FEED(2))}`, { level: 'private' })).status, 200);
    assert.equal((await people.mixed.api.put(`/api/v1/privacy/podcasts/${encodeFeedId(FEED(1))}`, { level: null })).status, 200);
    assert.equal((await people.anon.api.delete(`/api/v1/subscriptions/${encodeFeedId(FEED(1))}`)).status < 300, true);
    await catchUp();
    assert.deepEqual(await counts(), [
      [FEED(1), 3],
      [FEED(3), 1],
    ]);
    assert.equal((await people.mixed.api.put(`/api/v1/subscriptions/${encodeFeedId(FEED(3))}/url`, { feedUrl: FEED(4) })).status, 200);
    await catchUp();
    assert.deepEqual(await counts(), [
      [FEED(1), 3],
      [FEED(4), 1],
    ]);
    assert.deepEqual(await counts(), await countsFromReadModels(), 'the same rule as the privacy context');
    // A rebuild from the log gives the same counts.
    const before = await current().db.query('SELECT * FROM directory_podcasts ORDER BY feed_url');
    await resetAsyncProjection(current().db, projector);
    await catchUp();
    assert.deepEqual((await current().db.query('SELECT * FROM directory_podcasts ORDER BY feed_url')).rows, before.rows);
  });

  it('answers the toplist in json, opml and txt; bad formats and sizes are refused', async () => {
    const top = (await counts()).map(([url]) => url);
    assert.deepEqual(((await get('/toplist.json')).json() as { url: string }[]).map((p) => p.url), top);
    assert.deepEqual(((await get('/toplist/1.json')).json() as { url: string }[]).map((p) => p.url), top.slice(0, 1));
    assert.deepEqual(((await get('/toplist/0.json')).json() as unknown[]).length, 1, 'clamped to 1');
    assert.deepEqual(((await get('/toplist/many.json')).json() as unknown[]).length, top.length, 'not a number: 100');
    const txt = await get('/toplist/10.txt');
    assert.match(String(txt.headers['content-type']), /^text\/plain/);
    assert.equal(txt.body, top.map((url) => `${url}\n`).join(''));
    const opml = await get('/toplist.opml');
    assert.match(String(opml.headers['content-type']), /xml/);
    for (const url of top) assert.ok(opml.body.includes(`xmlUrl="${url}"`));
    for (const url of ['/toplist/10.xml', '/toplist.jsonp', '/search.xml?q=feed']) {
      const refused = await get(url);
      assert.deepEqual([refused.statusCode, refused.json().error.code], [400, 'invalid_format'], url);
    }
    for (const url of ['/toplist/10.json?scale_logo=0', '/toplist.json?scale_logo=257', '/search.json?q=feed&scale_logo=x']) {
      assert.deepEqual([(await get(url)).statusCode, (await get(url)).json().error.code], [400, 'invalid_scale_logo'], url);
    }
    assert.equal((await get('/toplist/10.json?scale_logo=64')).statusCode, 200);
  });

  it('searches the podcasts it may name, by URL', async () => {
    const search = await get(`/search.json?q=${encodeURIComponent('DIRECTORY-test.example/feed')}`);
    assert.equal(search.statusCode, 200);
    assert.deepEqual((search.json() as { url: string; subscribers: number }[]).map((p) => [p.url, p.subscribers]), await counts());
    assert.deepEqual((await get('/search.json?q=feed2')).json(), [], 'a podcast only private subscriptions hold is never found');
    assert.deepEqual((await get('/search.json?q=%25')).json(), [], 'wildcards are searched for as text');
    assert.equal((await get('/search.txt?q=feed4')).body, `${FEED(4)}\n`);
    assert.deepEqual([(await get('/search.json')).statusCode, (await get('/search.json?q=%20')).json().error.code], [400, 'missing_query']);
    assert.equal((await get(`/search.json?q=${'x'.repeat(201)}`)).json().error.code, 'query_too_long');
  });

  it('suggests the podcasts an account does not subscribe to, signed in only', async () => {
    const suggested = await get('/suggestions/10.json', basic('dirpub', PASSWORD));
    assert.equal(suggested.statusCode, 200, suggested.body);
    assert.deepEqual((suggested.json() as { url: string }[]).map((p) => p.url), [FEED(4)]);
    assert.deepEqual((await get('/suggestions/10.json', basic('diranon', PASSWORD))).json().map((p: { url: string }) => p.url), [FEED(1), FEED(4)]);
    assert.equal((await get('/suggestions/10.txt', basic('dirpub', PASSWORD))).body, `${FEED(4)}\n`);
    assert.equal((await get('/suggestions/10.json')).statusCode, 401);
  });

  it('tags: none known yet, correctly shaped', async () => {
    assert.deepEqual([(await get('/api/2/tags/10.json')).statusCode, (await get('/api/2/tags/10.json')).json()], [200, []]);
    assert.deepEqual([(await get('/api/2/tag/news/10.json')).statusCode, (await get('/api/2/tag/news/10.json')).json()], [200, []]);
    assert.equal((await get('/api/2/tags/10.txt')).statusCode, 404);
  });

  it('podcast and episode data: for podcasts it may name; 404 otherwise, whoever subscribes privately', async () => {
    const podcast = await get(`/api/2/data/podcast.json?url=${encodeURIComponent('HTTPS://Directory-Test.example/feed1.xml')}`);
    assert.equal(podcast.statusCode, 200, podcast.body);
    assert.deepEqual(podcast.json(), podcastData(FEED(1), 3, {}));
    for (const url of [FEED(2), FEED(99)]) {
      const unknown = await get(`/api/2/data/podcast.json?url=${encodeURIComponent(url)}`);
      assert.deepEqual([unknown.statusCode, unknown.json()], [404, { error: { code: 'podcast_not_found', message: 'This instance knows no such podcast' } }]);
    }
    assert.equal((await get('/api/2/data/podcast.json')).json().error.code, 'invalid_feed_url');
    assert.equal((await get('/api/2/data/podcast.json?url=nope')).json().error.code, 'invalid_feed_url');
    const media = 'https://directory-test.example/episode1.mp3';
    const episode = await get(`/api/2/data/episode.json?podcast=${encodeURIComponent(FEED(1))}&url=${encodeURIComponent(media)}`);
    assert.equal(episode.statusCode, 200, episode.body);
    assert.deepEqual(episode.json(), { title: media, url: media, podcast_title: FEED(1), podcast_url: FEED(1), description: '', website: null, released: null, mygpo_link: media });
    assert.equal((await get(`/api/2/data/episode.json?podcast=${encodeURIComponent(FEED(2))}&url=${encodeURIComponent(media)}`)).statusCode, 404);
    assert.equal((await get(`/api/2/data/episode.json?podcast=${encodeURIComponent(FEED(1))}`)).json().error.code, 'invalid_episode');
  });

  it('forgets an erased account at once', async () => {
    await new AccountEraser(server.store, applicationProjectors()).erase(people.mixed.userId);
    assert.deepEqual(await counts(), [[FEED(1), 2]]);
    for (const table of ['directory_subscriptions', 'directory_privacy']) {
      assert.equal((await current().db.query(`SELECT 1 FROM ${table} WHERE user_id = $1`, [people.mixed.userId])).rows.length, 0, table);
    }
    await catchUp();
    assert.deepEqual(await counts(), [[FEED(1), 2]]);
  });
});
