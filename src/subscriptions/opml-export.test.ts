import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SaxesParser } from 'saxes';
import { tryNormalizeFeedUrl } from './feed-url.js';
import { exportOpml, parseOpml, type OpmlExportFeed, type OpmlFeed } from './opml.js';

const CREATED = new Date(Date.UTC(2024, 2, 12, 9, 15, 2));

/** A strict, non-recovering XML parse: throws on anything not well-formed. */
function assertWellFormed(xml: string): void {
  const parser = new SaxesParser();
  parser.write(xml).close();
}

describe('OPML export', () => {
  it('writes an OPML 2.0 document: declaration, head, one outline per feed, folders for categories', () => {
    const xml = exportOpml({
      title: 'Balados Sync subscriptions',
      ownerName: 'Camille',
      createdAt: CREATED,
      feeds: [
        { url: 'https://a.example/feed', title: 'Alpha', htmlUrl: 'https://a.example/' },
        { url: 'https://b.example/feed?x=1&y=2', categories: ['Tech', 'Web'] },
        { url: 'https://c.example/feed', title: 'Gamma', categories: ['News'] },
        { url: 'https://d.example/feed', title: 'Delta', categories: [' Tech ', '', 'Tech'] },
      ],
    });
    assert.equal(
      xml,
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        '  <head>',
        '    <title>Balados Sync subscriptions</title>',
        '    <dateCreated>Tue, 12 Mar 2024 09:15:02 GMT</dateCreated>',
        '    <ownerName>Camille</ownerName>',
        '    <docs>http://opml.org/spec2.opml</docs>',
        '  </head>',
        '  <body>',
        '    <outline type="rss" text="Alpha" title="Alpha" xmlUrl="https://a.example/feed" htmlUrl="https://a.example/"/>',
        '    <outline text="Tech">',
        '      <outline text="Web">',
        '        <outline type="rss" text="https://b.example/feed?x=1&amp;y=2" xmlUrl="https://b.example/feed?x=1&amp;y=2"/>',
        '      </outline>',
        '      <outline type="rss" text="Delta" title="Delta" xmlUrl="https://d.example/feed"/>',
        '    </outline>',
        '    <outline text="News">',
        '      <outline type="rss" text="Gamma" title="Gamma" xmlUrl="https://c.example/feed"/>',
        '    </outline>',
        '  </body>',
        '</opml>',
        '',
      ].join('\n'),
    );
    assertWellFormed(xml);
  });

  it('an empty list, without owner (a blank owner counts as none)', () => {
    for (const ownerName of [undefined, ' \n']) {
      assert.equal(
        exportOpml({ title: 'Empty', createdAt: new Date(0), feeds: [], ...(ownerName === undefined ? {} : { ownerName }) }),
        '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n  <head>\n    <title>Empty</title>\n    <dateCreated>Thu, 01 Jan 1970 00:00:00 GMT</dateCreated>\n' +
          '    <docs>http://opml.org/spec2.opml</docs>\n  </head>\n  <body>\n  </body>\n</opml>\n',
      );
    }
  });

  it('escapes attribute values: quotes, <, >, &, tabs and line breaks; removes what XML 1.0 cannot hold', () => {
    const xml = exportOpml({
      title: 'T',
      createdAt: CREATED,
      feeds: [{ url: "https://a.example/f?q='x'&r=\"y\"", title: 'A "quoted" <b>title</b> & more\nline\ttab\r\u0000\u0007\u001f\uFFFE\uD800x\uDC00😀é', htmlUrl: 'https://a.example/?a=1&b=2' }],
    });
    const line = xml.split('\n').find((text) => text.includes('type="rss"'));
    assert.equal(
      line,
      '    <outline type="rss" text="A &quot;quoted&quot; &lt;b&gt;title&lt;/b&gt; &amp; more&#10;line&#9;tab&#13;x😀é" ' +
        'title="A &quot;quoted&quot; &lt;b&gt;title&lt;/b&gt; &amp; more&#10;line&#9;tab&#13;x😀é" ' +
        'xmlUrl="https://a.example/f?q=\'x\'&amp;r=&quot;y&quot;" htmlUrl="https://a.example/?a=1&amp;b=2"/>',
    );
    assertWellFormed(xml);
  });

  it('escapes element text (title, owner) and keeps a carriage return as a reference', () => {
    const xml = exportOpml({ title: 'Mine <all> & "co"\r\n\u0001', ownerName: 'Ana & <Bo>', createdAt: CREATED, feeds: [] });
    assert.match(xml, /<title>Mine &lt;all&gt; &amp; "co"&#13;\n<\/title>/);
    assert.match(xml, /<ownerName>Ana &amp; &lt;Bo&gt;<\/ownerName>/);
    assertWellFormed(xml);
  });

  it('a title made only of whitespace or forbidden characters is no title: text falls back to the URL', () => {
    const xml = exportOpml({ title: 'T', createdAt: CREATED, feeds: [{ url: 'https://a.example/f', title: ' \u0001\n' }] });
    assert.match(xml, /<outline type="rss" text="https:\/\/a.example\/f" xmlUrl="https:\/\/a.example\/f"\/>/);
  });

  it('refuses an invalid date', () => {
    assert.throws(() => exportOpml({ title: 'T', createdAt: new Date(Number.NaN), feeds: [] }), RangeError);
  });
});

