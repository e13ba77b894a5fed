import { newEventId } from './event-id.js';
import { withContextMetadata } from './event-context.js';
import { ConcurrencyError, refuseNul, type EventMetadata, type NewEvent, type RecordedEvent } from './events.js';
import { PgErrorCode, pgErrorCode, type Sql } from './sql.js';

/** Events for one stream in a multi-stream append, with the version the stream must be at (0: must not exist). */
export interface StreamAppend {
  streamId: string;
  expectedVersion: number;
  events: readonly NewEvent[];
}

interface SummaryRow {
  stream_id: string;
  transaction_text: string;
  recorded_at: Date;
  last_version: number;
  first_user_seq: number | null;
  positions: (number | string)[];
}

// Raised inside the statement when a stream was not at its expected version: the statement
// fails as a whole, so no stream's version moves without its events.
const NOT_ALL_CLAIMED = '22012';

/**
 * Appends to several streams in one statement: streams claimed (created when expected at 0,
 * moved when at their expected version), each account's numbers claimed once, all events
 * inserted. One stream off its expected version fails the whole statement with a
 * ConcurrencyError (the caller's transaction is then aborted and must be retried whole).
 * Streams and accounts are locked in id order, which makes deadlocks between such appends rare;
 * one that happens anyway is reported as a ConcurrencyError, retried like a version conflict.
 */
/**
 * Data-modifying CTEs run in the same statement, after the events are inserted: they may read
 * `inserted` (stream_id, stream_version, user_seq, ... of each new event) and their own
 * parameters, numbered from $3. An inline projector's writes, made in the append itself.
 */
export interface AlsoWrite {
  /** The inline projector whose work this is (it is then not run on these events). */
  projector: string;
  /** `name AS (...)` entries, comma-separated; names must not clash with the append's own. */
  ctes: string;
  params: unknown[];
}

