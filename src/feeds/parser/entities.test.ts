import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HTML_ENTITIES, entitiesFromDoctype } from './entities.js';
import { WINDOWS_1252, decodeWindows1252 } from './windows-1252.js';

describe('HTML entity table', () => {
  it('maps the Latin-1 range in code point order', () => {
    assert.equal(HTML_ENTITIES['nbsp'], '\u00a0');
    assert.equal(HTML_ENTITIES['copy'], '©');
    assert.equal(HTML_ENTITIES['eacute'], 'é');
    assert.equal(HTML_ENTITIES['Eacute'], 'É');
    assert.equal(HTML_ENTITIES['szlig'], 'ß');
    assert.equal(HTML_ENTITIES['yuml'], 'ÿ');
    assert.equal(HTML_ENTITIES['times'], '×');
    assert.equal(HTML_ENTITIES['divide'], '÷');
  });

  it('maps Greek with the gap at U+03A2, punctuation and symbols', () => {
    assert.equal(HTML_ENTITIES['Rho'], 'Ρ');
    assert.equal(HTML_ENTITIES['Sigma'], 'Σ');
    assert.equal(HTML_ENTITIES['Omega'], 'Ω');
    assert.equal(HTML_ENTITIES['sigmaf'], 'ς');
    assert.equal(HTML_ENTITIES['omega'], 'ω');
    assert.equal(HTML_ENTITIES['rsquo'], '’');
    assert.equal(HTML_ENTITIES['ldquo'], '“');
    assert.equal(HTML_ENTITIES['mdash'], '—');
    assert.equal(HTML_ENTITIES['hellip'], '…');
    assert.equal(HTML_ENTITIES['euro'], '€');
    assert.equal(HTML_ENTITIES['trade'], '™');
    assert.equal(HTML_ENTITIES['hearts'], '♥');
    assert.equal(HTML_ENTITIES['check'], '✓');
    assert.ok(Object.keys(HTML_ENTITIES).length > 300);
    assert.ok(Object.isFrozen(HTML_ENTITIES));
  });

  it('reads simple DOCTYPE entity declarations literally', () => {
    const declared = entitiesFromDoctype('rss [ <!ENTITY show "The Show"> <!ENTITY nested \'&show;&show;\'> <!ENTITY % param "x"> <!ENTITY amp "no">]');
    assert.deepEqual(declared, { show: 'The Show', nested: '&show;&show;' });
  });
});

describe('windows-1252 table', () => {
  it('agrees with the streaming TextDecoder on every byte (the non-streaming one is wrong on Node 20)', () => {
    const all = Uint8Array.from({ length: 256 }, (_, byte) => byte);
    assert.equal(decodeWindows1252(all), new TextDecoder('windows-1252').decode(all, { stream: true }));
    assert.equal(WINDOWS_1252[0x92], '’');
    assert.equal(WINDOWS_1252[0x80], '€');
    assert.equal(WINDOWS_1252[0xe9], 'é');
  });
});
