import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spec } from '../../test/support/specification.js';
import { DomainError, fold } from '../domain/decider.js';
import { privacyDecider, privacyStream, type PrivacyCommand, type PrivacyEvent } from './privacy-decider.js';
import { effectiveLevel, MAX_EPISODE_KEY_LENGTH, registerOf, MAX_EPISODE_OVERRIDES, MAX_PODCAST_OVERRIDES, type PrivacyLevel, type PrivacyState } from './privacy-state.js';
import { privacyOutcome, privacyView } from './privacy-view.js';

const T0 = Date.UTC(2024, 2, 1, 12, 0, 0);
const SECOND = 1000;
const RECEIVED = T0 + 3600 * SECOND;
const iso = (ms: number): string => new Date(ms).toISOString();
const FEED = 'https://example.org/rss';

const stamp = (clientTime: number, deviceId = 'phone') => ({ clientTime, receivedAt: RECEIVED, deviceId });
const setDefault = (t: number, level: PrivacyLevel, device?: string): PrivacyCommand => ({ kind: 'setDefault', level, ...stamp(t, device) });
const setPodcast = (t: number, level: PrivacyLevel | null, device?: string, feedUrl = FEED): PrivacyCommand => ({ kind: 'setPodcastLevel', feedUrl, level, ...stamp(t, device) });
const setEpisode = (t: number, episodeKey: string, level: PrivacyLevel | null, device?: string): PrivacyCommand => ({
  kind: 'setEpisodeLevel',
  feedUrl: FEED,
  episodeKey,
  level,
  ...stamp(t, device),
});

type Target = { scope: 'default' } | { scope: 'podcast'; feedUrl: string } | { scope: 'episode'; feedUrl: string; episodeKey: string };
const DEFAULT: Target = { scope: 'default' };
const PODCAST: Target = { scope: 'podcast', feedUrl: FEED };
const episode = (episodeKey: string): Target => ({ scope: 'episode', feedUrl: FEED, episodeKey });

function changed(
  target: Target,
  t: number,
  change: { level: PrivacyLevel | null; previousLevel: PrivacyLevel | null; effective: PrivacyLevel; previousEffective: PrivacyLevel; superseded?: true },
  device = 'phone',
): PrivacyEvent {
  return { type: 'PrivacyChanged', data: { ...target, ...change, at: iso(t), deviceId: device } };
}
function reaffirmed(target: Target, t: number, level: PrivacyLevel | null, device = 'phone'): PrivacyEvent {
  return { type: 'PrivacyReaffirmed', data: { ...target, level, at: iso(t), deviceId: device } };
}
const stateAfter = (events: readonly PrivacyEvent[]): PrivacyState => fold(privacyDecider, events);

const madePublic = changed(DEFAULT, T0, { level: 'public', previousLevel: 'private', effective: 'public', previousEffective: 'private' });

