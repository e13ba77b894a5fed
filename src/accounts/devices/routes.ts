import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { principalOf } from '../../http/authentication.js';
import { errorResponses } from '../../http/openapi.js';
import { DEVICE_TYPES, MAX_CAPTION_LENGTH } from './device-decider.js';
import type { DeviceService } from './device-service.js';

const DeviceType = Type.Union(DEVICE_TYPES.map((type) => Type.Literal(type)));
const Device = Type.Object(
  { id: Type.String(), caption: Type.String(), type: DeviceType, createdAt: Type.String({ format: 'date-time' }), updatedAt: Type.String({ format: 'date-time' }) },
  { $id: 'Device' },
);

export const deviceRoutes: FastifyPluginAsyncTypebox<{ devices: DeviceService }> = async (app, { devices }) => {
  app.get(
    '/api/v1/devices',
    {
      config: { auth: { scope: 'user.sync' } },
      schema: { tags: ['devices'], summary: "The account's devices", response: { 200: Type.Array(Device), ...errorResponses } },
    },
    async (request) =>
      (await devices.list(principalOf(request).userId)).map((device) => ({
        ...device,
        createdAt: device.createdAt.toISOString(),
        updatedAt: device.updatedAt.toISOString(),
      })),
  );

  app.put(
    '/api/v1/devices/:deviceId',
    {
      config: { auth: { scope: 'user.sync' } },
      schema: {
        tags: ['devices'],
        summary: 'Create a device, or rename it or change its type',
       
        params: Type.Object({ deviceId: Type.String({ pattern: '^[\\w.-]{1,64}$' }) }),
        body: Type.Object({ caption: Type.Optional(Type.String({ maxLength: MAX_CAPTION_LENGTH })), type: Type.Optional(DeviceType) }, { additionalProperties: false }),
        response: { 200: Device, ...errorResponses },
      },
    },
    async (request) => {
      const { userId } = principalOf(request);
      await devices.save(userId, request.params.deviceId, request.body, { correlationId: request.id });
      const device = (await devices.list(userId)).find((candidate) => candidate.id === request.params.deviceId)!;
      return { ...device, createdAt: device.createdAt.toISOString(), updatedAt: device.updatedAt.toISOString() };
    },
  );
};
