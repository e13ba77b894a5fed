import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fold } from '../domain/decider.js';
import { listeningDecider, type ListeningCommand, type ListeningEvent, type ListeningState } from './listening-decider.js';
import { episodeStateView, isSuperseded } from './listening-view.js';

/**
 * Convergence: writes from three devices, each with its own client time, reach the server in
 * any order (each arrival decided against the state so far, then folded in, as the server does)
 * and leave the same listening state, which is what the latest write of each aspect said.
 */
const T0 = Date.UTC(2024, 2, 1);
const SPAN = 1_000_000;
const DEVICES = ['phone', 'laptop', 'tablet'] as const;
const episode = { feedUrl: 'https://example.org/rss', guid: 'episode-1' };

type Body =
  | { kind: 'recordProgress'; position: number; started?: number; total?: number }
  | { kind: 'setPlayed'; played: boolean }
  | { kind: 'setDownload'; state: 'downloaded' | 'deleted' }
  | { kind: 'setSaved'; saved: boolean }
  | { kind: 'share' };
interface Write {
  offset: number;
  device: (typeof DEVICES)[number];
  body: Body;
}

const seconds = fc.integer({ min: 0, max: 7200 });
const body: fc.Arbitrary<Body> = fc.oneof(
  fc.record({ kind: fc.constant('recordProgress' as const), position: seconds, started: seconds, total: fc.integer({ min: 1, max: 7200 }) }, { requiredKeys: ['kind', 'position'] }),
  fc.record({ kind: fc.constant('setPlayed' as const), played: fc.boolean() }),
  fc.record({ kind: fc.constant('setDownload' as const), state: fc.constantFrom('downloaded' as const, 'deleted' as const) }),
  fc.record({ kind: fc.constant('setSaved' as const), saved: fc.boolean() }),
  fc.record({ kind: fc.constant('share' as const) }),
);
const write: fc.Arbitrary<Write> = fc.record({ offset: fc.integer({ min: 0, max: SPAN }), device: fc.constantFrom(...DEVICES), body });

/** Distinct client times; some writes sent twice (a device retrying); two arrival orders. */
const scenario = fc
  .tuple(fc.uniqueArray(write, { selector: (w) => w.offset, minLength: 1, maxLength: 30 }), fc.array(fc.nat(), { maxLength: 6 }))
  .chain(([writes, retried]) => {
    // A resent share is dropped only when it is the latest one (see the decider), so shares are not resent here.
    const resent = retried.map((i) => writes[i % writes.length]!).filter((w) => w.body.kind !== 'share');
    const all = [...writes, ...resent];
    const order = fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
    return fc.record({ writes: fc.constant(writes), first: order, second: order, foldKeys: fc.array(fc.integer(), { minLength: all.length, maxLength: all.length }) });
  });

function command(w: Write, arrival: number): ListeningCommand {
  // Arrivals come after every client time: no clamping, so each write's time is its own.
  return { ...w.body, episode, clientTime: T0 + w.offset, receivedAt: T0 + 2 * SPAN + arrival * 1000, deviceId: w.device } as ListeningCommand;
}

function arrive(order: readonly Write[]): { state: ListeningState; events: ListeningEvent[] } {
  let state = listeningDecider.initialState();
  const events: ListeningEvent[] = [];
  order.forEach((w, arrival) => {
    for (const event of listeningDecider.decide(command(w, arrival), state)) {
      const next = listeningDecider.evolve(state, event);
      if (isSuperseded(event)) assert.deepEqual(next, state, 'a superseded write leaves the state as it was');
      assert.deepEqual(JSON.parse(JSON.stringify(next)), next, 'the state stays plain JSON');
      events.push(event);
      state = next;
    }
  });
  return { state, events };
}

/** What the state must be: per aspect, the write with the latest client time. */
function expectedView(writes: readonly Write[]) {
  const latest = (kind: Body['kind']) => writes.filter((w) => w.body.kind === kind).sort((a, b) => b.offset - a.offset)[0];
  const stamp = (w: Write) => ({ at: new Date(T0 + w.offset).toISOString(), deviceId: w.device });
  const progress = latest('recordProgress');
  const played = latest('setPlayed');
  const download = latest('setDownload');
  const saved = latest('setSaved');
  const shares = writes.filter((w) => w.body.kind === 'share');
  const lastShare = latest('share');
  const strip = ({ kind: _kind, ...values }: Body) => values;
  return {
    progress: progress && { ...strip(progress.body), ...stamp(progress) },
    played: played && { ...strip(played.body), ...stamp(played) },
    download: download && { ...strip(download.body), ...stamp(download) },
    saved: saved && { ...strip(saved.body), ...stamp(saved) },
    shares: { count: shares.length, ...(lastShare ? { lastAt: stamp(lastShare).at, lastDeviceId: lastShare.device } : {}) },
  };
}

describe('listening state convergence (property)', () => {
  it('any arrival order of the same writes gives the same state: the latest write of each aspect', () => {
    fc.assert(
      fc.property(scenario, ({ writes, first, second, foldKeys }) => {
        const a = arrive(first);
        const b = arrive(second);
        const view = episodeStateView(a.state);
        assert.deepEqual(episodeStateView(b.state), view);
        const { progress, played, download, saved, shares } = view;
        const actual = { progress, played, download, saved, shares };
        assert.deepEqual(JSON.parse(JSON.stringify(actual)), JSON.parse(JSON.stringify(expectedView(writes))));
        // Evolve alone is order-free too: the recorded events folded in another order (merging streams).
        const shuffled = a.events.map((event, i) => ({ event, key: foldKeys[i] ?? 0 })).sort((x, y) => x.key - y.key).map(({ event }) => event);
        assert.deepEqual(episodeStateView(fold(listeningDecider, shuffled)), view);
      }),
      { numRuns: 300 },
    );
  });
});
