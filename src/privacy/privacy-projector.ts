import type { Projector } from '../projections/projector.js';
import type { RecordedEvent } from '../store/events.js';
import type { Sql } from '../store/sql.js';
import { ownerOf } from '../subscriptions/subscriptions-projector.js';
import { PRIVACY_EVENT_TYPES, type PrivacyEvent } from './privacy-decider.js';

/**
 * `privacy_settings`, inline: one row per setting, with the decider's rule in SQL (a write
 * whose client time is not older than the row's replaces it, ties going to the later arrival),
 * so that the read model holds exactly the registers of the decider's state. A superseded
 * change leaves the row, and its `seq`, alone: a device syncing later has nothing new to learn.
 */
export function privacyProjector(): Projector {
  return {
    name: 'privacy_settings',
    kind: 'inline',
    version: 1,
    handles: PRIVACY_EVENT_TYPES,
    tables: ['privacy_settings'],
    async apply(tx, events) {
      for (const event of events) await applyEvent(tx, event);
    },
    async forgetUser(tx, userId) {
      await tx.query('DELETE FROM privacy_settings WHERE user_id = $1', [userId]);
    },
  };
}

async function applyEvent(tx: Sql, recorded: RecordedEvent): Promise<void> {
  const data = (recorded as unknown as PrivacyEvent).data;
  // The default cannot be cleared; the decider's evolve ignores such a write too.
  if (data.scope === 'default' && data.level === null) return;
  const feedUrl = data.scope === 'default' ? '' : data.feedUrl;
  const episodeKey = data.scope === 'episode' ? data.episodeKey : '';
  await tx.query(
    `INSERT INTO privacy_settings AS p (user_id, scope, feed_url, episode_key, level, at, device_id, seq)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (user_id, scope, feed_url, md5(episode_key)) DO UPDATE SET
       level = EXCLUDED.level, at = EXCLUDED.at, device_id = EXCLUDED.device_id, seq = EXCLUDED.seq
     WHERE EXCLUDED.at >= p.at`,
    [ownerOf(recorded, 'privacy-'), data.scope, feedUrl, episodeKey, data.level, data.at, data.deviceId ?? null, recorded.userSeq ?? 0],
    { name: 'balados_privacy_upsert' },
  );
}
