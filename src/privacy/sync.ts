import { Type, type Static } from '@sinclair/typebox';
import { ClientTime, parseClientTime } from '../http/client-time.js';
import { HttpError } from '../http/errors.js';
import type { SyncApplier, SyncSource } from '../sync/sync-source.js';
import { FeedUrl } from '../subscriptions/routes.js';
import { PRIVACY_LEVELS, type PrivacyLevel } from './privacy-state.js';
import { PRIVACY_COLUMNS, toStoredSetting, type PrivacyChangeRequest, type PrivacyService } from './privacy-service.js';
import { EpisodeKey, PrivacySyncItem, privacySettingJson } from './routes.js';

/** `privacy` in sync answers: every setting changed since the cursor, cleared overrides included. */
export function privacySyncSource(): SyncSource {
  return {
    name: 'privacy',
    itemSchema: PrivacySyncItem,
    async changedSince(sql, userId, after, upTo, limit) {
      const result = await sql.query<Parameters<typeof toStoredSetting>[0]>(
        `SELECT ${PRIVACY_COLUMNS} FROM privacy_settings WHERE user_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4`,
        [userId, after, upTo, limit],
        { name: 'balados_sync_privacy' },
      );
      return result.rows.map((row) => {
        const setting = toStoredSetting(row);
        return { seq: setting.seq, item: privacySettingJson(setting) };
      });
    },
  };
}

const PrivacyChange = Type.Object({
  scope: Type.Union([Type.Literal('default'), Type.Literal('podcast'), Type.Literal('episode')]),
  feedUrl: Type.Optional(FeedUrl),
  episodeKey: Type.Optional(EpisodeKey),
  level: Type.Unsafe<PrivacyLevel | null>({ enum: [...PRIVACY_LEVELS, null], description: 'null removes a podcast or episode override' }),
  at: Type.Optional(ClientTime),
});
type Change = Static<typeof PrivacyChange>;

function requestOf(change: Change, index: number): PrivacyChangeRequest {
  const clientTime = parseClientTime(change.at, `changes[${index}].at`);
  const time = clientTime !== undefined ? { clientTime } : {};
  const refuse = (message: string) => new HttpError(400, 'invalid_privacy_change', `changes[${index}]: ${message}`);
  switch (change.scope) {
    case 'default':
      if (change.feedUrl !== undefined || change.episodeKey !== undefined) throw refuse('the default takes neither feedUrl nor episodeKey');
      // A null level is refused by the decider (invalid_privacy_level): the default cannot be removed.
      return { scope: 'default', level: change.level as PrivacyLevel, ...time };
    case 'podcast':
      if (change.feedUrl === undefined || change.episodeKey !== undefined) throw refuse('a podcast setting takes a feedUrl and no episodeKey');
      return { scope: 'podcast', feedUrl: change.feedUrl, level: change.level, ...time };
    case 'episode':
      if (change.feedUrl === undefined || change.episodeKey === undefined) throw refuse('an episode setting takes a feedUrl and an episodeKey');
      return { scope: 'episode', feedUrl: change.feedUrl, episodeKey: change.episodeKey, level: change.level, ...time };
  }
}

/** `{ type: 'privacy', scope, feedUrl?, episodeKey?, level, at? }` in an offline batch. */
export function privacySyncApplier(privacy: PrivacyService): SyncApplier<Change> {
  return {
    type: 'privacy',
    changeSchema: PrivacyChange,
    async apply({ tx, userId, deviceId, receivedAt }, changes) {
      const requests = changes.map(requestOf);
      const results = [];
      for (const request of requests) {
        const outcome = await privacy.change(userId, request, { tx, receivedAt, ...(deviceId ? { deviceId } : {}) });
        const stored = await privacy.setting(userId, outcome.setting, tx);
        results.push({ applied: outcome.applied, ...(stored ? { state: privacySettingJson(stored) } : {}) });
      }
      return results;
    },
  };
}
