import type { FastifyPluginAsync } from 'fastify';
import type { DeviceService } from '../../accounts/devices/device-service.js';
import type { PodcastDirectory } from '../../directory/podcast-directory.js';
import type { SettingsService } from '../../settings/settings-service.js';
import type { PlaybackService } from '../../playback/playback-service.js';
import type { Database } from '../../store/sql.js';
import type { SubscriptionService } from '../../subscriptions/subscription-service.js';
import { EpisodeActionSync } from '../episode-actions/episode-action-sync.js';
import { gpodderAuthRoutes } from './auth-routes.js';
import { gpodderDeviceRoutes } from './device-routes.js';
import { gpodderEpisodeRoutes } from './episode-routes.js';
import { EpisodeSettings } from './episode-favorite.js';
import { gpodderDirectoryRoutes } from './directory-routes.js';
import { gpodderFavoritesRoutes } from './favorites-routes.js';
import { gpodderRequestHandling } from './requests.js';
import { GpodderSessions } from './sessions.js';
import { gpodderSettingsRoutes } from './settings-routes.js';
import { gpodderSimpleRoutes } from './simple-routes.js';
import { gpodderSubscriptionRoutes } from './subscription-routes.js';
import { GpodderSubscriptionSync } from './subscription-sync.js';
import { gpodderUpdatesRoutes } from './updates-routes.js';
import { gpodderSyncDeviceRoutes } from './sync-device-routes.js';

export interface GpodderOptions {
  db: Database;
  devices: DeviceService;
  subscriptions: SubscriptionService;
  /** Shared with the Nextcloud episode actions (one instance: it remembers known devices). */
  episodes: EpisodeActionSync;
  settings: SettingsService;
  playback: PlaybackService;
  directory: PodcastDirectory;
  secureCookies: boolean;
}

/**
 * The gpodder.net API v2 (what AntennaPod, gPodder and Kasts speak), as an adapter over the
 * native services. Encapsulated: its lenient body parsing and its `sessionid` cookie apply to
 * its own routes only. Protocol notes: docs/protocols/gpodder-nextcloud-openpodcast.md.
 */
export const gpodderApi: FastifyPluginAsync<GpodderOptions> = async (app, options) => {
  const sessions = new GpodderSessions(options.db);
  const sync = new GpodderSubscriptionSync(options.db, options.subscriptions, options.devices);
  await gpodderRequestHandling(app, sessions, options.secureCookies);
  await app.register(gpodderAuthRoutes, { sessions, secureCookies: options.secureCookies });
  await app.register(gpodderDeviceRoutes, { devices: options.devices, db: options.db });
  await app.register(gpodderSubscriptionRoutes, { sync });
  await app.register(gpodderSimpleRoutes, { sync });
  await app.register(gpodderEpisodeRoutes, { episodes: options.episodes });
  await app.register(gpodderUpdatesRoutes, { db: options.db, devices: options.devices, episodes: options.episodes, metadata: options.directory.metadata });
  await app.register(gpodderSyncDeviceRoutes, { devices: options.devices, db: options.db });
  const episodes = new EpisodeSettings(options.db, options.settings, options.playback);
  await app.register(gpodderSettingsRoutes, { settings: options.settings, episodes, db: options.db });
  await app.register(gpodderFavoritesRoutes, { db: options.db, metadata: options.directory.metadata });
  await app.register(gpodderDirectoryRoutes, { directory: options.directory });
};
