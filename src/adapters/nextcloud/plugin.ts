import formbody from '@fastify/formbody';
import type { FastifyPluginAsync } from 'fastify';
import type { AccountService } from '../../accounts/account-service.js';
import type { DeviceService } from '../../accounts/devices/device-service.js';
import type { Sql } from '../../store/sql.js';
import type { SubscriptionService } from '../../subscriptions/subscription-service.js';
import type { EpisodeActionSync } from '../episode-actions/episode-action-sync.js';
import { GpodderSubscriptionSync } from '../gpodder/subscription-sync.js';
import { nextcloudEpisodeActionRoutes } from './episode-action-routes.js';
import { loginFlowPage } from './login-flow-page.js';
import { loginFlowRoutes } from './login-flow-routes.js';
import { LoginFlows } from './login-flows.js';
import { nextcloudSubscriptionRoutes } from './subscription-routes.js';

export interface NextcloudOptions {
  db: Sql;
  accounts: AccountService;
  devices: DeviceService;
  subscriptions: SubscriptionService;
  episodes: EpisodeActionSync;
  baseUrl: string;
  bodyLimit: number;
}

/** Where the Nextcloud app serves its API; also without `/index.php` (pretty URLs). */
export const NEXTCLOUD_PREFIXES = ['/index.php/apps/gpoddersync', '/apps/gpoddersync'] as const;

/**
 * The API of the Nextcloud app "GPodder Sync" (gpoddersync), what AntennaPod's "Nextcloud"
 * option and Kasts' "GPodder Nextcloud" provider speak, and the Nextcloud Login Flow v2 AntennaPod
 * signs in with. An adapter over the native services; its API bodies are JSON, as the apps send
 * them. Protocol notes: docs/protocols/gpodder-nextcloud-openpodcast.md, section 3.
 */
export const nextcloudApi: FastifyPluginAsync<NextcloudOptions> = async (app, options) => {
  const sync = new GpodderSubscriptionSync(options.db, options.subscriptions, options.devices);
  for (const prefix of NEXTCLOUD_PREFIXES) {
    await app.register(nextcloudSubscriptionRoutes, { sync, prefix });
    await app.register(nextcloudEpisodeActionRoutes, { episodes: options.episodes, prefix });
  }
  // The flow's requests are form-encoded (the app's start and poll, the browser's grant form):
  // form bodies in this context only.
  await app.register(async (forms) => {
    await forms.register(formbody, { bodyLimit: options.bodyLimit });
    const flows = new LoginFlows(options.db);
    await forms.register(loginFlowRoutes, { flows, accounts: options.accounts, baseUrl: options.baseUrl });
    await forms.register(loginFlowPage, { flows });
  });
};
