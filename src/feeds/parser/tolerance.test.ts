import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ParsedFeed } from './model.js';
import { parse, rss } from '../../../test/support/feeds.js';

/** Broken real-world input that must still give a usable result: the tolerance rules one by one. */

describe('tolerance', () => {
  it('decodes HTML named entities and keeps unknown ones as text', () => {
    const feed = parse(rss('<item><guid>g</guid><title>Caf&eacute;&nbsp;&ndash; it&rsquo;s &hellip; &unknownthing; &amp;</title></item>'));
    // Single-line fields collapse whitespace runs, the non-breaking space included.
    assert.equal(feed.episodes[0]!.title, 'Café – it’s … &unknownthing; &');
    assert.equal(feed.wellFormed, false);
    assert.match(feed.warnings.join('\n'), /undefined entity/);
  });

  it('reads CDATA, and CDATA mixed with text', () => {
    const feed = parse(rss('<item><guid><![CDATA[ g1 ]]></guid><title>A <![CDATA[& <B>]]> C</title><description><![CDATA[<p>x & y</p>]]></description></item>'));
    assert.equal(feed.episodes[0]!.guid, 'g1');
    assert.equal(feed.episodes[0]!.title, 'A & <B> C');
    assert.equal(feed.episodes[0]!.description, '<p>x & y</p>');
    assert.equal(feed.wellFormed, true);
  });

  it('assumes the usual URI for undeclared well-known prefixes, and survives unknown ones', () => {
    const feed = parse(
      '<rss version="2.0"><channel><title>T</title><itunes:author>Ann</itunes:author><foo:bar>x</foo:bar>' +
        '<item><guid>g</guid><itunes:duration>10:00</itunes:duration><podcast:transcript url="https://e.x/t.vtt" type="text/vtt"/><baz:qux a="1"/></item></channel></rss>',
    );
    assert.equal(feed.podcast.author, 'Ann');
    assert.equal(feed.episodes[0]!.durationSeconds, 600);
    assert.deepEqual(feed.episodes[0]!.transcripts, [{ url: 'https://e.x/t.vtt', type: 'text/vtt', language: null, rel: null }]);
    assert.equal(feed.wellFormed, false);
    const warnings = feed.warnings.join('\n');
    assert.match(warnings, /prefix "itunes" is used without being declared/);
    assert.match(warnings, /prefix "podcast" is used without being declared/);
    assert.match(warnings, /unbound namespace prefix: "foo"/);
  });

  it('reads prefixes named like object properties as unknown ones, without failing', () => {
    const feed = parse('<rss version="2.0"><channel><title>T</title><constructor:x>1</constructor:x><item><guid>g</guid><__proto__:y/><toString:z a="1"/></item></channel></rss>');
    assert.equal(feed.episodes.length, 1);
    assert.equal(feed.wellFormed, false);
    assert.match(feed.warnings.join('\n'), /unbound namespace prefix: "constructor"/);
  });

  it('recognizes namespaces by URI, whatever the prefix or the URI spelling', () => {
    const feed = parse(
      '<rss version="2.0" xmlns:i="https://www.itunes.com/DTDs/Podcast-1.0.dtd" xmlns:p20="http://podcastindex.org/namespace/1.0/" ' +
        'xmlns:a="http://www.w3.org/2005/Atom/"><channel><title>T</title><i:author>Ann</i:author><p20:guid>abc</p20:guid>' +
        '<a:link rel="self" href="https://example.com/feed"/><item><guid>1</guid><i:duration>90</i:duration></item></channel></rss>',
    );
    assert.equal(feed.podcast.author, 'Ann');
    assert.equal(feed.podcast.podcastGuid, 'abc');
    assert.equal(feed.podcast.selfUrl, 'https://example.com/feed');
    assert.equal(feed.episodes[0]!.durationSeconds, 90);
    assert.equal(feed.wellFormed, true);
  });

  it('turns unreadable dates into null with a warning, and reads the odd readable ones', () => {
    const feed = parse(
      rss(`<item><guid>a</guid><pubDate>Mer, 12 Fév 2020 10:00:00</pubDate></item>
           <item><guid>b</guid><pubDate>1 Feb 20 9:05 PDT</pubDate></item>
           <item><guid>c</guid><pubDate></pubDate><dc:date xmlns:dc="http://purl.org/dc/elements/1.1/">2020-02-02</dc:date></item>`),
    );
    assert.deepEqual(
      feed.episodes.map((episode) => episode.publishedAt),
      [null, '2020-02-01T16:05:00.000Z', '2020-02-02T00:00:00.000Z'],
    );
    assert.deepEqual(feed.warnings, ['item "a": unreadable date "Mer, 12 Fév 2020 10:00:00"']);
  });

  it('derives a deterministic GUID when there is none: enclosure URL, else link, else a hash', () => {
    const xml = rss(`<item><title>E</title><enclosure url="https://cdn.example.com/e.mp3" type="audio/mpeg" length="1"/><link>https://example.com/e</link></item>
      <item><title>L</title><guid>  </guid><link>https://example.com/l</link></item>
      <item><title>H</title><pubDate>Fri, 09 Oct 2020 04:30:38 GMT</pubDate></item>
      <item><title>H</title><pubDate>Sat, 10 Oct 2020 04:30:38 GMT</pubDate></item>`);
    const feed = parse(xml);
    const again = parse(xml);
    assert.deepEqual(
      feed.episodes.map((episode) => [episode.guid.startsWith('sha256:') ? 'hash' : episode.guid, episode.guidIsFallback]),
      [['https://cdn.example.com/e.mp3', true], ['https://example.com/l', true], ['hash', true], ['hash', true]],
    );
    assert.match(feed.episodes[2]!.guid, /^sha256:[0-9a-f]{64}$/);
    assert.notEqual(feed.episodes[2]!.guid, feed.episodes[3]!.guid);
    assert.deepEqual(again.episodes.map((episode) => episode.guid), feed.episodes.map((episode) => episode.guid));
  });

  it('derives fallback GUIDs from URLs as written, independent of baseUrl', () => {
    const xml = rss('<item><enclosure url="media/1.mp3"/></item><item><link>/episodes/2</link></item>');
    const here = parse(xml, { baseUrl: 'https://old.example.com/feed.xml' });
    const there = parse(xml, { baseUrl: 'https://new.example.org/podcast/feed.xml' });
    assert.deepEqual(here.episodes.map((episode) => episode.guid), ['media/1.mp3', '/episodes/2']);
    assert.deepEqual(there.episodes.map((episode) => episode.guid), ['media/1.mp3', '/episodes/2']);
    assert.equal(here.episodes[0]!.enclosure?.url, 'https://old.example.com/media/1.mp3');
    assert.equal(there.episodes[1]!.link, 'https://new.example.org/episodes/2');
  });

  it('keeps the first of duplicate GUIDs, reports them, and never emits one twice', () => {
    const emitted: string[] = [];
    const feed = parse(
      rss(`<item><guid>x</guid><title>first</title></item><item><guid>y</guid></item>
           <item><guid> x </guid><title>second</title></item><item><guid>x</guid><title>third</title></item>`),
      { onEpisode: (episode) => emitted.push(`${episode.guid}:${episode.title}`) },
    );
    assert.deepEqual(emitted, ['x:first', 'y:null']);
    assert.deepEqual(feed.episodes.map((episode) => episode.title), ['first', null]);
    assert.equal(feed.episodeCount, 2);
    assert.match(feed.warnings.join('\n'), /2 item\(s\) with an already seen GUID were skipped \(first: "x"\)/);
  });

  it('resolves relative URLs against baseUrl and xml:base, and keeps them as written without a base', () => {
    const xml = rss(
      `<item><guid>1</guid><link>/episodes/1</link><enclosure url="media/1.mp3" type="audio/mpeg"/>
         <itunes:image href="img/1.jpg"/><podcast:transcript url="../t/1.vtt" type="text/vtt"/>
         <podcast:person href="//people.example.com/ann" img="ann.png">Ann</podcast:person></item>
       <item xml:base="https://other.example.net/base/"><guid>2</guid><enclosure url="2.mp3"/></item>
       <item><guid>3</guid><enclosure url="https://absolute.example.com/3.mp3?a=1&amp;b=2"/></item>`,
      '<title>T</title><link>/</link><itunes:image href="cover.jpg"/><podcast:funding url="donate">Tip</podcast:funding>',
    );
    const feed = parse(xml, { baseUrl: 'https://example.com/feeds/show.xml' });
    const [one, two, three] = feed.episodes as [ParsedFeed['episodes'][0], ParsedFeed['episodes'][0], ParsedFeed['episodes'][0]];
    assert.equal(feed.podcast.link, 'https://example.com/');
    assert.equal(feed.podcast.imageUrl, 'https://example.com/feeds/cover.jpg');
    assert.deepEqual(feed.podcast.funding, [{ url: 'https://example.com/feeds/donate', message: 'Tip' }]);
    assert.equal(one.link, 'https://example.com/episodes/1');
    assert.equal(one.enclosure?.url, 'https://example.com/feeds/media/1.mp3');
    assert.equal(one.imageUrl, 'https://example.com/feeds/img/1.jpg');
    assert.equal(one.transcripts[0]?.url, 'https://example.com/t/1.vtt');
    assert.equal(one.persons[0]?.href, 'https://people.example.com/ann');
    assert.equal(one.persons[0]?.imageUrl, 'https://example.com/feeds/ann.png');
    assert.equal(two.enclosure?.url, 'https://other.example.net/base/2.mp3');
    assert.equal(three.enclosure?.url, 'https://absolute.example.com/3.mp3?a=1&b=2');

    const unresolved = parse(xml);
    assert.equal(unresolved.episodes[0]!.enclosure?.url, 'media/1.mp3');
    assert.equal(unresolved.episodes[1]!.enclosure?.url, 'https://other.example.net/base/2.mp3');
  });

  it('reads a stray "&" and "<" as text instead of losing the rest of the document', () => {
    const items = Array.from({ length: 300 }, (_, index) => `<item><guid>g${index}</guid><title>Item ${index}</title></item>`).join('');
    const feed = parse(rss(`${items}<item><guid>last</guid><title>Q&A: 5 < 6 & AT&T</title><enclosure url="https://e.x/a.mp3?x=1&y=2"/></item>`));
    assert.equal(feed.episodes.length, 301);
    assert.equal(feed.episodes[300]!.title, 'Q&A: 5 < 6 & AT&T');
    assert.equal(feed.episodes[300]!.enclosure?.url, 'https://e.x/a.mp3?x=1&y=2');
    assert.equal(feed.wellFormed, false);
    assert.match(feed.warnings.join('\n'), /4 unescaped "&" read as text/);
  });

  it('ignores a closing tag that matches nothing, instead of closing the whole document', () => {
    const feed = parse(
      rss(`<item><guid>1</guid><description>Hello</b> <p>world</description></item>
           <item><guid>2</guid><title>Still here</title></item>`),
    );
    assert.deepEqual(feed.episodes.map((episode) => episode.guid), ['1', '2']);
    assert.equal(feed.episodes[0]!.description, 'Hello <p>world</p>');
    assert.equal(feed.episodes[1]!.title, 'Still here');
    assert.equal(feed.truncated, false);
    assert.equal(feed.wellFormed, false);
  });

  it('returns the complete items of a truncated document, flagged, and drops the unfinished one', () => {
    const complete = rss('<item><guid>1</guid></item><item><guid>2</guid></item><item><guid>3</guid><title>cut here</title></item>');
    const feed = parse(complete.slice(0, complete.indexOf('cut here') + 5));
    assert.deepEqual(feed.episodes.map((episode) => episode.guid), ['1', '2']);
    assert.equal(feed.truncated, true);
    assert.equal(feed.wellFormed, false);
    assert.match(feed.warnings[0]!, /truncated/);
    assert.equal(feed.podcast.title, 'Show');
  });

  it('ignores what follows the root element', () => {
    const feed = parse(`${rss('<item><guid>1</guid></item>')}<rss><channel><item><guid>2</guid></item></channel></rss>trailing`);
    assert.deepEqual(feed.episodes.map((episode) => episode.guid), ['1']);
    assert.match(feed.warnings.join('\n'), /content after the end of the root element was ignored/);
  });

  it('skips PHP notices before the XML declaration', () => {
    const feed = parse(`<br />\n<b>Notice</b>: Undefined variable: x in <b>/srv/feed.php</b> on line <b>12</b><br />\n${rss('<item><guid>1</guid></item>')}`);
    assert.equal(feed.episodes.length, 1);
    assert.match(feed.warnings.join('\n'), /garbage before the XML document were skipped/);
  });

  it('accepts a <channel> root, lower-case and odd-case element names', () => {
    const feed = parse('<channel><Title>Bare</Title><item><GUID>1</GUID><pubdate>Fri, 09 Oct 2020 04:30:38 GMT</pubdate><Enclosure URL="https://e.x/1.mp3"/></item></channel>');
    assert.equal(feed.podcast.title, 'Bare');
    assert.equal(feed.episodes[0]!.guid, '1');
    assert.equal(feed.episodes[0]!.publishedAt, '2020-10-09T04:30:38.000Z');
    assert.equal(feed.episodes[0]!.enclosure?.url, 'https://e.x/1.mp3');
  });

  it('reads repeated and case-colliding attributes as saxes keeps them: last value of a name, first spelling of a case', () => {
    const many = Array.from({ length: 20 }, (_, index) => `a${index}="${index}"`).join(' ');
    const feed = parse(
      rss(
        '<item><guid>1</guid><enclosure url="https://e.x/a.mp3" type="audio/mpeg" url="https://e.x/b.mp3"/></item>' +
          '<item><guid>2</guid><enclosure URL="https://e.x/c.mp3" url="https://e.x/d.mp3"/></item>' +
          `<item><guid>3</guid><enclosure ${many} url="https://e.x/e.mp3" Url="https://e.x/f.mp3" url="https://e.x/g.mp3" length="7"/></item>`,
      ),
    );
    assert.deepEqual(
      feed.episodes.map((episode) => episode.enclosure?.url),
      ['https://e.x/b.mp3', 'https://e.x/c.mp3', 'https://e.x/g.mp3'],
    );
    assert.equal(feed.episodes[2]!.enclosure?.length, 7);
    assert.match(feed.warnings.join('\n'), /duplicate attribute/);
  });

  it('survives absurd nesting and keeps the item', () => {
    const deep = '<span>'.repeat(5000) + 'deep' + '</span>'.repeat(5000);
    const feed = parse(rss(`<item><guid>1</guid><description>${deep}</description><title>After</title></item><item><guid>2</guid></item>`));
    assert.deepEqual(feed.episodes.map((episode) => episode.guid), ['1', '2']);
    assert.equal(feed.episodes[0]!.title, 'After');
    assert.match(feed.warnings.join('\n'), /oversized <item> element was truncated/);
  });

  it('caps warnings', () => {
    const items = Array.from({ length: 50 }, (_, index) => `<item><guid>${index}</guid><pubDate>bad ${index}</pubDate></item>`).join('');
    const feed = parse(rss(items), { maxWarnings: 10 });
    assert.equal(feed.warnings.length, 11);
    assert.equal(feed.warnings[10], '40 more warning(s) not shown');
  });
});

describe('encodings through the parser', () => {
  it('reads a windows-1252 feed declared as ISO-8859-1', () => {
    const bytes = Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><rss><channel><title>Caf\u00e9 \u2019</title></channel></rss>', 'latin1');
    bytes[bytes.indexOf(0x19)] = 0x92; // "\u2019" was written as the byte 0x19 by latin1; make it windows-1252's right quote.
    const feed = parse(bytes);
    assert.equal(feed.encoding, 'windows-1252');
    assert.equal(feed.podcast.title, 'Café ’');
  });

  it('reads a UTF-8 feed with a stray Latin-1 byte, with a warning', () => {
    const bytes = Buffer.concat([Buffer.from('<rss><channel><title>Zoë '), Buffer.from([0xe9]), Buffer.from('</title></channel></rss>')]);
    const feed = parse(bytes);
    assert.equal(feed.encoding, 'utf-8');
    assert.equal(feed.podcast.title, 'Zoë é');
    assert.match(feed.warnings.join('\n'), /1 byte\(s\) were not valid UTF-8/);
  });
});
