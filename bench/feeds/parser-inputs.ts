/**
 * Inputs for parser-output.ts: every shared feed, and copies of each with one kind of breakage or
 * oddity applied (deterministically: a seeded generator picks the places), the kinds the parser's
 * repair, recovery and fast paths deal with.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SOURCE_DIR } from './generate-feed.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

type Mutation = (text: string, rand: () => number) => string | Buffer;

function atRandom(text: string, rand: () => number, times: number, insert: (r: () => number) => string, where: RegExp = />[^<]/g): string {
  const spots = [...text.matchAll(where)].map((m) => m.index! + 1);
  if (spots.length === 0) return text + insert(rand);
  const chosen = new Set<number>();
  for (let n = 0; n < times; n++) chosen.add(spots[Math.floor(rand() * spots.length)]!);
  let out = '';
  let last = 0;
  for (const at of [...chosen].sort((a, b) => a - b)) {
    out += text.slice(last, at) + insert(rand);
    last = at;
  }
  return out + text.slice(last);
}

const MUTATIONS: Record<string, Mutation> = {
  strayAmp: (t, r) => atRandom(t, r, 20, () => ' & AT&T &x &#; &#xZZ; '),
  strayLess: (t, r) => atRandom(t, r, 20, () => ' 1 < 2 <3 a<-b '),
  forbiddenText: (t, r) => atRandom(t, r, 20, () => 'a\u0001b\u000bc\uFFFEd\u0000'),
  forbiddenCdata: (t, r) => atRandom(t, r, 10, () => '<![CDATA[x\u0002y\uFFFF]]>'),
  badRefs: (t, r) => atRandom(t, r, 20, () => '&#x80;&#1;&#xFFFE;&#x1F600;&#128512;&#0;&#xD800;&#x110000;&#99999999999;'),
  invalidUtf8: (t, r) => {
    const b = Buffer.from(t, 'utf8');
    const out = Buffer.from(b);
    for (let n = 0; n < 30; n++) out[Math.floor(r() * out.length)] = [0xff, 0xc3, 0x80, 0xe2, 0xf0][n % 5]!;
    return out;
  },
  truncated: (t, r) => t.slice(0, Math.floor(t.length * (0.3 + 0.6 * r()))),
  truncatedInTag: (t, r) => {
    const at = t.indexOf('<enclosure', Math.floor(t.length / 2));
    return at === -1 ? t.slice(0, t.length >> 1) : t.slice(0, at + 12);
  },
  repeatedAttributes: (t) => t.replace(/<enclosure /g, '<enclosure url="http://example.com/a.mp3" length="1" ').replace(/<guid /g, '<guid a="1" a="2" '),
  undeclaredPrefix: (t) => t.replace(/xmlns:itunes="[^"]*"/g, '').replace(/xmlns:podcast="[^"]*"/g, ''),
  duplicateGuids: (t) => {
    const m = /<item[\s>][\s\S]*?<\/item>/.exec(t);
    return m === null ? t : t.replace('</channel>', m[0] + m[0] + '</channel>');
  },
  cdataEndInText: (t, r) => atRandom(t, r, 10, () => 'a]]>b ]] > ]]]> ]>'),
  crlf: (t) => t.replace(/\n/g, '\r\n'),
  crOnly: (t) => t.replace(/\n/g, '\r'),
  crMixed: (t, r) => t.replace(/\n/g, () => ['\r', '\r\n', '\n', '\n\r'][Math.floor(r() * 4)]!),
  attributeWhitespace: (t) => t.replace(/ url="/g, ' url="\t\n\r\n ').replace(/ href="/g, ' href=" \r '),
  astral: (t, r) =>
    atRandom(t, r, 40, () => '\u{1F600}x\u{10FFFF}\u{1F3A7}', />[^<]|="/g).replace(/<title>/g, '<title>\u{1F399}\uFE0F '),
  astralNames: (t) => t.replace(/<item>/g, '<item><x\u{10000}y a\u{10000}="\u{1F600}">z</x\u{10000}y>'),
  nonAsciiNames: (t) => t.replace(/<item>/g, '<item><été·x çà="ü">v</été·x><_a.b-c>w</_a.b-c>'),
  xml11: (t) =>
    t.replace(/^\s*<\?xml[^?]*\?>/, '').replace(/^/, '<?xml version="1.1" encoding="UTF-8"?>').replace(/<title>/g, '<title>a\u0085b\u2028c\r\u0085d'),
  comments: (t, r) => atRandom(t, r, 15, () => '<!-- a comment -- - with \u{1F600} and \r\n lines ] ]] -->'),
  pis: (t, r) => atRandom(t, r, 10, () => '<?php echo "x\u{1F600}" ?><?x?>'),
  entitiesEverywhere: (t) => t.replace(/ /g, '&#32;').replace(/e/g, '&#x65;'),
  htmlEntities: (t, r) => atRandom(t, r, 30, () => '&nbsp;&eacute;&hellip;&rsquo;&amp;amp;&lt;b&gt;&unknownent;&copy'),
  tabsEverywhere: (t) => t.replace(/ /g, '\t'),
  latin1Declared: (t) => Buffer.from(t.replace(/encoding="[^"]*"/i, 'encoding="ISO-8859-1"'), 'latin1'),
  utf16: (t) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t.replace(/encoding="[^"]*"/i, 'encoding="UTF-16"'), 'utf16le')]),
  unquotedAndBroken: (t, r) => atRandom(t, r, 10, () => '<a href=x b="1\'>t</a><b c=\'"\' d></b>< p>'),
  closeTagSpaces: (t) => t.replace(/<\/title>/g, '</title  \n>').replace(/<\/item>/g, '</item\t>'),
  strayCloseTags: (t, r) => atRandom(t, r, 10, () => '</p></div></b>'),
  doctypeEntities: (t) => t.replace(/<rss/, '<!DOCTYPE rss [<!ENTITY foo "bar\u{1F600}"> <!ENTITY lt "x">]>\n<rss').replace(/<title>/g, '<title>&foo;'),
  longLines: (t) => t.replace(/\n\s*/g, ''),
};

export interface Input {
  name: string;
  data: Buffer;
  big: boolean;
}

export function* inputs(bigFeed?: string): Generator<Input> {
  const files = fs.readdirSync(SOURCE_DIR).filter((f) => f.endsWith('.xml')).sort();
  for (const file of files) {
    const original = fs.readFileSync(path.join(SOURCE_DIR, file));
    yield { name: file, data: original, big: false };
    const text = original.toString('utf8');
    let seed = 1;
    for (const [name, mutate] of Object.entries(MUTATIONS)) {
      const result = mutate(text, rng(seed++ * 7919 + file.length));
      yield { name: `${file}~${name}`, data: typeof result === 'string' ? Buffer.from(result, 'utf8') : result, big: false };
    }
  }
  if (bigFeed !== undefined) yield { name: path.basename(bigFeed), data: fs.readFileSync(bigFeed), big: true };
}
