import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spec } from '../../test/support/specification.js';
import { DomainError, fold } from '../domain/decider.js';
import { listeningDecider, MAX_SECONDS, type ListeningCommand, type ListeningEvent, type ListeningState } from './listening-decider.js';
import { episodeStateView, listeningOutcome } from './listening-view.js';

const T0 = Date.UTC(2024, 2, 1, 12, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();
const SECOND = 1000;
/** Server time of receipt in these specs, unless said otherwise: after every client time used. */
const RECEIVED = T0 + 3600 * SECOND;
const episode = { feedUrl: 'https://example.org/rss', guid: 'episode-1' };

type Options = { device?: string | null; receivedAt?: number };
function base(clientTime: number | undefined, { device = 'phone', receivedAt = RECEIVED }: Options = {}) {
  return { episode, receivedAt, ...(clientTime !== undefined ? { clientTime } : {}), ...(device !== null ? { deviceId: device } : {}) };
}
function progress(clientTime: number | undefined, position: number, extra: { started?: number; total?: number } & Options = {}): ListeningCommand {
  const { device, receivedAt, ...values } = extra;
  return { kind: 'recordProgress', ...base(clientTime, { ...(device !== undefined ? { device } : {}), ...(receivedAt !== undefined ? { receivedAt } : {}) }), position, ...values };
}
function progressed(at: number, position: number, extra: { started?: number; total?: number; device?: string | null; superseded?: true } = {}): ListeningEvent {
  const { device = 'phone', ...rest } = extra;
  return { type: 'EpisodeProgressRecorded', data: { episode, at: iso(at), ...(device !== null ? { deviceId: device } : {}), position, ...rest } };
}
function stamped(at: number, device = 'phone') {
  return { episode, at: iso(at), deviceId: device };
}
const stateAfter = (events: readonly ListeningEvent[]): ListeningState => fold(listeningDecider, events);

describe('listening decider: progress', () => {
  it('records the first position with the episode, the effective client time and the device', () => {
    spec(listeningDecider)
      .given([])
      .when(progress(T0, 120, { started: 60, total: 3600 }))
      .then([progressed(T0, 120, { started: 60, total: 3600 })]);
    // The feed URL is normalized, so every event keys the same podcast however the client spells it.
    spec(listeningDecider)
      .given([])
      .when({ ...progress(T0, 5), episode: { feedUrl: ' HTTPS://Example.ORG:443/rss#x', guid: 'episode-1' } })
      .then([progressed(T0, 5)]);
  });

  it('a later write from another device wins; an older one is recorded as superseded and moves nothing', () => {
    const first = progressed(T0 + 10 * SECOND, 300);
    spec(listeningDecider)
      .given([first])
      .when(progress(T0 + 20 * SECOND, 900, { device: 'laptop' }))
      .then([progressed(T0 + 20 * SECOND, 900, { device: 'laptop' })]);
    spec(listeningDecider)
      .given([first])
      .when(progress(T0 + 5 * SECOND, 100, { device: 'laptop' }))
      .then([progressed(T0 + 5 * SECOND, 100, { device: 'laptop', superseded: true })]);
    const after = stateAfter([first, progressed(T0 + 5 * SECOND, 100, { device: 'laptop', superseded: true })]);
    assert.deepEqual(after.progress, { position: 300, at: iso(T0 + 10 * SECOND), deviceId: 'phone' });
    assert.deepEqual(after, stateAfter([first]), 'a stale write leaves the state as it was');
  });

  it('a resend of the winner records nothing; anything else at the same time is a tie the later arrival wins', () => {
    const first = progressed(T0, 300, { total: 3600 });
    spec(listeningDecider).given([first]).when(progress(T0, 300, { total: 3600 })).thenNothing();
    spec(listeningDecider).given([first]).when(progress(T0, 310, { total: 3600 })).then([progressed(T0, 310, { total: 3600 })]);
    spec(listeningDecider).given([first]).when(progress(T0, 300)).then([progressed(T0, 300)]);
    spec(listeningDecider).given([first]).when(progress(T0, 300, { total: 3600, device: 'laptop' })).then([progressed(T0, 300, { total: 3600, device: 'laptop' })]);
    const tied = stateAfter([first, progressed(T0, 310, { device: 'laptop' })]);
    assert.deepEqual(tied.progress, { position: 310, at: iso(T0), deviceId: 'laptop' });
    // A resend of a write that has since lost is history again, never a change.
    const overtaken = [first, progressed(T0 + SECOND, 400)];
    spec(listeningDecider).given(overtaken).when(progress(T0, 300, { total: 3600 })).then([progressed(T0, 300, { total: 3600, superseded: true })]);
  });

  it('the same position said again later is recorded: it must beat an older write still on its way', () => {
    const first = progressed(T0, 300, { device: 'laptop' });
    const again = progressed(T0 + 20 * SECOND, 300, { device: 'laptop' });
    spec(listeningDecider).given([first]).when(progress(T0 + 20 * SECOND, 300, { device: 'laptop' })).then([again]);
    spec(listeningDecider)
      .given([first, again])
      .when(progress(T0 + 10 * SECOND, 50))
      .then([progressed(T0 + 10 * SECOND, 50, { superseded: true })]);
  });

  it('clamps a client time in the future to the server time, so a broken clock cannot win forever', () => {
    const received = T0 + 60 * SECOND;
    spec(listeningDecider)
      .given([])
      .when(progress(Date.UTC(2031, 0, 1), 500, { receivedAt: received }))
      .then([progressed(received, 500)]);
    // Another device's real, later time beats it.
    spec(listeningDecider)
      .given([progressed(received, 500)])
      .when(progress(T0 + 90 * SECOND, 40, { device: 'laptop', receivedAt: T0 + 100 * SECOND }))
      .then([progressed(T0 + 90 * SECOND, 40, { device: 'laptop' })]);
  });

  it('uses the server time when the client gives none, or one before 2000 (a device with a broken clock)', () => {
    spec(listeningDecider).given([]).when(progress(undefined, 10)).then([progressed(RECEIVED, 10)]);
    spec(listeningDecider).given([]).when(progress(Date.UTC(1999, 11, 31), 10)).then([progressed(RECEIVED, 10)]);
    spec(listeningDecider).given([]).when(progress(Number.NaN, 10)).then([progressed(RECEIVED, 10)]);
  });

  it('leaves out the device when the change came from the web page', () => {
    spec(listeningDecider).given([]).when(progress(T0, 10, { device: null })).then([progressed(T0, 10, { device: null })]);
    assert.deepEqual(stateAfter([progressed(T0, 10, { device: null })]).progress, { position: 10, at: iso(T0) });
  });

  it('keeps seconds to the millisecond, and accepts seeking back and positions past a wrong duration', () => {
    spec(listeningDecider).given([]).when(progress(T0, 12.3456789, { started: 0.1 + 0.2 })).then([progressed(T0, 12.346, { started: 0.3 })]);
    spec(listeningDecider).given([]).when(progress(T0, 30, { started: 600 })).then([progressed(T0, 30, { started: 600 })]);
    spec(listeningDecider).given([]).when(progress(T0, 4000, { total: 3600 })).then([progressed(T0, 4000, { total: 3600 })]);
    spec(listeningDecider).given([]).when(progress(T0, -0, { started: 0 })).then([progressed(T0, 0, { started: 0 })]);
    spec(listeningDecider).given([]).when(progress(T0, MAX_SECONDS, { total: MAX_SECONDS })).then([progressed(T0, MAX_SECONDS, { total: MAX_SECONDS })]);
  });

  it('refuses positions, starts and durations that are not seconds from 0 to 10,000,000 (400, with a code)', () => {
    const cases: [ListeningCommand, string][] = [
      [progress(T0, -1), 'invalid_position'],
      [progress(T0, Number.NaN), 'invalid_position'],
      [progress(T0, Number.POSITIVE_INFINITY), 'invalid_position'],
      [progress(T0, MAX_SECONDS + 1), 'invalid_position'],
      [progress(T0, '12' as unknown as number), 'invalid_position'],
      [progress(T0, 10, { started: -5 }), 'invalid_started'],
      [progress(T0, 10, { started: Number.NaN }), 'invalid_started'],
      [progress(T0, 10, { total: 0 }), 'invalid_total'],
      [progress(T0, 10, { total: 0.0001 }), 'invalid_total'],
      [progress(T0, 10, { total: -3600 }), 'invalid_total'],
      [progress(T0, 10, { total: MAX_SECONDS + 1 }), 'invalid_total'],
    ];
    for (const [command, code] of cases) {
      assert.throws(
        () => listeningDecider.decide(command, listeningDecider.initialState()),
        (error: unknown) => error instanceof DomainError && error.code === code && error.status === 400,
        `${code}: ${JSON.stringify(command)}`,
      );
    }
    spec(listeningDecider).given([]).when(progress(T0, 10, { device: 'not a device id' })).thenThrows(DomainError, /Device ids/);
  });
});

describe('listening decider: played, download, saved, shares', () => {
  const setPlayed = (clientTime: number, played: boolean, device = 'phone'): Extract<ListeningCommand, { kind: 'setPlayed' }> => ({ kind: 'setPlayed', ...base(clientTime, { device }), played });
  const playedEvent = (at: number, played: boolean, device = 'phone', superseded?: true): ListeningEvent => ({
    type: 'EpisodePlayedStateRecorded',
    data: { ...stamped(at, device), played, ...(superseded ? { superseded } : {}) },
  });

  it('marks played and unplayed with the same last-writer-wins rules', () => {
    spec(listeningDecider).given([]).when(setPlayed(T0, true)).then([playedEvent(T0, true)]);
    spec(listeningDecider).given([playedEvent(T0, true)]).when(setPlayed(T0, true)).thenNothing();
    spec(listeningDecider).given([playedEvent(T0, true)]).when(setPlayed(T0 + SECOND, false, 'laptop')).then([playedEvent(T0 + SECOND, false, 'laptop')]);
    spec(listeningDecider).given([playedEvent(T0, true)]).when(setPlayed(T0 - SECOND, false, 'laptop')).then([playedEvent(T0 - SECOND, false, 'laptop', true)]);
    spec(listeningDecider).given([playedEvent(T0, true)]).when(setPlayed(T0 + SECOND, true, 'laptop')).then([playedEvent(T0 + SECOND, true, 'laptop')]);
    assert.deepEqual(stateAfter([playedEvent(T0, true), playedEvent(T0 - SECOND, false, 'laptop', true)]).played, { played: true, at: iso(T0), deviceId: 'phone' });
    spec(listeningDecider)
      .given([])
      .when({ ...setPlayed(T0, true), played: 'yes' as unknown as boolean })
      .thenThrows(DomainError, /Played is true or false/);
  });

  it('records downloads and deletions', () => {
    const download = (clientTime: number, state: 'downloaded' | 'deleted'): ListeningCommand => ({ kind: 'setDownload', ...base(clientTime), state });
    const downloaded: ListeningEvent = { type: 'EpisodeDownloadStateRecorded', data: { ...stamped(T0), state: 'downloaded' } };
    spec(listeningDecider).given([]).when(download(T0, 'downloaded')).then([downloaded]);
    spec(listeningDecider).given([downloaded]).when(download(T0, 'downloaded')).thenNothing();
    spec(listeningDecider)
      .given([downloaded])
      .when(download(T0 + SECOND, 'deleted'))
      .then([{ type: 'EpisodeDownloadStateRecorded', data: { ...stamped(T0 + SECOND), state: 'deleted' } }]);
    spec(listeningDecider)
      .given([downloaded])
      .when(download(T0 - SECOND, 'deleted'))
      .then([{ type: 'EpisodeDownloadStateRecorded', data: { ...stamped(T0 - SECOND), state: 'deleted', superseded: true } }]);
    spec(listeningDecider)
      .given([])
      .when(download(T0, 'streamed' as 'deleted'))
      .thenThrows(DomainError, /download state/);
  });

  it('saves and unsaves', () => {
    const save = (clientTime: number, saved: boolean): Extract<ListeningCommand, { kind: 'setSaved' }> => ({ kind: 'setSaved', ...base(clientTime), saved });
    const saved: ListeningEvent = { type: 'EpisodeSavedStateRecorded', data: { ...stamped(T0), saved: true } };
    spec(listeningDecider).given([]).when(save(T0, true)).then([saved]);
    spec(listeningDecider).given([saved]).when(save(T0, true)).thenNothing();
    spec(listeningDecider)
      .given([saved])
      .when(save(T0 + SECOND, false))
      .then([{ type: 'EpisodeSavedStateRecorded', data: { ...stamped(T0 + SECOND), saved: false } }]);
    spec(listeningDecider)
      .given([saved])
      .when(save(T0 - SECOND, false))
      .then([{ type: 'EpisodeSavedStateRecorded', data: { ...stamped(T0 - SECOND), saved: false, superseded: true } }]);
    spec(listeningDecider)
      .given([])
      .when({ ...save(T0, true), saved: 1 as unknown as boolean })
      .thenThrows(DomainError, /Saved is true or false/);
  });

  it('counts shares, keeps the latest, never calls one stale, and drops only a resend of the latest', () => {
    const share = (clientTime: number, device = 'phone'): ListeningCommand => ({ kind: 'share', ...base(clientTime, { device }) });
    const shared = (at: number, device = 'phone'): ListeningEvent => ({ type: 'EpisodeShared', data: stamped(at, device) });
    spec(listeningDecider).given([]).when(share(T0)).then([shared(T0)]);
    spec(listeningDecider).given([shared(T0)]).when(share(T0)).thenNothing();
    spec(listeningDecider).given([shared(T0)]).when(share(T0, 'laptop')).then([shared(T0, 'laptop')]);
    spec(listeningDecider).given([shared(T0)]).when(share(T0 - SECOND)).then([shared(T0 - SECOND)]);
    assert.deepEqual(stateAfter([shared(T0), shared(T0 - SECOND, 'laptop')]).shares, { count: 2, lastAt: iso(T0), lastDeviceId: 'phone' });
    assert.deepEqual(stateAfter([shared(T0 - SECOND, 'laptop'), shared(T0)]).shares, { count: 2, lastAt: iso(T0), lastDeviceId: 'phone' });
  });

  it('keeps each aspect apart: a newer write of one does not make an older write of another stale', () => {
    const events: ListeningEvent[] = [progressed(T0 + 50 * SECOND, 100), playedEvent(T0 + 60 * SECOND, true)];
    spec(listeningDecider).given(events).when(setPlayed(T0 + 70 * SECOND, false)).then([playedEvent(T0 + 70 * SECOND, false)]);
    spec(listeningDecider).given(events).when(progress(T0 + 55 * SECOND, 200)).then([progressed(T0 + 55 * SECOND, 200)]);
  });
});

describe('listening decider: episode identity', () => {
  it('refuses a bad feed URL and an episode with neither guid nor media URL', () => {
    spec(listeningDecider)
      .given([])
      .when({ ...progress(T0, 1), episode: { feedUrl: 'ftp://example.org/rss', guid: 'g' } })
      .thenThrows(DomainError, /feed URL/);
    spec(listeningDecider)
      .given([])
      .when({ ...progress(T0, 1), episode: { feedUrl: 'https://example.org/rss' } })
      .thenThrows(DomainError, /GUID or its media URL/);
    spec(listeningDecider)
      .given([])
      .when({ ...progress(T0, 1), episode: { feedUrl: 'https://example.org/rss', guid: '  ' } })
      .thenThrows(DomainError, /non-empty/);
    spec(listeningDecider)
      .given([])
      .when({ ...progress(T0, 1), episode: { feedUrl: 'https://example.org/rss', mediaUrl: `https://cdn.example.org/${'a'.repeat(2048)}` } })
      .thenThrows(DomainError, /at most 2048/);
  });

  it('refuses a command about another episode than the stream is about (409)', () => {
    const first = progressed(T0, 10);
    for (const other of [
      { feedUrl: 'https://example.org/other', guid: 'episode-1' },
      { feedUrl: 'https://example.org/rss', guid: 'episode-2' },
    ]) {
      assert.throws(
        () => listeningDecider.decide({ ...progress(T0 + SECOND, 20), episode: other }, stateAfter([first])),
        (error: unknown) => error instanceof DomainError && error.code === 'episode_mismatch' && error.status === 409,
      );
    }
    const byMedia: ListeningEvent = { type: 'EpisodeProgressRecorded', data: { episode: { feedUrl: episode.feedUrl, mediaUrl: 'https://cdn.example.org/1.mp3' }, at: iso(T0), position: 1 } };
    spec(listeningDecider)
      .given([byMedia])
      .when({ ...progress(T0 + SECOND, 2), episode: { feedUrl: episode.feedUrl, mediaUrl: 'https://cdn.example.org/2.mp3' } })
      .thenThrows(DomainError, /another episode/);
  });

  it('completes what the stream knows (a guid learned after the media URL) and keeps what it knew first', () => {
    const byMedia: ListeningEvent = { type: 'EpisodeProgressRecorded', data: { episode: { feedUrl: episode.feedUrl, mediaUrl: 'https://cdn.example.org/1.mp3' }, at: iso(T0), position: 1 } };
    const full = { feedUrl: episode.feedUrl, guid: 'episode-1', mediaUrl: 'https://cdn.example.org/1.mp3' };
    spec(listeningDecider)
      .given([byMedia])
      .when({ ...progress(T0 + SECOND, 2), episode: { feedUrl: episode.feedUrl, guid: 'episode-1', mediaUrl: 'https://tracker.example/1.mp3' } })
      .then([{ type: 'EpisodeProgressRecorded', data: { episode: full, at: iso(T0 + SECOND), deviceId: 'phone', position: 2 } }]);
    const after = stateAfter([byMedia, { type: 'EpisodeProgressRecorded', data: { episode: full, at: iso(T0 + SECOND), position: 2 } }]);
    assert.deepEqual(after.episode, full);
  });
});

describe('listening state: view, outcome, snapshot', () => {
  const history: ListeningEvent[] = [
    progressed(T0, 100, { total: 3600 }),
    { type: 'EpisodeSavedStateRecorded', data: { ...stamped(T0 + 5 * SECOND, 'laptop'), saved: true } },
    { type: 'EpisodeShared', data: stamped(T0 + 2 * SECOND) },
  ];

  it('shows the winning values with their times, in progress until played', () => {
    const view = episodeStateView(stateAfter(history));
    assert.deepEqual(view, {
      episode,
      progress: { position: 100, total: 3600, at: iso(T0), deviceId: 'phone' },
      saved: { saved: true, at: iso(T0 + 5 * SECOND), deviceId: 'laptop' },
      shares: { count: 1, lastAt: iso(T0 + 2 * SECOND), lastDeviceId: 'phone' },
      inProgress: true,
      finished: false,
      updatedAt: iso(T0 + 5 * SECOND),
    });
    const played = stateAfter([...history, { type: 'EpisodePlayedStateRecorded', data: { ...stamped(T0 + 9 * SECOND), played: true } }]);
    assert.deepEqual([episodeStateView(played).inProgress, episodeStateView(played).finished, episodeStateView(played).updatedAt], [false, true, iso(T0 + 9 * SECOND)]);
    assert.equal(episodeStateView(stateAfter([progressed(T0, 0)])).inProgress, false, 'position 0 is not started');
    assert.deepEqual(episodeStateView(listeningDecider.initialState()), { shares: { count: 0 }, inProgress: false, finished: false });
  });

  it('tells the device whether its write was applied, and the winning state either way', () => {
    const state = stateAfter(history);
    const answer = (command: ListeningCommand) => {
      const events = listeningDecider.decide(command, state);
      return listeningOutcome(events, events.reduce(listeningDecider.evolve, state));
    };
    const won = answer(progress(T0 + 10 * SECOND, 200, { device: 'laptop' }));
    assert.deepEqual([won.applied, won.state.progress?.position, won.state.progress?.deviceId], [true, 200, 'laptop']);
    const lost = answer(progress(T0 - 10 * SECOND, 50, { device: 'laptop' }));
    assert.deepEqual([lost.applied, lost.state.progress?.position, lost.state.progress?.deviceId], [false, 100, 'phone']);
    const resent = answer(progress(T0, 100, { total: 3600 }));
    assert.deepEqual([resent.applied, resent.state.progress?.position], [true, 100]);
  });

  it('is plain JSON: a snapshot read back decides and evolves like the folded state', () => {
    const state = stateAfter([...history, progressed(T0 - SECOND, 1, { superseded: true, device: null })]);
    const snapshot = JSON.parse(JSON.stringify(state)) as ListeningState;
    assert.deepEqual(snapshot, state);
    for (const command of [progress(T0 + SECOND, 7), progress(T0 - SECOND, 7), progress(T0, 100, { total: 3600 })]) {
      const decided = listeningDecider.decide(command, snapshot);
      assert.deepEqual(decided, listeningDecider.decide(command, state));
      assert.deepEqual(decided.reduce(listeningDecider.evolve, snapshot), decided.reduce(listeningDecider.evolve, state));
    }
  });
});
