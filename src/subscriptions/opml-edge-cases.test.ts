import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OpmlError, parseOpml, type OpmlFeed, type OpmlParseOptions } from './opml.js';

function opml(body: string, head = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0"><head>${head}</head><body>${body}</body></opml>`;
}

function feedsOf(body: string, options?: OpmlParseOptions): OpmlFeed[] {
  const result = parseOpml(opml(body), options);
  assert.deepEqual(result.skipped, [], 'nothing skipped');
  return result.feeds;
}

function refused(run: () => unknown, code: string, message: string): void {
  assert.throws(run, (error: unknown) => error instanceof OpmlError && error.code === code && error.message === message);
}

function nested(levels: number, leaf: string): string {
  return '<outline text="f">'.repeat(levels - 1) + leaf + '</outline>'.repeat(levels - 1);
}

const A = 'https://a.example/feed';

describe('OPML import: attributes', () => {
  it('finds the feed URL whatever the case of xmlUrl; the first spelling wins', () => {
    assert.deepEqual(
      feedsOf(
        `<outline text="1" xmlUrl="https://one.example/f"/><outline text="2" xmlurl="https://two.example/f"/>` +
          `<outline text="3" XMLURL="https://three.example/f"/><outline text="4" XmlUrl="https://four.example/f" xmlurl="https://ignored.example/f"/>`,
      ),
      [
        { url: 'https://one.example/f', title: '1', categories: [] },
        { url: 'https://two.example/f', title: '2', categories: [] },
        { url: 'https://three.example/f', title: '3', categories: [] },
        { url: 'https://four.example/f', title: '4', categories: [] },
      ],
    );
  });

  it('reads TITLE, TEXT, HTMLURL and TYPE in any case, and element names in any case', () => {
    const result = parseOpml(`<OPML><Head><TITLE>Mine</TITLE></Head><Body><Outline TYPE="RSS" TEXT="t" TITLE="T" HTMLURL="https://a.example/" URL="${A}"/></Body></OPML>`);
    assert.deepEqual(result, { title: 'Mine', feeds: [{ url: A, title: 'T', htmlUrl: 'https://a.example/', categories: [] }], skipped: [] });
  });

  it('takes url as the feed URL only on type="rss" or "link" outlines, and only when xmlUrl is blank', () => {
    assert.deepEqual(
      feedsOf(
        `<outline text="rss" type="rss" url="https://rss.example/f"/><outline text="link" type="Link" url="https://link.example/f"/>` +
          `<outline text="blank" type="rss" xmlUrl=" " url="https://blank.example/f"/>` +
          `<outline text="both" type="rss" xmlUrl="https://xml.example/f" url="https://not-this.example/f"/>` +
          `<outline text="episode" type="podcast-episode" url="https://episode.example/1"/><outline text="untyped" url="https://page.example/"/>`,
      ),
      [
        { url: 'https://rss.example/f', title: 'rss', categories: [] },
        { url: 'https://link.example/f', title: 'link', categories: [] },
        { url: 'https://blank.example/f', title: 'blank', categories: [] },
        { url: 'https://xml.example/f', title: 'both', categories: [] },
      ],
    );
  });

  it('missing type, text or title are fine', () => {
    assert.deepEqual(feedsOf(`<outline xmlUrl="${A}"/><outline title="Only title" xmlUrl="https://b.example/f"/><outline text="Only text" xmlUrl="https://c.example/f"/>`), [
      { url: A, categories: [] },
      { url: 'https://b.example/f', title: 'Only title', categories: [] },
      { url: 'https://c.example/f', title: 'Only text', categories: [] },
    ]);
  });

  it('title before text; a blank one or one that spells the feed URL is passed over', () => {
    assert.deepEqual(
      feedsOf(
        `<outline title="Title" text="Text" xmlUrl="https://1.example/f"/><outline title="  " text="Text" xmlUrl="https://2.example/f"/>` +
          `<outline title="HTTPS://3.EXAMPLE/f" text="Named" xmlUrl="https://3.example/f"/><outline title=" https://4.example/f " xmlUrl="https://4.example/f"/>` +
          `<outline text="feed://5.example/f" xmlUrl="http://5.example/f"/>`,
      ),
      [
        { url: 'https://1.example/f', title: 'Title', categories: [] },
        { url: 'https://2.example/f', title: 'Text', categories: [] },
        { url: 'https://3.example/f', title: 'Named', categories: [] },
        { url: 'https://4.example/f', categories: [] },
        { url: 'http://5.example/f', categories: [] },
      ],
    );
  });

  it('collapses whitespace in titles (line breaks, tabs, no-break spaces, references)', () => {
    assert.deepEqual(feedsOf(`<outline text="  Two\n\t lines&#10;and&#9;a&nbsp;&nbsp;gap  " xmlUrl="${A}"/>`), [{ url: A, title: 'Two lines and a gap', categories: [] }]);
  });

  it('trims whitespace around URLs and normalizes them', () => {
    assert.deepEqual(feedsOf(`<outline text="x" xmlUrl="&#10;\t HTTPS://A.Example:443/Feed?#top \n" htmlUrl="  https://A.example  "/>`), [
      { url: 'https://a.example/Feed', title: 'x', htmlUrl: 'https://a.example/', categories: [] },
    ]);
  });

  it('converts podcast-app schemes the way the apps do', () => {
    const urls = ['feed://f.example/a', 'feed:https://f.example/b', 'FEED:http://f.example/c', 'itpc://f.example/d', 'pcast://f.example/e', 'podcast://f.example/g'];
    const body = urls.map((url) => `<outline xmlUrl="${url}"/>`).join('');
    assert.deepEqual(
      feedsOf(body).map((feed) => feed.url),
      ['http://f.example/a', 'https://f.example/b', 'http://f.example/c', 'http://f.example/d', 'http://f.example/e', 'http://f.example/g'],
    );
  });

  it('keeps only an absolute http(s) htmlUrl', () => {
    const bad = ['/relative', 'javascript:alert(1)', 'mailto:a@b.example', 'ftp://a.example/', 'not a url', ''];
    const body = bad.map((htmlUrl, index) => `<outline xmlUrl="https://${index}.example/f" htmlUrl="${htmlUrl}"/>`).join('');
    assert.deepEqual(
      feedsOf(body),
      bad.map((_, index) => ({ url: `https://${index}.example/f`, categories: [] })),
    );
  });

  it('reports unusable feed URLs with a reason, the trimmed URL and the outline text', () => {
    const result = parseOpml(
      opml(
        '<outline text=" Local\nfile " xmlUrl=" file:///home/me/feed.xml "/><outline xmlUrl="podcast.xml"/><outline type="rss"/>' +
          `<outline text="too long" xmlUrl="https://a.example/${'x'.repeat(2100)}"/><outline text="not http" type="rss" url="data:text/xml,&lt;rss/&gt;"/>`,
      ),
    );
    assert.deepEqual(result, {
      feeds: [],
      skipped: [
        { reason: 'unsupported_scheme', text: 'Local file', url: 'file:///home/me/feed.xml' },
        { reason: 'relative_url', url: 'podcast.xml' },
        { reason: 'missing_url' },
        { reason: 'invalid_url', text: 'too long', url: `https://a.example/${'x'.repeat(2100)}` },
        { reason: 'unsupported_scheme', text: 'not http', url: 'data:text/xml,<rss/>' },
      ],
    });
  });
});

