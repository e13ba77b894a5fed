import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DomainError } from '../domain/decider.js';
import {
  playlistDecider,
  playlistView,
  sameEpisode,
  type EpisodeRef,
  type PlaylistCommand,
  type PlaylistEvent,
  type PlaylistItemView,
  type PlaylistState,
  type PlaylistView,
} from './playlist-decider.js';

/**
 * The property: commands from several devices, made at distinct times, applied in ANY
 * order of arrival, give the same playlist, and that playlist is the one obtained by applying
 * them in the order they were made (a plain model, below, written without the decider's log).
 */
const userId = 'user-1';
const playlistId = 'shared';
const FEED = 'https://example.org/feed.xml';
const T0 = Date.UTC(2024, 5, 1);
const ARRIVAL = T0 + 86_400_000; // every change arrives after all were made: client times are never clamped
const DEVICES = ['phone', 'tablet', 'watch'] as const;

type Step =
  | { device: number; kind: 'add'; episode: number; form: 'guid' | 'media' | 'both'; index?: number }
  | { device: number; kind: 'remove'; pick: number }
  | { device: number; kind: 'move'; pick: number; toIndex: number }
  | { device: number; kind: 'rename'; name: number }
  | { device: number; kind: 'describe'; text: number }
  | { device: number; kind: 'setVisibility'; visibility: 'public' | 'private' };

const device = fc.nat(DEVICES.length - 1);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ device, kind: fc.constant('add' as const), episode: fc.nat(9), form: fc.constantFrom('guid' as const, 'media' as const, 'both' as const), index: fc.option(fc.nat(6), { nil: undefined }) }, { requiredKeys: ['device', 'kind', 'episode', 'form'] }) },
  { weight: 2, arbitrary: fc.record({ device, kind: fc.constant('remove' as const), pick: fc.nat(50) }) },
  { weight: 4, arbitrary: fc.record({ device, kind: fc.constant('move' as const), pick: fc.nat(50), toIndex: fc.nat(6) }) },
  { weight: 1, arbitrary: fc.record({ device, kind: fc.constant('rename' as const), name: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ device, kind: fc.constant('describe' as const), text: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ device, kind: fc.constant('setVisibility' as const), visibility: fc.constantFrom('public' as const, 'private' as const) }) },
);

function episodeRef(n: number, form: 'guid' | 'media' | 'both'): EpisodeRef {
  const media = `https://cdn.example.org/${n}.mp3`;
  return form === 'guid' ? { feedUrl: FEED, guid: `g${n}` } : form === 'media' ? { feedUrl: FEED, mediaUrl: media } : { feedUrl: FEED, guid: `g${n}`, mediaUrl: media };
}

/**
 * Commands in the order they were made (step i at T0 + i s). A device only refers to items added
 * before (it saw them), plus now and then an id nobody added.
 */
function commands(steps: readonly Step[]): PlaylistCommand[] {
  const made: string[] = [];
  return steps.map((s, i) => {
    const base = { userId, playlistId, receivedAt: ARRIVAL, clientTime: T0 + (i + 1) * 1000, deviceId: DEVICES[s.device]! };
    const pickItem = (pick: number) => (pick % 7 === 6 || made.length === 0 ? `ghost-${pick}` : made[pick % made.length]!);
    switch (s.kind) {
      case 'add': {
        const itemId = `${DEVICES[s.device]}-${i}`;
        made.push(itemId);
        return { ...base, kind: 'addEpisode', itemId, episode: episodeRef(s.episode, s.form), ...(s.index === undefined ? {} : { index: s.index }) };
      }
      case 'remove':
        return { ...base, kind: 'removeEpisode', itemId: pickItem(s.pick) };
      case 'move':
        return { ...base, kind: 'moveEpisode', itemId: pickItem(s.pick), toIndex: s.toIndex };
      case 'rename':
        return { ...base, kind: 'rename', name: `Name ${s.name}` };
      case 'describe':
        return { ...base, kind: 'describe', description: `About ${s.text}` };
      case 'setVisibility':
        return { ...base, kind: 'setVisibility', visibility: s.visibility };
    }
  });
}

const create: PlaylistCommand = { userId, playlistId, receivedAt: T0, kind: 'create', name: 'Start' };

/** The reference: commands applied one by one in the order they were made, on a plain array. */
function model(inTimeOrder: readonly PlaylistCommand[]): Omit<PlaylistView, 'createdAt'> {
  const items: PlaylistItemView[] = [];
  const aliases = new Map<string, string>();
  let name = 'Start';
  let description = '';
  let visibility: 'public' | 'private' = 'private';
  for (const c of inTimeOrder) {
    const at = new Date(c.clientTime!).toISOString();
    const find = (itemId: string) => items.findIndex((item) => item.itemId === (aliases.get(itemId) ?? itemId));
    if (c.kind === 'rename') name = c.name;
    else if (c.kind === 'describe') description = c.description;
    else if (c.kind === 'setVisibility') visibility = c.visibility;
    else if (c.kind === 'addEpisode') {
      const same = items.find((item) => sameEpisode(item.episode, c.episode));
      if (same) aliases.set(c.itemId, same.itemId);
      else items.splice(Math.min(c.index ?? items.length, items.length), 0, { itemId: c.itemId, episode: c.episode, addedAt: at });
    } else if (c.kind === 'removeEpisode' || c.kind === 'moveEpisode') {
      const from = find(c.itemId);
      if (from < 0) continue;
      const [item] = items.splice(from, 1);
      if (c.kind === 'moveEpisode') items.splice(Math.min(c.toIndex, items.length), 0, item!);
    }
  }
  return { playlistId, userId, name, description, visibility, deleted: false, items };
}

