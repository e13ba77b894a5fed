import { DomainError, type Decider } from '../domain/decider.js';
import { effectiveTime, supersedes, type IsoTime } from '../domain/client-time.js';
import { isGuid } from './feed-guid.js';

/**
 * A user's subscriptions (stream `subscriptions-<userId>`). Each feed is a last-writer-wins
 * register over the account (the change with the latest client time decides whether the user
 * is subscribed), and each device keeps its own register too: what that device last did.
 * Feed URLs arrive normalized (feed-url.ts); titles are what the client knew, if anything.
 */
export const MAX_SUBSCRIPTIONS = 10_000;
export const MAX_CHANGES_PER_COMMAND = 10_000;
export const MAX_TITLE_LENGTH = 500;

export interface SubscriptionChange {
  feedUrl: string;
  subscribed: boolean;
  /** Client time (ms since epoch) of this change; defaults to the command's. */
  clientTime?: number;
  title?: string;
  /** The feed's own `podcast:guid` as the client read it (canonical lower-case UUID). */
  podcastGuid?: string;
}

export type SubscriptionCommand =
  | {
      kind: 'changeSubscriptions';
      changes: readonly SubscriptionChange[];
      clientTime?: number;
      receivedAt: number;
      deviceId?: string;
    }
  | { kind: 'moveFeed'; from: string; to: string; clientTime?: number; receivedAt: number; deviceId?: string };

interface ChangeData {
  feedUrl: string;
  at: IsoTime;
  deviceId?: string;
  title?: string;
  podcastGuid?: string;
  /** True when a later change from another device already decided this feed: kept as history only. */
  superseded?: true;
}

export type SubscriptionEvent =
  | { type: 'PodcastSubscribed'; data: ChangeData }
  | { type: 'PodcastUnsubscribed'; data: ChangeData }
  | { type: 'FeedUrlChanged'; data: { from: string; to: string; at: IsoTime; deviceId?: string } };

export interface Register {
  subscribed: boolean;
  at: IsoTime;
}

export interface FeedState extends Register {
  title?: string;
  podcastGuid?: string;
  /** Per device: what it last did about this feed. */
  devices: Record<string, Register>;
}

export type SubscriptionsState = Map<string, FeedState>;

export function subscriptionsStream(userId: string): string {
  return `subscriptions-${userId}`;
}

export function subscribedCount(state: SubscriptionsState): number {
  let count = 0;
  for (const feed of state.values()) if (feed.subscribed) count++;
  return count;
}

function applyChange(state: SubscriptionsState, subscribed: boolean, data: ChangeData): void {
  const current = state.get(data.feedUrl);
  const devices = { ...current?.devices };
  if (data.deviceId && supersedes(data.at, devices[data.deviceId]?.at)) devices[data.deviceId] = { subscribed, at: data.at };
  const wins = supersedes(data.at, current?.at);
  const title = data.title ?? current?.title;
  const podcastGuid = data.podcastGuid ?? current?.podcastGuid;
  state.set(data.feedUrl, {
    subscribed: wins ? subscribed : current!.subscribed,
    at: wins ? data.at : current!.at,
    ...(title !== undefined ? { title } : {}),
    ...(podcastGuid !== undefined ? { podcastGuid } : {}),
    devices,
  });
}

function mergeInto(target: FeedState | undefined, source: FeedState): FeedState {
  if (!target) return source;
  const winner = supersedes(source.at, target.at) ? source : target;
  const devices = { ...target.devices };
  for (const [deviceId, register] of Object.entries(source.devices)) {
    if (supersedes(register.at, devices[deviceId]?.at)) devices[deviceId] = register;
  }
  const title = target.title ?? source.title;
  // The feed already known there keeps its own GUID, even one derived from its URL (as the
  // projection does): the moved feed's podcast GUID is not its own until a client says so.
  const podcastGuid = target.podcastGuid;
  return { subscribed: winner.subscribed, at: winner.at, ...(title !== undefined ? { title } : {}), ...(podcastGuid !== undefined ? { podcastGuid } : {}), devices };
}

