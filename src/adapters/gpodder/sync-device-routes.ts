import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { DeviceService } from '../../accounts/devices/device-service.js';
import { HttpError } from '../../http/errors.js';
import { errorResponses } from '../../http/openapi.js';
import type { Sql } from '../../store/sql.js';
import { accountFor, checkDeviceId, jsonBody, jsonName } from './requests.js';

/** mygpo answers 404 for a device it does not know (mygpo/api/advanced/sync.py). */
export async function checkKnownDevice(db: Sql, userId: string, deviceId: string): Promise<void> {
  const known = await db.query('SELECT 1 FROM devices WHERE user_id = $1 AND device_id = $2', [userId, deviceId]);
  if (known.rowCount === 0) throw new HttpError(404, 'device_not_found', `This account has no device ${deviceId}`);
}

const SyncStatus = Type.Object({ synchronized: Type.Array(Type.Array(Type.String())), 'not-synchronized': Type.Array(Type.String()) });

/** Checks a request to (un)synchronize devices: well-formed, groups of two or more, devices of the account. */
async function checkRequest(db: Sql, userId: string, body: unknown): Promise<void> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'invalid_body', 'The body is a JSON object: { "synchronize": [[device, …]], "stop-synchronize": [device] }');
  const { synchronize = [], 'stop-synchronize': stop = [] } = body as { synchronize?: unknown; 'stop-synchronize'?: unknown };
  const isIds = (value: unknown): value is string[] => Array.isArray(value) && value.every((id) => typeof id === 'string');
  if (!Array.isArray(synchronize) || !synchronize.every(isIds)) throw new HttpError(400, 'invalid_body', '"synchronize" is a list of lists of device ids');
  if (!isIds(stop)) throw new HttpError(400, 'invalid_body', '"stop-synchronize" is a list of device ids');
  if (synchronize.some((group) => new Set(group).size < 2)) throw new HttpError(400, 'invalid_sync_group', 'A sync group has at least two devices');
  const ids = new Set([...synchronize.flat(), ...stop]);
  for (const id of ids) checkDeviceId(id);
  for (const id of ids) await checkKnownDevice(db, userId, id);
}

/**
 * `GET|POST /api/2/sync-devices/{username}.json`. Balados keeps one subscription list per
 * account, as if all its devices were always in one sync group: the status says so, and
 * requests to change it are checked, accepted, and change nothing.
 */
export const gpodderSyncDeviceRoutes: FastifyPluginAsyncTypebox<{ devices: DeviceService; db: Sql }> = async (app, { devices, db }) => {
  // mygpo: a group has two or more devices, so a lone device is "not synchronized".
  const status = async (userId: string) => {
    const ids = (await devices.list(userId)).map((device) => device.id);
    return ids.length >= 2 ? { synchronized: [ids], 'not-synchronized': [] } : { synchronized: [], 'not-synchronized': ids };
  };
  const Params = Type.Object({ userFile: Type.String() });

  app.get(
    '/api/2/sync-devices/:userFile',
    {
      config: { auth: {} },
      schema: {
        tags: ['gpodder'],
        summary: 'gpodder.net: sync groups (all devices of an account form one)',
        description: '`{userFile}` is `{username}.json`.',
        params: Params,
        response: { 200: SyncStatus, ...errorResponses },
      },
    },
    async (request) => status(accountFor(request, jsonName(request.params.userFile)).userId),
  );

  app.post(
    '/api/2/sync-devices/:userFile',
    {
      config: { auth: {} },
      schema: {
        tags: ['gpodder'],
        summary: 'gpodder.net: (un)synchronize devices: checked and accepted, all devices stay synchronized',
        description: 'Body `{ "synchronize": [[device, …]], "stop-synchronize": [device] }`; answers the sync status, unchanged.',
        params: Params,
        response: { 200: SyncStatus, ...errorResponses },
      },
    },
    async (request) => {
      const { userId } = accountFor(request, jsonName(request.params.userFile));
      await checkRequest(db, userId, jsonBody(request) ?? {});
      return status(userId);
    },
  );
};
