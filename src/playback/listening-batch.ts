import { DomainError } from '../domain/decider.js';
import type { EventStore } from '../store/event-store.js';
import type { EventMetadata } from '../store/events.js';
import type { Sql } from '../store/sql.js';
import type { EpisodeIdentity } from './episode-identity.js';
import { EPISODE_ROW_COLUMNS, episodeRow, episodeStatesWrites } from './episode-states-projector.js';
import { episodeStream } from './episode-stream.js';
import { listeningDecider, type ListeningCommand, type ListeningEvent, type ListeningState } from './listening-decider.js';
import { listeningOutcome, type ListeningOutcome } from './listening-view.js';

/** One listening command of one account, with the metadata its events carry. */
export interface ListeningItem {
  userId: string;
  episode: EpisodeIdentity;
  command: ListeningCommand;
  metadata: EventMetadata;
  /** Items of one group are recorded all or none (one upload of several changes). */
  group?: number;
}

export interface Located {
  streamId: string;
  version: number;
  state: ListeningState;
}

const MAX_MOVES_FOLLOWED = 5;

/**
 * Finds each episode's row: by guid first, else by media URL (when the row's guid does not
 * contradict), following feed moves; `feedUrl` is where the feed lives now. One statement for
 * the whole batch (plus one per round of moves, which are rare).
 */
export async function locateEpisodes(sql: Sql, items: readonly { userId: string; episode: EpisodeIdentity }[]): Promise<{ located?: Located; feedUrl: string }[]> {
  const answers: { located?: Located; feedUrl: string }[] = items.map((item) => ({ feedUrl: item.episode.feedUrl }));
  let pending = items.map((_, index) => index);
  for (let round = 0; round <= MAX_MOVES_FOLLOWED && pending.length > 0; round++) {
    const found = await sql.query<{ ord: number; stream_id: string | null; version: number; state: ListeningState }>(
      `SELECT i.ord, st.stream_id, st.version, st.state
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS i(user_id, feed_url, guid, media_url, ord)
       LEFT JOIN LATERAL (
         SELECT stream_id, version, state FROM episode_states e
         WHERE e.user_id = i.user_id AND e.feed_url = i.feed_url
           AND ((md5(e.guid) = md5(i.guid) AND e.guid = i.guid)
             OR (md5(e.media_url) = md5(i.media_url) AND e.media_url = i.media_url AND (e.guid IS NULL OR i.guid IS NULL)))
         ORDER BY (e.guid = i.guid) DESC NULLS LAST LIMIT 1
       ) st ON true`,
      [
        pending.map((index) => items[index]!.userId),
        pending.map((index) => answers[index]!.feedUrl),
        pending.map((index) => items[index]!.episode.guid ?? null),
        pending.map((index) => items[index]!.episode.mediaUrl ?? null),
      ],
      { name: 'balados_episodes_locate' },
    );
    const missing: number[] = [];
    for (const row of found.rows) {
      const index = pending[Number(row.ord) - 1]!;
      if (row.stream_id) answers[index]!.located = { streamId: row.stream_id, version: Number(row.version), state: row.state };
      else missing.push(index);
    }
    if (missing.length === 0) break;
    const moved = await sql.query<{ ord: number; moved_to: string }>(
      `SELECT i.ord, s.moved_to FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS i(user_id, feed_url, ord)
       JOIN subscriptions s ON s.user_id = i.user_id AND s.feed_url = i.feed_url AND s.moved_to IS NOT NULL`,
      [missing.map((index) => items[index]!.userId), missing.map((index) => answers[index]!.feedUrl)],
      { name: 'balados_feeds_moved_to' },
    );
    pending = moved.rows.map((row) => {
      const index = missing[Number(row.ord) - 1]!;
      answers[index]!.feedUrl = row.moved_to;
      return index;
    });
  }
  return answers;
}

type StreamEntry = Located & { userId: string; events: ListeningEvent[]; metadata: EventMetadata[] };

