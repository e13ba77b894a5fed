import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { newListener, type ApiClient } from '../../test/support/api.js';
import { describeEachDriver } from '../../test/support/databases.js';
import { fixtureServerForFile, serveFeed, settleProjections } from '../../test/support/feed-catalog.js';
import { rss } from '../../test/support/feeds.js';
import { createTestServer, type TestServer } from '../../test/support/server.js';
import { applicationProjectors } from '../app/projectors.js';
import { encodeFeedId } from '../subscriptions/feed-id.js';
import { tagOf } from './catalog-metadata.js';

const fixtures = fixtureServerForFile();

const CHANNEL =
  '<title>Gardening 100% Weekly</title><itunes:author>Ann Green</itunes:author><description>Plants and soil</description>' +
  '<link>https://garden.example/</link><itunes:image href="https://garden.example/logo.png"/>' +
  '<itunes:category text="Home &amp; Garden"/><itunes:category text="Leisure"/>';
const ITEM = '<item><guid>g1</guid><title>Tomatoes</title><pubDate>Mon, 02 Mar 2026 08:00:00 GMT</pubDate><enclosure url="https://cdn.example/tomatoes.mp3" type="audio/mpeg" length="100"/></item>';

describeEachDriver('the gpodder.net directory names podcasts as the feed catalog knows them', (current) => {
  let server: TestServer;
  const projectors = applicationProjectors();
  let listener: ApiClient;
  let feedUrl = '';

  before(async () => {
    server = await createTestServer(current(), { projectors, env: { REGISTRATION: 'open', FEED_ALLOWED_ADDRESSES: '127.0.0.1' } });
    listener = (await newListener(server.app, server.accounts, 'gardener')).phone;
    serveFeed(fixtures, '/garden.xml', () => ({ body: rss(ITEM, CHANNEL) }));
    feedUrl = fixtures.url('/garden.xml');
    assert.equal((await listener.put('/api/v1/privacy/default', { level: 'anonymous' })).status, 200);
    assert.equal((await listener.post('/api/v1/subscriptions', { feedUrl })).status, 200);
    assert.equal((await listener.post(`/api/v1/podcasts/${encodeFeedId(feedUrl)}/refresh`)).status, 200);
    await settleProjections(current().db, server.store, projectors);
  });
  after(async () => server?.app.close());

  const get = async (url: string) => {
    const response = await server.app.inject({ method: 'GET', url });
    assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
    return response.json();
  };

  it('gives titles, authors, descriptions, sites and logos in the toplist and podcast data', async () => {
    const [top] = await get('/toplist/10.json');
    assert.deepEqual(
      { url: top.url, title: top.title, author: top.author, description: top.description, website: top.website, logo_url: top.logo_url, subscribers: top.subscribers },
      { url: feedUrl, title: 'Gardening 100% Weekly', author: 'Ann Green', description: 'Plants and soil', website: 'https://garden.example/', logo_url: 'https://garden.example/logo.png', subscribers: 1 },
    );
    assert.equal((await get(`/api/2/data/podcast.json?url=${encodeURIComponent(feedUrl)}`)).title, 'Gardening 100% Weekly');
  });

  it('searches titles and authors, taking % and _ literally', async () => {
    assert.deepEqual((await get('/search.json?q=gardening')).map((podcast: { url: string }) => podcast.url), [feedUrl]);
    assert.deepEqual((await get('/search.json?q=ann%20green')).map((podcast: { url: string }) => podcast.url), [feedUrl]);
    assert.deepEqual((await get('/search.json?q=100%25')).map((podcast: { url: string }) => podcast.url), [feedUrl]);
    assert.deepEqual(await get('/search.json?q=_ardening'), []);
    assert.deepEqual(await get('/search.json?q=cooking'), []);
  });

  it('lists the categories as tags, and the podcasts of a tag', async () => {
    assert.equal(tagOf('Home & Garden'), 'home-garden');
    const tags = await get('/api/2/tags/10.json');
    assert.deepEqual(tags.map((tag: { tag: string; usage: number }) => [tag.tag, tag.usage]).sort(), [['home-garden', 1], ['leisure', 1]]);
    assert.deepEqual((await get('/api/2/tag/home-garden/10.json')).map((podcast: { url: string }) => podcast.url), [feedUrl]);
    assert.deepEqual(await get('/api/2/tag/cooking/10.json'), []);
  });

  it('names an episode by its media URL', async () => {
    const episode = await get(`/api/2/data/episode.json?podcast=${encodeURIComponent(feedUrl)}&url=${encodeURIComponent('https://cdn.example/tomatoes.mp3')}`);
    assert.equal(episode.title, 'Tomatoes');
    assert.equal(episode.podcast_title, 'Gardening 100% Weekly');
    assert.equal(episode.released, '2026-03-02T08:00:00');
  });
});
