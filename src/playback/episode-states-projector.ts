import type { Projector } from '../projections/projector.js';
import type { RecordedEvent } from '../store/events.js';
import type { Sql } from '../store/sql.js';
import { ownerOf } from '../subscriptions/subscriptions-projector.js';
import type { SubscriptionEvent } from '../subscriptions/subscription-decider.js';
import { EPISODE_STREAM_PREFIX } from './episode-stream.js';
import { LISTENING_EVENT_TYPES, listeningDecider, type ListeningEvent, type ListeningState } from './listening-decider.js';
import { episodeStateView } from './listening-view.js';

/**
 * `episode_states`, inline: each row holds the decider's state of one episode stream (folded
 * with the decider's own `evolve`, so the read model and the decisions cannot disagree) and the
 * parts of it that lists and lookups query. `episode_state_seqs` holds the account number of
 * each row's last change, which "changed since" reads go by: kept apart so that updating a
 * state changes no indexed column (HOT updates, migrations/0019). A feed that moves takes its
 * episodes' rows along.
 */
export function episodeStatesProjector(): Projector {
  return {
    name: 'episode_states',
    kind: 'inline',
    version: 1,
    handles: [...LISTENING_EVENT_TYPES, 'FeedUrlChanged'],
    tables: ['episode_states', 'episode_state_seqs'],
    async apply(tx, events) {
      let run: RecordedEvent[] = [];
      for (const event of events) {
        if (event.type === 'FeedUrlChanged') {
          await applyListening(tx, run);
          run = [];
          await moveFeed(tx, event);
        } else {
          run.push(event);
        }
      }
      await applyListening(tx, run);
    },
    async forgetUser(tx, userId) {
      await tx.query('DELETE FROM episode_states WHERE user_id = $1', [userId]);
      await tx.query('DELETE FROM episode_state_seqs WHERE user_id = $1', [userId]);
    },
  };
}

async function applyListening(tx: Sql, events: readonly RecordedEvent[]): Promise<void> {
  if (events.length === 0) return;
  const byStream = new Map<string, RecordedEvent[]>();
  for (const event of events) byStream.set(event.streamId, [...(byStream.get(event.streamId) ?? []), event]);
  const current = await tx.query<{ stream_id: string; state: ListeningState }>('SELECT stream_id, state FROM episode_states WHERE stream_id = ANY($1::text[])', [[...byStream.keys()]], {
    name: 'balados_episode_states_load',
  });
  const states = new Map(current.rows.map((row) => [row.stream_id, row.state]));
  const rows = [...byStream].map(([streamId, streamEvents]) => {
    let state = states.get(streamId) ?? listeningDecider.initialState();
    for (const event of streamEvents) state = listeningDecider.evolve(state, event as unknown as ListeningEvent);
    const last = streamEvents[streamEvents.length - 1]!;
    return { ...episodeRow(streamId, ownerOf(last, EPISODE_STREAM_PREFIX), state, last.streamVersion, last.recordedAt), seq: last.userSeq ?? 0 };
  });
  await tx.query(upsertEpisodeStates('SELECT r.*, r.seq AS last_seq FROM rows r'), [JSON.stringify(rows)], { name: 'balados_episode_states_save' });
}

/**
 * The statement writing episode rows given as JSON in $1, from `source`, a query over the
 * recordset `rows` that yields the row columns and `last_seq`. The command path embeds the same
 * writes in the appending statement (listening-batch.ts), where the account numbers are known.
 */
export function upsertEpisodeStates(source: string): string {
  return `WITH rows AS (
      SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(stream_id text, user_id text, feed_url text, guid text, media_url text, state jsonb, version bigint,
        position double precision, in_progress boolean, played boolean, saved boolean, downloaded boolean, updated_at timestamptz, seq bigint)
    ),
    ${episodeStatesWrites(source)}
    SELECT count(*) FROM written_states`;
}

/**
 * CTEs (`episode_rows`, `written_states`, `written_seqs`) that upsert the rows `source` yields
 * (the row columns and `last_seq`) into both tables.
 */
export function episodeStatesWrites(source: string): string {
  return `episode_rows AS (${source}),
    written_states AS (${episodeStatesInsert('SELECT * FROM episode_rows')} RETURNING 1),
    written_seqs AS (
      INSERT INTO episode_state_seqs (stream_id, user_id, seq) SELECT stream_id, user_id, last_seq FROM episode_rows
      ON CONFLICT (stream_id) DO UPDATE SET seq = EXCLUDED.seq
    )`;
}

function episodeStatesInsert(source: string): string {
  return `INSERT INTO episode_states (stream_id, user_id, feed_url, guid, media_url, state, version, position, in_progress, played, saved, downloaded, updated_at)
     SELECT stream_id, user_id, feed_url, guid, media_url, state, version, position, in_progress, played, saved, downloaded, updated_at FROM (${source}) source
     ON CONFLICT (stream_id) DO UPDATE SET
       -- A row's feed changes only when the feed moves (moveFeed below), which does not touch the
       -- episode's stream version: a write decided before a concurrent move keeps the moved feed.
       feed_url = episode_states.feed_url, guid = EXCLUDED.guid, media_url = EXCLUDED.media_url,
       state = jsonb_set(EXCLUDED.state, '{episode,feedUrl}', to_jsonb(episode_states.feed_url)),
       version = EXCLUDED.version, position = EXCLUDED.position, in_progress = EXCLUDED.in_progress, played = EXCLUDED.played, saved = EXCLUDED.saved,
       downloaded = EXCLUDED.downloaded, updated_at = EXCLUDED.updated_at`;
}

export const EPISODE_ROW_COLUMNS =
  'stream_id text, user_id text, feed_url text, guid text, media_url text, state jsonb, version bigint, position double precision, in_progress boolean, played boolean, saved boolean, downloaded boolean, updated_at timestamptz';

/** A row of `episode_states` (but its `seq`) for a stream's state at `version`. */
export function episodeRow(streamId: string, userId: string, state: ListeningState, version: number, recordedAt: Date) {
  const view = episodeStateView(state);
  const episode = state.episode!;
  return {
    stream_id: streamId,
    user_id: userId,
    feed_url: episode.feedUrl,
    guid: episode.guid ?? null,
    media_url: episode.mediaUrl ?? null,
    state,
    version,
    position: state.progress?.position ?? null,
    in_progress: view.inProgress,
    played: view.finished,
    saved: state.saved?.saved === true,
    downloaded: state.download?.state === 'downloaded',
    updated_at: view.updatedAt ?? recordedAt.toISOString(),
  };
}

async function moveFeed(tx: Sql, event: RecordedEvent): Promise<void> {
  const { from, to } = (event as unknown as Extract<SubscriptionEvent, { type: 'FeedUrlChanged' }>).data;
  await tx.query(
    `WITH moved AS (
       UPDATE episode_states SET feed_url = $3, state = jsonb_set(state, '{episode,feedUrl}', to_jsonb($3::text))
       WHERE user_id = $1 AND feed_url = $2 RETURNING stream_id
     )
     UPDATE episode_state_seqs s SET seq = $4 FROM moved WHERE s.stream_id = moved.stream_id`,
    [ownerOf(event, 'subscriptions-'), from, to, event.userSeq ?? 0],
  );
}
