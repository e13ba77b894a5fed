import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { derivedFeedGuid, isGuid, uuidV5 } from './feed-guid.js';
import { normalizeFeedUrl } from './feed-url.js';

describe('feed GUIDs', () => {
  it('derives the GUID the Podcast Namespace would mint for the URL', () => {
    // The namespace's own example (podcast-namespace docs, `<podcast:guid>`).
    assert.equal(derivedFeedGuid(normalizeFeedUrl('https://podnews.net/rss/')), '9b024349-ccf0-5f69-a609-6b82873eab3c');
    assert.equal(derivedFeedGuid('http://podnews.net/rss'), '9b024349-ccf0-5f69-a609-6b82873eab3c');
  });

  it('computes RFC 4122 version 5 UUIDs', () => {
    // RFC 4122 appendix B errata / Python uuid.uuid5(NAMESPACE_DNS, 'python.org').
    assert.equal(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org'), '886313e1-3b8a-5372-9b90-0c9aee199e5d');
  });

  it('recognizes UUIDs in either case and nothing else', () => {
    assert.equal(isGuid('9B024349-CCF0-5F69-A609-6B82873EAB3C'), true);
    assert.equal(isGuid('9b024349ccf05f69a6096b82873eab3c'), false);
    assert.equal(isGuid('not-a-guid'), false);
  });
});