describe('privacy decider: the default', () => {
  it('names the stream after the user and starts private everywhere, the default not yet chosen', () => {
    assert.equal(privacyStream('u-1'), 'privacy-u-1');
    const state = privacyDecider.initialState();
    assert.equal(effectiveLevel(state, FEED), 'private');
    assert.equal(effectiveLevel(state, FEED, 'episode-1'), 'private');
    assert.deepEqual(privacyView(state), { default: { level: 'private', chosen: false }, podcasts: [], episodes: [] });
  });

  it('records a change of the default with the previous and new levels', () => {
    spec(privacyDecider).given([]).when(setDefault(T0, 'public')).then([madePublic]);
    spec(privacyDecider)
      .given([madePublic])
      .when(setDefault(T0 + SECOND, 'anonymous', 'laptop'))
      .then([changed(DEFAULT, T0 + SECOND, { level: 'anonymous', previousLevel: 'public', effective: 'anonymous', previousEffective: 'public' }, 'laptop')]);
    assert.equal(effectiveLevel(stateAfter([madePublic]), FEED, 'any'), 'public');
  });

  it('the same level again: a resend or an older one records nothing, a newer one is a reaffirmation that beats older changes', () => {
    spec(privacyDecider).given([madePublic]).when(setDefault(T0, 'public')).thenNothing();
    spec(privacyDecider).given([madePublic]).when(setDefault(T0 - SECOND, 'public', 'laptop')).thenNothing();
    spec(privacyDecider).given([madePublic]).when(setDefault(T0, 'public', 'laptop')).thenNothing();
    // The laptop confirms "private" at T0+20; the phone's "public" of T0+15 arrives after: it must lose.
    const madePrivate = changed(DEFAULT, T0 + 10 * SECOND, { level: 'private', previousLevel: 'public', effective: 'private', previousEffective: 'public' }, 'laptop');
    const confirmed = reaffirmed(DEFAULT, T0 + 20 * SECOND, 'private', 'laptop');
    spec(privacyDecider).given([madePublic, madePrivate]).when(setDefault(T0 + 20 * SECOND, 'private', 'laptop')).then([confirmed]);
    spec(privacyDecider)
      .given([madePublic, madePrivate, confirmed])
      .when(setDefault(T0 + 15 * SECOND, 'public'))
      .then([changed(DEFAULT, T0 + 15 * SECOND, { level: 'public', previousLevel: 'private', effective: 'private', previousEffective: 'private', superseded: true })]);
  });

  it('choosing private for the first time is a reaffirmation: nothing changes, but the choice now has a time', () => {
    const chosen = reaffirmed(DEFAULT, T0, 'private');
    spec(privacyDecider).given([]).when(setDefault(T0, 'private')).then([chosen]);
    assert.deepEqual(privacyView(stateAfter([chosen])).default, { level: 'private', chosen: true, at: iso(T0), deviceId: 'phone' });
    spec(privacyDecider)
      .given([chosen])
      .when(setDefault(T0 - SECOND, 'public', 'laptop'))
      .then([changed(DEFAULT, T0 - SECOND, { level: 'public', previousLevel: 'private', effective: 'private', previousEffective: 'private', superseded: true }, 'laptop')]);
  });

  it('a stale change is recorded as superseded and leaves the state as it was; a tie goes to the later arrival', () => {
    const stale = changed(DEFAULT, T0 - SECOND, { level: 'anonymous', previousLevel: 'public', effective: 'public', previousEffective: 'public', superseded: true }, 'laptop');
    spec(privacyDecider).given([madePublic]).when(setDefault(T0 - SECOND, 'anonymous', 'laptop')).then([stale]);
    assert.deepEqual(stateAfter([madePublic, stale]), stateAfter([madePublic]));
    spec(privacyDecider)
      .given([madePublic])
      .when(setDefault(T0, 'anonymous', 'laptop'))
      .then([changed(DEFAULT, T0, { level: 'anonymous', previousLevel: 'public', effective: 'anonymous', previousEffective: 'public' }, 'laptop')]);
  });

  it('clamps a client time in the future to the server time; without a device (web page) leaves the device out', () => {
    spec(privacyDecider)
      .given([])
      .when({ kind: 'setDefault', level: 'public', clientTime: Date.UTC(2031, 0, 1), receivedAt: RECEIVED })
      .then([{ type: 'PrivacyChanged', data: { scope: 'default', level: 'public', previousLevel: 'private', effective: 'public', previousEffective: 'private', at: iso(RECEIVED) } }]);
    spec(privacyDecider)
      .given([])
      .when({ kind: 'setDefault', level: 'public', receivedAt: RECEIVED })
      .then([{ type: 'PrivacyChanged', data: { scope: 'default', level: 'public', previousLevel: 'private', effective: 'public', previousEffective: 'private', at: iso(RECEIVED) } }]);
  });
});

