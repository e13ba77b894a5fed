import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { describeEachDriver } from '../../test/support/databases.js';
import { PodcastDirectory } from './podcast-directory.js';
import { urlOnlyMetadata, type PodcastMetadataSource } from './podcast-metadata.js';

const A = 'https://a.example/rss';
const B = 'https://b.example/rss';
const HIDDEN = 'https://hidden.example/rss';

/** A catalog plugged in: it knows more podcasts than the directory may name. */
const catalog: PodcastMetadataSource = {
  ...urlOnlyMetadata,
  describe: async (urls) => new Map(urls.filter((url) => url !== B).map((url) => [url, { title: `Title ${url}`, logoUrl: `${url}/logo.png` }])),
  search: async (query) => (query === 'cooking' ? [B, HIDDEN] : []),
  tagged: async (tag) => (tag === 'food' ? [HIDDEN, A, B] : []),
};

describeEachDriver('podcast directory with a metadata source', (current) => {
  before(async () => {
    await current().db.query('INSERT INTO directory_podcasts (feed_url, subscribers) VALUES ($1, 2), ($2, 5)', [A, B]);
  });

  it("describes the podcasts it names with the source's metadata, the URL standing in for what is unknown", async () => {
    const directory = new PodcastDirectory(current().db, catalog);
    assert.deepEqual(await directory.top(10), [
      { feedUrl: B, subscribers: 5, metadata: {} },
      { feedUrl: A, subscribers: 2, metadata: { title: `Title ${A}`, logoUrl: `${A}/logo.png` } },
    ]);
  });

  it("finds by the source's search and categories, but never a podcast the directory may not name", async () => {
    const directory = new PodcastDirectory(current().db, catalog);
    assert.deepEqual((await directory.search('cooking', 20)).map((podcast) => podcast.feedUrl), [B]);
    assert.deepEqual((await directory.search('a.example', 20)).map((podcast) => podcast.feedUrl), [A]);
    assert.deepEqual((await directory.tagged('food', 20)).map((podcast) => podcast.feedUrl), [B, A]);
    assert.deepEqual(await directory.tagged('sports', 20), []);
    assert.equal(await directory.podcast(HIDDEN), undefined);
  });
});
