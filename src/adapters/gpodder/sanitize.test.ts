import assert from 'node:assert/strict';
import { it } from 'node:test';
import { HttpError } from '../../http/errors.js';
import { splitExtension } from './requests.js';
import { sanitizeUpload } from './sanitize.js';

it('reports every rewritten URL, refused ones as "" (never null)', () => {
  const { changes, updateUrls } = sanitizeUpload({ add: ['feed://Example.org/rss', 'https://ok.example/feed', 'nope', ''], remove: ['https://gone.example/feed'] });
  assert.deepEqual([...changes], [
    ['http://example.org/rss', true],
    ['https://ok.example/feed', true],
    ['https://gone.example/feed', false],
  ]);
  assert.deepEqual(updateUrls, [
    ['feed://Example.org/rss', 'http://example.org/rss'],
    ['nope', ''],
  ]);
});

it('ignores a removal of a feed the same upload adds; refuses the same URL in both lists and empty bodies', () => {
  const { changes } = sanitizeUpload({ add: ['https://A.example/f'], remove: ['https://a.example/f'] });
  assert.deepEqual([...changes], [['https://a.example/f', true]]);
  assert.throws(() => sanitizeUpload({ add: ['https://a.example/f'], remove: ['https://a.example/f'] }), (error: unknown) => error instanceof HttpError && error.statusCode === 400);
  assert.throws(() => sanitizeUpload(undefined), (error: unknown) => error instanceof HttpError && error.code === 'empty_body');
  assert.throws(() => sanitizeUpload({ add: 'https://a.example/f' }), (error: unknown) => error instanceof HttpError && error.statusCode === 400);
  assert.deepEqual([...sanitizeUpload({}).changes], []);
});

it('splits only the last extension: device ids may hold dots', () => {
  assert.deepEqual(splitExtension('my.host.name.json'), { name: 'my.host.name', extension: 'json' });
  assert.deepEqual(splitExtension('alice.OPML'), { name: 'alice', extension: 'opml' });
  assert.throws(() => splitExtension('alice'), HttpError);
});
