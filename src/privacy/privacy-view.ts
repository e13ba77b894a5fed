import type { IsoTime } from '../domain/client-time.js';
import { targetOf, type PrivacyCommand } from './privacy-decider.js';
import { effectiveAt, registerOf, type PrivacyLevel, type PrivacyState, type PrivacyTarget } from './privacy-state.js';

/** A user's privacy settings as the API shows them: overrides in force only, sorted. */
export interface PrivacyView {
  default: { level: PrivacyLevel; chosen: boolean; at?: IsoTime; deviceId?: string };
  podcasts: { feedUrl: string; level: PrivacyLevel; at: IsoTime; deviceId?: string }[];
  episodes: { feedUrl: string; episodeKey: string; level: PrivacyLevel; at: IsoTime; deviceId?: string }[];
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function privacyView(state: PrivacyState): PrivacyView {
  const podcasts: PrivacyView['podcasts'] = [];
  for (const feedUrl of Object.keys(state.podcasts).sort(byCodeUnits)) {
    const { level, ...stamp } = state.podcasts[feedUrl]!;
    if (level !== null) podcasts.push({ feedUrl, level, ...stamp });
  }
  const episodes: PrivacyView['episodes'] = [];
  for (const feedUrl of Object.keys(state.episodes).sort(byCodeUnits)) {
    const feed = state.episodes[feedUrl]!;
    for (const episodeKey of Object.keys(feed).sort(byCodeUnits)) {
      const { level, ...stamp } = feed[episodeKey]!;
      if (level !== null) episodes.push({ feedUrl, episodeKey, level, ...stamp });
    }
  }
  return { default: { ...state.default, chosen: state.default.at !== undefined }, podcasts, episodes };
}

/** One setting as it stands: its own level (null: no override) and the level in force. */
export type PrivacySetting = PrivacyTarget & { level: PrivacyLevel | null; effective: PrivacyLevel; at?: IsoTime; deviceId?: string };

export function privacySetting(state: PrivacyState, target: PrivacyTarget): PrivacySetting {
  const register = registerOf(state, target);
  return {
    ...target,
    level: register?.level ?? null,
    effective: effectiveAt(state, target),
    ...(register?.at !== undefined ? { at: register.at } : {}),
    ...(register?.deviceId !== undefined ? { deviceId: register.deviceId } : {}),
  };
}

/**
 * What the API answers after a privacy command: `applied` is false when a later change of that
 * setting had already won (the device should adopt `setting`); true otherwise, a resend included.
 */
export function privacyOutcome(command: PrivacyCommand, decided: readonly { data: unknown }[], stateAfter: PrivacyState): { applied: boolean; setting: PrivacySetting } {
  const applied = !decided.some((event) => (event.data as { superseded?: unknown }).superseded === true);
  return { applied, setting: privacySetting(stateAfter, targetOf(command)) };
}