describe('privacy decider: podcast and episode overrides', () => {
  const podcastAnonymous = changed(PODCAST, T0, { level: 'anonymous', previousLevel: null, effective: 'anonymous', previousEffective: 'private' });

  it('overrides a podcast (its feed URL normalized) and falls back to the default when cleared', () => {
    spec(privacyDecider).given([]).when(setPodcast(T0, 'anonymous', 'phone', ' HTTPS://EXAMPLE.org:443/rss#top')).then([podcastAnonymous]);
    const state = stateAfter([madePublic, podcastAnonymous]);
    assert.deepEqual([effectiveLevel(state, FEED), effectiveLevel(state, 'https://example.org/other')], ['anonymous', 'public']);
    spec(privacyDecider)
      .given([madePublic, podcastAnonymous])
      .when(setPodcast(T0 + SECOND, null))
      .then([changed(PODCAST, T0 + SECOND, { level: null, previousLevel: 'anonymous', effective: 'public', previousEffective: 'anonymous' })]);
  });

  it('remembers a cleared override, so an older change arriving late cannot bring it back', () => {
    const cleared = changed(PODCAST, T0 + 10 * SECOND, { level: null, previousLevel: 'anonymous', effective: 'private', previousEffective: 'anonymous' }, 'laptop');
    spec(privacyDecider)
      .given([podcastAnonymous, cleared])
      .when(setPodcast(T0 + 5 * SECOND, 'public'))
      .then([changed(PODCAST, T0 + 5 * SECOND, { level: 'public', previousLevel: null, effective: 'private', previousEffective: 'private', superseded: true })]);
    // Clearing an override that was never set is a reaffirmation of "none", for the same reason.
    spec(privacyDecider).given([]).when(setPodcast(T0, null)).then([reaffirmed(PODCAST, T0, null)]);
    spec(privacyDecider).given([reaffirmed(PODCAST, T0, null)]).when(setPodcast(T0, null)).thenNothing();
    assert.deepEqual(privacyView(stateAfter([podcastAnonymous, cleared])).podcasts, []);
  });

  it('overrides an episode over its podcast, and falls back to the podcast override when cleared', () => {
    const podcastPublic = changed(PODCAST, T0, { level: 'public', previousLevel: null, effective: 'public', previousEffective: 'private' });
    const episodePrivate = changed(episode('e-1'), T0 + SECOND, { level: 'private', previousLevel: null, effective: 'private', previousEffective: 'public' });
    spec(privacyDecider).given([podcastPublic]).when(setEpisode(T0 + SECOND, 'e-1', 'private')).then([episodePrivate]);
    const state = stateAfter([madePublic, podcastPublic, episodePrivate]);
    assert.deepEqual([effectiveLevel(state, FEED, 'e-1'), effectiveLevel(state, FEED, 'e-2'), effectiveLevel(state, FEED)], ['private', 'public', 'public']);
    spec(privacyDecider)
      .given([podcastPublic, episodePrivate])
      .when(setEpisode(T0 + 2 * SECOND, 'e-1', null))
      .then([changed(episode('e-1'), T0 + 2 * SECOND, { level: null, previousLevel: 'private', effective: 'public', previousEffective: 'private' })]);
    spec(privacyDecider).given([podcastPublic, episodePrivate]).when(setEpisode(T0 + SECOND, 'e-1', 'private')).thenNothing();
    spec(privacyDecider)
      .given([podcastPublic, episodePrivate])
      .when(setEpisode(T0, 'e-1', 'anonymous', 'laptop'))
      .then([changed(episode('e-1'), T0, { level: 'anonymous', previousLevel: 'private', effective: 'private', previousEffective: 'private', superseded: true }, 'laptop')]);
  });

  it('takes any episode key as data, never as a property of Object.prototype', () => {
    const keys = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
    assert.deepEqual(keys.map((key) => effectiveLevel(privacyDecider.initialState(), FEED, key)), keys.map(() => 'private'));
    const other = stateAfter([changed(episode('e-1'), T0, { level: 'public', previousLevel: null, effective: 'public', previousEffective: 'private' })]);
    assert.deepEqual(keys.map((key) => registerOf(other, episode(key))), keys.map(() => undefined), 'no register found on the prototype');
    const events = keys.flatMap((key, i) => privacyDecider.decide(setEpisode(T0 + i * SECOND, key, 'public'), privacyDecider.initialState()));
    const state = stateAfter(events);
    assert.deepEqual(keys.map((key) => effectiveLevel(state, FEED, key)), keys.map(() => 'public'));
    assert.equal(Object.getPrototypeOf(state.episodes[FEED]), Object.prototype);
    assert.deepEqual(privacyView(state).episodes.map((e) => e.episodeKey), ['__proto__', 'constructor', 'hasOwnProperty', 'toString']);
    const snapshot = JSON.parse(JSON.stringify(state)) as PrivacyState;
    assert.deepEqual(snapshot, state, 'plain JSON, read back as it was');
    assert.equal(effectiveLevel(snapshot, FEED, '__proto__'), 'public');
    assert.deepEqual(privacyDecider.decide(setEpisode(T0 + 9 * SECOND, '__proto__', 'public'), snapshot), [reaffirmed(episode('__proto__'), T0 + 9 * SECOND, 'public')]);
  });

  it('refuses unknown levels, bad feed URLs, bad episode keys and device ids (400)', () => {
    const cases: [PrivacyCommand, string][] = [
      [setDefault(T0, 'secret' as PrivacyLevel), 'invalid_privacy_level'],
      [setDefault(T0, null as unknown as PrivacyLevel), 'invalid_privacy_level'],
      [setPodcast(T0, 'Public' as PrivacyLevel), 'invalid_privacy_level'],
      [setPodcast(T0, 'public', 'phone', 'not a url'), 'invalid_feed_url'],
      [setEpisode(T0, '', 'public'), 'invalid_episode_key'],
      [setEpisode(T0, 'x'.repeat(MAX_EPISODE_KEY_LENGTH + 1), 'public'), 'invalid_episode_key'],
      [setDefault(T0, 'public', 'bad device'), 'invalid_device_id'],
    ];
    for (const [command, code] of cases) {
      assert.throws(
        () => privacyDecider.decide(command, privacyDecider.initialState()),
        (error: unknown) => error instanceof DomainError && error.code === code && error.status === 400,
        code,
      );
    }
  });
});

