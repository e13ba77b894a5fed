import { DomainError } from '../../domain/decider.js';
import type { PlaybackService } from '../../playback/playback-service.js';
import type { Settings, SettingSubject } from '../../settings/settings-decider.js';
import type { SettingsService } from '../../settings/settings-service.js';
import { ConcurrencyError } from '../../store/events.js';
import type { Database } from '../../store/sql.js';

/**
 * The episode setting `is_favorite` (gpodder.net: what `/api/2/favorites` lists) is the
 * playback context's saved flag, not a setting of its own: one data model, so an episode
 * marked favorite by a gpodder.net app is saved everywhere, and the other way round.
 */
const FAVORITE = 'is_favorite';

type EpisodeSubject = Extract<SettingSubject, { scope: 'episode' }>;

export class EpisodeSettings {
  constructor(
    private readonly db: Database,
    private readonly settings: SettingsService,
    private readonly playback: PlaybackService,
  ) {}

  async get(userId: string, subject: EpisodeSubject): Promise<Settings> {
    const [stored, state] = await Promise.all([this.settings.get(userId, subject), this.playback.get(userId, { feedUrl: subject.feedUrl, mediaUrl: subject.episodeUrl })]);
    return state?.saved ? { ...stored, [FAVORITE]: state.saved.saved } : stored;
  }

  /** Both changes in one transaction: all or nothing. */
  async change(userId: string, subject: EpisodeSubject, changes: { set: Settings; remove: readonly string[] }): Promise<Settings> {
    const { [FAVORITE]: favorite, ...set } = changes.set;
    const removed = changes.remove.includes(FAVORITE);
    if (Object.hasOwn(changes.set, FAVORITE)) {
      if (removed) throw new DomainError('conflicting_setting', `Cannot set and remove ${FAVORITE} at the same time`, 400);
      if (typeof favorite !== 'boolean') throw new DomainError('invalid_setting_value', `${FAVORITE} is true or false`, 400);
    }
    const saved = typeof favorite === 'boolean' ? favorite : removed ? false : undefined;
    const remove = changes.remove.filter((key) => key !== FAVORITE);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.db.transaction(async (tx) => {
          await this.settings.change(userId, subject, { set, remove }, { tx });
          if (saved !== undefined) {
            await this.playback.record(userId, { episode: { feedUrl: subject.feedUrl, mediaUrl: subject.episodeUrl }, change: { kind: 'setSaved', saved } }, { tx });
          }
        });
        return this.get(userId, subject);
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= 5) throw error;
      }
    }
  }
}
