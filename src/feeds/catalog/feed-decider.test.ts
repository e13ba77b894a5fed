import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rss, parse } from '../../../test/support/feeds.js';
import { spec } from '../../../test/support/specification.js';
import { fold } from '../../domain/decider.js';
import { feedSnapshot, type FeedSnapshot } from './details.js';
import { feedDecider, feedSnapshotting, feedStream, type FeedEvent } from './feed-decider.js';

const feedUrl = 'https://feeds.example/show.xml';
const at = '2026-11-25T12:00:00.000Z';
const later = '2026-11-25T13:00:00.000Z';
const item = (guid: string, title: string) => `<item><guid>${guid}</guid><title>${title}</title><enclosure url="https://cdn.example/${guid}.mp3" type="audio/mpeg" length="1"/></item>`;
const snapshot = (items: string, channel = '<title>Show</title>'): FeedSnapshot => feedSnapshot(parse(rss(items, channel)));

const first = snapshot(item('a', 'A') + item('b', 'B'));
const firstEvents = (): FeedEvent[] => feedDecider.decide({ kind: 'recordFetch', feedUrl, at, snapshot: first }, feedDecider.initialState());

describe('feed decider', () => {
  it('the first fetch records the podcast (every field) and each episode', () => {
    const events = firstEvents();
    assert.deepEqual(events.map((event) => event.type), ['FeedFetched', 'EpisodeDiscovered', 'EpisodeDiscovered']);
    assert.deepEqual(events[0]!.data, { feedUrl, at, podcast: first.podcast, first: true });
    assert.equal((events[1]!.data as { episode: { title: string } }).episode.title, 'A');
  });

  it('refetching an unchanged feed records nothing', () => {
    spec(feedDecider).given(firstEvents()).when({ kind: 'recordFetch', feedUrl, at: later, snapshot: first }).thenNothing();
  });

  it('a changed feed records only the podcast fields, episodes changed and episodes new', () => {
    const next = snapshot(item('a', 'A') + item('b', 'B, corrected') + item('c', 'C'), '<title>Show</title><language>fr</language>');
    spec(feedDecider)
      .given(firstEvents())
      .when({ kind: 'recordFetch', feedUrl, at: later, snapshot: next })
      .then([
        { type: 'FeedFetched', data: { feedUrl, at: later, podcast: { language: 'fr' } } },
        { type: 'EpisodeChanged', data: { feedUrl, at: later, episode: next.episodes[1]! } },
        { type: 'EpisodeDiscovered', data: { feedUrl, at: later, episode: next.episodes[2]! } },
      ]);
  });

  it('an episode left out of the feed stays in the catalog (nothing recorded)', () => {
    spec(feedDecider).given(firstEvents()).when({ kind: 'recordFetch', feedUrl, at: later, snapshot: snapshot(item('b', 'B')) }).thenNothing();
  });

  it('a failure is recorded when it starts or changes kind; the next good fetch says the feed is back', () => {
    const failed: FeedEvent = { type: 'FeedFailed', data: { feedUrl, at: later, code: 'http_error', message: 'HTTP 500', status: 500 } };
    spec(feedDecider).given(firstEvents()).when({ kind: 'recordFailure', feedUrl, at: later, code: 'http_error', message: 'HTTP 500', status: 500 }).then([failed]);
    spec(feedDecider).given([...firstEvents(), failed]).when({ kind: 'recordFailure', feedUrl, at: later, code: 'http_error', message: 'HTTP 502' }).thenNothing();
    spec(feedDecider)
      .given([...firstEvents(), failed])
      .when({ kind: 'recordFailure', feedUrl, at: later, code: 'dns_failure', message: 'no such host' })
      .then([{ type: 'FeedFailed', data: { feedUrl, at: later, code: 'dns_failure', message: 'no such host' } }]);
    spec(feedDecider)
      .given([...firstEvents(), failed])
      .when({ kind: 'recordFetch', feedUrl, at: later, snapshot: first })
      .then([{ type: 'FeedFetched', data: { feedUrl, at: later, podcast: {} } }]);
    // A 304 or an unchanged body after failures says the same; without a failure it says nothing.
    spec(feedDecider)
      .given([...firstEvents(), failed])
      .when({ kind: 'recordRecovery', feedUrl, at: later })
      .then([{ type: 'FeedFetched', data: { feedUrl, at: later, podcast: {} } }]);
    spec(feedDecider).given(firstEvents()).when({ kind: 'recordRecovery', feedUrl, at: later }).thenNothing();
  });

  it('a move is recorded once, never to the feed itself', () => {
    const moved: FeedEvent = { type: 'FeedMoved', data: { feedUrl, to: 'https://new.example/feed', reason: 'permanent_redirect', at } };
    spec(feedDecider).given([]).when({ kind: 'recordMove', feedUrl, to: 'https://new.example/feed', reason: 'permanent_redirect', at }).then([moved]);
    spec(feedDecider).given([moved]).when({ kind: 'recordMove', feedUrl, to: 'https://new.example/feed', reason: 'new_feed_url', at: later }).thenNothing();
    spec(feedDecider).given([]).when({ kind: 'recordMove', feedUrl, to: feedUrl, reason: 'new_feed_url', at }).thenNothing();
  });

  it('the snapshot round-trips the state; streams are named by a hash of the URL', () => {
    const state = fold(feedDecider, firstEvents());
    assert.deepEqual(feedSnapshotting.fromSnapshot(JSON.parse(JSON.stringify(feedSnapshotting.toSnapshot(state)))), state);
    assert.match(feedStream(feedUrl), /^feed-[0-9a-f]{40}$/);
    assert.notEqual(feedStream(feedUrl), feedStream(`${feedUrl}?x`));
  });

  it('hostile values are made storable: NUL characters dropped, absurd numbers and dates emptied', () => {
    const hostile = snapshot(
      `<item><guid>n\u0000ul</guid><title>T</title><itunes:season>99999999999</itunes:season><pubDate>Sat, 01 Jan 999999 00:00:00 GMT</pubDate></item>`,
    );
    assert.equal(hostile.episodes[0]?.guid, 'nul');
    assert.equal(hostile.episodes[0]?.season, null);
  });
});
