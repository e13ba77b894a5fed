import { DomainError, type Decider } from '../../domain/decider.js';

/**
 * A user's devices (stream `devices-<userId>`): ids chosen by the clients (gpodder.net style),
 * with a caption and a type. A device comes into being the first time a client uses its id.
 */
export const DEVICE_TYPES = ['desktop', 'laptop', 'mobile', 'server', 'other'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

/** As the gpodder.net reference server accepts them. */
export const DEVICE_ID_PATTERN = /^[\w.-]{1,64}$/;
export const MAX_DEVICES = 500;
export const MAX_CAPTION_LENGTH = 100;

export type DeviceEvent =
  | { type: 'DeviceRegistered'; data: { deviceId: string; caption: string; deviceType: DeviceType } }
  | { type: 'DeviceUpdated'; data: { deviceId: string; caption: string; deviceType: DeviceType } };

export type DeviceCommand = { kind: 'saveDevice'; deviceId: string; caption?: string; deviceType?: DeviceType };

export type DevicesState = Map<string, { caption: string; deviceType: DeviceType }>;

export function devicesStream(userId: string): string {
  return `devices-${userId}`;
}

export const deviceDecider: Decider<DeviceCommand, DeviceEvent, DevicesState> = {
  initialState: () => new Map(),
  evolve(state, event) {
    const next = new Map(state);
    next.set(event.data.deviceId, { caption: event.data.caption, deviceType: event.data.deviceType });
    return next;
  },
  decide(command, state) {
    if (!DEVICE_ID_PATTERN.test(command.deviceId)) {
      throw new DomainError('invalid_device_id', 'Device ids are 1 to 64 letters, digits, "_", "-" or "."', 400);
    }
    const caption = command.caption?.trim();
    if (caption !== undefined && caption.length > MAX_CAPTION_LENGTH) {
      throw new DomainError('invalid_caption', `Captions have at most ${MAX_CAPTION_LENGTH} characters`, 400);
    }
    const existing = state.get(command.deviceId);
    if (!existing) {
      if (state.size >= MAX_DEVICES) throw new DomainError('too_many_devices', `An account has at most ${MAX_DEVICES} devices`);
      return [{ type: 'DeviceRegistered', data: { deviceId: command.deviceId, caption: caption ?? '', deviceType: command.deviceType ?? 'other' } }];
    }
    const next = { caption: caption ?? existing.caption, deviceType: command.deviceType ?? existing.deviceType };
    if (next.caption === existing.caption && next.deviceType === existing.deviceType) return [];
    return [{ type: 'DeviceUpdated', data: { deviceId: command.deviceId, ...next } }];
  },
};
