import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFeedParser, parseFeed } from './feed-parser.js';
import { FeedParseError, type FeedParseErrorCode, type ParsedFeed } from './model.js';
import { parse, rss } from '../../../test/support/feeds.js';

function rejects(xml: string | Uint8Array, code: FeedParseErrorCode): void {
  assert.throws(
    () => parse(xml),
    (error: unknown) => error instanceof FeedParseError && error.code === code,
    `expected FeedParseError ${code}`,
  );
}

describe('RSS 2.0 mapping', () => {
  it('maps channel and item fields, preferring content:encoded and trimming text', () => {
    const feed = parse(
      rss(
        `<item>
          <title>
            Episode   1:
            The Start
          </title>
          <description>Short &amp; plain</description>
          <content:encoded><![CDATA[<p>Long <b>HTML</b></p>]]></content:encoded>
          <link> https://example.com/ep1 </link>
          <guid isPermaLink="false">  ep-1
          </guid>
          <pubDate>Fri, 09 Oct 2020 04:30:38 GMT</pubDate>
          <author>john@example.com (John)</author>
          <itunes:author>John Doe</itunes:author>
          <itunes:subtitle>Sub</itunes:subtitle>
          <enclosure url=" https://cdn.example.com/ep1.mp3 " length="1,234,567" type="audio/mpeg"/>
          <itunes:duration>1:02:03</itunes:duration>
          <itunes:image href="https://example.com/ep1.jpg"/>
          <itunes:explicit>Yes</itunes:explicit>
          <itunes:season>2</itunes:season>
          <itunes:episode>7</itunes:episode>
          <itunes:episodeType>Trailer</itunes:episodeType>
          <itunes:keywords>a, b ,, a</itunes:keywords>
        </item>`,
        `<title>  My
          Show </title>
        <link>https://example.com/</link>
        <atom:link rel="self" href="https://example.com/feed.xml" type="application/rss+xml"/>
        <description>About &lt;b&gt;it&lt;/b&gt;</description>
        <language>fr-CA</language>
        <copyright>© me</copyright>
        <generator>hand</generator>
        <pubDate>Sat, 10 Oct 2020 00:00:00 +0200</pubDate>
        <lastBuildDate>garbage date</lastBuildDate>
        <itunes:author>Jane</itunes:author>
        <itunes:owner><itunes:name>Owner</itunes:name><itunes:email>owner@example.com</itunes:email></itunes:owner>
        <itunes:image href="https://example.com/cover.jpg"/>
        <image><url>https://example.com/small.jpg</url></image>
        <itunes:category text="Society &amp; Culture"><itunes:category text="Documentary"/></itunes:category>
        <itunes:category text="Society &amp; Culture"/>
        <itunes:explicit>clean</itunes:explicit>
        <itunes:type>Serial</itunes:type>
        <itunes:complete>Yes</itunes:complete>
        <itunes:new-feed-url>https://new.example.com/feed</itunes:new-feed-url>
        <itunes:keywords>news,daily</itunes:keywords>`,
      ),
    );
    assert.equal(feed.format, 'rss');
    assert.equal(feed.version, '2.0');
    assert.equal(feed.encoding, null);
    assert.equal(feed.wellFormed, true);
    assert.equal(feed.truncated, false);
    assert.deepEqual(feed.warnings, ['channel: unreadable date "garbage date"']);

    const podcast = feed.podcast;
    assert.equal(podcast.title, 'My Show');
    assert.equal(podcast.link, 'https://example.com/');
    assert.equal(podcast.selfUrl, 'https://example.com/feed.xml');
    assert.equal(podcast.description, 'About <b>it</b>');
    assert.equal(podcast.language, 'fr-CA');
    assert.equal(podcast.copyright, '© me');
    assert.equal(podcast.generator, 'hand');
    assert.equal(podcast.publishedAt, '2020-10-09T22:00:00.000Z');
    assert.equal(podcast.lastBuildAt, null);
    assert.equal(podcast.author, 'Jane');
    assert.equal(podcast.ownerName, 'Owner');
    assert.equal(podcast.ownerEmail, 'owner@example.com');
    assert.equal(podcast.imageUrl, 'https://example.com/cover.jpg');
    assert.deepEqual(podcast.categories, ['Society & Culture', 'Documentary']);
    assert.equal(podcast.explicit, false);
    assert.equal(podcast.type, 'serial');
    assert.equal(podcast.complete, true);
    assert.equal(podcast.newFeedUrl, 'https://new.example.com/feed');
    assert.deepEqual(podcast.keywords, ['news', 'daily']);

    assert.equal(feed.episodes.length, 1);
    assert.equal(feed.episodeCount, 1);
    const episode = feed.episodes[0]!;
    assert.equal(episode.guid, 'ep-1');
    assert.equal(episode.guidIsFallback, false);
    assert.equal(episode.title, 'Episode 1: The Start');
    assert.equal(episode.description, '<p>Long <b>HTML</b></p>');
    assert.equal(episode.link, 'https://example.com/ep1');
    assert.equal(episode.publishedAt, '2020-10-09T04:30:38.000Z');
    assert.equal(episode.author, 'John Doe');
    assert.equal(episode.subtitle, 'Sub');
    assert.deepEqual(episode.enclosure, { url: 'https://cdn.example.com/ep1.mp3', type: 'audio/mpeg', length: 1234567 });
    assert.equal(episode.durationSeconds, 3723);
    assert.equal(episode.imageUrl, 'https://example.com/ep1.jpg');
    assert.equal(episode.explicit, true);
    assert.equal(episode.season, 2);
    assert.equal(episode.episode, 7);
    assert.equal(episode.episodeType, 'trailer');
    assert.deepEqual(episode.keywords, ['a', 'b']);
  });

  it('falls back to description, then itunes:summary; a permalink guid serves as link', () => {
    const feed = parse(
      rss(`<item><guid>https://example.com/a</guid><description>  </description><itunes:summary>Summary</itunes:summary></item>
           <item><guid isPermaLink="false">https://example.com/b</guid><description>Desc</description></item>`),
    );
    assert.equal(feed.episodes[0]!.description, 'Summary');
    assert.equal(feed.episodes[0]!.link, 'https://example.com/a');
    assert.equal(feed.episodes[1]!.description, 'Desc');
    assert.equal(feed.episodes[1]!.link, null);
  });

  it('re-serializes unescaped HTML inside a description', () => {
    const feed = parse(rss('<item><guid>g</guid><description><p class="x">Hello &amp; <a href="https://a.example/?q=1&amp;r=2">link</a><br/></p></description></item>'));
    assert.equal(feed.episodes[0]!.description, '<p class="x">Hello &amp; <a href="https://a.example/?q=1&amp;r=2">link</a><br/></p>');
  });

  it('reads itunes:image given as text and the image element as fallbacks', () => {
    const withText = parse(rss('', '<title>T</title><itunes:image>https://example.com/text.jpg</itunes:image>'));
    assert.equal(withText.podcast.imageUrl, 'https://example.com/text.jpg');
    const withImage = parse(rss('', '<title>T</title><image><url>https://example.com/rss.jpg</url></image>'));
    assert.equal(withImage.podcast.imageUrl, 'https://example.com/rss.jpg');
  });

  it('accepts an RSS 0.91 document with its DOCTYPE, and declared entities', () => {
    const feed = parse(
      '<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd" [<!ENTITY host "Ann &amp; Bob">]>' +
        '<rss version="0.91"><channel><title>Old &host;</title><item><title>One</title><link>https://example.com/1</link></item></channel></rss>',
    );
    assert.equal(feed.version, '0.91');
    assert.equal(feed.podcast.title, 'Old Ann &amp; Bob');
    assert.equal(feed.episodes[0]!.guid, 'https://example.com/1');
  });
});

