import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, rss } from '../../../test/support/feeds.js';

describe('gathering an item’s children in one pass', () => {
  it('reads the first element of a name even when it is empty, and repeatable ones in document order', () => {
    const feed = parse(
      rss(
        `<item>
          <title> </title>
          <title>Second title</title>
          <itunes:title>iTunes title</itunes:title>
          <atom:link rel="enclosure" href="https://example.com/a.mp3" type="audio/mpeg" length="5"/>
          <link>https://example.com/page</link>
          <link>https://example.com/other</link>
          <guid>ep-1</guid>
          <pubDate>not a date</pubDate>
          <pubDate>Fri, 09 Oct 2020 04:30:38 GMT</pubDate>
          <podcast:person>Alice</podcast:person>
          <podcast:chapters url=" "/>
          <podcast:person role="Guest">Bob</podcast:person>
          <podcast:chapters url="https://example.com/chapters.json" type="application/json+chapters"/>
          <enclosure url="https://example.com/b.mp3" type="audio/mpeg" length="7"/>
        </item>`,
      ),
    );
    const episode = feed.episodes[0]!;
    // The blank first <title> is the item's title: the iTunes one is its fallback, not a later <title>.
    assert.equal(episode.title, 'iTunes title');
    assert.equal(episode.link, 'https://example.com/page');
    // A core <enclosure> wins over an Atom enclosure link written before it.
    assert.deepEqual(episode.enclosure, { url: 'https://example.com/b.mp3', type: 'audio/mpeg', length: 7 });
    // Only the first <pubDate> is read: unreadable, so no date.
    assert.equal(episode.publishedAt, null);
    assert.deepEqual(feed.warnings, ['item "ep-1": unreadable date "not a date"']);
    assert.deepEqual(
      episode.persons.map((person) => [person.name, person.role]),
      [
        ['Alice', 'host'],
        ['Bob', 'guest'],
      ],
    );
    // The first usable podcast:chapters.
    assert.deepEqual(episode.chapters, { url: 'https://example.com/chapters.json', type: 'application/json+chapters' });
  });

  it('reads Atom author names inside atom:author, and directly in the item when there is none', () => {
    const feed = parse(
      rss(
        `<item><guid>a</guid><atom:name>Loose</atom:name><atom:author><atom:name>Inside</atom:name></atom:author></item>
         <item><guid>b</guid><atom:name>Loose</atom:name></item>`,
      ),
    );
    assert.deepEqual(
      feed.episodes.map((episode) => episode.author),
      ['Inside', 'Loose'],
    );
  });
});
