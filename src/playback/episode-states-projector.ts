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
 * parts of it that lists and lookups query. A feed that moves takes its episodes' rows along.
 */
export function episodeStatesProjector(): Projector {
  return {
    name: 'episode_states',
    kind: 'inline',
    version: 1,
    handles: [...LISTENING_EVENT_TYPES, 'FeedUrlChanged'],
    tables: ['episode_states'],
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
    },
  };
}

/**
 * States a command handler already read in this transaction, by stream, with the version they
 * reflect: the projector then need not read them again (one statement less per position
 * update). Used only when the version is the one just before the events being applied.
 */
const knownStates = new WeakMap<Sql, Map<string, { version: number; state: ListeningState }>>();

export function rememberState(tx: Sql, streamId: string, version: number, state: ListeningState): void {
  let known = knownStates.get(tx);
  if (!known) knownStates.set(tx, (known = new Map()));
  known.set(streamId, { version, state });
}

async function applyListening(tx: Sql, events: readonly RecordedEvent[]): Promise<void> {
  if (events.length === 0) return;
  const byStream = new Map<string, RecordedEvent[]>();
  for (const event of events) byStream.set(event.streamId, [...(byStream.get(event.streamId) ?? []), event]);
  const states = new Map<string, ListeningState>();
  const known = knownStates.get(tx);
  for (const [streamId, streamEvents] of byStream) {
    const hint = known?.get(streamId);
    if (hint && hint.version === streamEvents[0]!.streamVersion - 1) states.set(streamId, hint.state);
    known?.delete(streamId);
  }
  const unknown = [...byStream.keys()].filter((streamId) => !states.has(streamId));
  if (unknown.length > 0) {
    const current = await tx.query<{ stream_id: string; state: ListeningState }>('SELECT stream_id, state FROM episode_states WHERE stream_id = ANY($1::text[])', [unknown], {
      name: 'balados_episode_states_load',
    });
    for (const row of current.rows) states.set(row.stream_id, row.state);
  }
  const rows = [...byStream].map(([streamId, streamEvents]) => {
    let state = states.get(streamId) ?? listeningDecider.initialState();
    for (const event of streamEvents) state = listeningDecider.evolve(state, event as unknown as ListeningEvent);
    return rowOf(streamId, state, streamEvents[streamEvents.length - 1]!);
  });
  // One statement for every stream of the batch (a coalesced batch of position updates).
  await tx.query(
    `INSERT INTO episode_states (stream_id, user_id, feed_url, guid, media_url, state, version, position, in_progress, played, saved, downloaded, updated_at, seq)
     SELECT stream_id, user_id, feed_url, guid, media_url, state, version, position, in_progress, played, saved, downloaded, updated_at, seq
     FROM jsonb_to_recordset($1::jsonb) AS r(stream_id text, user_id text, feed_url text, guid text, media_url text, state jsonb, version bigint,
       position double precision, in_progress boolean, played boolean, saved boolean, downloaded boolean, updated_at timestamptz, seq bigint)
     ON CONFLICT (stream_id) DO UPDATE SET feed_url = EXCLUDED.feed_url, guid = EXCLUDED.guid, media_url = EXCLUDED.media_url, state = EXCLUDED.state,
       version = EXCLUDED.version, position = EXCLUDED.position, in_progress = EXCLUDED.in_progress, played = EXCLUDED.played, saved = EXCLUDED.saved,
       downloaded = EXCLUDED.downloaded, updated_at = EXCLUDED.updated_at, seq = EXCLUDED.seq`,
    [JSON.stringify(rows)],
    { name: 'balados_episode_states_save' },
  );
}

function rowOf(streamId: string, state: ListeningState, last: RecordedEvent) {
  const view = episodeStateView(state);
  const episode = state.episode!;
  return {
    stream_id: streamId,
    user_id: ownerOf(last, EPISODE_STREAM_PREFIX),
    feed_url: episode.feedUrl,
    guid: episode.guid ?? null,
    media_url: episode.mediaUrl ?? null,
    state,
    version: last.streamVersion,
    position: state.progress?.position ?? null,
    in_progress: view.inProgress,
    played: view.finished,
    saved: state.saved?.saved === true,
    downloaded: state.download?.state === 'downloaded',
    updated_at: view.updatedAt ?? last.recordedAt.toISOString(),
    seq: last.userSeq ?? 0,
  };
}

async function moveFeed(tx: Sql, event: RecordedEvent): Promise<void> {
  const { from, to } = (event as unknown as Extract<SubscriptionEvent, { type: 'FeedUrlChanged' }>).data;
  await tx.query(
    `UPDATE episode_states SET feed_url = $3, state = jsonb_set(state, '{episode,feedUrl}', to_jsonb($3::text)), seq = $4
     WHERE user_id = $1 AND feed_url = $2`,
    [ownerOf(event, 'subscriptions-'), from, to, event.userSeq ?? 0],
  );
}