describe('privacy decider: limits', () => {
  const feed = (i: number) => `https://feeds.example/${i}`;

  it(`refuses a podcast override beyond ${MAX_PODCAST_OVERRIDES}, but still lets one be changed or cleared`, () => {
    const full = stateAfter(Array.from({ length: MAX_PODCAST_OVERRIDES }, (_, i) => changed({ scope: 'podcast', feedUrl: feed(i) }, T0, { level: 'public', previousLevel: null, effective: 'public', previousEffective: 'private' })));
    assert.equal(full.podcastOverrides, MAX_PODCAST_OVERRIDES);
    const next = (t: number, level: PrivacyLevel | null, feedUrl: string) => privacyDecider.decide({ kind: 'setPodcastLevel', feedUrl, level, clientTime: t, receivedAt: RECEIVED }, full);
    assert.throws(
      () => next(T0 + SECOND, 'anonymous', feed(MAX_PODCAST_OVERRIDES)),
      (error: unknown) => error instanceof DomainError && error.code === 'too_many_podcast_overrides' && error.status === 409,
    );
    assert.equal(next(T0 + SECOND, 'anonymous', feed(0)).length, 1);
    const cleared = next(T0 + SECOND, null, feed(0));
    assert.equal(cleared.length, 1);
    const after = cleared.reduce(privacyDecider.evolve, full);
    assert.equal(after.podcastOverrides, MAX_PODCAST_OVERRIDES - 1);
    assert.equal(privacyDecider.decide({ kind: 'setPodcastLevel', feedUrl: feed(MAX_PODCAST_OVERRIDES), level: 'anonymous', clientTime: T0 + SECOND, receivedAt: RECEIVED }, after).length, 1);
  });

  it(`refuses an episode override beyond ${MAX_EPISODE_OVERRIDES}, and folds that many quickly`, () => {
    const at = iso(T0);
    const events = Array.from({ length: MAX_EPISODE_OVERRIDES }, (_, i): PrivacyEvent => ({
      type: 'PrivacyChanged',
      data: { scope: 'episode', feedUrl: feed(i % 50), episodeKey: `e-${i}`, level: 'private', previousLevel: null, effective: 'private', previousEffective: 'private', at },
    }));
    const started = performance.now();
    const full = stateAfter(events);
    assert.ok(performance.now() - started < 5000, 'folding is linear, not quadratic');
    assert.equal(full.episodeOverrides, MAX_EPISODE_OVERRIDES);
    assert.throws(() => privacyDecider.decide(setEpisode(T0 + SECOND, 'one-more', 'public'), full), /at most 100000 episode privacy overrides/);
    // A stale one adds nothing: it is recorded as history, not refused.
    const withCleared = privacyDecider.evolve(full, reaffirmed({ scope: 'episode', feedUrl: FEED, episodeKey: 'gone' }, T0 + 10 * SECOND, null));
    assert.deepEqual(privacyDecider.decide(setEpisode(T0, 'gone', 'public'), withCleared), [
      changed(episode('gone'), T0, { level: 'public', previousLevel: null, effective: 'private', previousEffective: 'private', superseded: true }),
    ]);
  });
});

