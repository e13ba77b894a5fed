import type { Projector } from '../projections/projector.js';
import type { RecordedEvent } from '../store/events.js';
import type { Sql } from '../store/sql.js';
import { ownerOf } from '../subscriptions/subscriptions-projector.js';
import type { SettingsEvent, SettingSubject } from './settings-decider.js';

/** The `settings` columns that name a subject. */
export function subjectColumns(subject: SettingSubject): { subject: string; episodeUrl: string } {
  switch (subject.scope) {
    case 'account':
      return { subject: '', episodeUrl: '' };
    case 'device':
      return { subject: subject.deviceId, episodeUrl: '' };
    case 'podcast':
      return { subject: subject.feedUrl, episodeUrl: '' };
    case 'episode':
      return { subject: subject.feedUrl, episodeUrl: subject.episodeUrl };
  }
}

/** `settings`, inline: each subject's settings as the decider's state holds them. */
export function settingsProjector(): Projector {
  return {
    name: 'settings',
    kind: 'inline',
    version: 1,
    handles: ['SettingsChanged'],
    tables: ['settings'],
    async apply(tx, events) {
      for (const event of events) await applyEvent(tx, event);
    },
    async forgetUser(tx, userId) {
      await tx.query('DELETE FROM settings WHERE user_id = $1', [userId]);
    },
  };
}

async function applyEvent(tx: Sql, recorded: RecordedEvent): Promise<void> {
  const { data } = recorded as unknown as SettingsEvent;
  const { subject, episodeUrl } = subjectColumns(data);
  const params = [ownerOf(recorded, 'settings-'), data.scope, subject, episodeUrl, JSON.stringify(data.set), data.removed, recorded.userSeq ?? 0];
  await tx.query(
    `INSERT INTO settings AS s (user_id, scope, subject, episode_url, settings, seq) VALUES ($1, $2, $3, $4, $5::jsonb - $6::text[], $7)
     ON CONFLICT (user_id, scope, md5(subject), md5(episode_url)) DO UPDATE SET settings = (s.settings || EXCLUDED.settings) - $6::text[], seq = EXCLUDED.seq`,
    params,
    { name: 'balados_settings_upsert' },
  );
  if (data.removed.length > 0) {
    await tx.query(`DELETE FROM settings WHERE user_id = $1 AND scope = $2 AND md5(subject) = md5($3) AND md5(episode_url) = md5($4) AND settings = '{}'::jsonb`, params.slice(0, 4));
  }
}
