import type { Projector } from '../../projections/projector.js';
import type { DeviceEvent } from './device-decider.js';

/** `devices`: one row per (user, device), inline so a new device is listed at once. */
export function devicesProjector(): Projector {
  return {
    name: 'devices',
    kind: 'inline',
    version: 1,
    handles: ['DeviceRegistered', 'DeviceUpdated'],
    tables: ['devices'],
    async apply(tx, events) {
      for (const event of events) {
        const userId = event.streamId.slice('devices-'.length);
        const { data } = event as unknown as DeviceEvent;
        await tx.query(
          `INSERT INTO devices (user_id, device_id, caption, device_type, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
           ON CONFLICT (user_id, device_id) DO UPDATE SET caption = EXCLUDED.caption, device_type = EXCLUDED.device_type, updated_at = EXCLUDED.updated_at`,
          [userId, data.deviceId, data.caption, data.deviceType, event.recordedAt],
        );
      }
    },
    async forgetUser(tx, userId) {
      await tx.query('DELETE FROM devices WHERE user_id = $1', [userId]);
    },
  };
}
