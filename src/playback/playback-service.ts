import { DomainError } from '../domain/decider.js';
import type { EventStore } from '../store/event-store.js';
import { ConcurrencyError } from '../store/events.js';
import type { Sql } from '../store/sql.js';
import { requestDeviceId } from '../subscriptions/subscription-service.js';
import { checkEpisodeRef, type EpisodeIdentity, type EpisodeRef } from './episode-identity.js';
import { episodeStream } from './episode-stream.js';
import { rememberState } from './episode-states-projector.js';
import { listeningDecider, type DownloadState, type ListeningCommand, type ListeningEvent, type ListeningState } from './listening-decider.js';
import { episodeStateView, listeningOutcome, type EpisodeStateView, type ListeningOutcome } from './listening-view.js';

/** A listening change as the API and adapters hand it over (command minus what the service adds). */
export type ListeningChange =
  | { kind: 'recordProgress'; position: number; started?: number; total?: number }
  | { kind: 'setPlayed'; played: boolean }
  | { kind: 'setDownload'; state: DownloadState }
  | { kind: 'setSaved'; saved: boolean }
  | { kind: 'share' };

export interface ListeningWrite {
  episode: EpisodeRef;
  change: ListeningChange;
  /** The device's time of the change (ms). */
  clientTime?: number;
}

export interface WriteOptions {
  deviceId?: string;
  receivedAt?: number;
  tx?: Sql;
}

export const EPISODE_LISTS = ['recent', 'in_progress', 'played', 'saved', 'downloaded'] as const;
export type EpisodeList = (typeof EPISODE_LISTS)[number];

interface Located {
  streamId: string;
  version: number;
  state: ListeningState;
}

const ATTEMPTS = 5;
const MAX_MOVES_FOLLOWED = 5;

/**
 * Listening state of episodes. Decisions are made against the state kept in the episode's
 * read model row (written by the inline projector with the decider's own evolve, in the same
 * transaction as the events), so an update costs one lookup, one append and one row write
 * however long the episode's history.
 */
export class PlaybackService {
  constructor(private readonly store: EventStore) {}

  async record(userId: string, write: ListeningWrite, options: WriteOptions = {}): Promise<ListeningOutcome> {
    const episode = checkEpisodeRef(write.episode);
    const deviceId = options.deviceId ?? requestDeviceId();
    const command = {
      ...write.change,
      episode,
      receivedAt: options.receivedAt ?? Date.now(),
      ...(write.clientTime !== undefined ? { clientTime: write.clientTime } : {}),
      ...(deviceId ? { deviceId } : {}),
    } as ListeningCommand;
    if (options.tx) return this.attempt(options.tx, userId, episode, command);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.db.transaction((tx) => this.attempt(tx, userId, episode, command));
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= ATTEMPTS) throw error;
      }
    }
  }

  private async attempt(tx: Sql, userId: string, episode: EpisodeIdentity, command: ListeningCommand): Promise<ListeningOutcome> {
    const { located, feedUrl } = await this.locate(tx, userId, episode);
    // A client still naming a feed by its old URL: the episode is the moved feed's.
    const current = located?.state.episode?.feedUrl ?? feedUrl;
    const target = located ?? { streamId: episodeStream(userId, { ...episode, feedUrl: current }), version: 0, state: listeningDecider.initialState() };
    const decided = listeningDecider.decide({ ...command, episode: { ...command.episode, feedUrl: current } }, target.state);
    let state = target.state;
    if (decided.length > 0) {
      // A brand-new stream's state is the initial one: the projector need not look either.
      rememberState(tx, target.streamId, target.version, target.state);
      await this.store.appendToStream(
        target.streamId,
        decided.map((event) => ({ type: event.type, data: event.data, metadata: { userId } })),
        { expectedVersion: target.version, tx },
      );
      for (const event of decided) state = listeningDecider.evolve(state, event as ListeningEvent);
    }
    return listeningOutcome(decided, state);
  }

  /**
   * The row of this episode: by guid first, else by media URL (when the row's guid does not
   * contradict), following the feed's moves. `feedUrl`: where the feed lives now.
   */
  private async locate(sql: Sql, userId: string, episode: EpisodeIdentity): Promise<{ located?: Located; feedUrl: string }> {
    let feedUrl = episode.feedUrl;
    for (let moves = 0; moves <= MAX_MOVES_FOLLOWED; moves++) {
      const result = await sql.query<{ stream_id: string; version: number; state: ListeningState }>(
        `SELECT stream_id, version, state FROM episode_states
         WHERE user_id = $1 AND feed_url = $2 AND (guid = $3 OR (media_url = $4 AND (guid IS NULL OR $3::text IS NULL)))
         ORDER BY (guid = $3) DESC NULLS LAST LIMIT 1`,
        [userId, feedUrl, episode.guid ?? null, episode.mediaUrl ?? null],
        { name: 'balados_episode_locate' },
      );
      const row = result.rows[0];
      if (row) return { located: { streamId: row.stream_id, version: Number(row.version), state: row.state }, feedUrl };
      const moved = await sql.query<{ moved_to: string }>('SELECT moved_to FROM subscriptions WHERE user_id = $1 AND feed_url = $2 AND moved_to IS NOT NULL', [userId, feedUrl], {
        name: 'balados_feed_moved_to',
      });
      if (!moved.rows[0]) break;
      feedUrl = moved.rows[0].moved_to;
    }
    return { feedUrl };
  }

  async get(userId: string, ref: EpisodeRef, sql: Sql = this.store.db): Promise<EpisodeStateView | undefined> {
    const { located } = await this.locate(sql, userId, checkEpisodeRef(ref));
    return located ? episodeStateView(located.state) : undefined;
  }

  /** A page of a list, most recent change first; `after` is the previous page's `next`. */
  async list(userId: string, options: { list: EpisodeList; feedUrl?: string; limit: number; after?: string }): Promise<{ episodes: EpisodeStateView[]; next: string | null }> {
    const filters: Record<EpisodeList, string> = { recent: 'true', in_progress: 'in_progress', played: 'played', saved: 'saved', downloaded: 'downloaded' };
    const after = options.after === undefined ? undefined : parsePageToken(options.after);
    const result = await this.store.db.query<{ state: ListeningState; updated_at: Date; stream_id: string }>(
      `SELECT state, updated_at, stream_id FROM episode_states
       WHERE user_id = $1 AND ${filters[options.list]} AND ($2::text IS NULL OR feed_url = $2)
         AND ($3::timestamptz IS NULL OR (updated_at, stream_id) < ($3::timestamptz, $4::text))
       ORDER BY updated_at DESC, stream_id DESC LIMIT $5`,
      [userId, options.feedUrl ?? null, after?.updatedAt ?? null, after?.streamId ?? '', options.limit],
    );
    const last = result.rows.length === options.limit ? result.rows[result.rows.length - 1] : undefined;
    return {
      episodes: result.rows.map((row) => episodeStateView(row.state)),
      next: last ? Buffer.from(`${last.updated_at.toISOString()}\n${last.stream_id}`).toString('base64url') : null,
    };
  }
}

function parsePageToken(token: string): { updatedAt: string; streamId: string } {
  const [updatedAt, streamId] = Buffer.from(token, 'base64url').toString('utf8').split('\n');
  if (!updatedAt || !streamId || !Number.isFinite(Date.parse(updatedAt))) throw new DomainError('invalid_page_token', 'Not a page token this server gave out', 400);
  return { updatedAt, streamId };
}
