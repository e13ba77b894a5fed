import { DomainError } from '../domain/decider.js';
import type { EventStore } from '../store/event-store.js';
import type { EventMetadata } from '../store/events.js';
import type { Sql } from '../store/sql.js';
import { catalogIdentities, type CatalogIdentity } from '../feeds/catalog/episode-lookup.js';
import { checkEpisodeRef, type EpisodeIdentity } from './episode-identity.js';
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

/** Where an item's episode was found, where its feed lives now, and its identity completed from the catalog, if it was. */
export interface Found {
  located?: Located;
  feedUrl: string;
  episode?: EpisodeIdentity;
}

/** One lookup of the rows of several episodes, each under the feed URL given with it. */
async function lookUp(sql: Sql, items: readonly { userId: string; feedUrl: string; episode: EpisodeIdentity }[]): Promise<(Located | undefined)[]> {
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
    [items.map((item) => item.userId), items.map((item) => item.feedUrl), items.map((item) => item.episode.guid ?? null), items.map((item) => item.episode.mediaUrl ?? null)],
    { name: 'balados_episodes_locate' },
  );
  const located: (Located | undefined)[] = items.map(() => undefined);
  for (const row of found.rows) if (row.stream_id) located[Number(row.ord) - 1] = { streamId: row.stream_id, version: Number(row.version), state: row.state };
  return located;
}

/**
 * Finds each episode's row: by guid first, else by media URL (when the row's guid does not
 * contradict), following feed moves; `feedUrl` is where the feed lives now. An episode still not
 * found is looked up in the feed catalog: a client naming it by media URL only (or by guid only)
 * then finds the row another client made with the guid (or the media URL), and a new row is keyed
 * by the guid the catalog knows. One statement for the whole batch, plus one per round of moves
 * and one catalog lookup when episodes are new to their account.
 */
export async function locateEpisodes(sql: Sql, items: readonly { userId: string; episode: EpisodeIdentity }[]): Promise<Found[]> {
  const answers: Found[] = items.map((item) => ({ feedUrl: item.episode.feedUrl }));
  let pending = items.map((_, index) => index);
  let missing: number[] = [];
  for (let round = 0; round <= MAX_MOVES_FOLLOWED && pending.length > 0; round++) {
    const located = await lookUp(sql, pending.map((index) => ({ userId: items[index]!.userId, feedUrl: answers[index]!.feedUrl, episode: items[index]!.episode })));
    pending.forEach((index, at) => (answers[index]!.located = located[at]));
    const unfound = pending.filter((index) => !answers[index]!.located);
    missing = missing.concat(unfound);
    if (unfound.length === 0) break;
    const moved = await sql.query<{ ord: number; moved_to: string }>(
      `SELECT i.ord, s.moved_to FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS i(user_id, feed_url, ord)
       JOIN subscriptions s ON s.user_id = i.user_id AND s.feed_url = i.feed_url AND s.moved_to IS NOT NULL`,
      [unfound.map((index) => items[index]!.userId), unfound.map((index) => answers[index]!.feedUrl)],
      { name: 'balados_feeds_moved_to' },
    );
    pending = moved.rows.map((row) => {
      const index = unfound[Number(row.ord) - 1]!;
      answers[index]!.feedUrl = row.moved_to;
      return index;
    });
  }
  await completeFromCatalog(sql, items, answers, [...new Set(missing)].filter((index) => !answers[index]!.located));
  return answers;
}

async function completeFromCatalog(sql: Sql, items: readonly { userId: string; episode: EpisodeIdentity }[], answers: Found[], missing: readonly number[]): Promise<void> {
  if (missing.length === 0) return;
  const identities = await catalogIdentities(sql, missing.map((index) => ({ ...items[index]!.episode, feedUrl: answers[index]!.feedUrl })));
  const completed = missing.flatMap((index, at) => {
    const episode = completedIdentity(items[index]!.episode, identities[at]);
    return episode ? [{ index, episode }] : [];
  });
  if (completed.length === 0) return;
  const located = await lookUp(sql, completed.map(({ index, episode }) => ({ userId: items[index]!.userId, feedUrl: answers[index]!.feedUrl, episode })));
  completed.forEach(({ index, episode }, at) => {
    answers[index]!.episode = episode;
    answers[index]!.located = located[at];
  });
}

/**
 * The identity a client gave, with what the catalog adds: the guid to a media URL alone (unless
 * the catalog's guid is that URL, its fallback for an item without one), the media URL to a guid
 * alone. Undefined when it adds nothing, or nothing a client could have sent (checkEpisodeRef).
 */
function completedIdentity(episode: EpisodeIdentity, catalog: CatalogIdentity | undefined): EpisodeIdentity | undefined {
  if (!catalog) return undefined;
  let completed: EpisodeIdentity | undefined;
  if (episode.guid === undefined && catalog.guid !== episode.mediaUrl) completed = { ...episode, guid: catalog.guid };
  else if (episode.mediaUrl === undefined && catalog.mediaUrl) completed = { ...episode, mediaUrl: catalog.mediaUrl };
  if (!completed) return undefined;
  try {
    return checkEpisodeRef(completed);
  } catch (error) {
    if (error instanceof DomainError) return undefined;
    throw error;
  }
}

type StreamEntry = Located & { userId: string; events: ListeningEvent[]; metadata: EventMetadata[] };

function decideBatch(
  items: readonly ListeningItem[],
  found: readonly Found[],
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
    const { located, feedUrl, episode = item.episode } = found[index]!;
    const streamId = located?.streamId ?? episodeStream(item.userId, { ...episode, feedUrl });
    let entry = streams.get(streamId);
    if (!entry) {
      const start = located ?? { streamId, version: 0, state: listeningDecider.initialState() };
      entry = { streamId: start.streamId, version: start.version, state: start.state, userId: item.userId, events: [], metadata: [] };
      streams.set(streamId, entry);
    }
    // A client still naming a feed by its old URL: the episode is the moved feed's.
    const current = entry.state.episode?.feedUrl ?? feedUrl;
    try {
      // No copy of the command unless the feed moved or the catalog completed the episode's identity.
      const command =
        current === item.command.episode.feedUrl && episode === item.episode ? item.command : { ...item.command, episode: { ...item.command.episode, ...episode, feedUrl: current } };
      const decided = listeningDecider.decide(command, entry.state);
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
