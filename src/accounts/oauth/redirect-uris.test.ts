import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientAllowsRedirect, urlClient } from './clients.js';
import { formActionSource, matchesRegistered, redirectHost, redirectUriProblem, withParameters } from './redirect-uris.js';

describe('redirect URIs', () => {
  it('accepts https, loopback http and private-use schemes (RFC 8252)', () => {
    for (const uri of ['https://app.example.com/cb', 'http://127.0.0.1/cb', 'http://localhost:8080/cb', 'antennapod://callback', 'de.danoeh.antennapod:/oauth']) {
      assert.equal(redirectUriProblem(uri), undefined, uri);
    }
  });

  it('refuses fragments, plain http elsewhere, dangerous schemes and junk', () => {
    for (const uri of [
      'https://app.example.com/cb#x',
      'https://app.example.com/cb#',
      'http://app.example.com/cb',
      'http://192.168.1.2/cb',
      'javascript:alert(1)',
      'data:text/html,x',
      'file:///etc/passwd',
      'https://user:pass@app.example.com/cb',
      '/relative',
      'https://app.example.com/c b',
      'antennapod://call\nback',
      '',
      `https://app.example.com/${'a'.repeat(2000)}`,
    ]) {
      assert.ok(redirectUriProblem(uri), uri);
    }
  });

  it('matches registered URIs exactly, except the port of a loopback redirect', () => {
    const registered = ['http://127.0.0.1/callback', 'antennapod://callback', 'https://app.example.com/cb?x=1'];
    assert.ok(matchesRegistered(registered, 'http://127.0.0.1:49152/callback'));
    assert.ok(matchesRegistered(registered, 'antennapod://callback'));
    assert.ok(matchesRegistered(registered, 'https://app.example.com/cb?x=1'));
    assert.equal(matchesRegistered(registered, 'http://127.0.0.1:49152/other'), false);
    assert.equal(matchesRegistered(registered, 'http://localhost:49152/callback'), false);
    assert.equal(matchesRegistered(registered, 'antennapod://callback/'), false);
    assert.equal(matchesRegistered(registered, 'https://app.example.com/cb'), false);
    assert.equal(matchesRegistered(registered, 'http://127.0.0.1:1/callback#x'), false);
  });

  it('adds parameters while keeping the query of the redirect URI', () => {
    assert.equal(withParameters('antennapod://callback', { code: 'a b', state: undefined }), 'antennapod://callback?code=a+b');
    assert.equal(withParameters('https://app.example.com/cb?x=%20', { code: 'c' }), 'https://app.example.com/cb?x=%20&code=c');
  });

  it('names the CSP source and the host the consent page shows', () => {
    assert.equal(formActionSource('antennapod://callback'), 'antennapod:');
    assert.equal(formActionSource('de.danoeh.antennapod:/oauth'), 'de.danoeh.antennapod:');
    assert.equal(formActionSource('http://127.0.0.1:8123/cb'), 'http://127.0.0.1:8123');
    assert.equal(formActionSource('https://App.Example.com/cb'), 'https://app.example.com');
    assert.equal(redirectHost('https://app.example.com/cb'), 'app.example.com');
    assert.match(redirectHost('antennapod://callback'), /^antennapod: /);
  });
});

describe('URL client ids (no registration)', () => {
  it('accepts https URLs with a domain name, named after their host', () => {
    const client = urlClient('https://App.Example.com');
    assert.deepEqual(client, { clientId: 'https://app.example.com/', name: 'app.example.com', registered: false, redirectUris: [] });
    for (const id of ['http://app.example.com/', 'https://127.0.0.1/', 'https://localhost/', 'https://u:p@app.example.com/', 'https://app.example.com/#x', 'https://[::1]/']) {
      assert.equal(urlClient(id), undefined, id);
    }
  });

  it('redirects only to the same origin', () => {
    const client = urlClient('https://app.example.com/')!;
    assert.ok(clientAllowsRedirect(client, 'https://app.example.com/callback'));
    assert.equal(clientAllowsRedirect(client, 'https://app.example.com:8443/callback'), false);
    assert.equal(clientAllowsRedirect(client, 'https://evil.example.com/callback'), false);
    assert.equal(clientAllowsRedirect(client, 'https://app.example.com/callback#frag'), false);
  });
});