interface Outcome {
  state: PlaylistState;
  events: PlaylistEvent[];
  refused: DomainError[];
}

/** The server's side: each command decided against what has arrived before it. */
function arrive(arrival: readonly PlaylistCommand[]): Outcome {
  let state = playlistDecider.initialState();
  const events: PlaylistEvent[] = [];
  const refused: DomainError[] = [];
  for (const [position, next] of [create, ...arrival].entries()) {
    try {
      for (const event of playlistDecider.decide({ ...next, receivedAt: next.receivedAt + position }, state)) {
        events.push(event);
        state = playlistDecider.evolve(state, event);
      }
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      refused.push(error);
    }
  }
  return { state, events, refused };
}

/** A projection's side: the rows rebuilt from the events' changes alone. */
function projectedItems(events: readonly PlaylistEvent[]): PlaylistItemView[] {
  const rows: PlaylistItemView[] = [];
  for (const event of events) {
    if (!('changes' in event.data)) continue;
    for (const change of event.data.changes) {
      if (change.kind === 'inserted') rows.splice(change.index, 0, { itemId: change.itemId, episode: change.episode, addedAt: change.addedAt });
      else {
        assert.equal(rows[change.fromIndex]?.itemId, change.itemId, 'a change names the row at its index');
        const [row] = rows.splice(change.fromIndex, 1);
        if (change.kind === 'moved') rows.splice(change.toIndex, 0, row!);
      }
    }
  }
  return rows;
}

const withoutCreation = (view: PlaylistView | undefined) => {
  const { createdAt, ...rest } = view!;
  return rest;
};

const scenario = fc.array(step, { minLength: 1, maxLength: 50, size: 'max' }).chain((steps) => {
  const made = commands(steps);
  const shuffle = fc.shuffledSubarray(made, { minLength: made.length, maxLength: made.length });
  return fc.tuple(fc.constant(made), shuffle, shuffle);
});

describe('playlists converge whatever the order of arrival (property)', () => {
  it('three devices: any arrival order gives the playlist of the time order, and the events rebuild it', () => {
    fc.assert(
      fc.property(scenario, ([made, arrivalA, arrivalB]) => {
        const expected = model(made);
        for (const arrival of [made, arrivalA, arrivalB]) {
          const outcome = arrive(arrival);
          assert.deepEqual(outcome.refused, [], 'well-formed changes are never refused');
          const view = playlistView(outcome.state)!;
          assert.deepEqual(withoutCreation(view), expected);
          assert.deepEqual(projectedItems(outcome.events), view.items);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('retried commands (sent twice, anywhere in the arrival) change nothing', () => {
    fc.assert(
      fc.property(
        scenario.chain(([made, arrival]) => fc.tuple(fc.constant(made), fc.constant(arrival), fc.array(fc.nat(made.length - 1), { maxLength: 10 }), fc.array(fc.nat(made.length + 10), { maxLength: 10 }))),
        ([made, arrival, retried, positions]) => {
          const withRetries = [...arrival];
          retried.forEach((index, i) => withRetries.splice(Math.min(positions[i] ?? 0, withRetries.length), 0, made[index]!));
          const once = arrive(arrival);
          const twice = arrive(withRetries);
          assert.deepEqual(twice.refused, []);
          assert.deepEqual(playlistView(twice.state), playlistView(once.state));
          assert.deepEqual(projectedItems(twice.events), playlistView(twice.state)!.items);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a deletion wins wherever it arrives; what arrives after it is refused as deleted', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), ([made, arrival], at) => {
        const deletion: PlaylistCommand = { userId, playlistId, receivedAt: ARRIVAL, clientTime: T0 + (at % (made.length + 1)) * 1000 + 500, deviceId: 'tablet', kind: 'delete' };
        const withDeletion = [...arrival];
        withDeletion.splice(at % (arrival.length + 1), 0, deletion);
        const outcome = arrive(withDeletion);
        const view = playlistView(outcome.state)!;
        assert.deepEqual([view.deleted, view.items], [true, []]);
        assert.equal(outcome.refused.length, withDeletion.length - 1 - withDeletion.indexOf(deletion));
        assert.ok(outcome.refused.every((error) => error.code === 'playlist_deleted'));
      }),
      { numRuns: 200 },
    );
  });
});
