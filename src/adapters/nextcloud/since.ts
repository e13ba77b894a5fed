import type { Principal } from '../../accounts/principal.js';
import { HttpError } from '../../http/errors.js';
import { requestDeviceId } from '../../store/event-context.js';

/**
 * AntennaPod's Nextcloud option resumes, after an upload, at the phone's own clock
 * (`System.currentTimeMillis() / 1000`, not a value this server gave), and the time between its
 * download and that upload is not covered by any answer. A phone clock a little ahead, or
 * another device's change landing between the two, would be skipped: `since` is moved back by
 * this margin before it is read (protocol notes 1.6, rule 6). Changes come back twice at worst,
 * which every client treats as a no-op; a clock wrong by more than this cannot be made safe.
 */
export const CLIENT_CLOCK_MARGIN_SECONDS = 10 * 60;

/**
 * `since`: integer epoch seconds. Absent means everything (gpoddersync 3.4.0 "Return all entries
 * on list actions if no timestamp is passed").
 */
export function parseSince(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  if (!/^\d{1,15}$/.test(value)) throw new HttpError(400, 'invalid_since', 'since must be a non-negative integer (seconds since the epoch, 0 the first time)');
  return Number(value);
}

/**
 * The Nextcloud API has no devices: the client an upload's `timestamp` is chosen for (marks.ts,
 * `uploadTimestamp`) is the credential it signs in with (the login flow makes one app password
 * per app), else the device it names, else the account's password.
 */
export function nextcloudClientKey(principal: Principal): string {
  return `nextcloud:${principal.credentialId ?? requestDeviceId() ?? principal.via}`;
}
