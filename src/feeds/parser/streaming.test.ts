import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixture, fixtureNames } from '../../../test/fixtures/feeds/real-feeds.js';
import { createFeedParser, parseFeed, type FeedParserOptions } from './feed-parser.js';
import type { Episode, ParsedFeed } from './model.js';

/** Deterministic pseudo-random chunk sizes, so a failure can be replayed. */
function* chunkSizes(seed: number, max: number): Generator<number> {
  let state = seed;
  for (;;) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    yield 1 + (state % max);
  }
}

function parseInChunks(input: Uint8Array | string, sizes: Iterator<number>, options: FeedParserOptions = {}): ParsedFeed {
  const parser = createFeedParser(options);
  for (let offset = 0; offset < input.length; ) {
    const size = sizes.next().value as number;
    parser.write(input.slice(offset, offset + size));
    offset += size;
  }
  return parser.end();
}

function parseWhole(input: Uint8Array | string, options: FeedParserOptions = {}): ParsedFeed {
  const parser = createFeedParser(options);
  parser.write(input);
  return parser.end();
}

const ones = (): Iterator<number> => ({ next: () => ({ value: 1, done: false }) });

/** A document exercising every repair at once: each must survive any chunking. */
const EDGE_CASES = Buffer.concat([
  Buffer.from(
    '\n \uFEFF<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE rss [<!ENTITY show "Shöw">]>\n' +
      '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>&show; &amp; Fr&eacute;res&nbsp;&#146;</title>' +
      '<item><title>Zoë 東京 🎧 Q&A 5 < 6 &unknown; &#x1F3A7;</title><guid>a</guid><description><![CDATA[x & y ]] ]]]]><![CDATA[> <b>z</b>]]></description>' +
      '<content:encoded>Raw <p>html</b> here</p></content:encoded><pubDate>Fri, 9 Oct 20 4:30 PDT</pubDate>' +
      '<enclosure url="https://e.x/a.mp3?x=1&y=2" length="12" type="audio/mpeg"/><!-- a & b --><itunes:duration>1:02</itunes:duration></item>' +
      '<item><title>Latin-1: ',
  ),
  Buffer.from([0xe9, 0x92]),
  Buffer.from('</title><link>https://e.x/2</link></item><item><guid>a</guid></item></channel></rss>\n'),
]);

describe('chunk boundaries', () => {
  it('gives the same result fed whole, one byte at a time, or in random chunks: edge cases', () => {
    const whole = parseWhole(EDGE_CASES);
    assert.equal(whole.podcast.title, 'Shöw & Fréres ’');
    assert.equal(whole.episodes.length, 2);
    assert.equal(whole.episodes[0]!.title, 'Zoë 東京 🎧 Q&A 5 < 6 &unknown; 🎧');
    assert.equal(whole.episodes[0]!.description, 'Raw <p>html here</p>');
    assert.equal(whole.episodes[0]!.enclosure?.url, 'https://e.x/a.mp3?x=1&y=2');
    assert.equal(whole.episodes[0]!.publishedAt, '2020-10-09T11:30:00.000Z');
    assert.equal(whole.episodes[0]!.durationSeconds, 62);
    assert.equal(whole.episodes[1]!.title, 'Latin-1: é’');
    assert.equal(whole.episodes[1]!.guid, 'https://e.x/2');
    assert.equal(whole.wellFormed, false);

    assert.deepEqual(parseInChunks(EDGE_CASES, ones()), whole);
    for (const seed of [1, 2, 3, 4, 5]) assert.deepEqual(parseInChunks(EDGE_CASES, chunkSizes(seed, 17)), whole, `seed ${seed}`);
  });

  it('gives the same result for text chunks, one character at a time (surrogate pairs split too)', () => {
    const text = EDGE_CASES.toString('utf8');
    const whole = parseWhole(text);
    assert.deepEqual(parseInChunks(text, ones()), whole);
    for (const seed of [6, 7, 8]) assert.deepEqual(parseInChunks(text, chunkSizes(seed, 9)), whole, `seed ${seed}`);
  });

  it('gives the same result for the Podcasting 2.0 feed one byte at a time', () => {
    const bytes = fixture('pc20rss.xml');
    const whole = parseWhole(bytes);
    assert.equal(whole.episodes.length, 56);
    assert.deepEqual(parseInChunks(bytes, ones()), whole);
  });

  for (const name of fixtureNames()) {
    it(`gives the same result for ${name} in random chunks`, () => {
      const bytes = fixture(name);
      const whole = parseWhole(bytes);
      for (const [seed, max] of [[11, 7], [12, 300], [13, 5000]] as const) {
        assert.deepEqual(parseInChunks(bytes, chunkSizes(seed, max)), whole, `seed ${seed}`);
      }
      const text = bytes.toString('utf8');
      const fromText = parseInChunks(text, chunkSizes(14, 700));
      assert.deepEqual({ ...fromText, encoding: 'utf-8' }, whole);
    });
  }
});

