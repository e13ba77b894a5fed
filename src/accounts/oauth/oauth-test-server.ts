import { applicationProjectors } from '../../app/projectors.js';
import type { Config } from '../../config.js';
import type { App } from '../../http/server.js';
import type { Projector } from '../../projections/projector.js';
import type { EventStore } from '../../store/event-store.js';
import type { Sql } from '../../store/sql.js';
import { grantsProjector } from './grants-projector.js';
import { oauthRoutes } from './routes.js';
import { authenticateAccessToken } from './tokens.js';

/** Where the tests check bearer access tokens, until src/http/authentication.ts resolves them. */
export const PROBE_ROUTE = '/test/oauth/whoami';

interface BaseServer {
  app: App;
  store: EventStore;
  config: Config;
}

/**
 * A test server (made by `create`, e.g. test/support/server.ts's createTestServer with the
 * projectors it is given) with the grants projector among the inline projectors, the OAuth
 * routes, and a probe route that authenticates with `authenticateAccessToken`.
 * Test support only; it takes the factory instead of importing test/support, so that
 * tsconfig.build.json (rootDir src) still compiles.
 */
export async function withOAuth<Server extends BaseServer>(db: Sql, create: (projectors: Projector[]) => Promise<Server>): Promise<Server> {
  const projectors = applicationProjectors();
  // Once the lead wires the projector into the application, it is already in the list.
  if (!projectors.some((projector) => projector.name === grantsProjector().name)) projectors.push(grantsProjector());
  const server = await create(projectors);
  // Likewise for the routes, once src/http/server.ts registers them.
  if (!server.app.hasRoute({ method: 'GET', url: '/oauth/authorize' })) {
    await server.app.register(oauthRoutes, { store: server.store, baseUrl: server.config.baseUrl });
  }
  server.app.get(PROBE_ROUTE, { schema: { hide: true } }, async (request, reply) => {
    const header = request.headers.authorization ?? '';
    const principal = /^bearer /i.test(header) ? await authenticateAccessToken(db, header.slice(7).trim()) : undefined;
    if (!principal) return reply.status(401).send({ error: { code: 'invalid_token', message: 'No live access token' } });
    return { ...principal, scopes: [...principal.scopes] };
  });
  return server;
}
