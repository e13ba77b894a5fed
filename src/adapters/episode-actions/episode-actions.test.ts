import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpError } from '../../http/errors.js';
import { listeningDecider, type ListeningState } from '../../playback/listening-decider.js';
import { formatActionTime, parseActionTime } from './action-time.js';
import { actionsOf, gpodderAction, latestAction, nextcloudAction } from './format-actions.js';
import { parseEpisodeActions } from './parse-actions.js';

const FEED = 'https://feeds.example.org/show.xml';
const at = (iso: string) => Date.parse(iso);

describe('episode action timestamps', () => {
  it('reads the forms clients send and mygpo accepts, as UTC unless a zone is given', () => {
    const cases: [unknown, string][] = [
      ['2026-03-02T08:15:05', '2026-03-02T08:15:05.000Z'],
      ['2026-03-02T08:15:05Z', '2026-03-02T08:15:05.000Z'],
      ['2026-03-02T08:15:05.123456', '2026-03-02T08:15:05.123Z'],
      ['2026-03-02 08:15:05', '2026-03-02T08:15:05.000Z'],
      ['2026-03-02T09:15:05+01:00', '2026-03-02T08:15:05.000Z'],
      ['2026-03-02T03:15:05-0500', '2026-03-02T08:15:05.000Z'],
      ['2026-03-02T10:15:05+02', '2026-03-02T08:15:05.000Z'],
      ['2026-03-02T08:15', '2026-03-02T08:15:00.000Z'],
      ['20260302T081505', '2026-03-02T08:15:05.000Z'],
      ['2026-03-02', '2026-03-02T00:00:00.000Z'],
      [1772439305, '2026-03-02T08:15:05.000Z'],
      ['1772439305', '2026-03-02T08:15:05.000Z'],
    ];
    for (const [input, expected] of cases) assert.equal(new Date(parseActionTime(input)!).toISOString(), expected, String(input));
    assert.equal(parseActionTime(undefined), undefined);
    assert.equal(parseActionTime(null), undefined);
    for (const bad of ['yesterday', '2026-02-30T00:00:00', '2026-13-01T00:00:00', '2026-03-02T25:00:00', true, {}, -5, '']) {
      assert.ok(Number.isNaN(parseActionTime(bad)), JSON.stringify(bad));
    }
  });

  it('writes exactly YYYY-MM-DDTHH:MM:SS in UTC', () => {
    assert.equal(formatActionTime('2026-03-02T08:15:05.678Z'), '2026-03-02T08:15:05');
    assert.equal(formatActionTime(at('2026-03-02T08:15:05Z')), '2026-03-02T08:15:05');
  });
});

describe('parsing episode action uploads', () => {
  const base = { podcast: FEED, episode: 'https://cdn.example.org/1.mp3', timestamp: '2026-03-02T08:00:00' };

  it('maps each action to listening changes', () => {
    const { writes, devices, updateUrls } = parseEpisodeActions([
      { ...base, action: 'play', started: 10, position: 20, total: 100, device: 'phone', guid: 'g1' },
      { ...base, action: 'PLAY', started: 0, position: 100, total: 100 },
      { ...base, action: 'play' },
      { ...base, action: 'play', started: -1, position: -1, total: -1 },
      { ...base, action: 'new' },
      { ...base, action: 'download', position: 5 },
      { ...base, action: 'delete', device: '' },
      { ...base, action: 'flattr' },
      { ...base, action: 'play', position: 5, total: 0 },
    ]);
    assert.deepEqual(
      writes.map((write) => write.change),
      [
        { kind: 'recordProgress', position: 20, started: 10, total: 100 },
        { kind: 'recordProgress', position: 100, started: 0, total: 100 },
        { kind: 'setPlayed', played: true },
        { kind: 'setPlayed', played: true },
        { kind: 'setPlayed', played: true },
        { kind: 'setPlayed', played: false },
        { kind: 'setDownload', state: 'downloaded' },
        { kind: 'setDownload', state: 'deleted' },
        { kind: 'recordProgress', position: 5 },
      ],
    );
    assert.deepEqual(writes[0], {
      episode: { feedUrl: FEED, mediaUrl: 'https://cdn.example.org/1.mp3', guid: 'g1' },
      clientTime: at('2026-03-02T08:00:00Z'),
      deviceId: 'phone',
      change: { kind: 'recordProgress', position: 20, started: 10, total: 100 },
    });
    assert.equal(writes[7]!.deviceId, undefined, 'an empty device is no device');
    assert.deepEqual([...devices], ['phone']);
    assert.deepEqual(updateUrls, []);
  });

  it('reports rewritten podcast URLs once, and skips actions on refused ones', () => {
    const { writes, updateUrls } = parseEpisodeActions([
      { ...base, podcast: 'HTTP://Feeds.Example.org/a.xml', action: 'new' },
      { ...base, podcast: 'HTTP://Feeds.Example.org/a.xml', action: 'download' },
      { ...base, podcast: 'mailto:someone@example.org', action: 'new' },
    ]);
    assert.deepEqual(updateUrls, [
      ['HTTP://Feeds.Example.org/a.xml', 'http://feeds.example.org/a.xml'],
      ['mailto:someone@example.org', ''],
    ]);
    assert.equal(writes.length, 2);
  });

  it('refuses a malformed action with a code, naming its place', () => {
    const cases: [unknown, string][] = [
      [{ ...base, action: 'listen' }, 'invalid_action_type'],
      [{ ...base, action: 'play', position: -3 }, 'invalid_position'],
      [{ ...base, action: 'play', position: 1, started: 'a' }, 'invalid_started'],
      [{ ...base, action: 'play', position: 1, total: 1e9 }, 'invalid_total'],
      [{ ...base, action: 'new', timestamp: 'soon' }, 'invalid_timestamp'],
      [{ ...base, action: 'new', guid: 12 }, 'invalid_guid'],
      [{ ...base, action: 'new', episode: 'x\u0000y' }, 'invalid_episode'],
      [{ ...base, action: 'new', device: 'a/b' }, 'invalid_device_id'],
      [{ podcast: FEED, action: 'new' }, 'missing_field'],
      [[], 'invalid_action'],
    ];
    for (const [bad, code] of cases) {
      assert.throws(
        () => parseEpisodeActions([{ ...base, action: 'new' }, bad]),
        (error: unknown) => error instanceof HttpError && error.statusCode === 400 && error.code === code && error.message.startsWith('Action 2: '),
        JSON.stringify(bad),
      );
    }
    assert.throws(() => parseEpisodeActions({}), (error: unknown) => error instanceof HttpError && error.code === 'invalid_body');
    assert.throws(() => parseEpisodeActions(new Array(1001).fill({ ...base, action: 'new' })), (error: unknown) => error instanceof HttpError && error.code === 'too_many_actions');
  });
});

