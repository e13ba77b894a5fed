import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { startServer, type RunningServer } from '../../src/app/serve.js';
import { loadConfig } from '../../src/config.js';
import { encodeFeedId } from '../../src/subscriptions/feed-id.js';
import { fixture } from '../fixtures/feeds/real-feeds.js';
import { fixtureServerForFile, serveFeed } from '../support/feed-catalog.js';
import { basic } from '../support/http.js';

/**
 * `serve` as an operator runs it (embedded database, scheduler on): a listener subscribes over
 * HTTP and, with nothing else done, the podcast and its episodes appear in the catalog; the
 * server then stops cleanly with the scheduler running.
 */
describe('serve refreshes subscribed feeds in the background', () => {
  const feeds = fixtureServerForFile();
  let dataDir: string;
  let server: RunningServer | undefined;
  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'balados-serve-feeds-'));
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, REGISTRATION: 'open', FEED_SCHEDULER: 'on', FEED_ALLOWED_ADDRESSES: '127.0.0.1' });
    server = await startServer(config, pino({ level: 'silent' }));
  });
  after(async () => {
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a first subscription brings the podcast into the catalog, and stop() ends the scheduler', async () => {
    serveFeed(feeds, '/e2e.xml', () => ({ body: fixture('homegrown-hits.xml'), etag: '"e2e"' }));
    const feedUrl = feeds.url('/e2e.xml');
    await server!.runtime.accounts.register('listener', 'listener password');
    const headers = { authorization: basic('listener', 'listener password'), 'content-type': 'application/json' };
    const subscribed = await fetch(`${server!.url}/api/v1/subscriptions`, { method: 'POST', headers, body: JSON.stringify({ feedUrl }) });
    assert.equal(subscribed.status, 200);
    let podcast: { catalogued?: boolean; title?: string; episodeCount?: number; podcastGuid?: string } = {};
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !(podcast.catalogued && podcast.episodeCount === 4)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const response = await fetch(`${server!.url}/api/v1/podcasts/${encodeFeedId(feedUrl)}`, { headers });
      if (response.status === 200) podcast = (await response.json()) as typeof podcast;
    }
    assert.deepEqual(
      { catalogued: podcast.catalogued, title: podcast.title, episodeCount: podcast.episodeCount, podcastGuid: podcast.podcastGuid },
      { catalogued: true, title: 'Homegrown Hits', episodeCount: 4, podcastGuid: 'ac746d09-7c3b-5bcd-b28a-f12d6456ca8f' },
    );
    assert.equal(feeds.requests.filter((request) => request.path === '/e2e.xml').length, 1);
    const started = Date.now();
    await server!.stop();
    server = undefined;
    assert.ok(Date.now() - started < 10_000, 'stops promptly');
  });
});
