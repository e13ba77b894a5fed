import { DomainError } from '../domain/decider.js';
import { SnapshotCommandHandler, type Snapshotting } from '../domain/snapshot-handler.js';
import type { EventStore } from '../store/event-store.js';
import type { Sql } from '../store/sql.js';
import { tryNormalizeFeedUrl } from '../subscriptions/feed-url.js';
import { requestDeviceId } from '../store/event-context.js';
import type { WriteOptions } from '../subscriptions/subscription-service.js';
import { privacyDecider, privacyStream, type PrivacyCommand, type PrivacyEvent } from './privacy-decider.js';
import { INITIAL_PRIVACY_LEVEL, type PrivacyLevel, type PrivacyState, type PrivacyTarget } from './privacy-state.js';
import { privacyOutcome, type PrivacySetting, type PrivacyView } from './privacy-view.js';

/**
 * Episodes are named, in privacy overrides, by an **episode key**: the item's `guid` as the feed
 * gives it when it has one, else the URL of its media (the enclosure URL), as given. Keys are
 * compared exactly (not normalized); a client that knows both must use the guid.
 */
export type PrivacyChangeRequest = { clientTime?: number } & (
  | { scope: 'default'; level: PrivacyLevel }
  | { scope: 'podcast'; feedUrl: string; level: PrivacyLevel | null }
  | { scope: 'episode'; feedUrl: string; episodeKey: string; level: PrivacyLevel | null }
);

export interface PrivacyOutcome {
  /** False when a later change of this setting (from another device) had already won. */
  applied: boolean;
  /** The setting as it stands after the change: the winner. */
  setting: PrivacySetting;
}

/** One row of the read model: a setting, `level` null once the override was cleared. */
export type StoredPrivacySetting = PrivacyTarget & { level: PrivacyLevel | null; at: Date; deviceId: string | null; seq: number };

interface Row {
  scope: PrivacyTarget['scope'];
  feed_url: string;
  episode_key: string;
  level: PrivacyLevel | null;
  at: Date;
  device_id: string | null;
  seq: number | string;
}

export const PRIVACY_COLUMNS = 'scope, feed_url, episode_key, level, at, device_id, seq';

export function toStoredSetting(row: Row): StoredPrivacySetting {
  const target: PrivacyTarget =
    row.scope === 'default' ? { scope: 'default' } : row.scope === 'podcast' ? { scope: 'podcast', feedUrl: row.feed_url } : { scope: 'episode', feedUrl: row.feed_url, episodeKey: row.episode_key };
  return { ...target, level: row.level, at: row.at, deviceId: row.device_id, seq: Number(row.seq) };
}

/** The state is plain JSON; its records may hold a `__proto__` key, which JSON keeps as an own key. */
const snapshotting: Snapshotting<PrivacyState> = {
  schemaVersion: 1,
  toSnapshot: (state) => state,
  fromSnapshot: (json) => json as PrivacyState,
};

/**
 * The level of an action of `userId` on a podcast (and one of its episodes), from the read
 * model: the episode override, else the podcast override, else the user's default, else private.
 * The feed URL is normalized first, so that another spelling of it finds its overrides.
 */
export async function effectivePrivacyLevel(sql: Sql, userId: string, feedUrl: string, episodeKey?: string): Promise<PrivacyLevel> {
  const normalized = tryNormalizeFeedUrl(feedUrl) ?? feedUrl;
  const result = await sql.query<{ level: PrivacyLevel | null }>(
    `SELECT COALESCE(
       (SELECT level FROM privacy_settings WHERE user_id = $1 AND scope = 'episode' AND feed_url = $2 AND md5(episode_key) = md5($3) AND episode_key = $3),
       (SELECT level FROM privacy_settings WHERE user_id = $1 AND scope = 'podcast' AND feed_url = $2 AND md5(episode_key) = md5('')),
       (SELECT level FROM privacy_settings WHERE user_id = $1 AND scope = 'default' AND feed_url = '' AND md5(episode_key) = md5(''))
     ) AS level`,
    [userId, normalized, episodeKey ?? null],
    { name: 'balados_privacy_effective' },
  );
  return result.rows[0]?.level ?? INITIAL_PRIVACY_LEVEL;
}

export class PrivacyService {
  /** Snapshots, not folds: an account may hold 110,000 overrides. */
  private readonly handler: SnapshotCommandHandler<PrivacyCommand, PrivacyEvent, PrivacyState>;

  constructor(private readonly store: EventStore) {
    this.handler = new SnapshotCommandHandler(store, privacyDecider, snapshotting);
  }

