import { Type } from '@sinclair/typebox';
import { HttpError } from './errors.js';

/** How the native API takes a device's time of a change: ISO 8601 with a zone. */
export const ClientTime = Type.String({
  format: 'date-time',
  description: 'When the change happened on the device (ISO 8601 with a time zone). Later than the server’s clock counts as now.',
});

/** The ms value of an optional client time, refusing what Date cannot read. */
export function parseClientTime(value: string | undefined, field = 'at'): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new HttpError(400, 'invalid_time', `${field} is not a date-time: ${value.slice(0, 50)}`);
  return ms;
}