describe('OPML import: structure', () => {
  it('records folder titles as categories, outermost first, each once', () => {
    const body =
      '<outline text="A"><outline title="B" text="ignored"><outline text="A"><outline text="x" xmlUrl="https://x.example/f"/></outline></outline>' +
      '<outline text="y" xmlUrl="https://y.example/f"/></outline><outline text="z" xmlUrl="https://z.example/f"/>';
    assert.deepEqual(feedsOf(body), [
      { url: 'https://x.example/f', title: 'x', categories: ['A', 'B'] },
      { url: 'https://y.example/f', title: 'y', categories: ['A'] },
      { url: 'https://z.example/f', title: 'z', categories: [] },
    ]);
  });

  it('a folder whose own xmlUrl is blank or bad is still a folder, and not reported', () => {
    assert.deepEqual(parseOpml(opml('<outline text="Tech" xmlUrl=""><outline text="t" xmlUrl="https://t.example/f"/></outline><outline text="Odd" xmlUrl="nope"><outline text="o" xmlUrl="https://o.example/f"/></outline>')), {
      feeds: [
        { url: 'https://t.example/f', title: 't', categories: ['Tech'] },
        { url: 'https://o.example/f', title: 'o', categories: ['Odd'] },
      ],
      skipped: [],
    });
  });

  it('outlines inside a feed keep the folder path of the feed; feeds there are still read', () => {
    assert.deepEqual(feedsOf('<outline text="Dir"><outline text="Parent" xmlUrl="https://p.example/f"><outline text="Child" xmlUrl="https://c.example/f"/><outline type="podcast-episode" url="https://p.example/1"/></outline></outline>'), [
      { url: 'https://p.example/f', title: 'Parent', categories: ['Dir'] },
      { url: 'https://c.example/f', title: 'Child', categories: ['Dir'] },
    ]);
  });

  it('only a top-level "feeds" folder is a wrapper; deeper, it is a category like any other', () => {
    assert.deepEqual(feedsOf('<outline text="FEEDS"><outline text="feeds"><outline text="a" xmlUrl="https://a.example/f"/></outline></outline>'), [
      { url: 'https://a.example/f', title: 'a', categories: ['feeds'] },
    ]);
  });

  it('unknown elements in the body are transparent; outlines in the head or after the document are ignored', () => {
    const text =
      '<opml><head><title>T</title><outline xmlUrl="https://head.example/f"/></head><body><group><outline text="in group" xmlUrl="https://g.example/f"/></group></body></opml>' +
      '<opml><body><outline xmlUrl="https://second.example/f"/></body></opml>';
    assert.deepEqual(parseOpml(text), { title: 'T', feeds: [{ url: 'https://g.example/f', title: 'in group', categories: [] }], skipped: [] });
  });

  it('an empty body is an empty list; only the first head title counts, CDATA included', () => {
    assert.deepEqual(parseOpml('<opml><head><title><![CDATA[Q&A ]]> <b>list</b></title><title>second</title></head><body/></opml>'), { title: 'Q&A list', feeds: [], skipped: [] });
    assert.deepEqual(parseOpml('<opml><head><title> </title></head><body></body></opml>'), { feeds: [], skipped: [] });
  });

  it('recovers from unclosed outlines and unquoted attribute values, as long as the body ends', () => {
    assert.deepEqual(parseOpml(`<opml><body><outline text="a" xmlUrl="https://a.example/f"><outline text=b xmlUrl="https://b.example/f"></opml>`), {
      feeds: [
        { url: 'https://a.example/f', title: 'a', categories: [] },
        { url: 'https://b.example/f', title: 'b', categories: [] },
      ],
      skipped: [],
    });
  });

  it('entities declared in a DOCTYPE are honoured; garbage before <?xml is skipped', () => {
    const text = 'Warning: deprecated in export.php on line 3\n<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY show "My Show">]><opml><body><outline text="&show;" xmlUrl="https://a.example/f"/></body></opml>';
    assert.deepEqual(parseOpml(text).feeds, [{ url: 'https://a.example/f', title: 'My Show', categories: [] }]);
  });
});

