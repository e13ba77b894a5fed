import { CollectionService } from '../collections/collection-service.js';
import { collectionsSyncApplier, collectionsSyncSource } from '../collections/sync.js';
import { PlaybackService } from '../playback/playback-service.js';
import { episodesSyncApplier, episodesSyncSource } from '../playback/sync.js';
import { PlaylistService } from '../playlists/playlist-service.js';
import { playlistsSyncApplier, playlistsSyncSource } from '../playlists/sync.js';
import { PrivacyService } from '../privacy/privacy-service.js';
import { privacySyncApplier, privacySyncSource } from '../privacy/sync.js';
import { SettingsService } from '../settings/settings-service.js';
import type { EventStore } from '../store/event-store.js';
import { ConcurrencyError } from '../store/events.js';
import type { Sql } from '../store/sql.js';
import { normalizeFeedUrl } from '../subscriptions/feed-url.js';
import { SubscriptionService } from '../subscriptions/subscription-service.js';
import { subscriptionsSyncApplier, subscriptionsSyncSource } from '../subscriptions/sync.js';
import type { SyncApplier, SyncSource } from '../sync/sync-source.js';

/** The services of the sync domain's bounded contexts: stateless, over one event store. */
export interface DomainServices {
  subscriptions: SubscriptionService;
  playback: PlaybackService;
  privacy: PrivacyService;
  playlists: PlaylistService;
  collections: CollectionService;
  /** Settings apps keep on the server (gpodder.net settings API). */
  settings: SettingsService;
  /**
   * A feed moved: its subscription history, privacy settings, collection and playlist places follow
   * it, in one transaction: the caller's when given (no retry then, the caller owns it). `andThen`:
   * more of the same request, in that transaction (all or nothing).
   */
  moveFeed(userId: string, from: string, to: string, options?: { tx?: Sql; andThen?: (tx: Sql) => Promise<void> }): Promise<void>;
  /** What each context contributes to /api/v1/sync, in the order the answer lists them. */
  sync: { sources: SyncSource[]; appliers: SyncApplier[] };
}

export function createDomainServices(store: EventStore): DomainServices {
  const subscriptions = new SubscriptionService(store);
  const playback = new PlaybackService(store);
  const privacy = new PrivacyService(store);
  const playlists = new PlaylistService(store);
  const collections = new CollectionService(store);
  return {
    subscriptions,
    playback,
    privacy,
    playlists,
    collections,
    settings: new SettingsService(store),
    async moveFeed(userId, from, to, options = {}) {
      const move = async (tx: Sql): Promise<void> => {
        await subscriptions.move(userId, from, to, { tx });
        // Normalized by the move above (it refuses unusable URLs).
        await privacy.followMove(userId, normalizeFeedUrl(from), normalizeFeedUrl(to), { tx });
        await collections.followMove(userId, normalizeFeedUrl(from), normalizeFeedUrl(to), { tx });
        await playlists.followMove(userId, normalizeFeedUrl(from), normalizeFeedUrl(to), { tx });
        await options.andThen?.(tx);
      };
      if (options.tx) return move(options.tx);
      for (let attempt = 1; ; attempt++) {
        try {
          await store.db.transaction(move);
          return;
        } catch (error) {
          if (!(error instanceof ConcurrencyError) || attempt >= 5) throw error;
        }
      }
    },
    sync: {
      sources: [subscriptionsSyncSource(), episodesSyncSource(), privacySyncSource(), playlistsSyncSource(), collectionsSyncSource()],
      appliers: [
        subscriptionsSyncApplier(subscriptions) as SyncApplier,
        episodesSyncApplier(playback) as SyncApplier,
        privacySyncApplier(privacy) as SyncApplier,
        playlistsSyncApplier(playlists) as SyncApplier,
        collectionsSyncApplier(collections) as SyncApplier,
      ],
    },
  };
}
