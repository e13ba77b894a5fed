import { HttpError } from '../../http/errors.js';

/**
 * `next` links carry the position of the page's last row (its event number and feed URL), so a
 * client that follows them is never made to skip a row by a change landing between two pages.
 * `page`/`per_page` alone (what a client may compute itself) are an offset, as the specification
 * describes them.
 */
export function encodeCursor(position: { seq: number; feedUrl: string }): string {
  return Buffer.from(JSON.stringify([position.seq, position.feedUrl]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { seq: number; feedUrl: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // No NUL in the URL: PostgreSQL text cannot hold one (the query would fail, not miss).
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string' && !value[1].includes('\u0000')) {
      return { seq: value[0] as number, feedUrl: value[1] };
    }
  } catch {
    // Answered below.
  }
  throw new HttpError(400, 'invalid_cursor', 'cursor is not one this server gave in a next link');
}

export function pageLinks(
  base: string,
  options: { page: number; perPage: number; since: string | undefined; last: { seq: number; feedUrl: string } | null },
): { next?: string; previous?: string } {
  const link = (page: number, cursor?: string) => {
    const query = new URLSearchParams();
    if (options.since !== undefined) query.set('since', options.since);
    query.set('page', String(page));
    query.set('per_page', String(options.perPage));
    if (cursor) query.set('cursor', cursor);
    return `${base}?${query.toString()}`;
  };
  return {
    ...(options.last ? { next: link(options.page + 1, encodeCursor(options.last)) } : {}),
    ...(options.page > 1 ? { previous: link(options.page - 1) } : {}),
  };
}
