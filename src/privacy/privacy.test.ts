import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { accountEventCount, newListener, type ApiClient } from '../../test/support/api.js';
import { describeEachDriver } from '../../test/support/databases.js';
import { basic } from '../../test/support/http.js';
import { createTestServer, type TestServer } from '../../test/support/server.js';
import { fold } from '../domain/decider.js';
import { rebuildProjection } from '../projections/rebuild.js';
import { encodeFeedId } from '../subscriptions/feed-id.js';
import { privacyDecider, privacyStream, type PrivacyEvent } from './privacy-decider.js';
import { privacyProjector } from './privacy-projector.js';
import { effectivePrivacyLevel, PrivacyService } from './privacy-service.js';
import { effectiveLevel, type PrivacyLevel } from './privacy-state.js';
import { privacyView } from './privacy-view.js';

const FEED = 'https://feeds.example/show.xml';
const OTHER = 'https://feeds.example/other.xml';
const podcastPath = (feedUrl: string) => `/api/v1/privacy/podcasts/${encodeFeedId(feedUrl)}`;
const summary = (setting: { scope: string; level: string | null; effective: string; deviceId?: string }) => [setting.scope, setting.level, setting.effective, setting.deviceId];

describeEachDriver('privacy API and its read model', (current) => {
  let server: TestServer;
  let phone: ApiClient;
  let laptop: ApiClient;
  let userId: string;
  let username: string;

  async function freshAccount(): Promise<void> {
    ({ username, userId, phone, laptop } = await newListener(server.app, server.accounts, 'privacy'));
  }

  const eventCount = () => accountEventCount(current().db, userId);

  async function rows(user = userId) {
    const result = await current().db.query('SELECT * FROM privacy_settings WHERE user_id = $1 ORDER BY scope, feed_url, episode_key', [user]);
    return result.rows;
  }

  before(async () => {
    server = await createTestServer(current(), { env: { REGISTRATION: 'open' }, requestLimits: { burst: 100_000, perSecond: 10_000 } });
    await server.app.ready();
  });
  after(async () => server?.app.close());

  it('starts private, then sets and shows the default, podcast and episode overrides', async () => {
    await freshAccount();
    const empty = await phone.get('/api/v1/privacy');
    assert.equal(empty.status, 200, JSON.stringify(empty.body));
    assert.deepEqual(empty.body, { default: { level: 'private', chosen: false }, podcasts: [], episodes: [] });

    const madePublic = await phone.put('/api/v1/privacy/default', { level: 'public', at: '2026-03-01T10:00:00Z' });
    assert.equal(madePublic.status, 200, JSON.stringify(madePublic.body));
    assert.deepEqual(madePublic.body, { applied: true, setting: { scope: 'default', level: 'public', effective: 'public', at: '2026-03-01T10:00:00.000Z', deviceId: 'phone' } });

    // Another spelling of the feed, in its feed id: it is normalized.
    const podcast = await laptop.put(podcastPath('HTTPS://Feeds.Example:443/show.xml'), { level: 'anonymous', at: '2026-03-01T10:01:00Z' });
    assert.equal(podcast.status, 200, JSON.stringify(podcast.body));
    assert.deepEqual(podcast.body.setting, { feedId: encodeFeedId(FEED), scope: 'podcast', feedUrl: FEED, level: 'anonymous', effective: 'anonymous', at: '2026-03-01T10:01:00.000Z', deviceId: 'laptop' });
    const episode = await phone.put('/api/v1/privacy/episodes', { feedUrl: FEED, episodeKey: 'guid-1', level: 'private', at: '2026-03-01T10:02:00Z' });
    assert.equal(episode.status, 200, JSON.stringify(episode.body));
    assert.deepEqual(summary(episode.body.setting), ['episode', 'private', 'private', 'phone']);
    await phone.put('/api/v1/privacy/episodes', { feedUrl: OTHER, episodeKey: 'https://media.example/2.mp3', level: 'public' });

    const view = (await laptop.get('/api/v1/privacy')).body;
    assert.deepEqual(view.default, { level: 'public', chosen: true, at: '2026-03-01T10:00:00.000Z', deviceId: 'phone' });
    assert.deepEqual(view.podcasts, [{ feedId: encodeFeedId(FEED), feedUrl: FEED, level: 'anonymous', at: '2026-03-01T10:01:00.000Z', deviceId: 'laptop' }]);
    assert.deepEqual(
      view.episodes.map((e: { feedUrl: string; episodeKey: string; level: string }) => [e.feedUrl, e.episodeKey, e.level]),
      [
        [OTHER, 'https://media.example/2.mp3', 'public'],
        [FEED, 'guid-1', 'private'],
      ],
      'sorted by feed URL, then episode key',
    );

    const effective = async (query: string) => (await laptop.get(`/api/v1/privacy/effective?${query}`)).body;
    assert.deepEqual(await effective(`feedUrl=${encodeURIComponent(FEED)}&episodeKey=guid-1`), { feedUrl: FEED, episodeKey: 'guid-1', level: 'private' });
    assert.equal((await effective(`feedUrl=${encodeURIComponent(FEED)}&episodeKey=guid-2`)).level, 'anonymous', 'another episode: the podcast override');
    assert.equal((await effective(`feedUrl=${encodeURIComponent(' HTTPS://FEEDS.example:443/show.xml#latest')}`)).level, 'anonymous', 'another spelling of the feed');
    assert.equal((await effective(`feedUrl=${encodeURIComponent(OTHER)}&episodeKey=guid-1`)).level, 'public', 'no override: the default');

    // Clearing the podcast override: the episode keeps its own, the others fall back to the default.
    const cleared = await phone.put(podcastPath(FEED), { level: null });
    assert.deepEqual([cleared.body.applied, ...summary(cleared.body.setting)], [true, 'podcast', null, 'public', 'phone']);
    assert.deepEqual((await phone.get('/api/v1/privacy')).body.podcasts, []);
    assert.equal((await effective(`feedUrl=${encodeURIComponent(FEED)}&episodeKey=guid-2`)).level, 'public');
    assert.equal((await effective(`feedUrl=${encodeURIComponent(FEED)}&episodeKey=guid-1`)).level, 'private');
    assert.equal(await effectivePrivacyLevel(current().db, userId, FEED, 'guid-1'), 'private');
    assert.equal(await effectivePrivacyLevel(current().db, 'nobody', FEED), 'private', 'someone who never chose: private');
    const clearedEpisode = await phone.put('/api/v1/privacy/episodes', { feedUrl: FEED, episodeKey: 'guid-1', level: null });
    assert.deepEqual(summary(clearedEpisode.body.setting), ['episode', null, 'public', 'phone']);
  });

  it('moves podcast and episode overrides with a feed that moves, keeping those the new URL has', async () => {
    await freshAccount();
    const [old, moved, other, otherMoved] = ['https://old.example/rss', 'https://new.example/rss', 'https://b-old.example/rss', 'https://b-new.example/rss'];
    await phone.put('/api/v1/privacy/default', { level: 'public' });
    for (const feedUrl of [old, other]) assert.equal((await phone.post('/api/v1/subscriptions', { feedUrl })).status, 200);
    await phone.put(podcastPath(old), { level: 'private' });
    await phone.put('/api/v1/privacy/episodes', { feedUrl: old, episodeKey: 'ep-1', level: 'anonymous' });
    await phone.put(podcastPath(other), { level: 'private' });
    await phone.put(podcastPath(otherMoved), { level: 'anonymous' });
    assert.equal((await laptop.put(`/api/v1/subscriptions/${encodeFeedId(old)}/url`, { feedUrl: moved })).status, 200);
    assert.equal((await laptop.put(`/api/v1/subscriptions/${encodeFeedId(other)}/url`, { feedUrl: otherMoved })).status, 200);
    const effective = async (feedUrl: string, episodeKey?: string) =>
      (await laptop.get(`/api/v1/privacy/effective?feedUrl=${encodeURIComponent(feedUrl)}${episodeKey ? `&episodeKey=${episodeKey}` : ''}`)).body.level;
    assert.equal(await effective(moved), 'private', 'a private podcast stays private at its new address');
    assert.equal(await effective(moved, 'ep-1'), 'anonymous');
    assert.equal(await effective(otherMoved), 'anonymous', 'the new URL kept its own override');
    const view = (await laptop.get('/api/v1/privacy')).body;
    assert.deepEqual(view.podcasts.map((p: { feedUrl: string; level: string }) => [p.feedUrl, p.level]).sort(), [[otherMoved, 'anonymous'], [moved, 'private']].sort());
    assert.deepEqual(view.episodes.map((e: { feedUrl: string; episodeKey: string }) => [e.feedUrl, e.episodeKey]), [[moved, 'ep-1']]);
  });

  it('refuses bad input with clear codes and changes nothing', async () => {
    await freshAccount();
    await phone.put(podcastPath(FEED), { level: 'public' });
    const before = await eventCount();
    const stored = await rows();
    const cases: [Promise<{ status: number; body: { error: { code: string } } }>, number, string][] = [
      [phone.put('/api/v1/privacy/default', { level: 'secret' }), 400, 'validation_failed'],
      [phone.put('/api/v1/privacy/default', { level: null }), 400, 'validation_failed'],
      [phone.put('/api/v1/privacy/default', { level: '' }), 400, 'validation_failed'],
      [phone.put('/api/v1/privacy/default', {}), 400, 'validation_failed'],
      [phone.put('/api/v1/privacy/default', { level: 'public', extra: 1 }), 400, 'validation_failed'],
      [phone.put('/api/v1/privacy/default', { level: 'public', at: 'yesterday' }), 400, 'validation_failed'],
      [phone.put(podcastPath(FEED), { level: '' }), 400, 'validation_failed'],
      [phone.put(podcastPath(FEED), {}), 400, 'validation_failed'],
      [phone.put('/api/v1/privacy/podcasts/!!!', { level: 'public' }), 400, 'invalid_feed_id'],
      [phone.put(`/api/v1/privacy/podcasts/${encodeFeedId('ftp://example.org/feed')}`, { level: 'public' }), 400, 'invalid_feed_id'],
      [phone.put('/api/v1/privacy/episodes', { feedUrl: 'ftp://example.org/feed', episodeKey: 'g', level: 'public' }), 400, 'invalid_feed_url'],
      [phone.put('/api/v1/privacy/episodes', { feedUrl: FEED, episodeKey: '', level: 'public' }), 400, 'validation_failed'],
      [phone.put('/api/v1/privacy/episodes', { feedUrl: FEED, episodeKey: 'x'.repeat(4097), level: 'public' }), 400, 'validation_failed'],
      [phone.put('/api/v1/privacy/episodes', { feedUrl: FEED, level: 'public' }), 400, 'validation_failed'],
      [phone.get('/api/v1/privacy/effective'), 400, 'validation_failed'],
      [phone.get('/api/v1/privacy/effective?feedUrl=not%20a%20url'), 400, 'invalid_feed_url'],
      [phone.get(`/api/v1/privacy/effective?feedUrl=${encodeURIComponent(FEED)}&guid=1`), 400, 'validation_failed'],
    ];
    for (const [request, status, code] of cases) {
      const response = await request;
      assert.equal(response.status, status, JSON.stringify(response.body));
      assert.equal(response.body.error.code, code, JSON.stringify(response.body));
    }
    assert.equal(await eventCount(), before);
    assert.deepEqual(await rows(), stored);
  });

  it('settles crossing changes from two devices by client time and says who won', async () => {
    await freshAccount();
    await phone.put(podcastPath(FEED), { level: 'public', at: '2026-03-01T10:00:00Z' });
    const stale = await laptop.put(podcastPath(FEED), { level: 'private', at: '2026-03-01T09:00:00Z' });
    assert.deepEqual([stale.body.applied, ...summary(stale.body.setting)], [false, 'podcast', 'public', 'public', 'phone']);
    const later = await laptop.put(podcastPath(FEED), { level: 'private', at: '2026-03-01T11:00:00Z' });
    assert.deepEqual([later.body.applied, ...summary(later.body.setting)], [true, 'podcast', 'private', 'private', 'laptop']);

    // The laptop confirms "private" at 12:00; the phone's "public" of 11:30 arrives afterwards and loses.
    const confirmed = await laptop.put(podcastPath(FEED), { level: 'private', at: '2026-03-01T12:00:00Z' });
    assert.deepEqual([confirmed.body.applied, confirmed.body.setting.at], [true, '2026-03-01T12:00:00.000Z']);
    const overtaken = await phone.put(podcastPath(FEED), { level: 'public', at: '2026-03-01T11:30:00Z' });
    assert.deepEqual([overtaken.body.applied, overtaken.body.setting.level], [false, 'private']);
    const resent = await laptop.put(podcastPath(FEED), { level: 'private', at: '2026-03-01T12:00:00Z' });
    assert.equal(resent.body.applied, true, 'a resend is not a defeat');

    const future = await phone.put('/api/v1/privacy/default', { level: 'anonymous', at: '2999-01-01T00:00:00Z' });
    assert.ok(Date.parse(future.body.setting.at) <= Date.now(), 'a time in the future is clamped to now');
    const view = (await laptop.get('/api/v1/privacy')).body;
    assert.deepEqual([view.default.level, view.podcasts[0].level, view.podcasts[0].at], ['anonymous', 'private', '2026-03-01T12:00:00.000Z']);
  });

  it('lists the settings changed since a cursor in /api/v1/sync, cleared overrides included', async () => {
    await freshAccount();
    await phone.put(podcastPath(FEED), { level: 'public', at: '2026-03-01T09:00:00Z' });
    await phone.put(podcastPath(OTHER), { level: 'anonymous', at: '2026-03-01T09:01:00Z' });
    const first = (await laptop.get('/api/v1/sync')).body;
    assert.deepEqual(first.changes.privacy.map((item: { feedUrl: string; level: string }) => [item.feedUrl, item.level]), [
      [FEED, 'public'],
      [OTHER, 'anonymous'],
    ]);
    await phone.put(podcastPath(FEED), { level: null, at: '2026-03-01T10:00:00Z' });
    await phone.put('/api/v1/privacy/default', { level: 'public', at: '2026-03-01T10:01:00Z' });
    await phone.put('/api/v1/privacy/episodes', { feedUrl: OTHER, episodeKey: 'guid-9', level: 'private', at: '2026-03-01T10:02:00Z' });
    const delta = (await laptop.get(`/api/v1/sync?since=${first.cursor}`)).body;
    assert.deepEqual(delta.changes.privacy, [
      { feedId: encodeFeedId(FEED), scope: 'podcast', feedUrl: FEED, level: null, at: '2026-03-01T10:00:00.000Z', deviceId: 'phone' },
      { scope: 'default', level: 'public', at: '2026-03-01T10:01:00.000Z', deviceId: 'phone' },
      { feedId: encodeFeedId(OTHER), scope: 'episode', feedUrl: OTHER, episodeKey: 'guid-9', level: 'private', at: '2026-03-01T10:02:00.000Z', deviceId: 'phone' },
    ]);
    // A change that lost changes no setting: nothing new to sync.
    await laptop.put('/api/v1/privacy/default', { level: 'private', at: '2026-03-01T09:00:00Z' });
    const nothing = (await laptop.get(`/api/v1/sync?since=${delta.cursor}`)).body;
    assert.deepEqual(nothing.changes.privacy, []);
  });

  it('applies privacy changes in an offline batch, all or nothing with the other changes', async () => {
    await freshAccount();
    const batch = {
      changes: [
        { type: 'subscription', feedUrl: FEED, subscribed: true, at: '2026-03-01T08:00:00Z' },
        { type: 'privacy', id: 'p-1', scope: 'podcast', feedUrl: FEED, level: 'public', at: '2026-03-01T08:01:00Z' },
        { type: 'privacy', scope: 'episode', feedUrl: FEED, episodeKey: 'guid-1', level: 'private', at: '2026-03-01T08:02:00Z' },
        { type: 'privacy', scope: 'default', level: 'anonymous', at: '2026-03-01T08:03:00Z' },
        { type: 'privacy', scope: 'podcast', feedUrl: FEED, level: 'private', at: '2026-03-01T07:00:00Z' },
      ],
    };
    const applied = await laptop.post('/api/v1/sync', batch, { 'idempotency-key': 'privacy-batch-1' });
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    assert.deepEqual(applied.body.results.map((r: { type: string; applied: boolean }) => [r.type, r.applied]), [
      ['subscription', true],
      ['privacy', true],
      ['privacy', true],
      ['privacy', true],
      ['privacy', false],
    ]);
    assert.deepEqual(applied.body.results[4].state, { feedId: encodeFeedId(FEED), scope: 'podcast', feedUrl: FEED, level: 'public', at: '2026-03-01T08:01:00.000Z', deviceId: 'laptop' });
    assert.equal(applied.body.sync.changes.privacy.length, 3);
    const events = await eventCount();
    const again = await laptop.post('/api/v1/sync', batch, { 'idempotency-key': 'privacy-batch-1' });
    assert.deepEqual(again.body.results, applied.body.results);
    const replayed = await laptop.post('/api/v1/sync', { changes: [batch.changes[1]] });
    assert.equal(replayed.body.results[0].replayed, true);
    assert.equal(await eventCount(), events, 'retries record nothing');

    const stored = await rows();
    const refused: [unknown[], string][] = [
      [[{ type: 'subscription', feedUrl: OTHER, subscribed: true }, { type: 'privacy', scope: 'default', level: null }], 'invalid_privacy_level'],
      [[{ type: 'subscription', feedUrl: OTHER, subscribed: true }, { type: 'privacy', scope: 'podcast', level: 'public' }], 'invalid_privacy_change'],
      [[{ type: 'privacy', scope: 'podcast', feedUrl: OTHER, level: 'public' }, { type: 'privacy', scope: 'default', feedUrl: FEED, level: 'public' }], 'invalid_privacy_change'],
      [[{ type: 'privacy', scope: 'episode', feedUrl: 'javascript:alert(1)', episodeKey: 'g', level: 'public' }], 'invalid_feed_url'],
      [[{ type: 'privacy', scope: 'podcast', feedUrl: OTHER, level: 'secret' }], 'validation_failed'],
      [[{ type: 'privacy', scope: 'podcast', feedUrl: OTHER, level: 'public', extra: true }], 'validation_failed'],
    ];
    for (const [changes, code] of refused) {
      const response = await laptop.post('/api/v1/sync', { changes });
      assert.deepEqual([response.status, response.body.error?.code], [400, code], JSON.stringify(response.body));
    }
    assert.equal(await eventCount(), events, 'nothing of the refused batches was recorded');
    assert.deepEqual(await rows(), stored);
    const subscriptions = (await phone.get('/api/v1/subscriptions')).body.subscriptions.map((s: { feedUrl: string }) => s.feedUrl);
    assert.deepEqual(subscriptions, [FEED]);
  });

  it('keeps the read model equal to the decider state, and rebuilds it to the same rows', async () => {
    await freshAccount();
    const privacy = new PrivacyService(server.store);
    // Pseudo-random but repeatable: changes from two devices with crossing times, clears and resends.
    let seed = 7;
    const next = (n: number): number => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return (((t ^ (t >>> 14)) >>> 0) % 2 ** 31) % n;
    };
    const levels: (PrivacyLevel | null)[] = ['public', 'anonymous', 'private', null];
    const feeds = [FEED, OTHER, 'HTTPS://FEEDS.EXAMPLE/show.xml'];
    const keys = ['guid-1', '__proto__', 'https://media.example/1.mp3'];
    for (let n = 0; n < 60; n++) {
      const options = { clientTime: Date.UTC(2026, 2, 1) + next(50) * 60_000, deviceId: next(2) ? 'phone' : 'laptop' };
      const level = levels[next(4)]!;
      const feedUrl = feeds[next(3)]!;
      const kind = next(3);
      if (kind === 0) await privacy.setDefault(userId, level ?? 'private', options);
      else if (kind === 1) await privacy.setPodcastLevel(userId, feedUrl, level, options);
      else await privacy.setEpisodeLevel(userId, feedUrl, keys[next(3)]!, level, options);
    }
    const stream = await server.store.readStream(privacyStream(userId));
    const state = fold(privacyDecider, stream.events as unknown as PrivacyEvent[]);
    assert.deepEqual(await privacy.view(userId), privacyView(state));
    const snapshot = await current().db.query<{ state: unknown }>('SELECT state FROM snapshots WHERE stream_id = $1', [privacyStream(userId)]);
    assert.deepEqual(snapshot.rows[0]!.state, JSON.parse(JSON.stringify(state)), 'the snapshot decisions start from is the folded state, __proto__ keys included');
    assert.ok(Object.values(state.episodes).some((feed) => Object.hasOwn(feed, '__proto__')), 'the scenario sets a __proto__ episode key');
    for (const feedUrl of feeds) {
      for (const key of [undefined, ...keys, 'unknown']) {
        assert.equal(await privacy.effective(userId, feedUrl, key), effectiveLevel(state, feedUrl, key), `${feedUrl} ${key}`);
      }
    }

    const live = await current().db.query('SELECT * FROM privacy_settings ORDER BY user_id, scope, feed_url, episode_key');
    assert.ok(live.rows.length >= 5);
    await rebuildProjection(current().db, server.store, privacyProjector(), { batchSize: 7 });
    const rebuilt = await current().db.query('SELECT * FROM privacy_settings ORDER BY user_id, scope, feed_url, episode_key');
    assert.deepEqual(rebuilt.rows, live.rows);
  });

  it('forgets the settings of an erased account, and only them', async () => {
    await freshAccount();
    const other = { username, userId, phone };
    await other.phone.put(podcastPath(FEED), { level: 'public' });
    await freshAccount();
    await phone.put('/api/v1/privacy/default', { level: 'public' });
    await phone.put('/api/v1/privacy/episodes', { feedUrl: FEED, episodeKey: 'guid-1', level: 'anonymous' });
    assert.equal((await rows()).length, 2);
    const snapshot = await current().db.query('SELECT 1 FROM snapshots WHERE stream_id = $1', [privacyStream(userId)]);
    assert.equal(snapshot.rowCount, 1, 'decisions start from a snapshot');
    const erased = await server.app.inject({ method: 'DELETE', url: '/api/v1/me', headers: { authorization: basic(username, 'listener password') }, payload: { password: 'listener password' } });
    assert.equal(erased.statusCode, 204, erased.body);
    assert.deepEqual(await rows(), []);
    const snapshots = await current().db.query('SELECT 1 FROM snapshots WHERE stream_id = $1', [privacyStream(userId)]);
    assert.equal(snapshots.rowCount, 0);
    assert.equal((await rows(other.userId)).length, 1, "the other account's settings stay");
  });
});
