import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Projector } from '../projections/projector.js';
import type { EventStore } from '../store/event-store.js';
import type { Database } from '../store/sql.js';
import { registerErrorHandling } from './errors.js';
import { healthRoutes } from './health.js';
import { metricsRoutes } from './metrics.js';
import { authentication } from './authentication.js';
import { credentialRateLimit, DEFAULT_REQUEST_LIMITS, type RequestLimitOptions } from './request-limits.js';
import { accountRoutes } from '../accounts/routes.js';
import { AccountEraser } from '../accounts/erasure.js';
import { oauthRoutes } from '../accounts/oauth/routes.js';
import { GrantService } from '../accounts/oauth/grants.js';
import { deviceRoutes } from '../accounts/devices/routes.js';
import { createDomainServices } from '../app/domain-services.js';
import { subscriptionRoutes } from '../subscriptions/routes.js';
import { opmlRoutes } from '../subscriptions/opml-routes.js';
import { privacyRoutes } from '../privacy/routes.js';
import { playlistRoutes } from '../playlists/routes.js';
import { collectionRoutes } from '../collections/routes.js';
import { playbackRoutes } from '../playback/routes.js';
import { syncRoutes } from '../sync/routes.js';
import { gpodderApi } from '../adapters/gpodder/plugin.js';
import { openPodcastApi } from '../adapters/openpodcast/plugin.js';
import { nextcloudApi } from '../adapters/nextcloud/plugin.js';
import { EpisodeActionSync } from '../adapters/episode-actions/episode-action-sync.js';
import { PodcastDirectory } from '../directory/podcast-directory.js';
import { catalogMetadata } from '../directory/catalog-metadata.js';
import type { PodcastMetadataSource } from '../directory/podcast-metadata.js';
import type { DeviceService } from '../accounts/devices/device-service.js';
import { accountPage } from '../web/account-page.js';
import { loginRoutes } from '../web/login-routes.js';
import { registerPage } from '../web/register-page.js';
import type { AccountService } from '../accounts/account-service.js';
import { registerOpenApi } from './openapi.js';
import { requestId } from './request-id.js';
import { withEventContext } from '../store/event-context.js';
import { catalogRoutes } from '../feeds/catalog/routes.js';
import { createFeedRuntime, type FeedRuntime } from '../feeds/feed-runtime.js';
import { personalFeedRoutes } from '../feeds/personal/routes.js';
import { feedProxyRoutes } from '../feeds/proxy/routes.js';

export interface ServerDeps {
  config: Config;
  accounts: AccountService;
  devices: DeviceService;
  requestLimits?: RequestLimitOptions;
  logger: Logger;
  db: Database;
  store: EventStore;
  projectors: readonly Projector[];
  version: string;
  /** The catalog and the feed scheduler; built here (and closed with the server) when not given. */
  feeds?: FeedRuntime;
  /** What is known of podcasts (titles, logos…) for the directory; the feed catalog when not given. */
  podcastMetadata?: PodcastMetadataSource;
}

export type App = FastifyInstance;

export async function buildServer(deps: ServerDeps): Promise<App> {
  const app = Fastify({
    // Typed as Fastify's logger so that plugins typed against the default instance accept ours.
    loggerInstance: deps.logger as FastifyBaseLogger,
    genReqId: requestId,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    bodyLimit: deps.config.bodyLimit,
    trustProxy: deps.config.trustProxy,
    // Clients may append a trailing slash or double one; route the same.
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    // `discriminator`: a union tagged by a field is checked against the one branch its tag names,
    // so a malformed change gets that branch's errors, not every branch's.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, discriminator: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    // Everything this request records carries its id; authentication adds the device.
    withEventContext({ correlationId: request.id }, done);
  });
  registerErrorHandling(app);
  await registerOpenApi(app, { version: deps.version, baseUrl: deps.config.baseUrl });
  await app.register(healthRoutes, { db: deps.db, projectors: deps.projectors });
  await app.register(metricsRoutes, { db: deps.db, store: deps.store, projectors: deps.projectors });
  await app.register(cookie);
  await app.register(authentication, { accounts: deps.accounts, db: deps.db });
  await app.register(credentialRateLimit, deps.requestLimits ?? DEFAULT_REQUEST_LIMITS);
  const secureCookies = deps.config.baseUrl.startsWith('https:');
  const eraser = new AccountEraser(deps.store, deps.projectors);
  await app.register(accountRoutes, { accounts: deps.accounts, devices: deps.devices, eraser, secureCookies });
  await app.register(deviceRoutes, { devices: deps.devices });
  const services = createDomainServices(deps.store);
  await app.register(subscriptionRoutes, { subscriptions: services.subscriptions, moveFeed: (userId, from, to) => services.moveFeed(userId, from, to) });
  await app.register(opmlRoutes, { subscriptions: services.subscriptions, collections: services.collections });
  await app.register(privacyRoutes, { privacy: services.privacy });
  await app.register(playlistRoutes, { playlists: services.playlists });
  await app.register(collectionRoutes, { collections: services.collections });
  await app.register(playbackRoutes, { playback: services.playback });
  await app.register(syncRoutes, { db: deps.db, ...services.sync });
  const directory = new PodcastDirectory(deps.db, deps.podcastMetadata ?? catalogMetadata(deps.db));
  const feeds = deps.feeds ?? createFeedRuntime({ store: deps.store, config: deps.config.feeds, baseUrl: deps.config.baseUrl, logger: deps.logger });
  if (!deps.feeds) app.addHook('onClose', () => feeds.close());
  await app.register(catalogRoutes, { catalog: feeds.catalog, scheduler: feeds.scheduler, db: deps.db, manualRefreshSeconds: feeds.config.manualRefreshSeconds });
  await app.register(feedProxyRoutes, { proxy: feeds.proxy });
  await app.register(personalFeedRoutes, { db: deps.db, playback: services.playback, baseUrl: deps.config.baseUrl });
  const episodeActions = new EpisodeActionSync(deps.db, services.playback, deps.devices);
  await app.register(gpodderApi, { db: deps.db, devices: deps.devices, subscriptions: services.subscriptions, episodes: episodeActions, settings: services.settings, playback: services.playback, directory, secureCookies });
  await app.register(openPodcastApi, { db: deps.db, subscriptions: services.subscriptions, moveFeed: (userId, from, to, andThen) => services.moveFeed(userId, from, to, andThen ? { andThen } : {}), baseUrl: deps.config.baseUrl });
  await app.register(nextcloudApi, {
    db: deps.db,
    accounts: deps.accounts,
    devices: deps.devices,
    subscriptions: services.subscriptions,
    episodes: episodeActions,
    baseUrl: deps.config.baseUrl,
    bodyLimit: deps.config.bodyLimit,
  });
  // HTML forms (and the OAuth endpoints, form-encoded by the standard) in their own context:
  // only these accept form bodies, so a cross-site form cannot post to the JSON API (a browser
  // sends forms without a CORS preflight, and with cookies or remembered Basic credentials).
  await app.register(async (forms) => {
    await forms.register(formbody, { bodyLimit: deps.config.bodyLimit });
    await forms.register(oauthRoutes, { store: deps.store, baseUrl: deps.config.baseUrl });
    await forms.register(loginRoutes, { accounts: deps.accounts, secureCookies });
    await forms.register(registerPage, { accounts: deps.accounts, secureCookies, registration: deps.config.registration });
    await forms.register(accountPage, { accounts: deps.accounts, eraser, grants: new GrantService(deps.store), secureCookies, baseUrl: deps.config.baseUrl });
  });
  return app;
}
