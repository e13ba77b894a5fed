import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { newListener, type ApiClient } from '../../test/support/api.js';
import { describeEachDriver } from '../../test/support/databases.js';
import { createTestServer, type TestServer } from '../../test/support/server.js';
import { rebuildProjection } from '../projections/rebuild.js';
import { encodeFeedId } from '../subscriptions/feed-id.js';
import { episodeStatesProjector } from './episode-states-projector.js';

const FEED = 'https://feeds.example/show.xml';
const episode = (n: number) => ({ feedUrl: FEED, guid: `guid-${n}`, mediaUrl: `https://cdn.example/ep${n}.mp3` });

describeEachDriver('listening state over HTTP', (current) => {
  let server: TestServer;
  let phone: ApiClient;
  let laptop: ApiClient;
  let userId: string;

  async function freshAccount(): Promise<void> {
    ({ userId, phone, laptop } = await newListener(server.app, server.accounts, 'player'));
  }

  async function rows(): Promise<{ stream_id: string; state: unknown; seq: number; version: number }[]> {
    const result = await current().db.query<{ stream_id: string; state: unknown; seq: number; version: number }>(
      'SELECT e.stream_id, e.state, s.seq, e.version FROM episode_states e JOIN episode_state_seqs s USING (stream_id) WHERE e.user_id = $1 ORDER BY e.stream_id',
      [userId],
    );
    return result.rows;
  }

  before(async () => {
    server = await createTestServer(current(), { env: { REGISTRATION: 'open' }, requestLimits: { burst: 100_000, perSecond: 10_000 } });
    await server.app.ready();
  });
  after(async () => server?.app.close());

  it('records progress on one device and shows it on the other', async () => {
    await freshAccount();
    const recorded = await phone.post('/api/v1/episodes/progress', { episode: episode(1), position: 120, started: 0, total: 3600, at: '2026-11-25T10:00:00Z' });
    assert.equal(recorded.status, 200, JSON.stringify(recorded.body));
    assert.equal(recorded.body.applied, true);
    assert.deepEqual(recorded.body.state.progress, { position: 120, started: 0, total: 3600, at: '2026-11-25T10:00:00.000Z', deviceId: 'phone' });
    const seen = await laptop.get(`/api/v1/episodes/state?feedUrl=${encodeURIComponent(FEED)}&guid=guid-1`);
    assert.equal(seen.status, 200);
    assert.deepEqual([seen.body.progress.position, seen.body.inProgress, seen.body.finished], [120, true, false]);
  });

  it('converges when two devices play with crossing timestamps, and tells the loser', async () => {
    await freshAccount();
    // The laptop played later (11:00) but its update arrives first; the phone's 10:30 update arrives after.
    await laptop.post('/api/v1/episodes/progress', { episode: episode(1), position: 900, at: '2026-11-25T11:00:00Z' });
    const stale = await phone.post('/api/v1/episodes/progress', { episode: episode(1), position: 300, at: '2026-11-25T10:30:00Z' });
    assert.equal(stale.body.applied, false);
    assert.deepEqual([stale.body.state.progress.position, stale.body.state.progress.deviceId], [900, 'laptop']);
    const retried = await phone.post('/api/v1/episodes/progress', { episode: episode(1), position: 300, at: '2026-11-25T10:30:00Z' });
    assert.equal(retried.body.applied, false, 'a retry of a stale update stays stale');
    const future = await phone.post('/api/v1/episodes/progress', { episode: episode(1), position: 1000, at: '2999-01-01T00:00:00Z' });
    assert.equal(future.body.applied, true);
    assert.ok(Date.parse(future.body.state.progress.at) <= Date.now(), 'a time in the future counts as now');
    const events = await current().db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE user_id = $1 AND type = 'EpisodeProgressRecorded'`, [userId]);
    // Stale updates are kept in history (each time they are sent: the state keeps only winners,
    // so it cannot recognise a loser's retry; idempotency keys deduplicate retries).
    assert.equal(events.rows[0]!.n, 4);
    const winnerRetried = await laptop.post('/api/v1/episodes/progress', { episode: episode(1), position: 1000, at: future.body.state.progress.at });
    assert.equal(winnerRetried.body.applied, true);
    const after = await current().db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE user_id = $1 AND type = 'EpisodeProgressRecorded'`, [userId]);
    assert.equal(after.rows[0]!.n, 5, 'the same values from another device are a new write');
  });

  it('understands an episode by its media URL or its guid, and learns the guid later', async () => {
    await freshAccount();
    const { feedUrl, mediaUrl, guid } = episode(2);
    await phone.post('/api/v1/episodes/progress', { episode: { feedUrl, mediaUrl }, position: 10 });
    await laptop.post('/api/v1/episodes/played', { episode: { feedUrl, mediaUrl, guid }, played: true });
    const byGuid = await phone.get(`/api/v1/episodes/state?feedUrl=${encodeURIComponent(feedUrl)}&guid=${guid}`);
    assert.deepEqual([byGuid.body.progress.position, byGuid.body.played.played, byGuid.body.episode], [10, true, { feedUrl, mediaUrl, guid }]);
    await phone.post('/api/v1/episodes/saved', { episode: { feedUrl: 'HTTPS://FEEDS.EXAMPLE/show.xml', guid }, saved: true });
    assert.equal((await rows()).length, 1, 'one episode, one state');
    const unknown = await phone.get(`/api/v1/episodes/state?feedUrl=${encodeURIComponent(feedUrl)}&guid=other`);
    assert.deepEqual([unknown.status, unknown.body.error.code], [404, 'episode_state_not_found']);
  });

  it('lists recent, in-progress, played and saved episodes, page by page', async () => {
    await freshAccount();
    for (let n = 1; n <= 5; n++) await phone.post('/api/v1/episodes/progress', { episode: episode(n), position: n * 10, at: `2026-11-25T10:0${n}:00Z` });
    await phone.post('/api/v1/episodes/played', { episode: episode(2), played: true, at: '2026-11-25T10:20:00Z' });
    await phone.post('/api/v1/episodes/saved', { episode: episode(4), saved: true, at: '2026-11-25T10:21:00Z' });
    const guids = (body: { episodes: { episode: { guid: string } }[] }) => body.episodes.map((e) => e.episode.guid);
    assert.deepEqual(guids((await laptop.get('/api/v1/episodes')).body), ['guid-4', 'guid-2', 'guid-5', 'guid-3', 'guid-1']);
    assert.deepEqual(guids((await laptop.get('/api/v1/episodes?list=in_progress')).body), ['guid-4', 'guid-5', 'guid-3', 'guid-1']);
    assert.deepEqual(guids((await laptop.get('/api/v1/episodes?list=played')).body), ['guid-2']);
    assert.deepEqual(guids((await laptop.get('/api/v1/episodes?list=saved')).body), ['guid-4']);
    const first = (await laptop.get('/api/v1/episodes?limit=2')).body;
    const second = (await laptop.get(`/api/v1/episodes?limit=2&after=${first.next}`)).body;
    const third = (await laptop.get(`/api/v1/episodes?limit=2&after=${second.next}`)).body;
    assert.deepEqual([...guids(first), ...guids(second), ...guids(third)], ['guid-4', 'guid-2', 'guid-5', 'guid-3', 'guid-1']);
    assert.equal(third.next, null);
  });

  it('refuses bad input with clear codes and records nothing', async () => {
    await freshAccount();
    const cases: [string, unknown, string][] = [
      ['/api/v1/episodes/progress', { episode: episode(1), position: -1 }, 'validation_failed'],
      ['/api/v1/episodes/progress', { episode: { feedUrl: FEED }, position: 1 }, 'invalid_episode'],
      ['/api/v1/episodes/progress', { episode: { feedUrl: 'ftp://x.example/f', guid: 'g' }, position: 1 }, 'invalid_feed_url'],
      ['/api/v1/episodes/progress', { episode: episode(1), position: 1, total: 0 }, 'validation_failed'],
      ['/api/v1/episodes/played', { episode: episode(1), played: 'yes' }, 'validation_failed'],
      ['/api/v1/episodes/download', { episode: episode(1), state: 'streamed' }, 'validation_failed'],
      ['/api/v1/episodes/saved', { episode: episode(1), saved: true, extra: 1 }, 'validation_failed'],
      ['/api/v1/episodes/shares', { episode: episode(1), at: 'tomorrow' }, 'validation_failed'],
    ];
    for (const [path, body, code] of cases) {
      const response = await phone.post(path, body);
      assert.deepEqual([response.status, response.body.error.code], [400, code], `${path} ${JSON.stringify(body)}`);
    }
    for (const token of ['garbage', Buffer.from('1\nepisode-x').toString('base64url'), Buffer.from('Feb 30 2021\nepisode-x').toString('base64url')]) {
      const listed = await phone.get(`/api/v1/episodes?after=${token}`);
      assert.deepEqual([listed.status, listed.body.error.code], [400, 'invalid_page_token'], token);
    }
    const nul = await phone.post('/api/v1/episodes/progress', { episode: { feedUrl: FEED, guid: 'a\u0000b' }, position: 1 });
    assert.deepEqual([nul.status, nul.body.error.code], [400, 'invalid_episode']);
    assert.deepEqual(await rows(), []);
  });

  it('syncs episode states through /api/v1/sync, and applies offline episode changes in a batch', async () => {
    await freshAccount();
    const start = (await laptop.get('/api/v1/sync')).body.cursor;
    await phone.post('/api/v1/episodes/progress', { episode: episode(1), position: 50 });
    await phone.post('/api/v1/episodes/progress', { episode: episode(1), position: 60 });
    const delta = (await laptop.get(`/api/v1/sync?since=${start}`)).body;
    assert.deepEqual(delta.changes.episodes.map((e: { progress: { position: number } }) => e.progress.position), [60], 'current state only, once');
    const batch = await laptop.post('/api/v1/sync', {
      since: delta.cursor,
      changes: [
        { type: 'episode', action: 'progress', episode: episode(3), position: 30, at: '2026-11-25T09:00:00Z' },
        { type: 'episode', action: 'played', episode: episode(3), played: true, at: '2026-11-25T09:10:00Z' },
        { type: 'episode', action: 'share', episode: episode(3) },
      ],
    });
    assert.equal(batch.status, 200, JSON.stringify(batch.body));
    assert.deepEqual(batch.body.results.map((r: { applied: boolean }) => r.applied), [true, true, true]);
    const synced = batch.body.sync.changes.episodes;
    assert.deepEqual(synced.map((e: { episode: { guid: string }; finished: boolean; shares: { count: number } }) => [e.episode.guid, e.finished, e.shares.count]), [['guid-3', true, 1]]);
    const missing = await laptop.post('/api/v1/sync', { changes: [{ type: 'episode', action: 'progress', episode: episode(4) }] });
    assert.deepEqual([missing.status, missing.body.error.code], [400, 'missing_field']);
  });

  it('follows a feed that moved: an app still using the old URL updates the same episode', async () => {
    await freshAccount();
    const moved = 'https://new-home.example/show.xml';
    await phone.post('/api/v1/subscriptions', { feedUrl: FEED });
    await phone.post('/api/v1/episodes/progress', { episode: episode(1), position: 100 });
    await phone.put(`/api/v1/subscriptions/${encodeFeedId(FEED)}/url`, { feedUrl: moved });
    const byNewUrl = await laptop.get(`/api/v1/episodes/state?feedUrl=${encodeURIComponent(moved)}&guid=guid-1`);
    assert.equal(byNewUrl.body.progress.position, 100);
    await laptop.post('/api/v1/episodes/progress', { episode: episode(1), position: 200 });
    await laptop.post('/api/v1/episodes/progress', { episode: { ...episode(7) }, position: 7 });
    const states = await rows();
    assert.equal(states.length, 2);
    const newer = await phone.get(`/api/v1/episodes/state?feedUrl=${encodeURIComponent(moved)}&guid=guid-7`);
    assert.deepEqual([newer.body.episode.feedUrl, newer.body.progress.position], [moved, 7]);
  });

  it('writes concurrent updates of several accounts and devices together, each with its own device and outcome', async () => {
    await freshAccount();
    const first = { phone, laptop, userId };
    await freshAccount();
    const second = { phone, laptop, userId };
    // Each client signs in once first (as apps do), so the 40 requests below are not 40 logins.
    for (const client of [first.phone, first.laptop, second.phone, second.laptop]) assert.equal((await client.get('/api/v1/me')).status, 200);
    const requests = Array.from({ length: 40 }, (_, n) => {
      const who = n % 2 === 0 ? first : second;
      const client = n % 4 < 2 ? who.phone : who.laptop;
      return client.post('/api/v1/episodes/progress', { episode: episode(n % 3), position: n + 1, at: new Date(Date.UTC(2026, 10, 25, 9, 0, n)).toISOString() });
    });
    const answers = await Promise.all(requests);
    assert.ok(answers.every((answer) => answer.status === 200), JSON.stringify(answers.find((a) => a.status !== 200)?.body));
    // An update that arrives after a later one of the same episode is told so, with the winner.
    answers.forEach((answer, n) => {
      const sent = new Date(Date.UTC(2026, 10, 25, 9, 0, n)).toISOString();
      if (answer.body.applied) assert.equal(answer.body.state.progress.at, sent);
      else assert.ok(answer.body.state.progress.at > sent);
    });
    for (const who of [first, second]) {
      const events = await current().db.query<{ position: number; device: string }>(
        `SELECT (data->>'position')::int AS position, metadata->>'deviceId' AS device FROM events WHERE user_id = $1 AND type = 'EpisodeProgressRecorded'`,
        [who.userId],
      );
      assert.equal(events.rows.length, 20);
      // Request n came from the phone when n % 4 < 2: its position is n + 1.
      for (const row of events.rows) assert.equal(row.device, (row.position - 1) % 4 < 2 ? 'phone' : 'laptop');
      for (let e = 0; e < 3; e++) {
        const positions = events.rows.map((row) => row.position).filter((position) => (position - 1) % 3 === e);
        const state = await who.laptop.get(`/api/v1/episodes/state?feedUrl=${encodeURIComponent(FEED)}&guid=guid-${e}`);
        assert.equal(state.body.progress.position, Math.max(...positions), 'the latest client time wins');
      }
    }
  });

  it('sends all the rows one event changed in one sync page, even more than a page holds', async () => {
    await freshAccount();
    const moved = 'https://moved.example/show.xml';
    await phone.post('/api/v1/subscriptions', { feedUrl: FEED });
    for (let n = 0; n < 12; n++) await phone.post('/api/v1/episodes/progress', { episode: episode(n), position: n + 1 });
    const cursor = (await laptop.get('/api/v1/sync')).body.cursor;
    await phone.put(`/api/v1/subscriptions/${encodeFeedId(FEED)}/url`, { feedUrl: moved });
    const page = (await laptop.get(`/api/v1/sync?since=${cursor}&limit=10`)).body;
    assert.equal(page.changes.episodes.length, 12, 'the move rewrote 12 episodes: all of them come at once');
    assert.ok(page.changes.episodes.every((e: { episode: { feedUrl: string } }) => e.episode.feedUrl === moved));
    const next = (await laptop.get(`/api/v1/sync?since=${page.cursor}&limit=10`)).body;
    assert.deepEqual([next.changes.episodes.length, next.changes.subscriptions.length, next.hasMore], [0, 0, false]);
  });

  it('rebuilds to exactly the rows that were written live', async () => {
    const rows = async () => ({
      states: (await current().db.query('SELECT * FROM episode_states ORDER BY stream_id')).rows,
      seqs: (await current().db.query('SELECT * FROM episode_state_seqs ORDER BY stream_id')).rows,
    });
    const live = await rows();
    assert.ok(live.states.length >= 5);
    assert.equal(live.seqs.length, live.states.length, 'every state row has its change number');
    await rebuildProjection(current().db, server.store, episodeStatesProjector(), { batchSize: 7 });
    assert.deepEqual(await rows(), live);
  });
});

