import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from '../../../test/support/feeds.js';
import { renderRss, xmlText, type RssItem } from './rss-writer.js';

const item = (title: string, guid: string, publishedAt: Date | null): RssItem => ({
  title,
  guid,
  enclosure: { url: `https://balados.test/play/t/${encodeURIComponent(guid)}?a=1&b=2`, type: 'audio/mpeg', length: 1234 },
  publishedAt,
  description: 'A <b>bold</b> & "quoted" description',
  durationSeconds: 3725,
  link: null,
});

describe('RSS writer', () => {
  it('escapes markup, drops what XML cannot carry, and keeps the rest of the text', () => {
    assert.equal(xmlText('a ]]> b <c> & "d" \'e\''), 'a ]]&gt; b &lt;c&gt; &amp; &quot;d&quot; &apos;e&apos;');
    assert.equal(xmlText('bell\u0007 nul\u0000 tab\t lone\ud800 ok\u{1f3a7} \ufffe'), 'bell nul tab\t lone ok\u{1f3a7} ');
  });

  it('writes RSS 2.0 that the project parser reads back item for item', () => {
    const hostile = 'Evil ]]> <![CDATA[ show \u0001\u001b & </title><script>';
    const xml = renderRss({
      title: hostile,
      link: 'https://balados.test/',
      description: 'Mine',
      imageUrl: 'https://img.example/a.png?x=1&y=2',
      items: [item(`${hostile} - first`, 'g/1', new Date('2026-03-02T10:00:00Z')), item('Second', 'g2', null)],
    });
    const feed = parse(xml);
    assert.equal(feed.format, 'rss');
    assert.equal(feed.podcast.title, 'Evil ]]> <![CDATA[ show & </title><script>');
    assert.deepEqual(
      feed.episodes.map((episode) => [episode.title, episode.guid, episode.enclosure, episode.publishedAt, episode.durationSeconds]),
      [
        ['Evil ]]> <![CDATA[ show & </title><script> - first', 'g/1', { url: 'https://balados.test/play/t/g%2F1?a=1&b=2', type: 'audio/mpeg', length: 1234 }, '2026-03-02T10:00:00.000Z', 3725],
        ['Second', 'g2', { url: 'https://balados.test/play/t/g2?a=1&b=2', type: 'audio/mpeg', length: 1234 }, null, 3725],
      ],
    );
    assert.deepEqual(feed.warnings, []);
  });
});