export async function insertMany(sql: Sql, batches: readonly StreamAppend[], also?: AlsoWrite): Promise<RecordedEvent[]> {
  const sorted = [...batches].sort((a, b) => (a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0));
  const streams: { sord: number; stream_id: string; expected: number; n: number; owner: string | null }[] = [];
  const events: { sord: number; ord: number; id: string; type: string; data: unknown; metadata: EventMetadata }[] = [];
  for (const [sord, batch] of sorted.entries()) {
    if (!Number.isSafeInteger(batch.expectedVersion) || batch.expectedVersion < 0) throw new RangeError(`Invalid expected version ${batch.expectedVersion}`);
    // One claim per stream: the statement can move a stream's row once (its events go in one entry).
    if (sord > 0 && sorted[sord - 1]!.streamId === batch.streamId) throw new RangeError(`Stream ${batch.streamId} appears twice in one append`);
    const prepared = batch.events.map((event, index) => ({
      sord,
      ord: index + 1,
      id: event.id ?? newEventId(),
      type: event.type,
      data: event.data ?? null,
      metadata: withContextMetadata(event.metadata),
    }));
    const owner = prepared[0]?.metadata.userId;
    streams.push({ sord, stream_id: batch.streamId, expected: batch.expectedVersion, n: prepared.length, owner: typeof owner === 'string' ? owner : null });
    events.push(...prepared);
  }
  // Serialized once, and checked as sent (the events are not serialized again to look for NUL).
  const eventsJson = JSON.stringify(events);
  refuseNul(eventsJson);
  let rows: SummaryRow[];
  try {
    const result = await sql.query<SummaryRow>(
      `WITH s AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS s(sord int, stream_id text, expected bigint, n int, owner text)),
       -- Every stream is claimed through its key, in key order (no deadlock between two batches):
       -- a new one inserted, an existing one moved on from its expected version by ON CONFLICT,
       -- which always goes through the primary key. An UPDATE joined to the batch's rows was
       -- planned once per connection, often while the table was still small, and that plan then
       -- read the whole table at every append: a cost growing with every episode ever listened to.
       claimed AS (
         INSERT INTO streams (stream_id, version, user_id)
         SELECT stream_id, expected + n, owner FROM s ORDER BY stream_id
         ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version
         WHERE streams.version = EXCLUDED.version - (SELECT b.n FROM s b WHERE b.stream_id = EXCLUDED.stream_id)
         RETURNING stream_id, version, xmax = 0 AS created
       ),
       -- All claimed, and none created that was expected to exist (then the statement fails, and
       -- the row it created with it). A division by zero, from a value, so that it is not folded
       -- away when the statement is planned.
       checked AS (
         SELECT CASE WHEN c.n = w.n THEN true ELSE 1 / (c.n - c.n) > 0 END AS ok
         FROM (SELECT count(*) AS n FROM claimed JOIN s ON s.stream_id = claimed.stream_id WHERE NOT (claimed.created AND s.expected > 0)) c,
              (SELECT count(*) AS n FROM s) w
       ),
       owners AS (SELECT owner, sum(n)::bigint AS n FROM s, checked WHERE owner IS NOT NULL AND checked.ok GROUP BY owner),
       numbered AS (
         INSERT INTO user_sequences (user_id, seq) SELECT owner, n FROM owners ORDER BY owner
         ON CONFLICT (user_id) DO UPDATE SET seq = user_sequences.seq + EXCLUDED.seq RETURNING user_id, seq
       ),
       e AS (
         SELECT e.*, s.stream_id, s.owner, c.version - s.n + e.ord AS stream_version,
                row_number() OVER (PARTITION BY s.owner ORDER BY e.sord, e.ord) AS owner_rank
         FROM jsonb_to_recordset($2::jsonb) AS e(sord int, ord int, id uuid, type text, data jsonb, metadata jsonb)
         JOIN s ON s.sord = e.sord JOIN claimed c ON c.stream_id = s.stream_id
       ),
       inserted AS (
         INSERT INTO events (stream_id, stream_version, event_id, type, data, metadata, user_id, user_seq)
         SELECT e.stream_id, e.stream_version, e.id, e.type, e.data, e.metadata, e.owner,
                CASE WHEN e.owner IS NULL THEN NULL ELSE nu.seq - o.n + e.owner_rank END
         FROM e CROSS JOIN checked LEFT JOIN numbered nu ON nu.user_id = e.owner LEFT JOIN owners o ON o.owner = e.owner
         WHERE checked.ok
         ORDER BY e.sord, e.ord
         RETURNING global_position, transaction_id, stream_id, stream_version, recorded_at, user_seq
       )${also ? `,
       ${also.ctes}` : ''}
       SELECT stream_id, transaction_id::text AS transaction_text, recorded_at, max(stream_version) AS last_version,
              min(user_seq) AS first_user_seq, array_agg(global_position ORDER BY stream_version) AS positions
       FROM inserted GROUP BY stream_id, transaction_id, recorded_at`,
      [JSON.stringify(streams), eventsJson, ...((also?.params ?? []) as string[])],
      { name: also ? `balados_append_many_${also.projector}` : 'balados_append_many' },
    );
    rows = result.rows;
  } catch (error) {
    const code = pgErrorCode(error);
    if (code === NOT_ALL_CLAIMED || code === PgErrorCode.uniqueViolation || code === PgErrorCode.deadlockDetected) {
      throw new ConcurrencyError(sorted.map((batch) => batch.streamId).join(','), 'any', -1);
    }
    throw error;
  }
  // No stream claimed at all: nothing was written (had some been, the statement would have failed).
  if (rows.length !== sorted.length) throw new ConcurrencyError(sorted.map((batch) => batch.streamId).join(','), 'any', -1);
  const byStream = new Map(rows.map((row) => [row.stream_id, row]));
  const bySord = new Map<number, typeof events>();
  for (const event of events) bySord.set(event.sord, [...(bySord.get(event.sord) ?? []), event]);
  const recorded: RecordedEvent[] = [];
  for (const [sord, batch] of sorted.entries()) {
    const summary = byStream.get(batch.streamId)!;
    const mine = bySord.get(sord) ?? [];
    const firstVersion = Number(summary.last_version) - mine.length + 1;
    mine.forEach((event, index) =>
      recorded.push({
        id: event.id,
        type: event.type,
        data: event.data,
        metadata: event.metadata,
        streamId: batch.streamId,
        streamVersion: firstVersion + index,
        globalPosition: { transactionId: summary.transaction_text, position: Number(summary.positions[index]) },
        recordedAt: summary.recorded_at,
        ...(summary.first_user_seq === null ? {} : { userSeq: Number(summary.first_user_seq) + index }),
      }),
    );
  }
  return recorded;
}