describe('privacy: view and outcome', () => {
  it('lists the default and the overrides in force, sorted', () => {
    const events: PrivacyEvent[] = [
      madePublic,
      changed({ scope: 'podcast', feedUrl: 'https://z.example/rss' }, T0, { level: 'private', previousLevel: null, effective: 'private', previousEffective: 'public' }),
      changed({ scope: 'podcast', feedUrl: 'https://a.example/rss' }, T0, { level: 'anonymous', previousLevel: null, effective: 'anonymous', previousEffective: 'public' }),
      changed(episode('e-1'), T0, { level: 'private', previousLevel: null, effective: 'private', previousEffective: 'public' }),
      reaffirmed({ scope: 'podcast', feedUrl: 'https://m.example/rss' }, T0, null),
    ];
    assert.deepEqual(privacyView(stateAfter(events)), {
      default: { level: 'public', chosen: true, at: iso(T0), deviceId: 'phone' },
      podcasts: [
        { feedUrl: 'https://a.example/rss', level: 'anonymous', at: iso(T0), deviceId: 'phone' },
        { feedUrl: 'https://z.example/rss', level: 'private', at: iso(T0), deviceId: 'phone' },
      ],
      episodes: [{ feedUrl: FEED, episodeKey: 'e-1', level: 'private', at: iso(T0), deviceId: 'phone' }],
    });
  });

  it('tells the device whether its change was applied, and the setting that stands', () => {
    const state = stateAfter([madePublic]);
    const answer = (command: PrivacyCommand) => {
      const before = structuredClone(state);
      const events = privacyDecider.decide(command, before);
      return privacyOutcome(command, events, events.reduce(privacyDecider.evolve, before));
    };
    assert.deepEqual(answer(setPodcast(T0, 'anonymous', 'laptop', 'HTTPS://example.org/rss')), {
      applied: true,
      setting: { scope: 'podcast', feedUrl: FEED, level: 'anonymous', effective: 'anonymous', at: iso(T0), deviceId: 'laptop' },
    });
    assert.deepEqual(answer(setDefault(T0 - SECOND, 'private', 'laptop')), { applied: false, setting: { scope: 'default', level: 'public', effective: 'public', at: iso(T0), deviceId: 'phone' } });
    assert.deepEqual(answer(setDefault(T0, 'public')).applied, true);
    assert.deepEqual(answer(setEpisode(T0, 'e-9', null)).setting, { scope: 'episode', feedUrl: FEED, episodeKey: 'e-9', level: null, effective: 'public', at: iso(T0), deviceId: 'phone' });
  });
});