function decideBatch(
  items: readonly ListeningItem[],
  found: readonly { located?: Located; feedUrl: string }[],
  refused: Map<number, DomainError>,
): { streams: Map<string, StreamEntry>; results: (ListeningOutcome | DomainError)[]; newlyRefused: boolean } {
  const streams = new Map<string, StreamEntry>();
  const results: (ListeningOutcome | DomainError)[] = [];
  let newlyRefused = false;
  for (const [index, item] of items.entries()) {
    const groupError = item.group === undefined ? undefined : refused.get(item.group);
    if (groupError) {
      results.push(groupError);
      continue;
    }
    const { located, feedUrl } = found[index]!;
    const streamId = located?.streamId ?? episodeStream(item.userId, { ...item.episode, feedUrl });
    let entry = streams.get(streamId);
    if (!entry) {
      const start = located ?? { streamId, version: 0, state: listeningDecider.initialState() };
      entry = { ...start, userId: item.userId, events: [], metadata: [] };
      streams.set(streamId, entry);
    }
    // A client still naming a feed by its old URL: the episode is the moved feed's.
    const current = entry.state.episode?.feedUrl ?? feedUrl;
    try {
      const decided = listeningDecider.decide({ ...item.command, episode: { ...item.command.episode, feedUrl: current } }, entry.state);
      for (const event of decided) {
        entry.state = listeningDecider.evolve(entry.state, event);
        entry.events.push(event);
        entry.metadata.push(item.metadata);
      }
      results.push(listeningOutcome(decided, entry.state));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      results.push(error);
      if (item.group !== undefined) {
        refused.set(item.group, error);
        newlyRefused = true;
      }
    }
  }
  return { streams, results, newlyRefused };
}

/**
 * Decides and records a batch of listening commands, in the caller's transaction if given: one
 * lookup, then one statement that appends to every stream and writes their read-model rows. Commands on one episode are decided in order,
 * each on the state the previous one left. A command refused by the rules is that command's
 * error alone (the others are recorded), unless it belongs to a `group` (one upload of several
 * changes): then none of its group is recorded, and each of them answers the group's first error.
 * Another writer moving a stream meanwhile fails the whole batch with a ConcurrencyError (the
 * caller retries it).
 */
export async function writeListeningBatch(store: EventStore, tx: Sql | undefined, items: readonly ListeningItem[]): Promise<(ListeningOutcome | DomainError)[]> {
  const found = await locateEpisodes(tx ?? store.db, items);
  const refused = new Map<number, DomainError>();
  let decided = decideBatch(items, found, refused);
  // A refused group changes what the commands after it were decided on: decide again without it.
  while (decided.newlyRefused) decided = decideBatch(items, found, refused);
  const { streams, results } = decided;
  const appends = [...streams.values()].filter((entry) => entry.events.length > 0);
  if (appends.length === 0) return results;
  // The rows are written by the appending statement itself: the account numbers (`seq`) are
  // known only there, and one statement needs no transaction of its own.
  const rows = appends.map((entry) => episodeRow(entry.streamId, entry.userId, entry.state, entry.version + entry.events.length, new Date()));
  await store.appendMany(
    appends.map((entry) => ({
      streamId: entry.streamId,
      expectedVersion: entry.version,
      events: entry.events.map((event, index) => ({ type: event.type, data: event.data, metadata: entry.metadata[index]! })),
    })),
    {
      ...(tx ? { tx } : {}),
      also: {
        projector: 'episode_states',
        ctes: episodeStatesWrites(
          `SELECT r.*, i.last_seq FROM jsonb_to_recordset($3::jsonb) AS r(${EPISODE_ROW_COLUMNS})
           JOIN (SELECT stream_id, max(user_seq) AS last_seq FROM inserted GROUP BY stream_id) i ON i.stream_id = r.stream_id`,
        ),
        params: [JSON.stringify(rows)],
      },
    },
  );
  return results;
}
