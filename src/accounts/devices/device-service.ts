import { CommandHandler } from '../../domain/command-handler.js';
import type { EventStore } from '../../store/event-store.js';
import type { EventMetadata } from '../../store/events.js';
import type { Sql } from '../../store/sql.js';
import { deviceDecider, devicesStream, type DeviceCommand, type DeviceEvent, type DevicesState, type DeviceType } from './device-decider.js';

export interface Device {
  id: string;
  caption: string;
  type: DeviceType;
  createdAt: Date;
  updatedAt: Date;
}

export class DeviceService {
  private readonly handler: CommandHandler<DeviceCommand, DeviceEvent, DevicesState>;

  constructor(private readonly store: EventStore) {
    this.handler = new CommandHandler(store, deviceDecider);
  }

  /** Creates the device or changes what is given; does nothing when nothing changes. */
  async save(userId: string, deviceId: string, changes: { caption?: string; type?: DeviceType } = {}, metadata: EventMetadata = {}): Promise<void> {
    await this.handler.handle(
      devicesStream(userId),
      { kind: 'saveDevice', deviceId, ...(changes.caption !== undefined ? { caption: changes.caption } : {}), ...(changes.type ? { deviceType: changes.type } : {}) },
      { metadata: { userId, deviceId, ...metadata }, maxAttempts: 5 },
    );
  }

  /** Called before recording anything a device does: creates it on first use (cheap when known). */
  async ensure(userId: string, deviceId: string, sql: Sql = this.store.db): Promise<void> {
    const known = await sql.query('SELECT 1 FROM devices WHERE user_id = $1 AND device_id = $2', [userId, deviceId]);
    if (known.rowCount === 0) await this.save(userId, deviceId);
  }

  async list(userId: string): Promise<Device[]> {
    const result = await this.store.db.query<{ device_id: string; caption: string; device_type: DeviceType; created_at: Date; updated_at: Date }>(
      'SELECT device_id, caption, device_type, created_at, updated_at FROM devices WHERE user_id = $1 ORDER BY device_id',
      [userId],
    );
    return result.rows.map((row) => ({ id: row.device_id, caption: row.caption, type: row.device_type, createdAt: row.created_at, updatedAt: row.updated_at }));
  }
}
