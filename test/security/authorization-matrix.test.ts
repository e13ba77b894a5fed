import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { GrantService } from '../../src/accounts/oauth/grants.js';
import { SCOPES } from '../../src/accounts/scopes.js';
import { encodeFeedId } from '../../src/subscriptions/feed-id.js';
import { derivedFeedGuid } from '../../src/subscriptions/feed-guid.js';
import { SubscriptionService } from '../../src/subscriptions/subscription-service.js';
import { PrivacyService } from '../../src/privacy/privacy-service.js';
import { PlaylistService } from '../../src/playlists/playlist-service.js';
import { CollectionService } from '../../src/collections/collection-service.js';
import { SettingsService } from '../../src/settings/settings-service.js';
import { describeEachDriver } from '../support/databases.js';
import { createTestServer, type TestServer } from '../support/server.js';
import { basic } from '../support/http.js';

/**
 * Walks every operation of the OpenAPI document: a route that needs an account must refuse
 * requests without credentials, with revoked or expired tokens, with tokens lacking its scope,
 * and must not hand one user's data to another. A route added later joins automatically; one
 * that declares no authentication must be listed here as public, on purpose.
 */
const PUBLIC_OPERATIONS = new Set([
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'POST /api/v1/accounts',
  'POST /api/v1/sessions',
  // OAuth: apps register anonymously; the token and revocation endpoints authenticate by the
  // code or token in their body; the authorize pages act only with a web session (without
  // one they send the browser to the login page: src/accounts/oauth tests).
  'POST /api/v1/oauth/clients',
  'GET /.well-known/oauth-authorization-server',
  'GET /oauth/authorize',
  'POST /oauth/authorize',
  'POST /oauth/token',
  'POST /oauth/revoke',
  // Open Podcast API discovery (src/adapters/openpodcast): apps probe it before signing in.
  'GET /opa/v1/versions',
  'GET /opa/v1/capabilities',
  // Nextcloud Login Flow v2 (src/adapters/nextcloud): an app starts a sign-in anonymously and
  // polls with the flow's secret token; access comes only from a user's grant in the browser.
  'POST /index.php/login/v2',
  'POST /index.php/login/v2/poll',
  // gpodder.net directory (src/adapters/gpodder/directory-routes.ts): public, as gpodder.net's;
  // they name only podcasts whose subscribers let themselves be counted, and never a user.
  'GET /toplist/{countFile}',
  'GET /toplist.{format}',
  'GET /search.{format}',
  'GET /api/2/tags/{countFile}',
  'GET /api/2/tag/{tag}/{countFile}',
  'GET /api/2/data/podcast.json',
  'GET /api/2/data/episode.json',
  // Personal feeds and the play gateway (src/feeds/personal): the play token in the path is the
  // credential (tested there, including revocation); no header credential is looked at.
  'GET /rss/{token}/subscriptions.xml',
  'GET /rss/{token}/collections/{file}',
  'GET /rss/{token}/playlists/{file}',
  'GET /play/{token}/{feedId}/{episodeId}',
  // The RSS proxy (src/feeds/proxy) serves web players the feeds of the public directory (and signed-in callers their own).
  'GET /api/v1/rss/proxy/{feedId}',
]);

const ALICE_FEED = 'https://alice-private.example/feed?token=a11ce';

type Operation = { security?: Record<string, string[]>[]; parameters?: { in: string; name: string }[] };
type Document = { paths: Record<string, Record<string, Operation>> };

