import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { DEVICE_TYPES, MAX_CAPTION_LENGTH, type DeviceType } from '../../accounts/devices/device-decider.js';
import type { DeviceService } from '../../accounts/devices/device-service.js';
import { HttpError } from '../../http/errors.js';
import { errorResponses } from '../../http/openapi.js';
import type { Sql } from '../../store/sql.js';
import { accountFor, checkDeviceId, jsonBody, jsonName } from './requests.js';

const GpodderDevice = Type.Object({ id: Type.String(), caption: Type.String(), type: Type.String(), subscriptions: Type.Integer() });

/** Devices (mygpo/api/advanced/__init__.py `devices`, `device`). */
export const gpodderDeviceRoutes: FastifyPluginAsyncTypebox<{ devices: DeviceService; db: Sql }> = async (app, { devices, db }) => {
  app.get(
    '/api/2/devices/:userFile',
    {
      config: { auth: {} },
      schema: {
        tags: ['gpodder'],
        summary: "gpodder.net: the account's devices",
        description: '`{userFile}` is `{username}.json`. `subscriptions` is the account-wide count: all devices of an account form one sync group.',
        params: Type.Object({ userFile: Type.String() }),
        response: { 200: Type.Array(GpodderDevice), ...errorResponses },
      },
    },
    async (request) => {
      const { userId } = accountFor(request, jsonName(request.params.userFile));
      const [list, count] = await Promise.all([
        devices.list(userId),
        db.query<{ count: number }>('SELECT count(*)::int AS count FROM subscriptions WHERE user_id = $1 AND subscribed', [userId]),
      ]);
      const subscriptions = Number(count.rows[0]?.count ?? 0);
      return list.map((device) => ({ id: device.id, caption: device.caption, type: device.type, subscriptions }));
    },
  );

  const update = {
    config: { auth: {} },
    schema: {
      tags: ['gpodder'],
      summary: 'gpodder.net: create a device or change its caption or type',
      description: '`{deviceFile}` is `{deviceId}.json`. Body `{ "caption"?, "type"? }` (JSON, any content type); answers 200 with an empty body.',
      params: Type.Object({ username: Type.String(), deviceFile: Type.String() }),
    },
  } as const;
  const handler = async (request: FastifyRequest<{ Params: { username: string; deviceFile: string } }>, reply: FastifyReply): Promise<FastifyReply> => {
    const { userId } = accountFor(request, request.params.username);
    const deviceId = checkDeviceId(jsonName(request.params.deviceFile));
    const body = jsonBody(request) ?? {};
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'invalid_body', 'The body must be a JSON object');
    const { caption, type } = body as { caption?: unknown; type?: unknown };
    const changes: { caption?: string; type?: DeviceType } = {};
    if (caption !== undefined && caption !== null) {
      if (typeof caption !== 'string' || caption.trim() === '' || caption.length > MAX_CAPTION_LENGTH) {
        throw new HttpError(400, 'invalid_caption', `caption must be a non-empty string of at most ${MAX_CAPTION_LENGTH} characters`);
      }
      changes.caption = caption;
    }
    if (type !== undefined && type !== null) {
      if (typeof type !== 'string' || !(DEVICE_TYPES as readonly string[]).includes(type)) throw new HttpError(400, 'invalid_device_type', `type must be one of ${DEVICE_TYPES.join(', ')}`);
      changes.type = type as DeviceType;
    }
    await devices.save(userId, deviceId, changes, { correlationId: request.id });
    return reply.code(200).send();
  };
  app.post('/api/2/devices/:username/:deviceFile', update, handler);
  // mygpo accepts PUT too ("Workaround for mygpoclient 1.0").
  app.put('/api/2/devices/:username/:deviceFile', update, handler);
};
