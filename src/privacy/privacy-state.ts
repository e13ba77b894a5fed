import type { IsoTime } from '../domain/client-time.js';
import { tryNormalizeFeedUrl } from '../subscriptions/feed-url.js';

/**
 * Who may see what a user does, in three levels:
 * - `public`: visible with the user's name;
 * - `anonymous`: counted in community statistics, without any user id;
 * - `private`: never leaves the account.
 *
 * A user default (private until the user chooses: privacy first), overridden per podcast
 * (normalized feed URL), overridden per episode (feed URL + an episode key the caller gives).
 * The level of an action is the episode's override, else the podcast's, else the default.
 */
export const PRIVACY_LEVELS = ['public', 'anonymous', 'private'] as const;
export type PrivacyLevel = (typeof PRIVACY_LEVELS)[number];

export const INITIAL_PRIVACY_LEVEL: PrivacyLevel = 'private';
export const MAX_PODCAST_OVERRIDES = 10_000;
export const MAX_EPISODE_OVERRIDES = 100_000;
export const MAX_EPISODE_KEY_LENGTH = 4096;

/** The default level; no `at` while the user has never chosen one. */
export interface DefaultRegister {
  level: PrivacyLevel;
  at?: IsoTime;
  deviceId?: string;
}

/**
 * An override; `level: null` once cleared. A cleared override is kept (with its time) so that an
 * older change arriving late cannot bring it back: every device converges on the latest choice.
 */
export interface OverrideRegister {
  level: PrivacyLevel | null;
  at: IsoTime;
  deviceId?: string;
}

/**
 * Plain JSON, like the listening state. The records are keyed by caller-given strings: read
 * them with `own` only (a key like `constructor` must not find Object.prototype's).
 */
export interface PrivacyState {
  default: DefaultRegister;
  /** By normalized feed URL. */
  podcasts: Record<string, OverrideRegister>;
  /** By normalized feed URL, then episode key. */
  episodes: Record<string, Record<string, OverrideRegister>>;
  /** Overrides in force (not cleared), for the limits. */
  podcastOverrides: number;
  episodeOverrides: number;
}

/** What a privacy setting is about. Feed URLs here are normalized. */
export type PrivacyTarget = { scope: 'default' } | { scope: 'podcast'; feedUrl: string } | { scope: 'episode'; feedUrl: string; episodeKey: string };

export function initialPrivacyState(): PrivacyState {
  return { default: { level: INITIAL_PRIVACY_LEVEL }, podcasts: {}, episodes: {}, podcastOverrides: 0, episodeOverrides: 0 };
}

export function own<Value>(record: Record<string, Value> | undefined, key: string): Value | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Sets an own property, whatever the key (`obj['__proto__'] = x` would change the prototype). */
export function setOwn<Value>(record: Record<string, Value>, key: string, value: Value): void {
  // defineProperty for every key would make folding 100,000 overrides several times slower.
  if (key === '__proto__') Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
  else record[key] = value;
}

/** The register a target's setting is held in (undefined: an override never set). */
export function registerOf(state: PrivacyState, target: PrivacyTarget): DefaultRegister | OverrideRegister | undefined {
  switch (target.scope) {
    case 'default':
      return state.default;
    case 'podcast':
      return own(state.podcasts, target.feedUrl);
    case 'episode':
      return own(own(state.episodes, target.feedUrl), target.episodeKey);
  }
}

/** The level a target falls back to when it has no override of its own. */
export function fallbackOf(state: PrivacyState, target: PrivacyTarget): PrivacyLevel {
  if (target.scope === 'episode') return own(state.podcasts, target.feedUrl)?.level ?? state.default.level;
  return state.default.level;
}

/** The level in force for a target: its own setting, else what it falls back to. */
export function effectiveAt(state: PrivacyState, target: PrivacyTarget): PrivacyLevel {
  return registerOf(state, target)?.level ?? fallbackOf(state, target);
}

/**
 * The level of an action on a podcast (and episode): the episode override, else the podcast
 * override, else the user default. The feed URL is normalized here too: a caller that passed
 * another spelling must not fall through to a more public default.
 */
export function effectiveLevel(state: PrivacyState, feedUrl: string, episodeKey?: string): PrivacyLevel {
  const normalized = tryNormalizeFeedUrl(feedUrl) ?? feedUrl;
  return episodeKey === undefined
    ? effectiveAt(state, { scope: 'podcast', feedUrl: normalized })
    : effectiveAt(state, { scope: 'episode', feedUrl: normalized, episodeKey });
}