describe('formatting stored state as actions', () => {
  function stateAfter(...commands: Record<string, unknown>[]): ListeningState {
    let state = listeningDecider.initialState();
    for (const command of commands) {
      const events = listeningDecider.decide({ episode: { feedUrl: FEED, mediaUrl: 'https://cdn.example.org/1.mp3', guid: 'g' }, receivedAt: at('2026-06-01T00:00:00Z'), ...command } as never, state);
      for (const event of events) state = listeningDecider.evolve(state, event);
    }
    return state;
  }

  it('gives each aspect its action, and the latest one when aggregated', () => {
    const state = stateAfter(
      { kind: 'recordProgress', position: 12.4, total: 100, clientTime: at('2026-03-02T08:00:00Z'), deviceId: 'phone' },
      { kind: 'setDownload', state: 'deleted', clientTime: at('2026-03-02T09:00:00Z') },
      { kind: 'setPlayed', played: false, clientTime: at('2026-03-02T07:00:00Z') },
      { kind: 'setSaved', saved: true },
    );
    const actions = actionsOf(state);
    assert.deepEqual(actions.map(gpodderAction), [
      { podcast: FEED, episode: 'https://cdn.example.org/1.mp3', guid: 'g', device: 'phone', action: 'play', timestamp: '2026-03-02T08:00:00', started: 0, position: 12, total: 100 },
      { podcast: FEED, episode: 'https://cdn.example.org/1.mp3', guid: 'g', action: 'new', timestamp: '2026-03-02T07:00:00' },
      { podcast: FEED, episode: 'https://cdn.example.org/1.mp3', guid: 'g', action: 'delete', timestamp: '2026-03-02T09:00:00' },
    ]);
    assert.equal(latestAction(actions)!.action, 'delete');
    const { id, ...rest } = nextcloudAction(actions[1]!, 'stream');
    assert.ok(Number.isInteger(id) && id >= 0);
    assert.deepEqual(rest, { podcast: FEED, episode: 'https://cdn.example.org/1.mp3', guid: 'g', action: 'NEW', timestamp: '2026-03-02T07:00:00', started: -1, position: -1, total: -1 });
  });

  it('shows a played mark as a play at the end, unless the progress says it already', () => {
    const finished = stateAfter(
      { kind: 'recordProgress', position: 100, total: 100, clientTime: at('2026-03-02T08:00:00Z') },
      { kind: 'setPlayed', played: true, clientTime: at('2026-03-02T08:00:00Z') },
    );
    assert.deepEqual(actionsOf(finished).map((action) => action.action), ['play']);
    const markedLater = stateAfter(
      { kind: 'recordProgress', position: 30, total: 100, clientTime: at('2026-03-02T08:00:00Z') },
      { kind: 'setPlayed', played: true, clientTime: at('2026-03-02T09:00:00Z') },
    );
    assert.deepEqual(gpodderAction(actionsOf(markedLater)[1]!), { podcast: FEED, episode: 'https://cdn.example.org/1.mp3', guid: 'g', action: 'play', timestamp: '2026-03-02T09:00:00', started: 0, position: 100, total: 100 });
    const markedOnly = stateAfter({ kind: 'setPlayed', played: true, clientTime: at('2026-03-02T09:00:00Z') });
    assert.deepEqual(gpodderAction(actionsOf(markedOnly)[0]!), { podcast: FEED, episode: 'https://cdn.example.org/1.mp3', guid: 'g', action: 'play', timestamp: '2026-03-02T09:00:00' });
  });
});
