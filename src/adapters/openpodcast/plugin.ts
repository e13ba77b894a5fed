import type { FastifyPluginAsync } from 'fastify';
import type { Sql } from '../../store/sql.js';
import type { SubscriptionService } from '../../subscriptions/subscription-service.js';
import { opaDiscoveryRoutes } from './discovery-routes.js';
import { opaSubscriptionRoutes, type OpaSubscriptionOptions } from './subscription-routes.js';
import { OpaSubscriptionView } from './subscription-view.js';

export interface OpenPodcastOptions {
  db: Sql;
  subscriptions: SubscriptionService;
  moveFeed: OpaSubscriptionOptions['moveFeed'];
  /** The instance's public address: `next`/`previous` links are absolute. */
  baseUrl: string;
}

/**
 * The Open Podcast API (openpodcastapi.org) under `/opa/v1`, as an adapter over the native
 * subscriptions service and projection. Authentication is the project's own (HTTP Basic with the
 * password or an app password, bearer tokens): the specification has not settled on one.
 * What is and is not served: docs/compatibility.md; protocol notes:
 * docs/protocols/gpodder-nextcloud-openpodcast.md section 4.
 */
export const openPodcastApi: FastifyPluginAsync<OpenPodcastOptions> = async (app, options) => {
  await app.register(opaDiscoveryRoutes);
  await app.register(opaSubscriptionRoutes, {
    subscriptions: options.subscriptions,
    view: new OpaSubscriptionView(options.db),
    moveFeed: options.moveFeed,
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
  });
};
