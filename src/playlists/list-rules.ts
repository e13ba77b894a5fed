import { DEVICE_ID_PATTERN } from '../accounts/devices/device-decider.js';
import { effectiveTime, type IsoTime } from '../domain/client-time.js';
import { DomainError } from '../domain/decider.js';
import { normalizeFeedUrl } from '../subscriptions/feed-url.js';

/**
 * Input rules shared by playlists and collections (both are named, ordered lists a listener
 * edits from several devices). Every refusal here is a 400: it depends on the input alone.
 */
export const VISIBILITIES = ['public', 'private'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/** Ids chosen by the clients: a UUID, or anything like a gpodder.net device id. */
export const CLIENT_ID_PATTERN = /^[\w.-]{1,64}$/;
export const MAX_NAME_LENGTH = 200;
/** Further than any list may grow; a larger index is a client bug, not "the end". */
export const MAX_INDEX = 5000;

// Tabs and line breaks have no place in a name; descriptions may hold line breaks.
const NAME_FORBIDDEN = /[\u0000-\u001f\u007f]/;
const TEXT_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Common to every command: who, when (server time in, client time optional), from which device. */
export interface CommandStamp {
  userId: string;
  receivedAt: number;
  clientTime?: number;
  deviceId?: string;
}

/** When the change counts as made (client time clamped to the server's), after checking the stamp. */
export function commandTime(command: CommandStamp): IsoTime {
  if (typeof command.userId !== 'string' || command.userId === '') throw new DomainError('invalid_user', 'A command needs its user', 400);
  if (!Number.isFinite(command.receivedAt)) throw new DomainError('invalid_time', 'A command needs the time it was received', 400);
  if (command.clientTime !== undefined && typeof command.clientTime !== 'number') throw new DomainError('invalid_time', 'A client time is a number of milliseconds', 400);
  if (command.deviceId !== undefined && !DEVICE_ID_PATTERN.test(command.deviceId)) {
    throw new DomainError('invalid_device_id', 'Device ids are 1 to 64 letters, digits, "_", "-" or "."', 400);
  }
  return effectiveTime(command.clientTime, command.receivedAt);
}

/** `{ deviceId }` when there is one: event data never holds undefined. */
export function deviceOf(command: { deviceId?: string }): { deviceId?: string } {
  return command.deviceId === undefined ? {} : { deviceId: command.deviceId };
}

export function checkId(id: unknown, code: string, what: string): string {
  if (typeof id !== 'string' || !CLIENT_ID_PATTERN.test(id)) throw new DomainError(code, `${what} are 1 to 64 letters, digits, "_", "-" or "."`, 400);
  return id;
}

export function checkName(name: unknown): string {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if (trimmed === '' || trimmed.length > MAX_NAME_LENGTH || NAME_FORBIDDEN.test(trimmed)) {
    throw new DomainError('invalid_name', `A name has 1 to ${MAX_NAME_LENGTH} characters, without control characters`, 400);
  }
  return trimmed;
}

export function checkText(text: unknown, max: number, code: string, what: string): string {
  const trimmed = typeof text === 'string' ? text.trim() : undefined;
  if (trimmed === undefined || trimmed.length > max || TEXT_FORBIDDEN.test(trimmed)) {
    throw new DomainError(code, `${what} has at most ${max} characters, without control characters`, 400);
  }
  return trimmed;
}

export function checkVisibility(visibility: unknown): Visibility {
  if (!VISIBILITIES.includes(visibility as Visibility)) throw new DomainError('invalid_visibility', 'Visibility is "public" or "private"', 400);
  return visibility as Visibility;
}

export function checkIndex(index: unknown): number {
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > MAX_INDEX) {
    throw new DomainError('invalid_index', `An index is a whole number from 0 to ${MAX_INDEX}`, 400);
  }
  return index;
}

/** Feed URLs reach the domain normalized (src/subscriptions/feed-url.ts); anything else is a bug upstream or a bad request. */
export function checkFeedUrl(feedUrl: unknown): string {
  let normalized: string | undefined;
  try {
    normalized = typeof feedUrl === 'string' ? normalizeFeedUrl(feedUrl) : undefined;
  } catch {
    normalized = undefined;
  }
  if (normalized === undefined || normalized !== feedUrl) throw new DomainError('invalid_feed_url', 'Not a normalized feed URL', 400);
  return normalized;
}

/** A named register settled by "latest change wins" (ties: the later arrival). */
export interface Register<T> {
  readonly value: T;
  readonly at: IsoTime;
}

/**
 * Changes are never ordered before the creation of what they change: a device whose clock is
 * behind saw the thing created, so its change comes after.
 */
export function afterCreation(at: IsoTime, createdAt: IsoTime): IsoTime {
  return at < createdAt ? createdAt : at;
}

/** Whether setting `value` at `at` changes the register: a later change, or a tie that says something else. */
export function wins<T>(register: Register<T>, value: T, at: IsoTime): boolean {
  return at > register.at || (at === register.at && value !== register.value);
}

export function settle<T>(register: Register<T>, value: T, at: IsoTime): Register<T> {
  return at >= register.at ? { value, at } : register;
}