describe('large feeds', () => {
  const ITEM_COUNT = 5000;

  /** A ~20 MB feed generated lazily, oldest episode first (as serial shows do), never held in memory whole. */
  async function* largeFeed(): AsyncGenerator<Uint8Array> {
    const encoder = new TextEncoder();
    const notes = 'Show notes with <b>markup</b> &amp; entities, repeated to make items realistically heavy. '.repeat(40);
    yield encoder.encode(
      '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" ' +
        'xmlns:podcast="https://podcastindex.org/namespace/1.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Big</title>',
    );
    let batch = '';
    for (let index = 0; index < ITEM_COUNT; index++) {
      const published = new Date(Date.UTC(2000, 0, 1) + index * 86_400_000).toUTCString();
      batch +=
        `<item><title>Episode ${index}</title><guid isPermaLink="false">episode-${index}</guid><pubDate>${published}</pubDate>` +
        `<description><![CDATA[<p>${notes}</p>]]></description><content:encoded><![CDATA[<p>${notes}${notes}</p>]]></content:encoded>` +
        `<enclosure url="https://cdn.example.com/${index}.mp3" length="${1000 + index}" type="audio/mpeg"/>` +
        `<itunes:duration>${index % 60}:00</itunes:duration><podcast:transcript url="https://cdn.example.com/${index}.vtt" type="text/vtt"/></item>`;
      if (batch.length > 64 * 1024) {
        yield encoder.encode(batch);
        batch = '';
      }
    }
    yield encoder.encode(`${batch}</channel></rss>`);
  }

  it('streams 5,000 items to onEpisode and keeps only the 10 most recent with maxEpisodes: 10', async () => {
    const seen: string[] = [];
    let bytes = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const chunk of largeFeed()) {
        bytes += chunk.length;
        yield chunk;
      }
    }
    const feed = await parseFeed(counted(), { maxEpisodes: 10, onEpisode: (episode: Episode) => seen.push(episode.guid) });
    assert.ok(bytes > 20 * 1024 * 1024, `generated ${bytes} bytes`);
    assert.equal(seen.length, ITEM_COUNT);
    assert.equal(seen[0], 'episode-0');
    assert.equal(seen.at(-1), `episode-${ITEM_COUNT - 1}`);
    assert.equal(feed.episodeCount, ITEM_COUNT);
    assert.equal(feed.episodes.length, 10);
    assert.deepEqual(
      feed.episodes.map((episode) => episode.guid),
      Array.from({ length: 10 }, (_, index) => `episode-${ITEM_COUNT - 10 + index}`),
    );
    assert.equal(feed.episodes[9]!.enclosure?.length, 1000 + ITEM_COUNT - 1);
    assert.equal(feed.podcast.title, 'Big');
    assert.deepEqual(feed.warnings, []);
  });
});
