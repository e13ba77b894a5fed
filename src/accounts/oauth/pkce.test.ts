import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isS256Challenge, isVerifier, s256, verifierMatches } from './pkce.js';

describe('PKCE (S256)', () => {
  it('computes the challenge of RFC 7636 Appendix B', () => {
    assert.equal(s256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    assert.ok(verifierMatches('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'));
  });

  it('refuses wrong or malformed verifiers and challenges', () => {
    const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
    assert.equal(verifierMatches('eBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', challenge), false);
    assert.equal(verifierMatches('short', challenge), false);
    assert.equal(verifierMatches('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', 'plain-text'), false);
    assert.equal(isVerifier('a'.repeat(42)), false);
    assert.equal(isVerifier('a'.repeat(129)), false);
    assert.equal(isVerifier(`${'a'.repeat(42)}~`), true);
    assert.equal(isVerifier(`${'a'.repeat(42)}+`), false);
    assert.equal(isS256Challenge(`${challenge}=`), false);
  });
});
