import { DomainError, type Decider } from '../domain/decider.js';
import type { IsoTime } from '../domain/client-time.js';

/**
 * Settings that apps keep on the server (the gpodder.net settings API): free-form JSON values
 * under keys, per subject: the account, one of its devices, a podcast, an episode. One stream
 * per account (`settings-<userId>`). Apps give no time with a change, so a setting is what the
 * last change to arrive said; the log's order makes that the same for every reader.
 *
 * The values are opaque to the server, hence bounded: key length, value size, keys per subject
 * and settings per account.
 */
export const SETTING_SCOPES = ['account', 'device', 'podcast', 'episode'] as const;
export type SettingScope = (typeof SETTING_SCOPES)[number];

export const MAX_KEY_LENGTH = 100;
/** Characters of a value's JSON text. */
export const MAX_VALUE_LENGTH = 2000;
export const MAX_KEYS_PER_SUBJECT = 100;
export const MAX_SETTINGS_PER_ACCOUNT = 5000;
export const MAX_CHANGES_PER_COMMAND = 100;

/** What settings are about. Feed URLs are normalized; episodes are named by their media URL. */
export type SettingSubject =
  | { scope: 'account' }
  | { scope: 'device'; deviceId: string }
  | { scope: 'podcast'; feedUrl: string }
  | { scope: 'episode'; feedUrl: string; episodeUrl: string };

export type SettingValue = null | boolean | number | string | SettingValue[] | { [key: string]: SettingValue };
export type Settings = Record<string, SettingValue>;

export interface SettingsCommand {
  kind: 'changeSettings';
  subject: SettingSubject;
  set: Settings;
  remove: readonly string[];
  receivedAt: number;
  deviceId?: string;
}

export type SettingsEvent = {
  type: 'SettingsChanged';
  data: SettingSubject & { set: Settings; removed: string[]; at: IsoTime; deviceId?: string };
};

export interface SettingsState {
  /** By subject key (`subjectKey`): that subject's settings. Null-prototype records: keys are the apps'. */
  subjects: Map<string, Map<string, SettingValue>>;
  count: number;
}

export function settingsStream(userId: string): string {
  return `settings-${userId}`;
}

export function subjectKey(subject: SettingSubject): string {
  switch (subject.scope) {
    case 'account':
      return 'account';
    case 'device':
      return `device\n${subject.deviceId}`;
    case 'podcast':
      return `podcast\n${subject.feedUrl}`;
    case 'episode':
      return `episode\n${subject.feedUrl}\n${subject.episodeUrl}`;
  }
}

function refuse(code: string, message: string): never {
  throw new DomainError(code, message, 400);
}

function checkKey(key: string): void {
  // Control characters (NUL above all, which PostgreSQL text cannot hold) make no key.
  if (key.length === 0 || key.length > MAX_KEY_LENGTH || /[\u0000-\u001f\u007f]/.test(key)) {
    refuse('invalid_setting_key', `A setting key is 1 to ${MAX_KEY_LENGTH} characters, without control characters`);
  }
}

function checkValue(key: string, value: SettingValue): string {
  const text = JSON.stringify(value);
  if (text === undefined) refuse('invalid_setting_value', `The value of ${key.slice(0, 100)} is not JSON`);
  if (text.length > MAX_VALUE_LENGTH) refuse('setting_too_large', `A setting value is at most ${MAX_VALUE_LENGTH} characters of JSON (${key.slice(0, 100)})`);
  // PostgreSQL's jsonb holds no NUL character, escaped or not.
  if (text.includes('\\u0000')) refuse('invalid_setting_value', `The value of ${key.slice(0, 100)} holds a NUL character`);
  return text;
}

export const settingsDecider: Decider<SettingsCommand, SettingsEvent, SettingsState> = {
  initialState: () => ({ subjects: new Map(), count: 0 }),

  // Updates the state in place (folds own their state, as in the other contexts).
  evolve(state, event) {
    const key = subjectKey(event.data);
    const settings = state.subjects.get(key) ?? new Map<string, SettingValue>();
    for (const [name, value] of Object.entries(event.data.set)) {
      if (!settings.has(name)) state.count++;
      settings.set(name, value);
    }
    for (const name of event.data.removed) if (settings.delete(name)) state.count--;
    if (settings.size === 0) state.subjects.delete(key);
    else state.subjects.set(key, settings);
    return state;
  },

  decide(command, state) {
    const names = [...Object.keys(command.set), ...command.remove];
    if (names.length > MAX_CHANGES_PER_COMMAND) refuse('too_many_changes', `At most ${MAX_CHANGES_PER_COMMAND} settings set or removed at once`);
    names.forEach(checkKey);
    const removing = new Set(command.remove);
    for (const name of Object.keys(command.set)) {
      if (removing.has(name)) refuse('conflicting_setting', `Cannot set and remove ${name.slice(0, 100)} at the same time`);
    }
    const current = state.subjects.get(subjectKey(command.subject)) ?? new Map<string, SettingValue>();
    const set: Settings = Object.create(null) as Settings;
    let added = 0;
    for (const [name, value] of Object.entries(command.set)) {
      const text = checkValue(name, value);
      const known = current.get(name);
      if (current.has(name) && JSON.stringify(known) === text) continue;
      if (!current.has(name)) added++;
      set[name] = value;
    }
    const removed = [...removing].filter((name) => current.has(name));
    if (Object.keys(set).length === 0 && removed.length === 0) return [];
    if (current.size + added - removed.length > MAX_KEYS_PER_SUBJECT) refuse('too_many_settings', `At most ${MAX_KEYS_PER_SUBJECT} settings per account, device, podcast or episode`);
    if (state.count + added - removed.length > MAX_SETTINGS_PER_ACCOUNT) refuse('too_many_settings', `At most ${MAX_SETTINGS_PER_ACCOUNT} settings per account`);
    return [
      {
        type: 'SettingsChanged',
        data: {
          ...command.subject,
          set: { ...set },
          removed,
          at: new Date(command.receivedAt).toISOString(),
          ...(command.deviceId ? { deviceId: command.deviceId } : {}),
        },
      },
    ];
  },
};

/** A subject's settings as a plain object (what the API answers). */
export function settingsOf(state: SettingsState, subject: SettingSubject): Settings {
  return Object.fromEntries(state.subjects.get(subjectKey(subject)) ?? []) as Settings;
}
