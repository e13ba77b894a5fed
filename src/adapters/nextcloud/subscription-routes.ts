import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { principalOf } from '../../http/authentication.js';
import { errorResponses } from '../../http/openapi.js';
import type { GpodderSubscriptionSync } from '../gpodder/subscription-sync.js';
import { normalizedChanges } from '../gpodder/sanitize.js';
import { CLIENT_CLOCK_MARGIN_SECONDS, nextcloudClientKey, parseSince } from './since.js';

// Entries without a URL are ignored (gpoddersync 3.2.0), so null is allowed in the lists.
const UrlList = Type.Optional(Type.Array(Type.Union([Type.String({ maxLength: 4096 }), Type.Null()]), { maxItems: 10_000 }));

function urls(list: readonly (string | null)[] | undefined): string[] {
  return (list ?? []).filter((url): url is string => url !== null && url.trim() !== '');
}

/**
 * The subscription endpoints of the Nextcloud app gpoddersync (`SubscriptionChangeController`),
 * over the same delta as the gpodder.net adapter. Registered with the app's path as `prefix`.
 */
export const nextcloudSubscriptionRoutes: FastifyPluginAsyncTypebox<{ sync: GpodderSubscriptionSync }> = async (app, { sync }) => {
  app.get(
    '/subscriptions',
    {
      config: { auth: { scope: 'user.subscriptions.read' } },
      schema: {
        tags: ['nextcloud'],
        summary: 'Nextcloud GPodder Sync: subscription changes since a time',
        description:
          '`since`: integer seconds (0 or absent: everything). The answer holds every change of the account since then, each feed once, in `add` or `remove`; ' +
          `\`timestamp\` is the \`since\` to resume with. \`since\` is read ${CLIENT_CLOCK_MARGIN_SECONDS / 60} minutes early, because AntennaPod resumes at its own clock after an upload.`,
        querystring: Type.Object({ since: Type.Optional(Type.String({ maxLength: 32 })) }),
        response: { 200: Type.Object({ add: Type.Array(Type.String()), remove: Type.Array(Type.String()), timestamp: Type.Integer() }), ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return sync.changesSince(principal.userId, nextcloudClientKey(principal), parseSince(request.query.since), CLIENT_CLOCK_MARGIN_SECONDS);
    },
  );

  app.post(
    '/subscription_change/create',
    {
      config: { auth: { scope: 'user.subscriptions.write' } },
      schema: {
        tags: ['nextcloud'],
        summary: 'Nextcloud GPodder Sync: upload subscription changes',
        description:
          'Body `{ "add": [url], "remove": [url] }` (JSON). A feed in both lists ends up removed (the Nextcloud app applies the removals last); ' +
          'empty entries and URLs that are not usable feed URLs are ignored. Answers the `timestamp` to resume downloads with.',
        body: Type.Object({ add: UrlList, remove: UrlList }),
        response: { 200: Type.Object({ timestamp: Type.Integer() }), ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const changes = normalizedChanges(urls(request.body.add), urls(request.body.remove), 'remove');
      return { timestamp: await sync.applyChanges(principal.userId, nextcloudClientKey(principal), changes) };
    },
  );
};
