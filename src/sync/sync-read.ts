import type { Sql } from '../store/sql.js';
import { formatCursor } from './cursor.js';
import type { SyncItem, SyncSource } from './sync-source.js';

export interface SyncPage {
  cursor: string;
  hasMore: boolean;
  /** True when the client's cursor was unknown here (a restored database): this is everything. */
  reset: boolean;
  changes: Record<string, unknown[]>;
}

export const DEFAULT_PAGE_SIZE = 500;
export const MAX_PAGE_SIZE = 5000;

/** The account's latest event number: every event up to it has committed. */
export async function userHead(sql: Sql, userId: string): Promise<number> {
  const result = await sql.query<{ seq: number }>('SELECT seq FROM user_sequences WHERE user_id = $1', [userId], { name: 'balados_user_head' });
  return Number(result.rows[0]?.seq ?? 0);
}

/**
 * Every change after `after`, current state only, at most `limit` items. The head is read first:
 * numbers up to it are all committed (they are claimed in commit order), so reading each source
 * up to it in its own statement can miss nothing; a row changed since moved above the head and
 * comes in the next page.
 */
export async function readChanges(sql: Sql, userId: string, sources: readonly SyncSource[], after: number, limit: number): Promise<SyncPage> {
  const head = await userHead(sql, userId);
  const reset = after > head;
  const from = reset ? 0 : after;
  const perSource = await Promise.all(sources.map(async (source) => ({ source, items: await source.changedSince(sql, userId, from, head, limit + 1) })));
  const merged: (SyncItem & { source: string })[] = perSource.flatMap(({ source, items }) => items.map((item) => ({ ...item, source: source.name })));
  merged.sort((a, b) => a.seq - b.seq);
  let page = merged;
  let cursor = head;
  const hasMore = merged.length > limit;
  if (hasMore) {
    page = merged.slice(0, limit);
    const last = page[page.length - 1]!.seq;
    // Never cut through the rows of one event: the next page starts after the whole of it.
    const whole = page.filter((item) => item.seq < last);
    // One event changed more rows than a page holds (a feed move rewrites all its episodes):
    // the page is that event's rows, all of them, whatever their number.
    page = whole.length > 0 ? whole : await rowsOfOneEvent(sql, userId, sources, last);
    cursor = page[page.length - 1]!.seq;
  }
  const changes: Record<string, unknown[]> = Object.fromEntries(sources.map((source) => [source.name, []]));
  for (const item of page) changes[item.source]!.push(item.item);
  return { cursor: formatCursor(cursor), hasMore, reset, changes };
}

async function rowsOfOneEvent(sql: Sql, userId: string, sources: readonly SyncSource[], seq: number): Promise<(SyncItem & { source: string })[]> {
  const perSource = await Promise.all(sources.map(async (source) => (await source.changedSince(sql, userId, seq - 1, seq, Number.MAX_SAFE_INTEGER)).map((item) => ({ ...item, source: source.name }))));
  return perSource.flat();
}
