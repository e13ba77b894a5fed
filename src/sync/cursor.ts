import { HttpError } from '../http/errors.js';

/**
 * Sync cursors are opaque to clients: `c1.<n>` where n is the account event number the client
 * has seen everything up to. The prefix leaves room to change the form without breaking apps.
 */
export function formatCursor(seq: number): string {
  return `c1.${seq}`;
}

export function parseCursor(cursor: string | undefined): number {
  if (cursor === undefined || cursor === '') return 0;
  const match = /^c1\.(\d{1,15})$/.exec(cursor);
  if (!match) throw new HttpError(400, 'invalid_cursor', 'Not a cursor this server gave out: start over without one');
  return Number(match[1]);
}
