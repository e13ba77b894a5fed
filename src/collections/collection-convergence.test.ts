import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DomainError } from '../domain/decider.js';
import { collectionDecider, collectionsView, type CollectionCommand, type CollectionEvent, type CollectionView, type CollectionsState } from './collection-decider.js';

/**
 * The property for collections: commands from three devices, made at distinct times,
 * applied in any order of arrival, give the collections obtained by applying them in the order
 * they were made (the plain model below).
 */
const userId = 'user-1';
const T0 = Date.UTC(2024, 6, 1);
const ARRIVAL = T0 + 86_400_000;
const DEVICES = ['phone', 'tablet', 'web'] as const;
const COLLECTIONS = ['news', 'tech', 'kids'] as const;
const feed = (n: number) => `https://example.org/${n}.xml`;

type Step =
  | { device: number; collection: number; kind: 'addFeed'; feed: number; index?: number }
  | { device: number; collection: number; kind: 'removeFeed'; feed: number }
  | { device: number; collection: number; kind: 'moveFeed'; feed: number; toIndex: number }
  | { device: number; collection: number; kind: 'rename'; name: number }
  | { device: number; collection: number; kind: 'setVisibility'; visibility: 'public' | 'private' };

const common = { device: fc.nat(DEVICES.length - 1), collection: fc.nat(COLLECTIONS.length - 1) };
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ ...common, kind: fc.constant('addFeed' as const), feed: fc.nat(7), index: fc.option(fc.nat(5), { nil: undefined }) }, { requiredKeys: ['device', 'collection', 'kind', 'feed'] }) },
  { weight: 2, arbitrary: fc.record({ ...common, kind: fc.constant('removeFeed' as const), feed: fc.nat(7) }) },
  { weight: 4, arbitrary: fc.record({ ...common, kind: fc.constant('moveFeed' as const), feed: fc.nat(7), toIndex: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.record({ ...common, kind: fc.constant('rename' as const), name: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ ...common, kind: fc.constant('setVisibility' as const), visibility: fc.constantFrom('public' as const, 'private' as const) }) },
);

function commands(steps: readonly Step[]): CollectionCommand[] {
  return steps.map((s, i) => {
    const base = { userId, collectionId: COLLECTIONS[s.collection]!, receivedAt: ARRIVAL, clientTime: T0 + (i + 1) * 1000, deviceId: DEVICES[s.device]! };
    switch (s.kind) {
      case 'addFeed':
        return { ...base, kind: 'addFeed', feedUrl: feed(s.feed), ...(s.index === undefined ? {} : { index: s.index }) };
      case 'removeFeed':
        return { ...base, kind: 'removeFeed', feedUrl: feed(s.feed) };
      case 'moveFeed':
        return { ...base, kind: 'moveFeed', feedUrl: feed(s.feed), toIndex: s.toIndex };
      case 'rename':
        return { ...base, kind: 'rename', name: `Name ${s.name}` };
      case 'setVisibility':
        return { ...base, kind: 'setVisibility', visibility: s.visibility };
    }
  });
}

// Created before anything else, as a device only changes a collection it knows.
const creations: CollectionCommand[] = COLLECTIONS.map((collectionId, i) => ({ userId, collectionId, receivedAt: T0 - 1000 + i, kind: 'create', name: collectionId }));

function model(inTimeOrder: readonly CollectionCommand[]): CollectionView[] {
  const views = COLLECTIONS.map((collectionId, i): CollectionView => ({ collectionId, name: collectionId, visibility: 'private', createdAt: new Date(T0 - 1000 + i).toISOString(), feeds: [] }));
  for (const c of inTimeOrder) {
    const view = views.find((v) => v.collectionId === c.collectionId)!;
    const at = new Date(c.clientTime!).toISOString();
    const from = 'feedUrl' in c ? view.feeds.findIndex((entry) => entry.feedUrl === c.feedUrl) : -1;
    if (c.kind === 'rename') view.name = c.name;
    else if (c.kind === 'setVisibility') view.visibility = c.visibility;
    else if (c.kind === 'addFeed' && from < 0) view.feeds.splice(Math.min(c.index ?? view.feeds.length, view.feeds.length), 0, { feedUrl: c.feedUrl, addedAt: at });
    else if (c.kind === 'removeFeed' && from >= 0) view.feeds.splice(from, 1);
    else if (c.kind === 'moveFeed' && from >= 0) {
      const [entry] = view.feeds.splice(from, 1);
      view.feeds.splice(Math.min(c.toIndex, view.feeds.length), 0, entry!);
    }
  }
  return views;
}

function arrive(arrival: readonly CollectionCommand[]): { state: CollectionsState; events: CollectionEvent[]; refused: DomainError[] } {
  let state = collectionDecider.initialState();
  const events: CollectionEvent[] = [];
  const refused: DomainError[] = [];
  const received = [...creations, ...arrival.map((next, position) => ({ ...next, receivedAt: next.receivedAt + position }))];
  for (const next of received) {
    try {
      for (const event of collectionDecider.decide(next, state)) {
        events.push(event);
        state = collectionDecider.evolve(state, event);
      }
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      refused.push(error);
    }
  }
  return { state, events, refused };
}

/** Rows rebuilt from the events alone, as a projection would. */
function projected(events: readonly CollectionEvent[]): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const event of events) {
    const { collectionId } = event.data;
    if (event.type === 'CollectionCreated') rows.set(collectionId, []);
    if (event.type === 'CollectionDeleted') rows.delete(collectionId);
    if (!('changes' in event.data)) continue;
    const feeds = rows.get(collectionId)!;
    for (const change of event.data.changes) {
      if (change.kind === 'inserted') feeds.splice(change.index, 0, change.feedUrl);
      else {
        assert.equal(feeds[change.fromIndex], change.feedUrl);
        feeds.splice(change.fromIndex, 1);
        if (change.kind === 'moved') feeds.splice(change.toIndex, 0, change.feedUrl);
      }
    }
  }
  return rows;
}