export const subscriptionDecider: Decider<SubscriptionCommand, SubscriptionEvent, SubscriptionsState> = {
  initialState: () => new Map(),

  // Folds own their state (a command handler folds from a fresh initial state), so evolve
  // updates the map in place: copying it per event made folding 10,000 events quadratic.
  evolve(state, event) {
    const next = state;
    if (event.type === 'FeedUrlChanged') {
      const moved = next.get(event.data.from);
      if (moved) {
        next.delete(event.data.from);
        next.set(event.data.to, mergeInto(next.get(event.data.to), moved));
      }
      return next;
    }
    applyChange(next, event.type === 'PodcastSubscribed', event.data);
    return next;
  },

  decide(command, state) {
    if (command.kind === 'moveFeed') return decideMove(command, state);
    if (command.changes.length > MAX_CHANGES_PER_COMMAND) {
      throw new DomainError('too_many_changes', `At most ${MAX_CHANGES_PER_COMMAND} subscription changes at once`, 400);
    }
    const events: SubscriptionEvent[] = [];
    const working = new Map(state);
    let count = subscribedCount(state);
    for (const change of command.changes) {
      if (change.title !== undefined && change.title.length > MAX_TITLE_LENGTH) {
        throw new DomainError('invalid_title', `Podcast titles have at most ${MAX_TITLE_LENGTH} characters`, 400);
      }
      if (change.podcastGuid !== undefined && (!isGuid(change.podcastGuid) || change.podcastGuid !== change.podcastGuid.toLowerCase())) {
        throw new DomainError('invalid_guid', 'A podcast GUID is a UUID, in lower case', 400);
      }
      const at = effectiveTime(change.clientTime ?? command.clientTime, command.receivedAt);
      const current = working.get(change.feedUrl);
      const deviceRegister = command.deviceId ? current?.devices[command.deviceId] : undefined;
      // Saying again what is already true, and no later than it was said, changes nothing
      // (retries are free). Said later, it must be recorded: the register's time moves on, and
      // an older change arriving afterwards must lose to it whatever the order of arrival.
      const sameForAccount = current !== undefined && current.subscribed === change.subscribed && at <= current.at;
      const sameForDevice = !command.deviceId || (deviceRegister?.subscribed === change.subscribed && at <= deviceRegister.at);
      const newTitle = change.title !== undefined && change.title !== current?.title;
      const newGuid = change.podcastGuid !== undefined && change.podcastGuid !== current?.podcastGuid;
      if (sameForAccount && sameForDevice && !newTitle && !newGuid) continue;
      const wins = supersedes(at, current?.at);
      if (change.subscribed && wins && !current?.subscribed && ++count > MAX_SUBSCRIPTIONS) {
        throw new DomainError('too_many_subscriptions', `An account has at most ${MAX_SUBSCRIPTIONS} subscriptions`);
      }
      if (!change.subscribed && wins && current?.subscribed) count--;
      const data: ChangeData = {
        feedUrl: change.feedUrl,
        at,
        ...(command.deviceId ? { deviceId: command.deviceId } : {}),
        ...(change.title !== undefined ? { title: change.title } : {}),
        ...(change.podcastGuid !== undefined ? { podcastGuid: change.podcastGuid } : {}),
        ...(wins ? {} : { superseded: true as const }),
      };
      const event: SubscriptionEvent = change.subscribed ? { type: 'PodcastSubscribed', data } : { type: 'PodcastUnsubscribed', data };
      applyChange(working, change.subscribed, data);
      events.push(event);
    }
    return events;
  },
};

function decideMove(command: Extract<SubscriptionCommand, { kind: 'moveFeed' }>, state: SubscriptionsState): SubscriptionEvent[] {
  if (command.from === command.to) return [];
  if (!state.has(command.from)) {
    throw new DomainError('feed_not_found', 'This account has never subscribed to that feed', 404);
  }
  const at = effectiveTime(command.clientTime, command.receivedAt);
  return [{ type: 'FeedUrlChanged', data: { from: command.from, to: command.to, at, ...(command.deviceId ? { deviceId: command.deviceId } : {}) } }];
}
