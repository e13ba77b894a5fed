import { CommandHandler } from '../domain/command-handler.js';
import type { EventStore } from '../store/event-store.js';
import { requestDeviceId } from '../store/event-context.js';
import type { Sql } from '../store/sql.js';
import { settingsDecider, settingsOf, settingsStream, type Settings, type SettingsCommand, type SettingsEvent, type SettingsState, type SettingSubject } from './settings-decider.js';
import { subjectColumns } from './settings-projector.js';

/**
 * Settings apps keep on the server. Subjects arrive checked (device ids, normalized feed URLs):
 * the adapters know their protocols' rules for naming them.
 */
export class SettingsService {
  private readonly handler: CommandHandler<SettingsCommand, SettingsEvent, SettingsState>;

  constructor(private readonly store: EventStore) {
    this.handler = new CommandHandler(store, settingsDecider);
  }

  /** Sets and removes settings of one subject; answers the subject's settings afterwards. */
  async change(userId: string, subject: SettingSubject, changes: { set: Settings; remove: readonly string[] }, options: { receivedAt?: number; tx?: Sql } = {}): Promise<Settings> {
    const deviceId = requestDeviceId();
    const command: SettingsCommand = {
      kind: 'changeSettings',
      subject,
      set: changes.set,
      remove: changes.remove,
      receivedAt: options.receivedAt ?? Date.now(),
      ...(deviceId ? { deviceId } : {}),
    };
    const result = await this.handler.handle(settingsStream(userId), command, { metadata: { userId }, maxAttempts: 5, ...(options.tx ? { tx: options.tx } : {}) });
    return settingsOf(result.state, subject);
  }

  /** A subject's settings from the read model (`{}` when none). */
  async get(userId: string, subject: SettingSubject, sql: Sql = this.store.db): Promise<Settings> {
    const { subject: name, episodeUrl } = subjectColumns(subject);
    const result = await sql.query<{ settings: Settings }>(
      `SELECT settings FROM settings WHERE user_id = $1 AND scope = $2 AND md5(subject) = md5($3) AND subject = $3 AND md5(episode_url) = md5($4) AND episode_url = $4`,
      [userId, subject.scope, name, episodeUrl],
    );
    return result.rows[0]?.settings ?? {};
  }
}