const asRows = (views: readonly CollectionView[]) => new Map(views.map((view) => [view.collectionId, view.feeds.map((entry) => entry.feedUrl)]));

const scenario = fc.array(step, { minLength: 1, maxLength: 60, size: 'max' }).chain((steps) => {
  const made = commands(steps);
  const shuffle = fc.shuffledSubarray(made, { minLength: made.length, maxLength: made.length });
  return fc.tuple(fc.constant(made), shuffle, shuffle);
});

describe('collections converge whatever the order of arrival (property)', () => {
  it('three devices: any arrival order gives the collections of the time order, and the events rebuild them', () => {
    fc.assert(
      fc.property(scenario, ([made, arrivalA, arrivalB]) => {
        const expected = model(made);
        for (const arrival of [made, arrivalA, arrivalB]) {
          const outcome = arrive(arrival);
          assert.deepEqual(outcome.refused, []);
          const views = collectionsView(outcome.state);
          assert.deepEqual(views, expected);
          assert.deepEqual(projected(outcome.events), asRows(views));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('retried commands change nothing', () => {
    fc.assert(
      fc.property(
        scenario.chain(([made, arrival]) => fc.tuple(fc.constant(made), fc.constant(arrival), fc.array(fc.tuple(fc.nat(made.length - 1), fc.nat(made.length + 10)), { maxLength: 10 }))),
        ([made, arrival, retries]) => {
          const withRetries = [...arrival];
          for (const [index, position] of retries) withRetries.splice(Math.min(position, withRetries.length), 0, made[index]!);
          const twice = arrive(withRetries);
          assert.deepEqual(twice.refused, []);
          assert.deepEqual(collectionsView(twice.state), collectionsView(arrive(arrival).state));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a forced deletion wins wherever it arrives; later changes to that collection are refused as deleted', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), ([made, arrival], where) => {
        const deletion: CollectionCommand = { userId, collectionId: 'tech', receivedAt: ARRIVAL, clientTime: T0 + 500, kind: 'delete', force: true };
        const withDeletion = [...arrival];
        withDeletion.splice(where % (arrival.length + 1), 0, deletion);
        const outcome = arrive(withDeletion);
        const after = withDeletion.slice(withDeletion.indexOf(deletion) + 1).filter((c) => c.collectionId === 'tech');
        assert.deepEqual(outcome.refused.map((error) => error.code), after.map(() => 'collection_deleted'));
        const views = collectionsView(outcome.state);
        assert.deepEqual(views, model(made.filter((c) => c.collectionId !== 'tech')).filter((view) => view.collectionId !== 'tech'));
        assert.deepEqual(projected(outcome.events), asRows(views));
      }),
      { numRuns: 200 },
    );
  });
});
