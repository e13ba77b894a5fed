import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FeedFetchError } from './errors.js';
import { RedirectChain, isRedirect } from './redirects.js';

function chain(input: string, max = 5) {
  return new RedirectChain(input, new URL(input), max);
}

function fails(action: () => unknown, code: string): void {
  assert.throws(action, (error: unknown) => error instanceof FeedFetchError && error.code === code);
}

describe('RedirectChain', () => {
  it('resolves relative locations against the URL that sent them', () => {
    const redirects = chain('https://a.example/shows/feed.xml');
    assert.equal(redirects.follow(new URL('https://a.example/shows/feed.xml'), 302, 'rss').href, 'https://a.example/shows/rss');
    assert.equal(redirects.follow(new URL('https://a.example/shows/rss'), 302, '../feed?x=1#frag').href, 'https://a.example/feed?x=1');
    assert.equal(redirects.follow(new URL('https://a.example/feed?x=1'), 302, '/top').href, 'https://a.example/top');
    assert.equal(redirects.follow(new URL('https://a.example/top'), 302, '//cdn.example/f').href, 'https://cdn.example/f');
    assert.deepEqual(redirects.hops.map((hop) => hop.status), [302, 302, 302, 302]);
  });

  it('reports a permanent redirect only when every hop is 301 or 308', () => {
    const permanent = chain('http://a.example/feed');
    const b = permanent.follow(new URL('http://a.example/feed'), 301, 'https://a.example/feed');
    const c = permanent.follow(b, 308, 'https://b.example/feed');
    assert.deepEqual(permanent.permanentRedirect(c), { from: 'http://a.example/feed', to: 'https://b.example/feed' });

    for (const temporary of [302, 303, 307]) {
      const mixed = chain('http://a.example/feed');
      const next = mixed.follow(new URL('http://a.example/feed'), 301, '/moved');
      const last = mixed.follow(next, temporary, '/elsewhere');
      assert.equal(mixed.permanentRedirect(last), undefined, String(temporary));
    }
    assert.equal(chain('http://a.example/').permanentRedirect(new URL('http://a.example/')), undefined);
  });

  it('detects loops, including back to the start and through a fragment', () => {
    const redirects = chain('http://a.example/feed');
    const b = redirects.follow(new URL('http://a.example/feed'), 302, '/b');
    fails(() => redirects.follow(b, 302, '/feed#again'), 'redirect_loop');
    fails(() => chain('http://a.example/x').follow(new URL('http://a.example/x'), 301, 'http://a.example/x'), 'redirect_loop');
  });

  it('follows up to the limit and no further', () => {
    const redirects = chain('http://a.example/0', 2);
    const one = redirects.follow(new URL('http://a.example/0'), 302, '/1');
    const two = redirects.follow(one, 302, '/2');
    fails(() => redirects.follow(two, 302, '/3'), 'too_many_redirects');
    fails(() => chain('http://a.example/0', 0).follow(new URL('http://a.example/0'), 301, '/1'), 'too_many_redirects');
  });

  it('fails on a missing or unusable Location', () => {
    fails(() => chain('http://a.example/').follow(new URL('http://a.example/'), 302, undefined), 'http_error');
    fails(() => chain('http://a.example/').follow(new URL('http://a.example/'), 302, '  '), 'http_error');
    fails(() => chain('http://a.example/').follow(new URL('http://a.example/'), 302, 'http://[::1'), 'invalid_url');
  });

  it('knows which statuses redirect', () => {
    assert.deepEqual([300, 301, 302, 303, 304, 305, 307, 308].filter(isRedirect), [301, 302, 303, 307, 308]);
  });
});
