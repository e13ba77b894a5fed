import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spec } from '../../test/support/specification.js';
import { DomainError, fold } from '../domain/decider.js';
import {
  MAX_CHANGES_PER_COMMAND,
  MAX_KEYS_PER_SUBJECT,
  MAX_SETTINGS_PER_ACCOUNT,
  MAX_VALUE_LENGTH,
  settingsDecider,
  settingsOf,
  settingsStream,
  type Settings,
  type SettingsCommand,
  type SettingsEvent,
  type SettingSubject,
} from './settings-decider.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const at = new Date(T0).toISOString();
const ACCOUNT: SettingSubject = { scope: 'account' };
const PHONE: SettingSubject = { scope: 'device', deviceId: 'phone' };
const EPISODE: SettingSubject = { scope: 'episode', feedUrl: 'https://example.org/rss', episodeUrl: 'https://example.org/1.mp3' };

const change = (subject: SettingSubject, set: Settings, remove: string[] = []): SettingsCommand => ({ kind: 'changeSettings', subject, set, remove, receivedAt: T0 });
const changed = (subject: SettingSubject, set: Settings, removed: string[] = []): SettingsEvent => ({ type: 'SettingsChanged', data: { ...subject, set, removed, at } });

describe('settings decider', () => {
  it('names the stream after the user and records what is set, per subject', () => {
    assert.equal(settingsStream('u-1'), 'settings-u-1');
    spec(settingsDecider).given([]).when(change(ACCOUNT, { public_profile: false })).then([changed(ACCOUNT, { public_profile: false })]);
    spec(settingsDecider)
      .given([changed(ACCOUNT, { public_profile: false })])
      .when(change(PHONE, { theme: { dark: true, accent: [1, 2] } }))
      .then([changed(PHONE, { theme: { dark: true, accent: [1, 2] } })]);
    const state = fold(settingsDecider, [changed(ACCOUNT, { public_profile: false }), changed(PHONE, { theme: 'dark' })]);
    assert.deepEqual(settingsOf(state, ACCOUNT), { public_profile: false });
    assert.deepEqual(settingsOf(state, PHONE), { theme: 'dark' });
    assert.deepEqual(settingsOf(state, EPISODE), {});
  });

  it('records only what changes: a value said again, or removing what is absent, is nothing', () => {
    const given = [changed(EPISODE, { is_favorite: true, note: 'x' })];
    spec(settingsDecider).given(given).when(change(EPISODE, { is_favorite: true }, ['absent'])).thenNothing();
    spec(settingsDecider).given(given).when(change(EPISODE, { is_favorite: false }, ['note', 'absent'])).then([changed(EPISODE, { is_favorite: false }, ['note'])]);
    assert.deepEqual(settingsOf(fold(settingsDecider, [...given, changed(EPISODE, {}, ['note'])]), EPISODE), { is_favorite: true });
  });

  it('keeps keys that look like Object.prototype properties as plain settings', () => {
    const set = JSON.parse('{"__proto__": 1, "constructor": 2}') as Settings;
    const [event] = settingsDecider.decide(change(ACCOUNT, set), settingsDecider.initialState());
    assert.deepEqual(Object.keys(event!.data.set), ['__proto__', 'constructor']);
    assert.deepEqual(Object.keys(settingsOf(fold(settingsDecider, [event!]), ACCOUNT)), ['__proto__', 'constructor']);
  });

  it('refuses bad keys and values, a key both set and removed, and too much', () => {
    const refused = (command: SettingsCommand, code: string, given: SettingsEvent[] = []) =>
      assert.throws(
        () => settingsDecider.decide(command, fold(settingsDecider, given)),
        (error: unknown) => error instanceof DomainError && error.code === code && error.status === 400,
      );
    refused(change(ACCOUNT, { '': 1 }), 'invalid_setting_key');
    refused(change(ACCOUNT, { ['k'.repeat(101)]: 1 }), 'invalid_setting_key');
    refused(change(ACCOUNT, {}, ['bad\u0000key']), 'invalid_setting_key');
    refused(change(ACCOUNT, { big: 'v'.repeat(MAX_VALUE_LENGTH) }), 'setting_too_large');
    refused(change(ACCOUNT, { nul: 'a\u0000b' }), 'invalid_setting_value');
    refused(change(ACCOUNT, { both: 1 }, ['both']), 'conflicting_setting');
    const many = Object.fromEntries(Array.from({ length: MAX_CHANGES_PER_COMMAND + 1 }, (_, i) => [`k${i}`, i]));
    refused(change(ACCOUNT, many), 'too_many_changes');
    const full = Array.from({ length: MAX_KEYS_PER_SUBJECT / 50 }, (_, batch) => changed(PHONE, Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${batch}-${i}`, i]))));
    refused(change(PHONE, { one: 'more' }), 'too_many_settings', full);
    // Replacing a value of a full subject is fine.
    spec(settingsDecider).given(full).when(change(PHONE, { 'k0-0': 'new' })).then([changed(PHONE, { 'k0-0': 'new' })]);
    const crowded = Array.from({ length: MAX_SETTINGS_PER_ACCOUNT / 50 }, (_, n) => changed({ scope: 'device', deviceId: `d${n}` }, Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]))));
    refused(change(ACCOUNT, { one: 'more' }), 'too_many_settings', crowded);
  });
});
