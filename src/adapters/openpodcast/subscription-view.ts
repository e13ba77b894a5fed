import type { Sql, SqlParam } from '../../store/sql.js';
import { derivedFeedGuid } from '../../subscriptions/feed-guid.js';

/**
 * The Open Podcast API's view of the account's subscriptions, read from the one subscriptions
 * projection the native and gpodder.net APIs read (never a copy of it). A subscription is named
 * by its GUID; a feed that moved keeps its GUID at the new URL, and the old URL's row (kept as
 * history) then says nothing more. When the new URL already had a GUID of its own, the old row
 * answers for its own GUID with `new_guid` pointing at the surviving one (the specification's
 * GUID chain).
 */
export interface OpaSubscription {
  feed_url: string;
  guid: string;
  is_subscribed: boolean;
  subscription_changed: string;
  new_guid?: string;
  guid_changed?: string;
}

interface Row {
  feed_url: string;
  guid: string | null;
  subscribed: boolean;
  moved_to: string | null;
  updated_at: Date;
  seq: number;
}

const COLUMNS = 's.feed_url, s.guid, s.subscribed, s.moved_to, s.updated_at, s.seq';
/** A moved feed's old row is listed only when its GUID did not travel with it. */
const NOT_CONTINUED = `NOT (s.moved_to IS NOT NULL AND EXISTS (
  SELECT 1 FROM subscriptions t WHERE t.user_id = s.user_id AND t.feed_url = s.moved_to AND t.guid = s.guid))`;
/** Without `since`: the current subscriptions; with it: every row changed at or after it. */
const FILTER = `s.user_id = $1 AND (($2::timestamptz IS NULL AND s.subscribed) OR s.updated_at >= $2::timestamptz) AND ${NOT_CONTINUED}`;
/** A chain of moves is followed this far at most (a loop of moves must not hang a request). */
const MAX_HOPS = 32;

export interface PageRequest {
  since: Date | null;
  offset: number;
  /** Keyset position (seq, feed URL) of the last row of the previous page, when paging by links. */
  after: { seq: number; feedUrl: string } | null;
  limit: number;
}

export interface Page {
  total: number;
  items: OpaSubscription[];
  hasNext: boolean;
  /** Where the next page starts, for the `next` link. */
  last: { seq: number; feedUrl: string } | null;
}

export class OpaSubscriptionView {
  constructor(private readonly db: Sql) {}

  /**
   * One page, in the order of the account's event numbers: a row changed while a client pages
   * moves to the end (it comes later), so following the `next` links never skips a row.
   */
  async page(userId: string, request: PageRequest): Promise<Page> {
    const since = request.since?.toISOString() ?? null;
    const count = await this.db.query<{ total: number }>(`SELECT count(*)::int AS total FROM subscriptions s WHERE ${FILTER}`, [userId, since]);
    const params: SqlParam[] = [userId, since, request.limit + 1, request.after ? 0 : request.offset];
    let keyset = '';
    if (request.after) {
      params.push(request.after.seq, request.after.feedUrl);
      keyset = 'AND (s.seq, s.feed_url) > ($5::bigint, $6::text)';
    }
    const result = await this.db.query<Row>(`SELECT ${COLUMNS} FROM subscriptions s WHERE ${FILTER} ${keyset} ORDER BY s.seq, s.feed_url LIMIT $3 OFFSET $4`, params);
    const rows = result.rows.slice(0, request.limit);
    const items = await Promise.all(rows.map((row) => this.present(userId, row, row.guid ?? derivedFeedGuid(row.feed_url))));
    const lastRow = rows[rows.length - 1];
    return {
      total: Number(count.rows[0]?.total ?? 0),
      items: items.filter((item): item is OpaSubscription => item !== undefined),
      hasNext: result.rows.length > request.limit,
      last: lastRow ? { seq: Number(lastRow.seq), feedUrl: lastRow.feed_url } : null,
    };
  }

  /** The subscription a GUID names (following moves), or undefined. */
  async byGuid(userId: string, guid: string): Promise<{ feedUrl: string; subscription: OpaSubscription } | undefined> {
    return (await this.byGuids(userId, [guid])).get(guid);
  }

  /** Several GUIDs at once (one query; moves are followed row by row, they are rare). */
  async byGuids(userId: string, guids: readonly string[]): Promise<Map<string, { feedUrl: string; subscription: OpaSubscription }>> {
    const found = new Map<string, { feedUrl: string; subscription: OpaSubscription }>();
    if (guids.length === 0) return found;
    // Per GUID, a live row first (a moved feed's old row may share its GUID with the new one).
    const result = await this.db.query<Row>(
      `SELECT DISTINCT ON (s.guid) ${COLUMNS} FROM subscriptions s WHERE s.user_id = $1 AND s.guid = ANY($2::text[])
       ORDER BY s.guid, (s.moved_to IS NULL) DESC, s.updated_at DESC`,
      [userId, guids],
    );
    for (const row of result.rows) {
      const live = await this.live(userId, row);
      const subscription = live ? await this.present(userId, row, row.guid!) : undefined;
      if (live && subscription) found.set(row.guid!, { feedUrl: live.feed_url, subscription });
    }
    return found;
  }

  /** The live rows of these feed URLs (normalized), by URL. */
  async byFeedUrls(userId: string, feedUrls: readonly string[]): Promise<Map<string, OpaSubscription>> {
    const result = await this.db.query<Row>(`SELECT ${COLUMNS} FROM subscriptions s WHERE s.user_id = $1 AND s.feed_url = ANY($2::text[])`, [userId, feedUrls]);
    return new Map(result.rows.map((row) => [row.feed_url, entry(row, row.guid ?? derivedFeedGuid(row.feed_url))]));
  }

  private async present(userId: string, row: Row, guid: string): Promise<OpaSubscription | undefined> {
    if (!row.moved_to) return entry(row, guid);
    const live = await this.live(userId, row);
    if (!live) return undefined;
    const current = entry(live, live.guid ?? derivedFeedGuid(live.feed_url));
    return current.guid === guid ? current : { ...current, guid, new_guid: current.guid, guid_changed: row.updated_at.toISOString() };
  }

  /** The row a moved feed's history leads to (itself when it did not move). */
  private async live(userId: string, row: Row): Promise<Row | undefined> {
    let current = row;
    for (let hop = 0; current.moved_to && hop < MAX_HOPS; hop++) {
      const next = await this.db.query<Row>(`SELECT ${COLUMNS} FROM subscriptions s WHERE s.user_id = $1 AND s.feed_url = $2`, [userId, current.moved_to]);
      if (!next.rows[0]) return undefined;
      current = next.rows[0];
    }
    return current.moved_to ? undefined : current;
  }
}

function entry(row: Row, guid: string): OpaSubscription {
  return { feed_url: row.feed_url, guid, is_subscribed: row.subscribed, subscription_changed: row.updated_at.toISOString() };
}
