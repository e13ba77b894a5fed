import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { newListener, type ApiClient } from '../../../test/support/api.js';
import { describeEachDriver } from '../../../test/support/databases.js';
import { fixtureServerForFile, serveFeed, settleProjections, type ServedFeed } from '../../../test/support/feed-catalog.js';
import { rss } from '../../../test/support/feeds.js';
import { createTestServer, type TestServer } from '../../../test/support/server.js';
import { applicationProjectors } from '../../app/projectors.js';
import { encodeFeedId } from '../../subscriptions/feed-id.js';
import { REFRESH_BURST } from './routes.js';

const items = (count: number): string =>
  Array.from({ length: count }, (_, index) =>
    `<item><guid>g${index}</guid><title>Episode ${index}</title><pubDate>${new Date(Date.UTC(2026, 0, 1 + index)).toUTCString()}</pubDate>` +
    `<enclosure url="https://cdn.example/${index}.mp3" type="audio/mpeg" length="${1000 + index}"/><itunes:duration>01:00</itunes:duration>` +
    `<podcast:transcript url="https://cdn.example/${index}.vtt" type="text/vtt"/></item>`,
  ).join('');

const fixtures = fixtureServerForFile();

describeEachDriver('catalog API', (current) => {
  let server: TestServer;
  const projectors = applicationProjectors();
  let listener: ApiClient;
  let stranger: ApiClient;
  const settle = () => settleProjections(current().db, server.store, projectors);

  before(async () => {
    server = await createTestServer(current(), { projectors, env: { REGISTRATION: 'open', FEED_ALLOWED_ADDRESSES: '127.0.0.1', FEED_MANUAL_REFRESH_SECONDS: '60' } });
    listener = (await newListener(server.app, server.accounts, 'catalog')).phone;
    stranger = (await newListener(server.app, server.accounts, 'stranger')).phone;
  });
  after(async () => server?.app.close());

  it('refreshes a subscribed feed on demand and serves the podcast and its episodes by pages', async () => {
    const path = `/api-${current().driver}.xml`;
    serveFeed(fixtures, path, () => ({ body: rss(items(5), '<title>API show</title><itunes:author>Ann</itunes:author><podcast:guid>abc-123</podcast:guid><language>en</language>') }));
    const feedUrl = fixtures.url(path);
    const feedId = encodeFeedId(feedUrl);
    assert.equal((await listener.get(`/api/v1/podcasts/${feedId}`)).status, 404);
    assert.equal((await listener.post('/api/v1/subscriptions', { feedUrl })).status, 200);

    assert.deepEqual((await stranger.post(`/api/v1/podcasts/${feedId}/refresh`)).body.error.code, 'not_subscribed');
    const refreshed = await listener.post(`/api/v1/podcasts/${feedId}/refresh`);
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.equal(refreshed.body.refresh.lastStatus, 'fetched');
    const again = await listener.post(`/api/v1/podcasts/${feedId}/refresh`);
    assert.equal(again.status, 429);
    assert.equal(again.body.error.code, 'refreshed_recently');
    assert.ok(Number(again.headers['retry-after']) > 0 && Number(again.headers['retry-after']) <= 60);

    await settle();
    const podcast = await listener.get(`/api/v1/podcasts/${feedId}`);
    assert.equal(podcast.status, 200);
    const { details, refresh, ...fields } = podcast.body;
    assert.deepEqual(fields, {
      feedId,
      feedUrl,
      catalogued: true,
      title: 'API show',
      author: 'Ann',
      description: null,
      imageUrl: null,
      language: 'en',
      link: null,
      podcastGuid: 'abc-123',
      episodeCount: 5,
      movedTo: null,
    });
    assert.equal(details.title, 'API show');
    assert.equal(refresh.failures, 0);
    assert.equal(refresh.lastError, null);

    const first = await listener.get(`/api/v1/podcasts/${feedId}/episodes?limit=2`);
    assert.deepEqual(first.body.episodes.map((episode: { guid: string }) => episode.guid), ['g4', 'g3']);
    const episode = first.body.episodes[0];
    assert.deepEqual(
      { ...episode, details: undefined },
      { guid: 'g4', title: 'Episode 4', mediaUrl: 'https://cdn.example/4.mp3', publishedAt: '2026-01-05T00:00:00.000Z', details: undefined },
    );
    assert.deepEqual(episode.details.enclosure, { url: 'https://cdn.example/4.mp3', type: 'audio/mpeg', length: 1004 });
    assert.equal(episode.details.durationSeconds, 60);
    assert.deepEqual(episode.details.transcripts, [{ url: 'https://cdn.example/4.vtt', type: 'text/vtt', language: null, rel: null }]);
    const guids: string[] = [];
    let page: string | null = null;
    do {
      const response: { body: { episodes: { guid: string }[]; next: string | null } } = await listener.get(`/api/v1/podcasts/${feedId}/episodes?limit=2${page ? `&page=${page}` : ''}`);
      guids.push(...response.body.episodes.map((entry) => entry.guid));
      page = response.body.next;
    } while (page);
    assert.deepEqual(guids, ['g4', 'g3', 'g2', 'g1', 'g0']);
  });

  it('shows a failing feed with its error; refuses bad ids and page tokens with 4xx', async () => {
    const path = `/api-broken-${current().driver}.xml`;
    const served: ServedFeed = { body: '', status: 500 };
    serveFeed(fixtures, path, () => served);
    const feedUrl = fixtures.url(path);
    const feedId = encodeFeedId(feedUrl);
    await listener.post('/api/v1/subscriptions', { feedUrl });
    assert.equal((await listener.post(`/api/v1/podcasts/${feedId}/refresh`)).status, 200);
    const podcast = await listener.get(`/api/v1/podcasts/${feedId}`);
    assert.equal(podcast.body.catalogued, false);
    assert.equal(podcast.body.refresh.failures, 1);
    assert.equal(podcast.body.refresh.lastStatus, 'error');
    assert.deepEqual({ ...podcast.body.refresh.lastError, at: undefined }, { code: 'http_error', message: `${feedUrl} answered HTTP 500`, at: undefined });

    assert.equal((await listener.get('/api/v1/podcasts/not*an*id')).body.error.code, 'invalid_feed_id');
    const badPage = await listener.get(`/api/v1/podcasts/${feedId}/episodes?page=bm9wZQ`);
    assert.deepEqual([badPage.status, badPage.body.error.code], [400, 'invalid_page']);
    assert.equal((await listener.get(`/api/v1/podcasts/${feedId}/episodes?limit=0`)).status, 400);
  });

  it('limits on-demand refreshes per account, whichever feeds they are for', async () => {
    const busy = (await newListener(server.app, server.accounts, 'busy')).phone;
    const statuses: number[] = [];
    for (let index = 0; index <= REFRESH_BURST; index++) {
      const feedUrl = fixtures.url(`/api-unknown-${current().driver}-${index}.xml`);
      await busy.post('/api/v1/subscriptions', { feedUrl });
      statuses.push((await busy.post(`/api/v1/podcasts/${encodeFeedId(feedUrl)}/refresh`)).status);
    }
    assert.deepEqual(statuses, [...Array(REFRESH_BURST).fill(200), 429]);
  });
});
