import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { EventStore } from '../../store/event-store.js';
import { appsRoutes } from './apps-routes.js';
import { authorizeRoutes } from './authorize-routes.js';
import { AuthorizationServer } from './authorization-server.js';
import { tokenRoutes } from './token-routes.js';
import { Throttle } from '../throttle.js';

export interface OAuthRoutesOptions {
  /** The event store (its database holds the OAuth tables); it must run `grantsProjector()` inline. */
  store: EventStore;
  /** The instance's public URL: the issuer identifier (`iss`, RFC 9207) and metadata base. */
  baseUrl: string;
}

/**
 * The OAuth 2.0 authorization server for podcast apps. Register after `authentication` and
 * `@fastify/formbody` (the consent form and the token endpoint are form-encoded).
 */
export const oauthRoutes: FastifyPluginAsyncTypebox<OAuthRoutesOptions> = async (app, { store, baseUrl }) => {
  const server = new AuthorizationServer(store);
  const issuer = baseUrl.replace(/\/+$/, '');
  await app.register(authorizeRoutes, { server, issuer });
  await app.register(tokenRoutes, { server, issuer });
  await app.register(appsRoutes, { server, throttle: new Throttle(store.db) });
};
