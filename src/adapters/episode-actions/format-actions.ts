import { createHash } from 'node:crypto';
import type { IsoTime } from '../../domain/client-time.js';
import type { ListeningState } from '../../playback/listening-decider.js';
import { formatActionTime } from './action-time.js';

/**
 * The stored listening state of an episode as gpodder-style actions: the winning write of each
 * aspect that has one (history is not kept apart: see docs/sync-semantics.md, "gpodder.net and
 * Nextcloud episode actions"):
 *
 * - progress → `play` with `started` (0 when unknown), `position` and `total` (when known);
 * - played → `play` at the time it was marked (position = total when the total is known, no
 *   numbers otherwise), unless the progress already says it (same time or later, at the end);
 * - not played → `new`;
 * - download → `download` or `delete`.
 *
 * Saved and shared have no gpodder action and are not shown. The episode URL is the media URL,
 * else the guid (an episode recorded by the native API with its guid only).
 */
export interface StoredAction {
  podcast: string;
  episode: string;
  guid?: string;
  action: 'play' | 'new' | 'download' | 'delete';
  at: IsoTime;
  device?: string;
  started?: number;
  position?: number;
  total?: number;
}

export function actionsOf(state: ListeningState): StoredAction[] {
  const episode = state.episode;
  if (!episode) return [];
  const base = { podcast: episode.feedUrl, episode: episode.mediaUrl ?? episode.guid!, ...(episode.guid !== undefined ? { guid: episode.guid } : {}) };
  const device = (deviceId: string | undefined) => (deviceId !== undefined ? { device: deviceId } : {});
  const actions: StoredAction[] = [];
  const { progress, played, download } = state;
  if (progress) {
    actions.push({
      ...base,
      action: 'play',
      at: progress.at,
      ...device(progress.deviceId),
      started: progress.started ?? 0,
      position: progress.position,
      ...(progress.total !== undefined ? { total: progress.total } : {}),
    });
  }
  if (played?.played === false) actions.push({ ...base, action: 'new', at: played.at, ...device(played.deviceId) });
  if (played?.played === true) {
    const total = progress?.total;
    const said = progress !== undefined && progress.at >= played.at && total !== undefined && progress.position >= total;
    if (!said) actions.push({ ...base, action: 'play', at: played.at, ...device(played.deviceId), ...(total !== undefined ? { started: 0, position: total, total } : {}) });
  }
  if (download) actions.push({ ...base, action: download.state === 'downloaded' ? 'download' : 'delete', at: download.at, ...device(download.deviceId) });
  return actions;
}

/** `aggregated=true`: the latest action of the episode only (the first listed on a tie). */
export function latestAction(actions: readonly StoredAction[]): StoredAction | undefined {
  return actions.reduce<StoredAction | undefined>((latest, action) => (latest === undefined || action.at > latest.at ? action : latest), undefined);
}

/** mygpo's shape: numbers on play actions only (mygpoclient refuses them elsewhere), `guid` and `device` when known. */
export interface GpodderActionJson {
  podcast: string;
  episode: string;
  guid?: string;
  device?: string;
  action: StoredAction['action'];
  timestamp: string;
  started?: number;
  position?: number;
  total?: number;
}

export function gpodderAction(action: StoredAction): GpodderActionJson {
  return {
    podcast: action.podcast,
    episode: action.episode,
    ...(action.guid !== undefined ? { guid: action.guid } : {}),
    ...(action.device !== undefined ? { device: action.device } : {}),
    action: action.action,
    timestamp: formatActionTime(action.at),
    ...(action.started !== undefined ? { started: Math.round(action.started) } : {}),
    ...(action.position !== undefined ? { position: Math.round(action.position) } : {}),
    ...(action.total !== undefined ? { total: Math.round(action.total) } : {}),
  };
}

/**
 * gpoddersync's shape (its EpisodeActionController): every field on every action, the action in
 * capitals, -1 for what is unknown or not a play; `id` is a stable number per episode, kind
 * of action and time (gpoddersync's row id; clients ignore it). `guid` is left out when unknown
 * (AntennaPod would read a null as the text "null").
 */
export interface NextcloudActionJson {
  id: number;
  podcast: string;
  episode: string;
  guid?: string;
  action: string;
  timestamp: string;
  started: number;
  position: number;
  total: number;
}

export function nextcloudAction(action: StoredAction, streamId: string): NextcloudActionJson {
  const id = createHash('sha256').update(`${streamId}\n${action.action}\n${action.at}`).digest().readUInt32BE(0) & 0x7fffffff;
  return {
    id,
    podcast: action.podcast,
    episode: action.episode,
    ...(action.guid !== undefined ? { guid: action.guid } : {}),
    action: action.action.toUpperCase(),
    timestamp: formatActionTime(action.at),
    started: action.started !== undefined ? Math.round(action.started) : -1,
    position: action.position !== undefined ? Math.round(action.position) : -1,
    total: action.total !== undefined ? Math.round(action.total) : -1,
  };
}