describeEachDriver('listening changes recorded all or none', (current) => {
  it('refuses a group whole when one of its changes is refused, and records the others written with it', async () => {
    const { EventStore } = await import('../store/event-store.js');
    const { PlaybackService } = await import('./playback-service.js');
    const { applicationProjectors } = await import('../app/projectors.js');
    const projectors = applicationProjectors().filter((projector) => projector.kind === 'inline');
    const store = new EventStore(current().db, { inlineProjectors: projectors });
    const playback = new PlaybackService(store);
    const count = async (userId: string) => (await current().db.query<{ n: number }>('SELECT count(*)::int AS n FROM episode_states WHERE user_id = $1', [userId])).rows[0]!.n;
    const good = (n: number) => ({ episode: episode(n), change: { kind: 'recordProgress' as const, position: n } });
    // Submitted together: one coalesced batch holds the refused group and the other request.
    const [refused, other] = await Promise.allSettled([
      playback.recordAll('group-user', [good(1), good(2), { episode: episode(3), change: { kind: 'recordProgress', position: -1 } }, good(4)]),
      playback.recordAll('other-user', [good(1), good(2)]),
    ]);
    assert.equal(refused.status, 'rejected');
    assert.equal((refused as PromiseRejectedResult).reason.code, 'invalid_position');
    assert.equal(other.status, 'fulfilled');
    assert.equal(await count('group-user'), 0);
    assert.equal(await count('other-user'), 2);
  });
});
