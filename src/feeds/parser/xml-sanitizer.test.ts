import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FeedParseError } from './model.js';
import { XmlSanitizer } from './xml-sanitizer.js';

function sanitize(text: string, size = 0): { out: string; sanitizer: XmlSanitizer } {
  const sanitizer = new XmlSanitizer();
  let out = '';
  const step = size === 0 ? Math.max(text.length, 1) : size;
  for (let offset = 0; offset < text.length; offset += step) out += sanitizer.write(text.slice(offset, offset + step));
  out += sanitizer.end();
  return { out, sanitizer };
}

/** The output must not depend on where chunks are cut. */
function clean(text: string): { out: string; sanitizer: XmlSanitizer } {
  const whole = sanitize(text);
  for (const size of [1, 2, 3, 5, 64]) {
    const chunked = sanitize(text, size);
    assert.equal(chunked.out, whole.out, `chunk size ${size}`);
    assert.deepEqual(chunked.sanitizer.repairs, whole.sanitizer.repairs, `chunk size ${size}`);
  }
  return whole;
}

describe('XmlSanitizer', () => {
  it('escapes stray ampersands in text and attributes, and keeps real references', () => {
    const { out, sanitizer } = clean('<rss><t a="?x=1&y=2">Q&A &amp; &#169; &#xA9; &nbsp; &foo.bar; & &;</t></rss>');
    assert.equal(out, '<rss><t a="?x=1&amp;y=2">Q&amp;A &amp; &#169; &#xA9; &nbsp; &foo.bar; &amp; &amp;;</t></rss>');
    assert.equal(sanitizer.repairs.strayAmpersands, 4);
  });

  it('escapes an ampersand whose name would run on for too long', () => {
    const { out } = clean(`<rss>&${'a'.repeat(100)}; ok</rss>`);
    assert.equal(out, `<rss>&amp;${'a'.repeat(100)}; ok</rss>`);
  });

  it('leaves CDATA sections and comments alone, even when cut by a chunk boundary', () => {
    const text = '<rss><d><![CDATA[Fish & Chips <b>bold</b> ]] ] &]]></d><!-- a & b < c --><e>x & y</e></rss>';
    const { out, sanitizer } = clean(text);
    assert.equal(out, '<rss><d><![CDATA[Fish & Chips <b>bold</b> ]] ] &]]></d><!-- a & b < c --><e>x &amp; y</e></rss>');
    assert.equal(sanitizer.repairs.strayAmpersands, 1);
  });

  it('escapes a "<" that cannot start markup', () => {
    const { out, sanitizer } = clean('<rss><t>5 < 10 <3 x</t></rss>');
    assert.equal(out, '<rss><t>5 &lt; 10 &lt;3 x</t></rss>');
    assert.equal(sanitizer.repairs.strayLessThans, 2);
  });

  it('removes characters XML forbids, and fixes numeric references', () => {
    const { out, sanitizer } = clean('<rss><t>a\u0000b\u0007c\u001Fd\uFFFEe\tf</t><u>&#0;&#146;&#X41;&#x1F3A7;&#xD800;</u></rss>');
    assert.equal(out, '<rss><t>abcde\tf</t><u>’&#x41;&#x1F3A7;</u></rss>');
    assert.equal(sanitizer.repairs.invalidCharacters, 4);
    assert.equal(sanitizer.repairs.invalidCharacterReferences, 3);
  });

  it('drops leading whitespace and a byte order mark given as text, counting skipped lines', () => {
    const { out, sanitizer } = clean('\n\n  \uFEFF<?xml version="1.0"?><rss/>');
    assert.equal(out, '<?xml version="1.0"?><rss/>');
    assert.equal(sanitizer.skippedLines, 2);
    assert.equal(sanitizer.repairs.skippedPrologCharacters, 0);
  });

  it('skips garbage printed before the XML declaration', () => {
    const { out, sanitizer } = clean('<br />\n<b>Warning</b>: Undefined index in /var/www/feed.php on line 3<br />\n<?xml version="1.0"?><rss/>');
    assert.equal(out, '<?xml version="1.0"?><rss/>');
    assert.equal(sanitizer.repairs.skippedPrologCharacters, 65);
    assert.equal(sanitizer.skippedLines, 2);
  });

  it('passes other markup through (the XML parser names its root)', () => {
    assert.equal(clean('<!DOCTYPE html><html><body>hi</body></html>').out, '<!DOCTYPE html><html><body>hi</body></html>');
    assert.equal(clean('<html><body>no declaration</body></html>').out, '<html><body>no declaration</body></html>');
  });

  it('rejects a body that is not markup at all', () => {
    for (const body of ['{"items": []}', 'Not Found', '[1, 2]']) {
      assert.throws(() => sanitize(body), (error: unknown) => error instanceof FeedParseError && error.code === 'not_a_feed', body);
    }
  });

  it('reports an all-whitespace body as content-free', () => {
    const { out, sanitizer } = clean(' \n\t ');
    assert.equal(out, '');
    assert.equal(sanitizer.sawContent, false);
  });
});
