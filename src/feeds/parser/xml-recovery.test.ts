import assert from 'node:assert/strict';
import { it } from 'node:test';
import { RecoveringSaxesParser, ignoresUnmatchedClosingTags, readsHtmlEntities } from './xml-recovery.js';

it('finds the saxes method the stray-closing-tag recovery relies on', () => {
  // If a saxes upgrade renames it, recovery silently stops: this says so first.
  assert.equal(ignoresUnmatchedClosingTags, true);
});

it('finds the saxes method the HTML entities rely on', () => {
  assert.equal(readsHtmlEntities, true);
});

function read(xml: string): { text: string; errors: string[] } {
  const parser = new RecoveringSaxesParser({ xmlns: false });
  let text = '';
  const errors: string[] = [];
  parser.on('text', (value) => (text += value));
  parser.on('attribute', (attribute) => (text += `[${attribute.value}]`));
  parser.on('error', (error) => errors.push(error.message));
  parser.on('doctype', () => Object.assign(parser.ENTITIES, { eacute: 'E', mine: 'M' }));
  parser.write(xml).close();
  return { text, errors };
}

it('reads HTML named references in text and attributes, after the parser own entities', () => {
  assert.deepEqual(read('<a b="&nbsp;&amp;">&eacute;&rsquo;&lt;&hellip;</a>'), { text: '[\u00a0&]é’<…', errors: [] });
  // A DOCTYPE's declarations keep precedence over HTML's names.
  assert.deepEqual(read('<!DOCTYPE a><a>&eacute;&mine;&egrave;</a>'), { text: 'EMè', errors: [] });
});

it('still reports names that neither XML nor HTML defines, and keeps them as text', () => {
  const { text, errors } = read('<a>&nope;&constructor;&#x41;</a>');
  assert.equal(text, '&nope;&constructor;A');
  assert.deepEqual(errors.map((error) => error.replace(/^\d+:\d+: /, '')), ['undefined entity.', 'undefined entity.']);
});