describe('OPML import: encodings', () => {
  const body = (title: string): string => `<opml><body><outline text="${title}" xmlUrl="https://a.example/f"/></body></opml>`;
  const titleOf = (input: Uint8Array | string): string | undefined => parseOpml(input).feeds[0]?.title;

  it('UTF-8 with and without a byte order mark, as bytes or as a string', () => {
    const utf8 = Buffer.from(body('Ça va — ok'), 'utf8');
    assert.equal(titleOf(utf8), 'Ça va — ok');
    assert.equal(titleOf(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8])), 'Ça va — ok');
    assert.equal(titleOf(`\uFEFF${body('Ça va — ok')}`), 'Ça va — ok');
  });

  it('UTF-16 little and big endian, with a byte order mark and a declaration', () => {
    const text = `<?xml version="1.0" encoding="UTF-16"?>${body('日本語 ü')}`;
    const little = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const big = Buffer.from(little);
    big.swap16();
    assert.equal(titleOf(little), '日本語 ü');
    assert.equal(titleOf(big), '日本語 ü');
  });

  it('windows-1252 declared: smart quotes and the euro sign', () => {
    const bytes = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="windows-1252"?><opml><body><outline text="'), Buffer.from([0x93, 0x80, 0x35, 0x94, 0x20, 0xe9]), Buffer.from('" xmlUrl="https://a.example/f"/></body></opml>')]);
    assert.equal(titleOf(bytes), '“€5” é');
  });

  it('latin1 declared on UTF-8 content: the bytes win; no declaration on Latin-1 bytes: read leniently', () => {
    assert.equal(titleOf(Buffer.from(`<?xml version="1.0" encoding="latin1"?>${body('Émission à la une')}`, 'utf8')), 'Émission à la une');
    assert.equal(titleOf(Buffer.from(body('Émission à la une'), 'latin1')), 'Émission à la une');
  });

  it('removes characters XML forbids instead of failing', () => {
    assert.equal(titleOf(body('a\u0001b\u000bc&#0;d')), 'abcd');
  });
});