describeEachDriver('authorization matrix', (current) => {
  let server: TestServer;
  let operations: { method: string; path: string; operation: Operation }[];
  const alice = { userId: '', credentialId: '', grantId: '', label: 'Alice AntennaPod 7f3a', playlistId: '', itemId: '', collectionId: '' };
  const bob: Record<'password' | 'revoked' | 'expired' | 'playToken', string> & { scoped: (scope: string) => Promise<string> } = {
    password: basic('bob', 'bob password'),
    revoked: '',
    expired: '',
    playToken: '',
    scoped: async () => '',
  };

  before(async () => {
    server = await createTestServer(current(), { env: { REGISTRATION: 'open' }, requestLimits: { burst: 100_000, perSecond: 1000 } });
    await server.app.ready();
    alice.userId = (await server.accounts.register('alice', 'alice password')).userId;
    const bobId = (await server.accounts.register('bob', 'bob password')).userId;
    alice.credentialId = (await server.accounts.createAppPassword(alice.userId, alice.label, 'phone')).id;
    await server.devices.save(alice.userId, 'phone', { caption: 'Alice phone 9c1e' });
    const grants = new GrantService(server.store);
    alice.grantId = await grants.transaction((tx) =>
      grants.authorize(tx, alice.userId, { clientId: 'https://alice-app.example/', clientName: 'Alice app 51d0', scopes: ['user.sync'], redirectUri: 'https://alice-app.example/cb' }),
    );

    // Alice's podcast data, through the API as her apps would record it.
    const asAlice = { authorization: basic('alice', 'alice password') };
    const subscribed = await server.app.inject({ method: 'POST', url: '/api/v1/subscriptions', headers: asAlice, payload: { feedUrl: ALICE_FEED, title: 'Alice feed 3b8d' } });
    assert.equal(subscribed.statusCode, 200, subscribed.body);
    const privacy = await server.app.inject({ method: 'PUT', url: `/api/v1/privacy/podcasts/${encodeFeedId(ALICE_FEED)}`, headers: asAlice, payload: { level: 'public' } });
    assert.equal(privacy.statusCode, 200, privacy.body);
    const playlist = await server.app.inject({ method: 'POST', url: '/api/v1/playlists', headers: asAlice, payload: { name: 'Alice playlist 4c2e', description: 'Alice notes 4c2e' } });
    assert.equal(playlist.statusCode, 201, playlist.body);
    alice.playlistId = playlist.json().playlistId;
    const item = await server.app.inject({
      method: 'POST',
      url: `/api/v1/playlists/${alice.playlistId}/items`,
      headers: asAlice,
      payload: { episode: { feedUrl: ALICE_FEED, guid: 'alice-episode-4c2e', title: 'Alice episode 4c2e' } },
    });
    assert.equal(item.statusCode, 200, item.body);
    alice.itemId = item.json().item.itemId;
    const collection = await server.app.inject({ method: 'POST', url: '/api/v1/collections', headers: asAlice, payload: { name: 'Alice collection 4c2e' } });
    assert.equal(collection.statusCode, 201, collection.body);
    alice.collectionId = collection.json().collectionId;
    const filed = await server.app.inject({ method: 'POST', url: `/api/v1/collections/${alice.collectionId}/feeds`, headers: asAlice, payload: { feedUrl: ALICE_FEED } });
    assert.equal(filed.statusCode, 200, filed.body);
    const saved = await server.app.inject({ method: 'POST', url: '/api/v1/episodes/saved', headers: asAlice, payload: { episode: { feedUrl: ALICE_FEED, guid: 'alice-episode-4c2e' }, saved: true } });
    assert.equal(saved.statusCode, 200, saved.body);
    const setting = await server.app.inject({ method: 'POST', url: '/api/2/settings/alice/account.json', headers: asAlice, payload: { set: { note: 'Alice setting 4c2e' } } });
    assert.equal(setting.statusCode, 200, setting.body);

    const revoked = await server.accounts.createPersonalToken(bobId, 'revoked', ['*'], null);
    await server.accounts.revokeCredential(bobId, revoked.id);
    bob.revoked = `Bearer ${revoked.secret}`;
    const expired = await server.accounts.createPersonalToken(bobId, 'expired', ['*'], new Date(Date.now() + 3_600_000));
    await current().db.query(`UPDATE account_credentials SET expires_at = now() - interval '1 minute' WHERE credential_id = $1`, [expired.id]);
    bob.expired = `Bearer ${expired.secret}`;
    bob.playToken = `Bearer ${(await server.accounts.createPlayToken(bobId, 'car')).secret}`;
    const cache = new Map<string, string>();
    bob.scoped = async (scope) => {
      if (!cache.has(scope)) cache.set(scope, `Bearer ${(await server.accounts.createPersonalToken(bobId, `only ${scope}`, [scope], null)).secret}`);
      return cache.get(scope)!;
    };

    const document = (await server.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as Document;
    operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
    );
  });
  after(async () => server?.app.close());

  // Path parameters point at Alice's things: Bob must not reach them.
  const url = (path: string) =>
    path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const ids: Record<string, string> = {
        deviceId: 'phone',
        id: alice.credentialId,
        grantId: alice.grantId,
        feedId: encodeFeedId(ALICE_FEED),
        playlistId: alice.playlistId,
        itemId: alice.itemId,
        collectionId: alice.collectionId,
        // gpodder.net API paths (src/adapters/gpodder): the user, and `{name}.{format}` segments.
        username: 'alice',
        userFile: 'alice.json',
        deviceFile: 'phone.json',
        // Open Podcast API: Alice's subscription GUID.
        guid: derivedFeedGuid(ALICE_FEED),
        scopeFile: 'account.json',
        countFile: '10.json',
      };
      if (!ids[name]) throw new Error(`The matrix does not know whose ${name} to use: add it`);
      return ids[name];
    });

  async function call(method: string, path: string, authorization?: string) {
    return server.app.inject({
      method: method as 'GET',
      url: url(path),
      headers: authorization ? { authorization } : {},
      ...(['POST', 'PUT', 'PATCH', 'DELETE'].includes(method) ? { payload: {} } : {}),
    });
  }

  function assertRefused(response: { statusCode: number; json(): unknown }, expected: number[], what: string) {
    assert.ok(expected.includes(response.statusCode), `${what}: answered ${response.statusCode}`);
    const body = response.json() as { error?: { code?: string } };
    assert.equal(typeof body.error?.code, 'string', `${what}: error shape`);
  }

  it('declares authentication on every route that is not public on purpose', () => {
    assert.ok(operations.length >= 10, `only ${operations.length} operations found`);
    for (const { method, path, operation } of operations) {
      const key = `${method} ${path}`;
      if (PUBLIC_OPERATIONS.has(key)) assert.equal(operation.security, undefined, `${key} is listed as public`);
      else assert.ok(operation.security && operation.security.length > 0, `${key} declares no authentication`);
    }
  });

  it('refuses missing, revoked, expired, play-token and under-scoped credentials on every protected route', async () => {
    let checked = 0;
    for (const { method, path, operation } of operations) {
      if (!operation.security) continue;
      const what = `${method} ${path}`;
      assertRefused(await call(method, path), [401], `${what} without credentials`);
      assertRefused(await call(method, path, bob.revoked), [401], `${what} with a revoked token`);
      assertRefused(await call(method, path, bob.expired), [401], `${what} with an expired token`);
      // A play token opens its feeds and the play gateway, nothing else.
      assertRefused(await call(method, path, bob.playToken), [401], `${what} with a play token`);
      const acceptsTokens = operation.security.some((requirement) => 'bearerAuth' in requirement);
      const required = operation.security.find((requirement) => 'oauth2' in requirement)?.oauth2?.[0];
      if (!acceptsTokens) {
        assertRefused(await call(method, path, await bob.scoped('*')), [403], `${what} with a token (password only)`);
      } else if (required) {
        const other = SCOPES.find((scope) => scope !== required && !scope.startsWith('*') && scope !== 'user.sync')!;
        assertRefused(await call(method, path, await bob.scoped(other)), [403], `${what} with a token lacking ${required}`);
      }
      checked++;
    }
    assert.ok(checked >= 8, `${checked} protected operations`);
  });

  it("never gives one user another user's data, nor changes it", async () => {
    const markers = [
      alice.userId,
      alice.credentialId,
      alice.grantId,
      alice.label,
      'Alice phone 9c1e',
      'Alice app 51d0',
      '"alice"',
      ALICE_FEED,
      'Alice feed 3b8d',
      'Alice playlist 4c2e',
      'Alice notes 4c2e',
      'alice-episode-4c2e',
      'Alice episode 4c2e',
      'Alice collection 4c2e',
      'Alice setting 4c2e',
    ];
    for (const { method, path, operation } of operations) {
      if (!operation.security) continue;
      const response = await call(method, path, bob.password);
      for (const marker of markers) assert.ok(!response.body.includes(marker), `${method} ${path} as Bob shows ${marker}`);
    }
    assert.ok(await server.accounts.findByUsername('alice'));
    assert.deepEqual((await server.accounts.listCredentials(alice.userId)).map((c) => c.id), [alice.credentialId]);
    assert.deepEqual((await server.devices.list(alice.userId)).map((d) => d.caption), ['Alice phone 9c1e']);
    assert.deepEqual((await new GrantService(server.store).list(alice.userId)).map((grant) => grant.grantId), [alice.grantId]);
    const subscriptions = await new SubscriptionService(server.store).list(alice.userId, { includeUnsubscribed: true });
    assert.deepEqual(subscriptions.map((subscription) => [subscription.feedUrl, subscription.subscribed]), [[ALICE_FEED, true]]);
    const privacy = await new PrivacyService(server.store).view(alice.userId);
    assert.deepEqual(privacy.podcasts.map((podcast) => [podcast.feedUrl, podcast.level]), [[ALICE_FEED, 'public']]);
    const playlists = new PlaylistService(server.store);
    assert.deepEqual((await playlists.list(alice.userId)).map((playlist) => [playlist.playlistId, playlist.name, playlist.description, playlist.itemCount]), [
      [alice.playlistId, 'Alice playlist 4c2e', 'Alice notes 4c2e', 1],
    ]);
    const items = (await playlists.get(alice.userId, alice.playlistId))!.items!;
    assert.deepEqual(items.map((entry) => [entry.itemId, entry.episode.guid]), [[alice.itemId, 'alice-episode-4c2e']]);
    const collections = await new CollectionService(server.store).list(alice.userId);
    assert.deepEqual(collections.map((collection) => [collection.collectionId, collection.name, collection.feeds.map((entry) => entry.feedUrl)]), [
      [alice.collectionId, 'Alice collection 4c2e', [ALICE_FEED]],
    ]);
    assert.deepEqual(await new SettingsService(server.store).get(alice.userId, { scope: 'account' }), { note: 'Alice setting 4c2e' });
  });
});