describe('OPML round trip', () => {
  it('every fixture: parse, export, parse again gives the same list', () => {
    const directory = path.resolve(import.meta.dirname, '../../test/fixtures/opml');
    for (const name of fs.readdirSync(directory).filter((file) => file.endsWith('.opml') && file !== 'truncated.opml')) {
      const first = parseOpml(fs.readFileSync(path.join(directory, name)));
      const second = parseOpml(exportOpml({ title: first.title ?? 'x', createdAt: CREATED, feeds: first.feeds }));
      const grouped = [...first.feeds].sort((a, b) => (a.url < b.url ? -1 : 1));
      assert.deepEqual([...second.feeds].sort((a, b) => (a.url < b.url ? -1 : 1)), grouped, name);
      assert.deepEqual(second.skipped, [], name);
    }
  });

  it('keeps the order of feeds without categories', () => {
    const feeds: OpmlFeed[] = ['z', 'a', 'm'].map((host) => ({ url: `https://${host}.example/f`, title: host.toUpperCase(), categories: [] }));
    assert.deepEqual(parseOpml(exportOpml({ title: 'T', createdAt: CREATED, feeds })).feeds, feeds);
  });

  it('property: export then parse gives the same feeds, for arbitrary titles and categories and valid URLs', () => {
    // Independent statement of what survives: XML 1.0 drops some characters, titles are single-line.
    const forbidden = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
    const clean = (text: string): string => text.replace(forbidden, '').replace(/\s+/g, ' ').trim();
    const anyText = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 20 }),
      fc.constantFrom('A & B', '"<x>"', 'News', ' News\n', 'feeds', 'Feeds', '\t', ''),
    );
    const feedUrl = fc
      .webUrl({ withQueryParameters: true, withFragments: true })
      .map((url) => tryNormalizeFeedUrl(url))
      // Normalized URLs, as stored. Fixed points only: normalizeFeedUrl drops a query's trailing
      // "?" ("?q=what?" → "?q=what"), so "http://a.aa/??" normalizes twice to two different URLs.
      .filter((url): url is string => url !== undefined && tryNormalizeFeedUrl(url) === url);
    const feed: fc.Arbitrary<OpmlExportFeed> = fc.record(
      { url: feedUrl, title: anyText, htmlUrl: fc.webUrl({ withQueryParameters: true }), categories: fc.array(anyText, { maxLength: 3 }) },
      { requiredKeys: ['url'] },
    );
    const input = fc.record({
      title: anyText,
      ownerName: fc.option(anyText, { nil: undefined }),
      feeds: fc.uniqueArray(feed, { selector: (item) => item.url, maxLength: 12 }),
    });

    fc.assert(
      fc.property(input, ({ title, ownerName, feeds }) => {
        const xml = exportOpml({ title, createdAt: CREATED, feeds, ...(ownerName === undefined ? {} : { ownerName }) });
        assertWellFormed(xml);
        const parsed = parseOpml(xml);

        const expected = feeds.map((item): OpmlFeed => {
          const result: OpmlFeed = { url: item.url, categories: [] };
          const itemTitle = clean(item.title ?? '');
          if (itemTitle !== '') result.title = itemTitle;
          if (item.htmlUrl !== undefined) result.htmlUrl = new URL(item.htmlUrl).href;
          const path = [...new Set((item.categories ?? []).map(clean).filter((name) => name !== ''))];
          // A top-level folder named "feeds" is read as an app's wrapper (see opml-outlines.ts).
          result.categories = path[0]?.toLowerCase() === 'feeds' ? path.slice(1) : path;
          return result;
        });
        const byUrl = (a: OpmlFeed, b: OpmlFeed): number => (a.url < b.url ? -1 : 1);
        assert.deepEqual([...parsed.feeds].sort(byUrl), expected.sort(byUrl));
        assert.deepEqual(parsed.skipped, []);
        assert.equal(parsed.title, clean(title) === '' ? undefined : clean(title));
      }),
      { numRuns: 300 },
    );
  });
});
