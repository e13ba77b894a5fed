import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fold } from '../domain/decider.js';
import { privacyDecider, targetOf, type PrivacyCommand, type PrivacyEvent } from './privacy-decider.js';
import { effectiveAt, effectiveLevel, type PrivacyLevel, type PrivacyState, type PrivacyTarget } from './privacy-state.js';

/**
 * Convergence: privacy changes from three devices, each with its own client time, resent now
 * and then, reach the server in any order and leave the same settings: for each one, what the
 * latest change said. Along the way every event tells the truth about the level it replaced.
 */
const T0 = Date.UTC(2024, 2, 1);
const SPAN = 1_000_000;
const DEVICES = ['phone', 'laptop', 'tablet'] as const;
/** Two spellings of one feed, and another feed. */
const FEEDS = ['https://example.org/a', 'HTTPS://Example.ORG:443/a', 'https://example.org/b'] as const;
const NORMALIZED = ['https://example.org/a', 'https://example.org/b'] as const;
const KEYS = ['e-1', '__proto__'] as const;

type Body =
  | { kind: 'setDefault'; level: PrivacyLevel }
  | { kind: 'setPodcastLevel'; feedUrl: string; level: PrivacyLevel | null }
  | { kind: 'setEpisodeLevel'; feedUrl: string; episodeKey: string; level: PrivacyLevel | null };
interface Write {
  offset: number;
  device: string;
  body: Body;
}

const level = fc.constantFrom<PrivacyLevel>('public', 'anonymous', 'private');
const override = fc.option(level, { nil: null, freq: 4 });
const body: fc.Arbitrary<Body> = fc.oneof(
  fc.record({ kind: fc.constant('setDefault' as const), level }),
  fc.record({ kind: fc.constant('setPodcastLevel' as const), feedUrl: fc.constantFrom(...FEEDS), level: override }),
  fc.record({ kind: fc.constant('setEpisodeLevel' as const), feedUrl: fc.constantFrom(...FEEDS), episodeKey: fc.constantFrom(...KEYS), level: override }),
);
const write: fc.Arbitrary<Write> = fc.record({ offset: fc.integer({ min: 0, max: SPAN }), device: fc.constantFrom(...DEVICES), body });

const scenario = fc
  .tuple(fc.uniqueArray(write, { selector: (w) => w.offset, minLength: 1, maxLength: 30 }), fc.array(fc.nat(), { maxLength: 6 }))
  .chain(([writes, resent]) => {
    const all = [...writes, ...resent.map((i) => writes[i % writes.length]!)];
    const order = fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
    return fc.record({ writes: fc.constant(writes), first: order, second: order, foldKeys: fc.array(fc.integer(), { minLength: all.length, maxLength: all.length }) });
  });

const TARGETS: PrivacyTarget[] = [
  { scope: 'default' },
  ...NORMALIZED.map((feedUrl): PrivacyTarget => ({ scope: 'podcast', feedUrl })),
  ...NORMALIZED.flatMap((feedUrl) => KEYS.map((episodeKey): PrivacyTarget => ({ scope: 'episode', feedUrl, episodeKey }))),
];
const sameTarget = (a: PrivacyTarget, b: PrivacyTarget) => JSON.stringify(a) === JSON.stringify(b);

function command(w: Write, arrival: number): PrivacyCommand {
  return { ...w.body, clientTime: T0 + w.offset, receivedAt: T0 + 2 * SPAN + arrival * 1000, deviceId: w.device };
}

function arrive(order: readonly Write[]): { state: PrivacyState; events: PrivacyEvent[] } {
  let state = privacyDecider.initialState();
  const events: PrivacyEvent[] = [];
  order.forEach((w, arrival) => {
    for (const event of privacyDecider.decide(command(w, arrival), state)) {
      const before = structuredClone(state);
      state = privacyDecider.evolve(state, event);
      const target = targetOf(command(w, arrival));
      if (event.type === 'PrivacyReaffirmed' || event.data.superseded) {
        for (const t of TARGETS) assert.equal(effectiveAt(state, t), effectiveAt(before, t), 'a reaffirmation or a superseded change moves no level');
      }
      if (event.type === 'PrivacyChanged') {
        assert.equal(event.data.previousEffective, effectiveAt(before, target), 'previousEffective is the level replaced');
        assert.equal(event.data.effective, effectiveAt(state, target), 'effective is the level now in force');
        if (event.data.superseded) assert.deepEqual(state, before, 'a superseded change leaves the state as it was');
      }
      assert.deepEqual(JSON.parse(JSON.stringify(state)), state, 'the state stays plain JSON');
      events.push(event);
    }
  });
  return { state, events };
}

/** The level each setting must end at: what its latest change said. */
function expectedLevels(writes: readonly Write[]): PrivacyLevel[] {
  const latestFor = (target: PrivacyTarget) =>
    writes
      .filter((w) => sameTarget(targetOf(command(w, 0)), target))
      .sort((a, b) => b.offset - a.offset)[0]?.body.level ?? null;
  const defaultLevel = latestFor({ scope: 'default' }) ?? 'private';
  return NORMALIZED.flatMap((feedUrl) => {
    const podcast = latestFor({ scope: 'podcast', feedUrl }) ?? defaultLevel;
    return [podcast, ...KEYS.map((episodeKey) => latestFor({ scope: 'episode', feedUrl, episodeKey }) ?? podcast)];
  });
}

const levelsOf = (state: PrivacyState): PrivacyLevel[] => NORMALIZED.flatMap((feedUrl) => [effectiveLevel(state, feedUrl), ...KEYS.map((key) => effectiveLevel(state, feedUrl, key))]);

describe('privacy convergence (property)', () => {
  it('any arrival order of the same changes gives the same settings: the latest change of each', () => {
    fc.assert(
      fc.property(scenario, ({ writes, first, second, foldKeys }) => {
        const a = arrive(first);
        const b = arrive(second);
        assert.deepEqual(b.state, a.state);
        assert.deepEqual(levelsOf(a.state), expectedLevels(writes));
        // Evolve alone is order-free too: the recorded events folded in another order.
        const shuffled = a.events.map((event, i) => ({ event, key: foldKeys[i] ?? 0 })).sort((x, y) => x.key - y.key).map(({ event }) => event);
        assert.deepEqual(fold(privacyDecider, shuffled), a.state);
      }),
      { numRuns: 300 },
    );
  });
});
