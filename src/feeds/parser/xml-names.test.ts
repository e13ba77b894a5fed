import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SaxesParser } from 'saxes';
import { NamespacedSaxesParser, XmlNames, namespacedParserHooks, type ResolvedName } from './xml-names.js';

const WELL_KNOWN: Record<string, string> = { itunes: 'http://www.itunes.com/dtds/podcast-1.0.dtd' };

interface Seen {
  errors: string[];
  tags: string[];
}

function describeName(name: { name: string; prefix: string; local: string; uri: string }): string {
  return `${name.name}=${name.prefix}|${name.local}|${name.uri}`;
}

/** What saxes's own namespace mode reports and resolves. */
function withSaxesNamespaces(xml: string): Seen {
  const seen: Seen = { errors: [], tags: [] };
  const parser = new SaxesParser({ xmlns: true, resolvePrefix: (prefix: string) => WELL_KNOWN[prefix] });
  parser.on('error', (error) => seen.errors.push(error.message));
  parser.on('opentag', (tag) => {
    const attributes = Object.values(tag.attributes).map(describeName);
    seen.tags.push([describeName(tag), ...attributes].join(' '));
  });
  parser.write(xml).close();
  return seen;
}

/** The same, resolved by XmlNames. */
function withXmlNames(xml: string): Seen {
  const seen: Seen = { errors: [], tags: [] };
  const parser = new NamespacedSaxesParser();
  const names = new XmlNames({
    fail: (message) => void parser.fail(message),
    xmlVersion: () => parser.xmlVersion,
    undeclared: (prefix) => WELL_KNOWN[prefix],
  });
  const attributeNames: string[] = [];
  const resolved: ResolvedName[] = [];
  parser.on('error', (error) => seen.errors.push(error.message));
  parser.on('attribute', (attribute) => {
    attributeNames.push(attribute.name);
    names.attribute(attribute.name, attribute.value);
  });
  parser.on('opentag', (tag) => {
    const element = names.open(tag.name, attributeNames, attributeNames.length, resolved);
    // saxes keeps one attribute per name as written (the last value), in first-seen order.
    const byName = new Map<string, ResolvedName>();
    for (let index = 0; index < attributeNames.length; index++) byName.set(attributeNames[index]!, resolved[index]!);
    seen.tags.push([describeName(element), ...[...byName.values()].map(describeName)].join(' '));
    attributeNames.length = 0;
  });
  parser.on('closetag', () => names.close());
  parser.write(xml).close();
  return seen;
}

describe('XmlNames', () => {
  it('finds the saxes members it relies on', () => {
    assert.equal(namespacedParserHooks, true);
    assert.equal(new NamespacedSaxesParser().xmlVersion, '1.0');
  });

  const documents: Array<[string, string]> = [
    ['declarations on the root', '<rss xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:a="http://a"><itunes:author a:x="1">A</itunes:author></rss>'],
    ['a default namespace and its end', '<feed xmlns="http://www.w3.org/2005/Atom"><entry><content><div xmlns="http://www.w3.org/1999/xhtml"><p/></div></content><id/></entry></feed>'],
    ['a prefix redeclared below', '<r xmlns:p="http://one"><p:a><p:b xmlns:p="http://two" p:x="1"/><p:c/></p:a><p:d/></r>'],
    ['undeclared prefixes, known and unknown', '<r><itunes:author/><foo:bar foo:x="1" itunes:y="2"/></r>'],
    ['repeated attributes', '<r xmlns:a="http://s" xmlns:b="http://s"><e x="1" x="2" a:y="1" b:y="2" a:z="1" a:z="2"/></r>'],
    ['malformed names', '<r><a:b:c/><x: y:="1" :z="2"/><:w/></r>'],
    ['reserved prefixes and URIs', '<r xmlns:xml="http://wrong" xmlns:xmlns="x" xmlns:p="http://www.w3.org/2000/xmlns/" xmlns:q="http://www.w3.org/XML/1998/namespace"><xmlns:t/></r>'],
    ['reserved default namespaces', '<r><a xmlns="http://www.w3.org/2000/xmlns/"/><b xmlns="http://www.w3.org/XML/1998/namespace"/></r>'],
    ['an undefined prefix in XML 1.0', '<?xml version="1.0"?><r xmlns:a="http://a"><e xmlns:a=""><a:f a:x="1"/></e><a:g/></r>'],
    ['an undefined prefix in XML 1.1', '<?xml version="1.1"?><r xmlns:a="http://a"><e xmlns:a=""><a:f/></e></r>'],
    ['an empty declaration name', '<r xmlns:="http://d"><e/></r>'],
    ['closing tags that do not match', '<r xmlns:a="http://a"><a:x xmlns:b="http://b"><b:y></a:x><b:z/></r>'],
    ['processing instructions with colons', '<?a:b data?><r><?c:d?></r>'],
    ['xml: attributes', '<r xml:lang="en" xml:base="http://b/"><e XML:base="x"/></r>'],
  ];
  for (const [label, xml] of documents) {
    it(`reports and resolves as saxes's namespace mode: ${label}`, () => {
      assert.deepEqual(withXmlNames(xml), withSaxesNamespaces(xml));
    });
  }
});