describe('Atom 1.0 and RDF', () => {
  it('maps an Atom feed, with iTunes tags and xhtml content', () => {
    const feed = parse(`<?xml version="1.0" encoding="utf-8"?>
      <feed xmlns="http://www.w3.org/2005/Atom" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xml:lang="en-GB">
        <title type="text">Atom Show</title>
        <subtitle>All about atoms</subtitle>
        <link href="https://example.org/"/>
        <link rel="self" href="https://example.org/feed.atom"/>
        <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
        <updated>2003-12-13T18:30:02Z</updated>
        <author><name>Ann</name></author>
        <logo>https://example.org/logo.png</logo>
        <category term="science"/>
        <itunes:explicit>false</itunes:explicit>
        <entry>
          <title>Atoms 1</title>
          <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
          <link href="https://example.org/1"/>
          <link rel="enclosure" type="audio/mpeg" length="1337" href="https://example.org/1.mp3"/>
          <updated>2003-12-13T18:30:02Z</updated>
          <published>2003-12-13T08:29:29-04:00</published>
          <summary>Short</summary>
          <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Rich &amp; <em>full</em></p></div></content>
          <itunes:duration>600</itunes:duration>
        </entry>
        <entry>
          <title type="html">Atoms 2</title>
          <id>urn:uuid:2</id>
          <updated>2004-01-01T00:00:00Z</updated>
          <summary type="html">&lt;p&gt;Only summary&lt;/p&gt;</summary>
        </entry>
      </feed>`);
    assert.equal(feed.format, 'atom');
    assert.equal(feed.version, null);
    assert.equal(feed.podcast.title, 'Atom Show');
    assert.equal(feed.podcast.description, 'All about atoms');
    assert.equal(feed.podcast.link, 'https://example.org/');
    assert.equal(feed.podcast.selfUrl, 'https://example.org/feed.atom');
    assert.equal(feed.podcast.language, 'en-GB');
    assert.equal(feed.podcast.author, 'Ann');
    assert.equal(feed.podcast.imageUrl, 'https://example.org/logo.png');
    assert.deepEqual(feed.podcast.categories, ['science']);
    assert.equal(feed.podcast.explicit, false);
    assert.equal(feed.podcast.lastBuildAt, '2003-12-13T18:30:02.000Z');
    assert.equal(feed.episodes.length, 2);
    const [first, second] = feed.episodes as [ParsedFeed['episodes'][0], ParsedFeed['episodes'][0]];
    assert.equal(first.guid, 'urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a');
    assert.equal(first.link, 'https://example.org/1');
    assert.deepEqual(first.enclosure, { url: 'https://example.org/1.mp3', type: 'audio/mpeg', length: 1337 });
    assert.equal(first.publishedAt, '2003-12-13T12:29:29.000Z');
    assert.equal(first.description, '<p>Rich &amp; <em>full</em></p>');
    assert.equal(first.durationSeconds, 600);
    assert.equal(second.publishedAt, '2004-01-01T00:00:00.000Z');
    assert.equal(second.description, '<p>Only summary</p>');
    assert.equal(second.enclosure, null);
  });

  it('maps an RDF (RSS 1.0) feed: items beside the channel, rdf:about identifiers, dc:date', () => {
    const feed = parse(`<?xml version="1.0"?>
      <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
               xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:enc="http://purl.oclc.org/net/rss_2.0/enc#">
        <channel rdf:about="https://example.net/rss">
          <title>RDF Show</title>
          <link>https://example.net/</link>
          <description>Old school</description>
          <dc:language>de</dc:language>
          <image rdf:resource="https://example.net/logo.gif"/>
          <items><rdf:Seq><rdf:li rdf:resource="https://example.net/1"/></rdf:Seq></items>
        </channel>
        <image rdf:about="https://example.net/logo.gif"><url>https://example.net/logo.gif</url></image>
        <item rdf:about="https://example.net/1">
          <title>First</title>
          <link>https://example.net/1</link>
          <dc:date>2004-05-06T07:08:09+02:00</dc:date>
          <dc:creator>Carl</dc:creator>
          <enc:enclosure rdf:resource="https://example.net/1.mp3" enc:type="audio/mpeg" enc:length="42"/>
        </item>
      </rdf:RDF>`);
    assert.equal(feed.format, 'rdf');
    assert.equal(feed.podcast.title, 'RDF Show');
    assert.equal(feed.podcast.language, 'de');
    assert.equal(feed.podcast.imageUrl, 'https://example.net/logo.gif');
    assert.equal(feed.episodes.length, 1);
    assert.equal(feed.episodes[0]!.guid, 'https://example.net/1');
    assert.equal(feed.episodes[0]!.guidIsFallback, false);
    assert.equal(feed.episodes[0]!.publishedAt, '2004-05-06T05:08:09.000Z');
    assert.equal(feed.episodes[0]!.author, 'Carl');
    assert.deepEqual(feed.episodes[0]!.enclosure, { url: 'https://example.net/1.mp3', type: 'audio/mpeg', length: 42 });
  });
});

