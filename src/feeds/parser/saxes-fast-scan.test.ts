import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SaxesParser } from 'saxes';
import { fixture, fixtureNames } from '../../../test/fixtures/feeds/real-feeds.js';
import { HTML_ENTITIES } from './entities.js';
import { ScanningSaxesParser, fastScanHooks } from './saxes-fast-scan.js';

/**
 * Every event and error of a parser, with the position it was reported at: the faster loops must
 * give what saxes gives, character for character, line and column included.
 */
function events(parser: SaxesParser, xml: string, chunkSize: number): string[] {
  const seen: string[] = [];
  const at = (): string => `@${parser.line}:${parser.column}:${parser.position}:${parser.columnIndex}`;
  Object.assign(parser.ENTITIES, HTML_ENTITIES);
  parser.on('doctype', (doctype) => {
    seen.push(`doctype ${doctype} ${at()}`);
    // As the feed parser does: entities declared in the document's DOCTYPE.
    for (const [, name, value] of doctype.matchAll(/<!ENTITY\s+(\w+)\s+"([^"]*)"/g)) parser.ENTITIES[name!] = value!;
  });
  for (const name of ['text', 'cdata', 'comment', 'xmldecl', 'closetag'] as const) {
    parser.on(name, (value: unknown) => seen.push(`${name} ${JSON.stringify(value)} ${at()}`));
  }
  parser.on('processinginstruction', (pi) => seen.push(`pi ${JSON.stringify(pi)} ${at()}`));
  parser.on('opentag', (tag) => seen.push(`open ${tag.name} ${JSON.stringify(tag.attributes)} ${at()}`));
  parser.on('error', (error) => seen.push(`error ${error.message}`));
  for (let offset = 0; offset < xml.length; offset += chunkSize) parser.write(xml.slice(offset, offset + chunkSize));
  parser.close();
  seen.push(`end ${at()}`);
  return seen;
}

function assertSameAsSaxes(xml: string): void {
  for (const chunkSize of [1, 2, 3, 5, 64, xml.length || 1]) {
    const expected = events(new SaxesParser(), xml, chunkSize);
    const actual = events(new ScanningSaxesParser(), xml, chunkSize);
    assert.deepEqual(actual, expected, `chunks of ${chunkSize}`);
  }
}

const CASES: Record<string, string> = {
  'text across lines, LF, CRLF, CR and tabs': '<a>one\ntwo\r\nthree\rfour\tfive\n\n  <b>x</b>\r\n</a>',
  'predefined entities in text and attributes': '<a t="&lt;&gt;&amp;&quot;&apos;&amp">&lt;p&gt;A &amp; B &quot;q&quot; &apos;s&apos;&lt;/p&gt;</a>',
  'entities cut, unknown, numeric, HTML, undefined': '<a x="&am;&#38;&#x26;">&l &lt &ltx; &#39; &#x1F600; &nbsp;&hellip; &nope; &#0; &;</a>',
  'predefined entities redefined in the DOCTYPE':
    '<!DOCTYPE a [<!ENTITY lt "LT"><!ENTITY gt "GT"><!ENTITY amp "AMP"><!ENTITY apos "APOS"><!ENTITY quot "QUOT">]>' +
    '<a v="&lt;&gt;&amp;&apos;&quot;">&lt;&gt;&amp;&apos;&quot;</a>',
  '"]]>" in text, and near misses': '<a>a]]>b ]] > ]]]> ]> ]]\n></a>',
  'CDATA, comments, processing instructions': '<a><![CDATA[x]y]]z\r\n]]><!-- c - -\n- --><?pi some\ndata ?></a>',
  'attribute values with whitespace and quotes': '<a u="\t1\n2\r\n3\r4" v=\'"\' w="\'" x="a<b"></a>',
  'astral characters, U+E000 and up, in text, attributes and names': '<a\u{10000}b c="\u{1F600}\uE000">x\u{1F3A7}y\uFFFDz\n\u{10FFFF}</a\u{10000}b>',
  'non-ASCII names': '<été·x çà="ü" _a.b-c:d="1">v</été·x>',
  'forbidden characters': '<a b="\u0001\uFFFE">x\u0000y\u000bz\uFFFF\uD800 \uDC00</a>',
  'unclosed and broken markup': '<a><b c=d>e<f g="h</a>',
  'XML 1.1 line ends': '<?xml version="1.1"?><a>x\u0085y\u2028z\r\u0085w</a>',
  'names ending at the chunk edge': '<abcdefgh ijklmnop="q"></abcdefgh >',
};

describe('saxes with faster loops (saxes-fast-scan)', () => {
  it('finds the private members of saxes it relies on', () => {
    assert.equal(fastScanHooks, true);
  });

  for (const [name, xml] of Object.entries(CASES)) {
    it(`gives saxes's events, errors and positions: ${name}`, () => assertSameAsSaxes(xml));
  }

  it("gives saxes's events, errors and positions on every shared real feed", () => {
    const files = fixtureNames();
    assert.ok(files.length > 0);
    for (const file of files) {
      const xml = fixture(file).toString('utf8');
      for (const chunkSize of [997, xml.length]) {
        assert.deepEqual(events(new ScanningSaxesParser(), xml, chunkSize), events(new SaxesParser(), xml, chunkSize), file);
      }
    }
  });
});