  /** Changes one setting; an unusable feed URL is refused (400 `invalid_feed_url`). */
  async change(userId: string, request: PrivacyChangeRequest, options: WriteOptions = {}): Promise<PrivacyOutcome> {
    const deviceId = options.deviceId ?? requestDeviceId();
    const base = {
      receivedAt: options.receivedAt ?? Date.now(),
      ...(request.clientTime !== undefined ? { clientTime: request.clientTime } : {}),
      ...(deviceId ? { deviceId } : {}),
    };
    let command: PrivacyCommand;
    if (request.scope === 'default') {
      command = { kind: 'setDefault', level: request.level, ...base };
    } else {
      const feedUrl = tryNormalizeFeedUrl(request.feedUrl);
      if (!feedUrl) throw new DomainError('invalid_feed_url', `Not a usable feed URL: ${String(request.feedUrl).slice(0, 200)}`, 400);
      command =
        request.scope === 'podcast'
          ? { kind: 'setPodcastLevel', feedUrl, level: request.level, ...base }
          : { kind: 'setEpisodeLevel', feedUrl, episodeKey: request.episodeKey, level: request.level, ...base };
    }
    const result = await this.handler.handle(privacyStream(userId), command, {
      metadata: { userId },
      maxAttempts: 5,
      ...(options.tx ? { tx: options.tx } : {}),
    });
    return privacyOutcome(command, result.events, result.state);
  }

  setDefault(userId: string, level: PrivacyLevel, options: WriteOptions & { clientTime?: number } = {}): Promise<PrivacyOutcome> {
    return this.change(userId, { scope: 'default', level, ...clientTimeOf(options) }, options);
  }

  setPodcastLevel(userId: string, feedUrl: string, level: PrivacyLevel | null, options: WriteOptions & { clientTime?: number } = {}): Promise<PrivacyOutcome> {
    return this.change(userId, { scope: 'podcast', feedUrl, level, ...clientTimeOf(options) }, options);
  }

  setEpisodeLevel(userId: string, feedUrl: string, episodeKey: string, level: PrivacyLevel | null, options: WriteOptions & { clientTime?: number } = {}): Promise<PrivacyOutcome> {
    return this.change(userId, { scope: 'episode', feedUrl, episodeKey, level, ...clientTimeOf(options) }, options);
  }

  /**
   * A feed moved: its podcast and episode overrides move with it (set on the new URL unless the
   * new URL has its own, cleared on the old one), so that a podcast kept private stays private
   * under its new address.
   */
  async followMove(userId: string, from: string, to: string, options: WriteOptions & { tx: Sql }): Promise<void> {
    const view = await this.view(userId, options.tx);
    const overridden = (feedUrl: string, episodeKey?: string) =>
      episodeKey === undefined
        ? view.podcasts.some((podcast) => podcast.feedUrl === feedUrl)
        : view.episodes.some((episode) => episode.feedUrl === feedUrl && episode.episodeKey === episodeKey);
    for (const podcast of view.podcasts.filter((candidate) => candidate.feedUrl === from)) {
      if (!overridden(to)) await this.setPodcastLevel(userId, to, podcast.level, options);
      await this.setPodcastLevel(userId, from, null, options);
    }
    for (const episode of view.episodes.filter((candidate) => candidate.feedUrl === from)) {
      if (!overridden(to, episode.episodeKey)) await this.setEpisodeLevel(userId, to, episode.episodeKey, episode.level, options);
      await this.setEpisodeLevel(userId, from, episode.episodeKey, null, options);
    }
  }

  /** The default and the overrides in force (cleared ones left out), from the read model. */
  async view(userId: string, sql: Sql = this.store.db): Promise<PrivacyView> {
    const result = await sql.query<Row>(
      `SELECT ${PRIVACY_COLUMNS} FROM privacy_settings WHERE user_id = $1 AND level IS NOT NULL
       ORDER BY scope, feed_url COLLATE "C", episode_key COLLATE "C"`,
      [userId],
    );
    const view: PrivacyView = { default: { level: INITIAL_PRIVACY_LEVEL, chosen: false }, podcasts: [], episodes: [] };
    for (const row of result.rows) {
      const stamp = { at: row.at.toISOString(), ...(row.device_id !== null ? { deviceId: row.device_id } : {}) };
      const level = row.level!;
      if (row.scope === 'default') view.default = { level, chosen: true, ...stamp };
      else if (row.scope === 'podcast') view.podcasts.push({ feedUrl: row.feed_url, level, ...stamp });
      else view.episodes.push({ feedUrl: row.feed_url, episodeKey: row.episode_key, level, ...stamp });
    }
    return view;
  }

  /** One setting's row (undefined: never set). */
  async setting(userId: string, target: PrivacyTarget, sql: Sql = this.store.db): Promise<StoredPrivacySetting | undefined> {
    const feedUrl = target.scope === 'default' ? '' : target.feedUrl;
    const episodeKey = target.scope === 'episode' ? target.episodeKey : '';
    const result = await sql.query<Row>(
      `SELECT ${PRIVACY_COLUMNS} FROM privacy_settings
       WHERE user_id = $1 AND scope = $2 AND feed_url = $3 AND md5(episode_key) = md5($4) AND episode_key = $4`,
      [userId, target.scope, feedUrl, episodeKey],
    );
    return result.rows[0] ? toStoredSetting(result.rows[0]) : undefined;
  }

  effective(userId: string, feedUrl: string, episodeKey?: string): Promise<PrivacyLevel> {
    return effectivePrivacyLevel(this.store.db, userId, feedUrl, episodeKey);
  }
}

function clientTimeOf(options: { clientTime?: number }): { clientTime?: number } {
  return options.clientTime !== undefined ? { clientTime: options.clientTime } : {};
}