describe('OPML import: limits', () => {
  it('refuses input over maxBytes, counting the UTF-8 size of a string', () => {
    const text = opml(`<outline text="é" xmlUrl="${A}"/>`);
    const size = Buffer.byteLength(text);
    assert.equal(size, text.length + 1, 'é is two bytes');
    assert.equal(parseOpml(text, { maxBytes: size }).feeds.length, 1);
    refused(() => parseOpml(text, { maxBytes: size - 1 }), 'opml_too_large', `The file is larger than the limit of ${size - 1} bytes.`);
    refused(() => parseOpml(Buffer.from(text), { maxBytes: size - 1 }), 'opml_too_large', `The file is larger than the limit of ${size - 1} bytes.`);
    refused(() => parseOpml('x'.repeat(3000), { maxBytes: 2048 }), 'opml_too_large', 'The file is larger than the limit of 2 KB.');
  });

  it('the default size limit is 5 MB', () => {
    const padding = ' '.repeat(5 * 1024 * 1024 - opml('').length);
    assert.deepEqual(parseOpml(opml(padding)), { feeds: [], skipped: [] });
    refused(() => parseOpml(Buffer.from(opml(`${padding} `))), 'opml_too_large', 'The file is larger than the limit of 5 MB.');
  });

  it('refuses more than maxFeeds distinct feeds; duplicates do not count', () => {
    const outlines = (count: number): string => Array.from({ length: count }, (_, index) => `<outline xmlUrl="https://f${index}.example/"/>`).join('');
    assert.equal(parseOpml(opml(outlines(3) + outlines(3)), { maxFeeds: 3 }).feeds.length, 3);
    refused(() => parseOpml(opml(outlines(4)), { maxFeeds: 3 }), 'opml_too_many_feeds', 'The file lists more than 3 podcasts; split it into smaller files.');
  });

  it('the default feed limit is 10,000', () => {
    const outlines = Array.from({ length: 10_001 }, (_, index) => `<outline xmlUrl="https://f${index}.example/"/>`);
    assert.equal(parseOpml(opml(outlines.slice(0, 10_000).join(''))).feeds.length, 10_000);
    refused(() => parseOpml(opml(outlines.join(''))), 'opml_too_many_feeds', 'The file lists more than 10,000 podcasts; split it into smaller files.');
  });

  it('refuses nesting deeper than maxDepth (default 50), counting every element in the body', () => {
    const leaf = `<outline text="x" xmlUrl="${A}"/>`;
    assert.deepEqual(feedsOf(nested(50, leaf)), [{ url: A, title: 'x', categories: ['f'] }]);
    refused(() => parseOpml(opml(nested(51, leaf))), 'opml_too_deep', 'The file nests outlines more than 50 levels deep; it cannot be imported.');
    assert.equal(parseOpml(opml(nested(3, leaf)), { maxDepth: 3 }).feeds.length, 1);
    refused(() => parseOpml(opml(`<div>${nested(3, leaf)}</div>`), { maxDepth: 3 }), 'opml_too_deep', 'The file nests outlines more than 3 levels deep; it cannot be imported.');
  });

  it('refuses limits that are not positive integers', () => {
    for (const options of [{ maxBytes: 0 }, { maxFeeds: -1 }, { maxDepth: 1.5 }, { maxFeeds: Number.NaN }]) {
      assert.throws(() => parseOpml(opml(''), options), RangeError);
    }
  });
});
