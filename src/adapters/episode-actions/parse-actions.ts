import { DEVICE_ID_PATTERN } from '../../accounts/devices/device-decider.js';
import { HttpError } from '../../http/errors.js';
import { MAX_GUID_LENGTH, MAX_MEDIA_URL_LENGTH } from '../../playback/episode-identity.js';
import { MAX_SECONDS } from '../../playback/listening-decider.js';
import type { ListeningChange, ListeningWrite } from '../../playback/playback-service.js';
import { tryNormalizeFeedUrl } from '../../subscriptions/feed-url.js';
import { parseActionTime } from './action-time.js';

/**
 * gpodder-style episode actions (gpodder.net `POST /api/2/episodes`, Nextcloud gpoddersync
 * `episode_action/create`) turned into playback commands:
 *
 * - `play` with a position → recordProgress (`started`, `position`, `total` in seconds); when
 *   the position reached a known total, also setPlayed(true) (AntennaPod uploads every finished
 *   episode that way on its first sync, and the native API must call it finished);
 * - `play` without a position → setPlayed(true) (gPodder's "mark as played");
 * - `new` → setPlayed(false); `download` / `delete` → setDownload('downloaded' / 'deleted');
 * - `flattr` → accepted and ignored (the Flattr service is gone; there is nothing to record).
 *
 * A value of -1 means "none" (gpoddersync's default, also sent by AntennaPod), like null; a
 * `total` of 0 is no total. `started`/`position`/`total` on other actions are ignored (mygpo
 * keeps them for play only). An empty `device` is no device (Kasts' Nextcloud provider).
 *
 * One malformed action refuses the whole upload (400, its index in the message), before anything
 * is recorded. A podcast URL this server cannot use is not an error: like mygpo, the action is
 * skipped and the URL reported in `update_urls` as `[url, ""]` (a client retrying its upload
 * forever on it would never sync again).
 */
export const ACTION_TYPES = ['download', 'delete', 'play', 'new', 'flattr'] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

export interface ParsedUpload {
  writes: ListeningWrite[];
  /** Devices the actions name (created if unknown, as mygpo does). */
  devices: Set<string>;
  /** `[submitted, normalized]` for every podcast URL rewritten (`""`: refused). */
  updateUrls: [string, string][];
}

export const MAX_ACTIONS_PER_UPLOAD = 1000;

function refuse(index: number, code: string, message: string): never {
  throw new HttpError(400, code, `Action ${index + 1}: ${message}`);
}

function text(value: unknown, index: number, field: string, max: number, required: boolean): string | undefined {
  if (value === undefined || value === null || value === '') {
    if (required) refuse(index, 'missing_field', `${field} is required`);
    return undefined;
  }
  if (typeof value !== 'string' || value.length > max || /[\u0000-\u001f\u007f]/.test(value) || value.trim() === '') {
    refuse(index, `invalid_${field}`, `${field} is a text of at most ${max} characters, without control characters`);
  }
  return value;
}

function seconds(value: unknown, index: number, field: string): number | undefined {
  if (value === undefined || value === null || value === -1) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_SECONDS) {
    refuse(index, `invalid_${field}`, `${field} is a number of seconds from 0 to ${MAX_SECONDS} (or -1 for none)`);
  }
  return value;
}

/**
 * Parses an upload; throws HttpError 400 naming the first bad action. `ignoreDevice`: the
 * Nextcloud app has no devices and ignores the field, so its clients may put anything there.
 */
export function parseEpisodeActions(body: unknown, options: { ignoreDevice?: boolean } = {}): ParsedUpload {
  if (!Array.isArray(body)) throw new HttpError(400, 'invalid_body', 'The body must be a JSON array of episode actions');
  if (body.length > MAX_ACTIONS_PER_UPLOAD) throw new HttpError(400, 'too_many_actions', `At most ${MAX_ACTIONS_PER_UPLOAD} actions per upload`);
  const upload: ParsedUpload = { writes: [], devices: new Set(), updateUrls: [] };
  const reported = new Set<string>();
  for (const [index, raw] of body.entries()) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) refuse(index, 'invalid_action', 'an action is a JSON object');
    const action = raw as Record<string, unknown>;
    const podcast = text(action.podcast, index, 'podcast', MAX_MEDIA_URL_LENGTH, true)!;
    const mediaUrl = text(action.episode, index, 'episode', MAX_MEDIA_URL_LENGTH, true)!;
    const guid = text(action.guid, index, 'guid', MAX_GUID_LENGTH, false);
    const type = typeof action.action === 'string' ? action.action.toLowerCase() : undefined;
    if (!type || !(ACTION_TYPES as readonly string[]).includes(type)) refuse(index, 'invalid_action_type', `action is one of ${ACTION_TYPES.join(', ')}`);
    const clientTime = parseActionTime(action.timestamp);
    if (clientTime !== undefined && Number.isNaN(clientTime)) refuse(index, 'invalid_timestamp', 'timestamp is an ISO 8601 date-time in UTC, like 2026-03-02T08:15:05');
    const device = options.ignoreDevice ? undefined : text(action.device, index, 'device', 64, false);
    if (device !== undefined && !DEVICE_ID_PATTERN.test(device)) refuse(index, 'invalid_device_id', 'device is 1 to 64 letters, digits, "_", "-" or "."');
    const position = type === 'play' ? seconds(action.position, index, 'position') : undefined;
    const started = type === 'play' ? seconds(action.started, index, 'started') : undefined;
    const totalGiven = type === 'play' ? seconds(action.total, index, 'total') : undefined;
    const total = totalGiven === 0 ? undefined : totalGiven;

    const feedUrl = tryNormalizeFeedUrl(podcast);
    if (feedUrl !== podcast && !reported.has(podcast)) {
      reported.add(podcast);
      upload.updateUrls.push([podcast, feedUrl ?? '']);
    }
    if (!feedUrl || type === 'flattr') continue;
    if (device !== undefined) upload.devices.add(device);
    // Optional fields assigned rather than spread in: this runs for every action of an upload.
    const episode: ListeningWrite['episode'] = guid !== undefined ? { feedUrl, mediaUrl, guid } : { feedUrl, mediaUrl };
    const write = (change: ListeningChange): ListeningWrite => {
      const made: ListeningWrite = { episode, change };
      if (clientTime !== undefined) made.clientTime = clientTime;
      if (device !== undefined) made.deviceId = device;
      return made;
    };
    if (type === 'play' && position !== undefined) {
      const change: ListeningChange & { kind: 'recordProgress' } = { kind: 'recordProgress', position };
      if (started !== undefined) change.started = started;
      if (total !== undefined) change.total = total;
      upload.writes.push(write(change));
      if (total !== undefined && position >= total) upload.writes.push(write({ kind: 'setPlayed', played: true }));
    } else if (type === 'play' || type === 'new') {
      upload.writes.push(write({ kind: 'setPlayed', played: type === 'play' }));
    } else {
      upload.writes.push(write({ kind: 'setDownload', state: type === 'download' ? 'downloaded' : 'deleted' }));
    }
  }
  return upload;
}