describe('inputs that are not feeds', () => {
  it('rejects empty and whitespace-only bodies as empty', () => {
    rejects('', 'empty');
    rejects(new Uint8Array(0), 'empty');
    rejects(' \r\n\t ', 'empty');
  });

  it('rejects HTML, JSON, text and other XML vocabularies as not_a_feed', () => {
    rejects('<!DOCTYPE html><html><head><title>Not found</title></head><body><p>Gone&nbsp;<br></body></html>', 'not_a_feed');
    rejects('{"version": "https://jsonfeed.org/version/1.1", "items": []}', 'not_a_feed');
    rejects('404 page not found', 'not_a_feed');
    rejects('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>', 'not_a_feed');
    rejects(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), 'not_a_feed');
  });

  it('throws not_a_feed from write(), as soon as the root element is known', () => {
    const parser = createFeedParser();
    assert.throws(() => parser.write('<?xml version="1.0"?>\n<html><body>'.padEnd(40, ' ')), { name: 'FeedParseError', code: 'not_a_feed' });
    // The failure is sticky.
    assert.throws(() => parser.end(), { code: 'not_a_feed' });
  });

  it('rejects documents without a root element, or with nothing usable, as malformed', () => {
    rejects('<?xml version="1.0"?>', 'malformed');
    rejects('<<<>>>', 'malformed');
    rejects('<rss><chan', 'malformed');
  });

  it('accepts a well-formed but empty feed', () => {
    const feed = parse('<rss version="2.0"><channel/></rss>');
    assert.equal(feed.episodes.length, 0);
    assert.equal(feed.podcast.title, null);
    assert.equal(feed.wellFormed, true);
  });
});

