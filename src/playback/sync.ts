import { Type, type Static } from '@sinclair/typebox';
import { DomainError } from '../domain/decider.js';
import { ClientTime, parseClientTime } from '../http/client-time.js';
import type { SyncApplier, SyncSource } from '../sync/sync-source.js';
import { DOWNLOAD_STATES, MAX_SECONDS, type ListeningState } from './listening-decider.js';
import { episodeStateView } from './listening-view.js';
import type { ListeningChange, PlaybackService } from './playback-service.js';
import { EpisodeRefSchema, EpisodeStateSchema } from './routes.js';

export function episodesSyncSource(): SyncSource {
  return {
    name: 'episodes',
    itemSchema: EpisodeStateSchema,
    async changedSince(sql, userId, after, upTo, limit) {
      const result = await sql.query<{ seq: number; state: ListeningState }>(
        `SELECT s.seq, e.state FROM episode_state_seqs s JOIN episode_states e ON e.stream_id = s.stream_id
         WHERE s.user_id = $1 AND s.seq > $2 AND s.seq <= $3 ORDER BY s.seq LIMIT $4`,
        [userId, after, upTo, limit],
        { name: 'balados_sync_episodes' },
      );
      return result.rows.map((row) => ({ seq: Number(row.seq), item: episodeStateView(row.state) }));
    },
  };
}

const Seconds = Type.Number({ minimum: 0, maximum: MAX_SECONDS });
const EpisodeChange = Type.Object({
  episode: EpisodeRefSchema,
  action: Type.Union([Type.Literal('progress'), Type.Literal('played'), Type.Literal('download'), Type.Literal('saved'), Type.Literal('share')]),
  position: Type.Optional(Seconds),
  started: Type.Optional(Seconds),
  total: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: MAX_SECONDS })),
  played: Type.Optional(Type.Boolean()),
  saved: Type.Optional(Type.Boolean()),
  state: Type.Optional(Type.Union(DOWNLOAD_STATES.map((state) => Type.Literal(state)))),
  at: Type.Optional(ClientTime),
});
type EpisodeChange = Static<typeof EpisodeChange>;

function required<T>(value: T | undefined, field: string, action: string): T {
  if (value === undefined) throw new DomainError('missing_field', `A ${action} change needs ${field}`, 400);
  return value;
}

function toChange(change: EpisodeChange): ListeningChange {
  switch (change.action) {
    case 'progress':
      return {
        kind: 'recordProgress',
        position: required(change.position, 'position', 'progress'),
        ...(change.started !== undefined ? { started: change.started } : {}),
        ...(change.total !== undefined ? { total: change.total } : {}),
      };
    case 'played':
      return { kind: 'setPlayed', played: required(change.played, 'played', 'played') };
    case 'download':
      return { kind: 'setDownload', state: required(change.state, 'state', 'download') };
    case 'saved':
      return { kind: 'setSaved', saved: required(change.saved, 'saved', 'saved') };
    case 'share':
      return { kind: 'share' };
  }
}

export function episodesSyncApplier(playback: PlaybackService): SyncApplier<EpisodeChange> {
  return {
    type: 'episode',
    changeSchema: EpisodeChange,
    async apply({ tx, userId, deviceId, receivedAt }, changes) {
      const writes = changes.map((change, index) => {
        const clientTime = parseClientTime(change.at, `changes[${index}].at`);
        return { episode: change.episode, change: toChange(change), ...(clientTime !== undefined ? { clientTime } : {}) };
      });
      const outcomes = await playback.recordMany(userId, writes, { tx, receivedAt, ...(deviceId ? { deviceId } : {}) });
      return outcomes.map((outcome) => ({ applied: outcome.applied, state: outcome.state }));
    },
  };
}
