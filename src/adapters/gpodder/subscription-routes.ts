import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { HttpError } from '../../http/errors.js';
import { errorResponses } from '../../http/openapi.js';
import { accountFor, checkDeviceId, jsonBody, jsonName } from './requests.js';
import { sanitizeUpload } from './sanitize.js';
import type { GpodderSubscriptionSync } from './subscription-sync.js';

const Params = Type.Object({ username: Type.String(), deviceFile: Type.String() });

/** `GET|POST /api/2/subscriptions/{username}/{deviceid}.json` (mygpo/api/subscriptions.py). */
export const gpodderSubscriptionRoutes: FastifyPluginAsyncTypebox<{ sync: GpodderSubscriptionSync }> = async (app, { sync }) => {
  app.get(
    '/api/2/subscriptions/:username/:deviceFile',
    {
      config: { auth: {} },
      schema: {
        tags: ['gpodder'],
        summary: 'gpodder.net: subscription changes since a timestamp',
        description:
          '`{deviceFile}` is `{deviceId}.json`. `since` (integer seconds, 0 the first time) is a `timestamp` this server gave: the answer holds every change after it, of every device of the account.',
        params: Params,
        querystring: Type.Object({ since: Type.Optional(Type.String()) }),
        response: { 200: Type.Object({ add: Type.Array(Type.String()), remove: Type.Array(Type.String()), timestamp: Type.Integer() }), ...errorResponses },
      },
    },
    async (request) => {
      const { userId } = accountFor(request, request.params.username);
      const deviceId = checkDeviceId(jsonName(request.params.deviceFile));
      // mygpo: required, a non-negative integer (mygpo/api/__init__.py `get_since`).
      const since = request.query.since;
      if (since === undefined || !/^\d{1,15}$/.test(since)) throw new HttpError(400, 'invalid_since', 'since must be a non-negative integer (0 the first time)');
      return sync.download(userId, deviceId, Number(since));
    },
  );

  app.post(
    '/api/2/subscriptions/:username/:deviceFile',
    {
      config: { auth: {} },
      schema: {
        tags: ['gpodder'],
        summary: 'gpodder.net: upload subscription changes',
        description:
          'Body `{ "add": [url], "remove": [url] }` (JSON, any content type). `update_urls` lists `[submitted, normalized]` for every URL this server rewrote (`""` when refused).',
        params: Params,
        response: {
          200: Type.Object({ timestamp: Type.Integer(), update_urls: Type.Array(Type.Tuple([Type.String(), Type.String()])) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { userId } = accountFor(request, request.params.username);
      const deviceId = checkDeviceId(jsonName(request.params.deviceFile));
      const { changes, updateUrls } = sanitizeUpload(jsonBody(request));
      const timestamp = await sync.upload(userId, deviceId, changes);
      return { timestamp, update_urls: updateUrls };
    },
  );
};