describe('API contract', () => {
  it('parseFeed accepts a string, bytes, or an async iterable of either', async () => {
    const xml = rss('<item><guid>1</guid><title>Zoë</title></item>');
    async function* chunks<T>(parts: T[]): AsyncGenerator<T> {
      for (const part of parts) yield part;
    }
    const bytes = new TextEncoder().encode(xml);
    for (const input of [xml, bytes, chunks([bytes.subarray(0, 100), bytes.subarray(100)]), chunks([xml.slice(0, 50), xml.slice(50)])]) {
      const feed = await parseFeed(input);
      assert.equal(feed.episodes[0]!.title, 'Zoë');
    }
  });

  it('refuses to mix bytes and strings, to write after end, and bad maxEpisodes', () => {
    const mixed = createFeedParser();
    mixed.write(new Uint8Array([0x3c]));
    assert.throws(() => mixed.write('rss/>'), TypeError);
    const ended = createFeedParser();
    ended.write('<rss/>');
    ended.end();
    assert.throws(() => ended.write('<rss/>'), /already ended/);
    assert.throws(() => createFeedParser({ maxEpisodes: -1 }), RangeError);
    assert.throws(() => createFeedParser({ maxEpisodes: 1.5 }), RangeError);
    assert.throws(() => createFeedParser({ baseUrl: '/relative/feed.xml' }), TypeError);
    assert.throws(() => createFeedParser().write(new ArrayBuffer(4) as unknown as Uint8Array), TypeError);
  });

  it('propagates an exception thrown by onEpisode', () => {
    const parser = createFeedParser({
      onEpisode: () => {
        throw new Error('consumer failed');
      },
    });
    assert.throws(() => {
      parser.write(rss('<item><guid>1</guid></item>'));
      parser.end();
    }, /consumer failed/);
  });
});
