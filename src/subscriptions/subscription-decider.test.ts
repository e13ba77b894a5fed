import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { spec } from '../../test/support/specification.js';
import { DomainError, fold } from '../domain/decider.js';
import {
  MAX_SUBSCRIPTIONS,
  subscriptionDecider,
  type SubscriptionChange,
  type SubscriptionCommand,
  type SubscriptionEvent,
  type SubscriptionsState,
} from './subscription-decider.js';

const FEED = 'https://feeds.example/a.xml';
const OTHER = 'https://feeds.example/b.xml';
const T0 = Date.UTC(2026, 10, 25, 10, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const NOW = T0 + 3_600_000;

function change(changes: SubscriptionChange[], deviceId?: string, receivedAt = NOW): SubscriptionCommand {
  return { kind: 'changeSubscriptions', changes, receivedAt, ...(deviceId ? { deviceId } : {}) };
}
const subscribed = (feedUrl: string, at: number, deviceId?: string, extra: object = {}): SubscriptionEvent => ({
  type: 'PodcastSubscribed',
  data: { feedUrl, at: iso(at), ...(deviceId ? { deviceId } : {}), ...extra },
});
const unsubscribed = (feedUrl: string, at: number, deviceId?: string, extra: object = {}): SubscriptionEvent => ({
  type: 'PodcastUnsubscribed',
  data: { feedUrl, at: iso(at), ...(deviceId ? { deviceId } : {}), ...extra },
});

describe('subscription decider', () => {
  it('subscribes from a device at the client time', () => {
    spec(subscriptionDecider).given([]).when(change([{ feedUrl: FEED, subscribed: true, clientTime: T0, title: 'A' }], 'phone')).then([subscribed(FEED, T0, 'phone', { title: 'A' })]);
  });

  it('uses the server time when the client gives none, and clamps a time in the future', () => {
    spec(subscriptionDecider).given([]).when(change([{ feedUrl: FEED, subscribed: true }])).then([subscribed(FEED, NOW)]);
    spec(subscriptionDecider).given([]).when(change([{ feedUrl: FEED, subscribed: true, clientTime: NOW + 86_400_000 }])).then([subscribed(FEED, NOW)]);
  });

  it('changes nothing when told again what is already true (retries, full uploads)', () => {
    spec(subscriptionDecider).given([subscribed(FEED, T0, 'phone')]).when(change([{ feedUrl: FEED, subscribed: true, clientTime: T0 }], 'phone')).thenNothing();
    spec(subscriptionDecider).given([subscribed(FEED, T0, 'phone')]).when(change([{ feedUrl: FEED, subscribed: true, clientTime: T0 - 5 }], 'phone')).thenNothing();
    // Said again later, it is recorded: an older unsubscription arriving afterwards must lose to it.
    spec(subscriptionDecider).given([subscribed(FEED, T0, 'phone')]).when(change([{ feedUrl: FEED, subscribed: true, clientTime: T0 + 5 }], 'phone')).then([subscribed(FEED, T0 + 5, 'phone')]);
    spec(subscriptionDecider).given([unsubscribed(FEED, T0)]).when(change([{ feedUrl: FEED, subscribed: false, clientTime: T0 }])).thenNothing();
  });

  it('records what a second device did even when the account was already subscribed', () => {
    spec(subscriptionDecider).given([subscribed(FEED, T0, 'phone')]).when(change([{ feedUrl: FEED, subscribed: true, clientTime: T0 + 1 }], 'laptop')).then([subscribed(FEED, T0 + 1, 'laptop')]);
  });

  it('lets the latest client time win, and keeps an older change as history only', () => {
    const given = [subscribed(FEED, T0 + 1000, 'phone')];
    spec(subscriptionDecider).given(given).when(change([{ feedUrl: FEED, subscribed: false, clientTime: T0 + 2000 }], 'laptop')).then([unsubscribed(FEED, T0 + 2000, 'laptop')]);
    spec(subscriptionDecider)
      .given(given)
      .when(change([{ feedUrl: FEED, subscribed: false, clientTime: T0 }], 'laptop'))
      .then([unsubscribed(FEED, T0, 'laptop', { superseded: true })]);
    const state = fold(subscriptionDecider, [...given, unsubscribed(FEED, T0, 'laptop', { superseded: true })]);
    assert.equal(state.get(FEED)!.subscribed, true);
    assert.deepEqual(state.get(FEED)!.devices, { phone: { subscribed: true, at: iso(T0 + 1000) }, laptop: { subscribed: false, at: iso(T0) } });
  });

  it('applies several changes in order, the same feed twice included', () => {
    spec(subscriptionDecider)
      .given([])
      .when(change([{ feedUrl: FEED, subscribed: true, clientTime: T0 }, { feedUrl: OTHER, subscribed: true, clientTime: T0 }, { feedUrl: FEED, subscribed: false, clientTime: T0 + 1 }]))
      .then([subscribed(FEED, T0), subscribed(OTHER, T0), unsubscribed(FEED, T0 + 1)]);
  });

  it('refuses titles that are too long and more subscriptions than the limit', () => {
    spec(subscriptionDecider).given([]).when(change([{ feedUrl: FEED, subscribed: true, title: 'x'.repeat(501) }])).thenThrows(DomainError, /at most 500/);
    const full: SubscriptionEvent[] = Array.from({ length: MAX_SUBSCRIPTIONS }, (_, index) => subscribed(`https://f.example/${index}`, T0));
    spec(subscriptionDecider).given(full).when(change([{ feedUrl: FEED, subscribed: true }])).thenThrows(DomainError, /at most 10000 subscriptions/);
    // Unsubscribing one first makes room, within the same command.
    spec(subscriptionDecider)
      .given(full)
      .when(change([{ feedUrl: 'https://f.example/0', subscribed: false }, { feedUrl: FEED, subscribed: true }]))
      .then([unsubscribed('https://f.example/0', NOW), subscribed(FEED, NOW)]);
  });

  it('records the feed’s own GUID a client sends, once, and refuses one that is not a lower-case UUID', () => {
    const guid = '917393e3-1b1e-5cef-ace4-edaa54e1f810';
    spec(subscriptionDecider).given([]).when(change([{ feedUrl: FEED, subscribed: true, clientTime: T0, podcastGuid: guid }])).then([subscribed(FEED, T0, undefined, { podcastGuid: guid })]);
    // Told again at the same time: nothing new. A GUID not known yet is recorded, and said with the
    // register's own state and time (what the Open Podcast API's PATCH new_guid does) it moves neither.
    spec(subscriptionDecider).given([subscribed(FEED, T0, undefined, { podcastGuid: guid })]).when(change([{ feedUrl: FEED, subscribed: true, clientTime: T0, podcastGuid: guid }])).thenNothing();
    spec(subscriptionDecider)
      .given([subscribed(FEED, T0)])
      .when(change([{ feedUrl: FEED, subscribed: true, clientTime: T0, podcastGuid: guid }]))
      .then([subscribed(FEED, T0, undefined, { podcastGuid: guid })]);
    for (const bad of ['not-a-guid', guid.toUpperCase()]) {
      spec(subscriptionDecider).given([]).when(change([{ feedUrl: FEED, subscribed: true, podcastGuid: bad }])).thenThrows(DomainError, /UUID, in lower case/);
    }
  });

  it('keeps the GUID through a move (the new URL’s own GUID first)', () => {
    const guid = '917393e3-1b1e-5cef-ace4-edaa54e1f810';
    const state = fold(subscriptionDecider, [subscribed(FEED, T0, undefined, { podcastGuid: guid }), { type: 'FeedUrlChanged', data: { from: FEED, to: OTHER, at: iso(T0 + 1) } }]);
    assert.equal(state.get(OTHER)?.podcastGuid, guid);
    // Onto a feed already known: that one's GUID (derived from its URL when it has none of its own).
    const onto = fold(subscriptionDecider, [subscribed(OTHER, T0), subscribed(FEED, T0, undefined, { podcastGuid: guid }), { type: 'FeedUrlChanged', data: { from: FEED, to: OTHER, at: iso(T0 + 1) } }]);
    assert.equal(onto.get(OTHER)?.podcastGuid, undefined);
    spec(subscriptionDecider)
      .given([subscribed(OTHER, T0), subscribed(FEED, T0, undefined, { podcastGuid: guid }), { type: 'FeedUrlChanged', data: { from: FEED, to: OTHER, at: iso(T0 + 1) } }])
      .when(change([{ feedUrl: OTHER, subscribed: true, clientTime: T0, podcastGuid: guid }]))
      .then([subscribed(OTHER, T0, undefined, { podcastGuid: guid })]);
  });

  it('moves a feed to a new URL with its history, merging into a feed already known there', () => {
    const move: SubscriptionCommand = { kind: 'moveFeed', from: FEED, to: OTHER, receivedAt: NOW, deviceId: 'phone' };
    spec(subscriptionDecider).given([subscribed(FEED, T0, 'phone')]).when(move).then([{ type: 'FeedUrlChanged', data: { from: FEED, to: OTHER, at: iso(NOW), deviceId: 'phone' } }]);
    spec(subscriptionDecider).given([]).when(move).thenThrows(DomainError, /never subscribed/);
    spec(subscriptionDecider).given([subscribed(FEED, T0)]).when({ ...move, to: FEED }).thenNothing();
    const state = fold(subscriptionDecider, [
      subscribed(FEED, T0 + 10, 'phone', { title: 'Old' }),
      unsubscribed(OTHER, T0, 'laptop'),
      { type: 'FeedUrlChanged', data: { from: FEED, to: OTHER, at: iso(NOW) } },
    ]);
    assert.equal(state.has(FEED), false);
    assert.deepEqual(state.get(OTHER), {
      subscribed: true,
      at: iso(T0 + 10),
      title: 'Old',
      devices: { laptop: { subscribed: false, at: iso(T0) }, phone: { subscribed: true, at: iso(T0 + 10) } },
    });
  });

  it('converges whatever the order in which devices’ changes arrive (property)', () => {
    const feeds = [FEED, OTHER, 'https://feeds.example/c.xml'];
    const arbitraryChange = fc.record({
      feed: fc.constantFrom(...feeds),
      subscribed: fc.boolean(),
      device: fc.constantFrom('phone', 'laptop', 'tablet'),
    });
    fc.assert(
      fc.property(
        fc.array(arbitraryChange, { minLength: 1, maxLength: 25 }).chain((changes) =>
          fc.tuple(fc.constant(changes), fc.shuffledSubarray(changes.map((_, index) => index), { minLength: changes.length, maxLength: changes.length })),
        ),
        ([changes, order]) => {
          // Distinct client times: the i-th change happened at T0 + i seconds.
          const commands = changes.map((c, index) => change([{ feedUrl: c.feed, subscribed: c.subscribed, clientTime: T0 + index * 1000 }], c.device));
          const run = (sequence: readonly number[]): SubscriptionsState => {
            let state = subscriptionDecider.initialState();
            for (const index of sequence) for (const event of subscriptionDecider.decide(commands[index]!, state)) state = subscriptionDecider.evolve(state, event);
            return state;
          };
          const inOrder = run(changes.map((_, index) => index));
          const shuffled = run(order);
          assert.deepEqual(view(shuffled), view(inOrder));
        },
      ),
      { numRuns: 300 },
    );
  });
});

function view(state: SubscriptionsState) {
  return [...state.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([feed, value]) => [feed, value.subscribed, value.at, value.devices]);
}
