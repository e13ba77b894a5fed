import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidFeedUrlError, normalizeFeedUrl, tryNormalizeFeedUrl } from './feed-url.js';

describe('feed URL normalization', () => {
  const same: [string, string][] = [
    ['  https://Example.ORG/Feed.xml  ', 'https://example.org/Feed.xml'],
    ['HTTPS://example.org:443/feed', 'https://example.org/feed'],
    ['http://example.org:80/feed', 'http://example.org/feed'],
    ['http://example.org:8080/feed', 'http://example.org:8080/feed'],
    ['https://example.org', 'https://example.org/'],
    ['https://example.org/feed#episodes', 'https://example.org/feed'],
    ['https://example.org/feed?', 'https://example.org/feed'],
    ['https://example.org/feed?q=what?', 'https://example.org/feed?q=what?'],
    ['http://a.example/??', 'http://a.example/??'],
    ['https://example.org/feed?token=AbC&b=1', 'https://example.org/feed?token=AbC&b=1'],
    ['feed://example.org/rss', 'http://example.org/rss'],
    ['itpc://example.org/rss', 'http://example.org/rss'],
    ['pcast://example.org/rss', 'http://example.org/rss'],
    ['podcast://example.org/rss', 'http://example.org/rss'],
    ['feed:https://example.org/rss', 'https://example.org/rss'],
    ['FEED:http://example.org/rss', 'http://example.org/rss'],
    ['https://bücher.example/flux', 'https://xn--bcher-kva.example/flux'],
    ['https://example.org/a%20b', 'https://example.org/a%20b'],
    ['https://example.org/a b', 'https://example.org/a%20b'],
  ];
  for (const [input, expected] of same) {
    it(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(normalizeFeedUrl(input), expected));
  }

  it('is idempotent', () => {
    for (const [, expected] of same) assert.equal(normalizeFeedUrl(expected), expected);
  });

  it('refuses what is not a web feed URL, saying why', () => {
    const bad: [string, string][] = [
      ['', 'empty'],
      ['   ', 'empty'],
      ['example.org/feed', 'not_a_url'],
      ['ftp://example.org/feed', 'unsupported_scheme'],
      ['javascript:alert(1)', 'unsupported_scheme'],
      ['file:///etc/passwd', 'unsupported_scheme'],
      [`https://example.org/${'a'.repeat(3000)}`, 'too_long'],
    ];
    for (const [input, problem] of bad) {
      assert.throws(() => normalizeFeedUrl(input), (error: unknown) => error instanceof InvalidFeedUrlError && error.problem === problem, input);
      assert.equal(tryNormalizeFeedUrl(input), undefined);
    }
  });
});
