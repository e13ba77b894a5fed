import { createHash } from 'node:crypto';
import type { Decider } from '../../domain/decider.js';
import type { Snapshotting } from '../../domain/snapshot-handler.js';
import { episodeFingerprint, type EpisodeDetails, type FeedSnapshot, type PodcastDetails } from './details.js';

/**
 * One feed's stream (`feed-<hash of its URL>`): what the server learned by fetching it. The
 * decider records only what changed, so refreshing an unchanged feed appends nothing, and a feed
 * that gained one episode appends one EpisodeDiscovered. Errors are recorded when they start or
 * change kind, not at every failed attempt (the schedule table counts attempts).
 */
export type MoveReason = 'permanent_redirect' | 'new_feed_url';

export type FeedCommand =
  | { kind: 'recordFetch'; feedUrl: string; at: string; snapshot: FeedSnapshot }
  | { kind: 'recordFailure'; feedUrl: string; at: string; code: string; message: string; status?: number }
  /** A fetch worked but brought nothing new (304, same body): only ends a failure, if any. */
  | { kind: 'recordRecovery'; feedUrl: string; at: string }
  | { kind: 'recordMove'; feedUrl: string; to: string; reason: MoveReason; at: string };

export type FeedEvent =
  /** A fetch read the feed: `podcast` holds the fields that changed (all of them the first time). */
  | { type: 'FeedFetched'; data: { feedUrl: string; at: string; podcast: Partial<PodcastDetails>; first?: true } }
  | { type: 'EpisodeDiscovered'; data: { feedUrl: string; at: string; episode: EpisodeDetails } }
  /** An episode already known changed (title, enclosure, duration...): its details as they are now. */
  | { type: 'EpisodeChanged'; data: { feedUrl: string; at: string; episode: EpisodeDetails } }
  | { type: 'FeedFailed'; data: { feedUrl: string; at: string; code: string; message: string; status?: number } }
  | { type: 'FeedMoved'; data: { feedUrl: string; to: string; reason: MoveReason; at: string } };

export const FEED_EVENT_TYPES = ['FeedFetched', 'EpisodeDiscovered', 'EpisodeChanged', 'FeedFailed', 'FeedMoved'] as const;

export interface FeedState {
  podcast: PodcastDetails | null;
  /** guid → fingerprint of the details last recorded. */
  episodes: Map<string, string>;
  /** The code of the error the feed is failing with, null when its last fetch worked. */
  failing: string | null;
  movedTo: string | null;
}

export function feedStream(feedUrl: string): string {
  return `feed-${createHash('sha256').update(feedUrl).digest('hex').slice(0, 40)}`;
}

function changedFields(before: PodcastDetails | null, after: PodcastDetails): Partial<PodcastDetails> {
  if (before === null) return after;
  const changes: Record<string, unknown> = {};
  for (const key of Object.keys(after) as (keyof PodcastDetails)[]) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) changes[key] = after[key];
  }
  return changes as Partial<PodcastDetails>;
}

function decideFetch(command: Extract<FeedCommand, { kind: 'recordFetch' }>, state: FeedState): FeedEvent[] {
  const { feedUrl, at, snapshot } = command;
  const events: FeedEvent[] = [];
  const podcast = changedFields(state.podcast, snapshot.podcast);
  const first = state.podcast === null;
  if (first || Object.keys(podcast).length > 0 || state.failing !== null) {
    events.push({ type: 'FeedFetched', data: { feedUrl, at, podcast, ...(first ? { first: true as const } : {}) } });
  }
  for (const episode of snapshot.episodes) {
    const known = state.episodes.get(episode.guid);
    if (known === undefined) events.push({ type: 'EpisodeDiscovered', data: { feedUrl, at, episode } });
    else if (known !== episodeFingerprint(episode)) events.push({ type: 'EpisodeChanged', data: { feedUrl, at, episode } });
  }
  return events;
}

export const feedDecider: Decider<FeedCommand, FeedEvent, FeedState> = {
  initialState: () => ({ podcast: null, episodes: new Map(), failing: null, movedTo: null }),

  // Folds own their state, so evolve updates it in place (a feed of 5,000 episodes would
  // otherwise copy the map per event).
  evolve(state, event) {
    switch (event.type) {
      case 'FeedFetched':
        state.podcast = { ...(state.podcast ?? {}), ...event.data.podcast } as PodcastDetails;
        state.failing = null;
        break;
      case 'EpisodeDiscovered':
      case 'EpisodeChanged':
        state.episodes.set(event.data.episode.guid, episodeFingerprint(event.data.episode));
        break;
      case 'FeedFailed':
        state.failing = event.data.code;
        break;
      case 'FeedMoved':
        state.movedTo = event.data.to;
        break;
    }
    return state;
  },

  decide(command, state) {
    switch (command.kind) {
      case 'recordFetch':
        return decideFetch(command, state);
      case 'recordFailure':
        if (state.failing === command.code) return [];
        return [
          {
            type: 'FeedFailed',
            data: { feedUrl: command.feedUrl, at: command.at, code: command.code, message: command.message, ...(command.status !== undefined ? { status: command.status } : {}) },
          },
        ];
      case 'recordRecovery':
        return state.failing === null ? [] : [{ type: 'FeedFetched', data: { feedUrl: command.feedUrl, at: command.at, podcast: {} } }];
      case 'recordMove':
        if (command.to === command.feedUrl || state.movedTo === command.to) return [];
        return [{ type: 'FeedMoved', data: { feedUrl: command.feedUrl, to: command.to, reason: command.reason, at: command.at } }];
    }
  },
};

interface FeedSnapshotJson {
  podcast: PodcastDetails | null;
  episodes: [string, string][];
  failing: string | null;
  movedTo: string | null;
}

export const feedSnapshotting: Snapshotting<FeedState> = {
  schemaVersion: 1,
  toSnapshot: (state): FeedSnapshotJson => ({ podcast: state.podcast, episodes: [...state.episodes], failing: state.failing, movedTo: state.movedTo }),
  fromSnapshot(json) {
    const snapshot = json as FeedSnapshotJson;
    return { podcast: snapshot.podcast, episodes: new Map(snapshot.episodes), failing: snapshot.failing, movedTo: snapshot.movedTo };
  },
};
