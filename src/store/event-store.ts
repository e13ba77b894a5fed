import { newEventId } from './event-id.js';
import { handlesType, interestedEvents, type Projector } from '../projections/projector.js';
import {
  comparePositions,
  ConcurrencyError,
  DuplicateEventError,
  refuseNul,
  START,
  type EventMetadata,
  type ExpectedVersion,
  type GlobalPosition,
  type NewEvent,
  type RecordedEvent,
} from './events.js';
import { insertMany, type AlsoWrite, type StreamAppend } from './append-many.js';
import { withContextMetadata } from './event-context.js';
import { PgErrorCode, pgErrorCode, type Database, type Sql } from './sql.js';

export interface AppendOptions {
  expectedVersion?: ExpectedVersion;
  /** Append inside this open transaction (together with other writes of the caller). */
  tx?: Sql;
}

export interface AppendResult {
  nextExpectedVersion: number;
  events: RecordedEvent[];
}

export interface ReadStreamOptions {
  fromVersion?: number;
  maxCount?: number;
  tx?: Sql;
}

export interface ReadStreamResult {
  /** 0 when the stream does not exist. */
  currentVersion: number;
  events: RecordedEvent[];
}

export interface ReadAllOptions {
  after?: GlobalPosition;
  limit?: number;
  /** Only these event types (the checkpoint still advances past the others). */
  types?: readonly string[];
  tx?: Sql;
  /**
   * Default true: stop below the oldest transaction still running, so that an event committed
   * later can never land behind the returned checkpoint. Only a reader that has locked out
   * every writer (an inline rebuild) may turn this off.
   */
  belowRunningTransactions?: boolean;
}

export interface ReadAllResult {
  events: RecordedEvent[];
  /** Where the next read starts: past every event this read could have returned. */
  checkpoint: GlobalPosition;
  /** True when the read stopped because of `limit` (more may be readable right away). */
  hasMore: boolean;
}

export { InvalidEventError } from './events.js';

interface AppendSummaryRow {
  transaction_text: string;
  recorded_at: Date;
  last_version: number;
  last_user_seq: number | null;
  /** int8[]: numbers from PGlite, strings from pg. */
  positions: (number | string)[];
}

interface EventRow {
  global_position: number;
  transaction_text: string;
  stream_id: string;
  stream_version: number;
  event_id: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  recorded_at: Date;
  user_seq: number | null;
}

const EVENT_COLUMNS =
  'global_position, transaction_id::text AS transaction_text, stream_id, stream_version, event_id, type, data, metadata, recorded_at, user_seq';

const SAFE_BOUND = 'transaction_id < pg_snapshot_xmin(pg_current_snapshot())';

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    globalPosition: { transactionId: row.transaction_text, position: row.global_position },
    recordedAt: row.recorded_at,
    ...(row.user_seq == null ? {} : { userSeq: Number(row.user_seq) }),
  };
}

/** The statement that moves the stream's version, chosen by the expectation it enforces. */
// Parameters of the append statement: $1 stream, $2 event count, $3 events (JSON), $4 owner
// (the account, or null), $5 the expected version (exact variant only).
function streamClaim(expected: ExpectedVersion): { key: string; sql: string; version?: number } {
  if (expected === 'any') {
    return {
      key: 'any',
      sql: `INSERT INTO streams (stream_id, version, user_id) VALUES ($1, $2, $4)
            ON CONFLICT (stream_id) DO UPDATE SET version = streams.version + EXCLUDED.version RETURNING version`,
    };
  }
  if (expected === 'no_stream' || expected === 0) {
    return {
      key: 'no_stream',
      sql: `INSERT INTO streams (stream_id, version, user_id) VALUES ($1, $2, $4) ON CONFLICT (stream_id) DO NOTHING RETURNING version`,
    };
  }
  if (expected === 'stream_exists') {
    return { key: 'exists', sql: `UPDATE streams SET version = version + $2 WHERE stream_id = $1 RETURNING version` };
  }
  if (!Number.isSafeInteger(expected) || expected < 0) throw new RangeError(`Invalid expected version ${String(expected)}`);
  return {
    key: 'exact',
    sql: `UPDATE streams SET version = version + $2 WHERE stream_id = $1 AND version = $5 RETURNING version`,
    version: expected,
  };
}

export type AppendListener = (events: readonly RecordedEvent[]) => void;

export class EventStore {
  private readonly inline: readonly Projector[];
  private readonly listeners = new Set<AppendListener>();

  constructor(
    readonly db: Database,
    options: { inlineProjectors?: readonly Projector[] } = {},
  ) {
    this.inline = options.inlineProjectors ?? [];
    for (const projector of this.inline) {
      if (projector.kind !== 'inline') throw new Error(`Projector ${projector.name} is not inline`);
    }
  }

  /** Called after each append (in this process), to wake background projectors early. */
  onAppended(listener: AppendListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async appendToStream(streamId: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const expected = options.expectedVersion ?? 'any';
    if (events.length === 0) {
      const currentVersion = await this.streamVersion(options.tx ?? this.db, streamId);
      assertExpected(streamId, expected, currentVersion);
      return { nextExpectedVersion: currentVersion, events: [] };
    }
    const needsInline = this.inline.some((projector) => events.some((event) => handlesType(projector, event.type)));
    const run = async (sql: Sql) => {
      const recorded = await this.insert(sql, streamId, events, expected);
      for (const projector of this.inline) {
        const mine = interestedEvents(projector, recorded);
        if (mine.length > 0) await projector.apply(sql, mine);
      }
      return recorded;
    };
    const recorded = options.tx ? await run(options.tx) : needsInline ? await this.db.transaction(run) : await run(this.db);
    // Only after our own commit: in a caller's transaction the events may yet be rolled back.
    if (!options.tx) for (const listener of this.listeners) listener(recorded);
    return { nextExpectedVersion: recorded[recorded.length - 1]!.streamVersion, events: recorded };
  }

  /**
   * Appends to several streams at once, in one statement (see append-many.ts), with the inline
   * projectors run on all the events together. For batches of commands on many streams (an
   * offline upload, concurrent position updates coalesced into one transaction).
   */
  async appendMany(batches: readonly StreamAppend[], options: { tx?: Sql; also?: AlsoWrite } = {}): Promise<RecordedEvent[]> {
    const nonEmpty = batches.filter((batch) => batch.events.length > 0);
    if (nonEmpty.length === 0) return [];
    const others = this.inline.filter((projector) => projector.name !== options.also?.projector);
    const needsTransaction = others.some((projector) => nonEmpty.some((batch) => batch.events.some((event) => handlesType(projector, event.type))));
    const run = async (sql: Sql) => {
      const recorded = await insertMany(sql, nonEmpty, options.also);
      for (const projector of others) {
        const mine = interestedEvents(projector, recorded);
        if (mine.length > 0) await projector.apply(sql, mine);
      }
      return recorded;
    };
    // One statement is atomic by itself: no transaction (two round trips fewer) when it does everything.
    const recorded = options.tx ? await run(options.tx) : needsTransaction ? await this.db.transaction(run) : await run(this.db);
    if (!options.tx) for (const listener of this.listeners) listener(recorded);
    return recorded;
  }

  private async insert(sql: Sql, streamId: string, events: readonly NewEvent[], expected: ExpectedVersion): Promise<RecordedEvent[]> {
    const claim = streamClaim(expected);
    const prepared = events.map((event, index) => ({
      ord: index + 1,
      id: event.id ?? newEventId(),
      type: event.type,
      data: event.data ?? null,
      metadata: withContextMetadata(event.metadata),
    }));
    const payload = JSON.stringify(prepared);
    refuseNul(payload);
    const owner = prepared[0]!.metadata.userId;
    const params: (string | number | null)[] = [streamId, events.length, payload, typeof owner === 'string' ? owner : null];
    if (claim.version !== undefined) params.push(claim.version);
    let summary: AppendSummaryRow | undefined;
    try {
      // One row back, not one per event: the events of an append share their transaction and
      // timestamp, and returning a row per event was measured to cost a fifth of the throughput.
      const result = await sql.query<AppendSummaryRow>(
        `WITH claimed AS (${claim.sql}),
         numbered AS (
           INSERT INTO user_sequences (user_id, seq) SELECT $4::text, $2 FROM claimed WHERE $4::text IS NOT NULL
           ON CONFLICT (user_id) DO UPDATE SET seq = user_sequences.seq + EXCLUDED.seq RETURNING seq
         ),
         inserted AS (
           INSERT INTO events (stream_id, stream_version, event_id, type, data, metadata, user_id, user_seq)
           SELECT $1, claimed.version - $2 + e.ord, e.id, e.type, e.data, e.metadata, $4::text, (SELECT seq FROM numbered) - $2 + e.ord
           FROM claimed, jsonb_to_recordset($3::jsonb) AS e(ord int, id uuid, type text, data jsonb, metadata jsonb)
           ORDER BY e.ord
           RETURNING global_position, transaction_id, stream_version, recorded_at, user_seq
         )
         SELECT transaction_id::text AS transaction_text, recorded_at, max(stream_version) AS last_version,
                max(user_seq) AS last_user_seq, array_agg(global_position ORDER BY stream_version) AS positions
         FROM inserted GROUP BY transaction_id, recorded_at`,
        params,
        { name: `balados_append_${claim.key}` },
      );
      summary = result.rows[0];
    } catch (error) {
      if (pgErrorCode(error) === PgErrorCode.uniqueViolation) {
        const constraint = (error as { constraint?: string }).constraint ?? '';
        if (constraint.includes('event_id')) throw new DuplicateEventError(`An event with one of these ids already exists in the log`);
        // The failed statement aborted the transaction: the version cannot be read inside it,
        // and reading outside a caller's open transaction would wait for it forever on PGlite.
        throw new ConcurrencyError(streamId, expected, sql === this.db ? await this.streamVersionAfterConflict(streamId) : -1);
      }
      // Two transactions of one account each waiting for the other's stream or counter row:
      // the database aborts one; like a version conflict, it is retried by the command handlers.
      if (pgErrorCode(error) === PgErrorCode.deadlockDetected) throw new ConcurrencyError(streamId, expected, -1);
      throw error;
    }
    if (!summary) {
      throw new ConcurrencyError(streamId, expected, await this.streamVersion(sql, streamId));
    }
    const { transaction_text: transactionId, recorded_at: recordedAt, last_version: lastVersion, last_user_seq: lastUserSeq } = summary;
    const firstVersion = lastVersion - prepared.length + 1;
    const firstUserSeq = lastUserSeq === null ? null : Number(lastUserSeq) - prepared.length + 1;
    return prepared.map((source, index) => ({
      id: source.id,
      type: source.type,
      data: source.data,
      metadata: source.metadata,
      streamId,
      streamVersion: firstVersion + index,
      globalPosition: { transactionId, position: Number(summary.positions[index]) },
      recordedAt,
      ...(firstUserSeq === null ? {} : { userSeq: firstUserSeq + index }),
    }));
  }

  private async streamVersionAfterConflict(streamId: string): Promise<number> {
    // The failed statement may have aborted the caller's transaction: ask outside of it.
    return this.streamVersion(this.db, streamId).catch(() => -1);
  }

  async streamVersion(sql: Sql, streamId: string): Promise<number> {
    const result = await sql.query<{ version: number }>('SELECT version FROM streams WHERE stream_id = $1', [streamId]);
    return result.rows[0]?.version ?? 0;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<ReadStreamResult> {
    const sql = options.tx ?? this.db;
    const fromVersion = options.fromVersion ?? 1;
    const limit = options.maxCount ?? null;
    // One statement, so the version and the events come from the same snapshot: a decision
    // folded from these events and appended with this version can never be based on stale state.
    const result = await sql.query<Partial<EventRow> & { current_version: number }>(
      `SELECT s.version AS current_version, e.* FROM streams s
       LEFT JOIN LATERAL (
         SELECT ${EVENT_COLUMNS} FROM events
         WHERE stream_id = s.stream_id AND stream_version >= $2 ORDER BY stream_version LIMIT $3
       ) e ON true
       WHERE s.stream_id = $1
       ORDER BY e.stream_version`,
      [streamId, fromVersion, limit],
      { name: 'balados_read_stream' },
    );
    const currentVersion = result.rows[0]?.current_version ?? 0;
    const events = result.rows.filter((row) => row.event_id != null).map((row) => toRecorded(row as EventRow));
    return { currentVersion, events };
  }

  /** The last event a reader of the global log may safely see now (START when none). */
  async head(sql: Sql = this.db): Promise<GlobalPosition> {
    const result = await sql.query<{ transaction_text: string; global_position: number }>(
      `SELECT transaction_id::text AS transaction_text, global_position FROM events
       WHERE ${SAFE_BOUND} ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
      [],
      { name: 'balados_head' },
    );
    const row = result.rows[0];
    return row ? { transactionId: row.transaction_text, position: row.global_position } : START;
  }

  /**
   * Reads the global log in commit-safe order: (transaction id, position). Events written by a
   * transaction that is still running are not returned, nor anything after them, so a reader
   * that resumes from `checkpoint` never misses an event that committed late.
   */
  async readAll(options: ReadAllOptions = {}): Promise<ReadAllResult> {
    const sql = options.tx ?? this.db;
    const after = options.after ?? START;
    const limit = options.limit ?? 1000;
    const safe = options.belowRunningTransactions ?? true;
    const conditions = ['(transaction_id, global_position) > ($1::xid8, $2::bigint)'];
    const params: (string | number | readonly string[])[] = [after.transactionId, after.position, limit];
    // With a type filter, the checkpoint must move past skipped events too: take the head first,
    // then read up to it (the head's snapshot is older, so everything below it is committed).
    let bound: GlobalPosition | undefined;
    if (options.types) {
      bound = safe ? await this.head(sql) : await this.visibleHead(sql);
      conditions.push('(transaction_id, global_position) <= ($4::xid8, $5::bigint)', 'type = ANY($6::text[])');
      params.push(bound.transactionId, bound.position, options.types);
    } else if (safe) {
      conditions.push(SAFE_BOUND);
    }
    const result = await sql.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE ${conditions.join(' AND ')}
       ORDER BY transaction_id, global_position LIMIT $3`,
      params,
      { name: `balados_read_all_${options.types ? 'typed' : 'all'}_${safe ? 'safe' : 'visible'}` },
    );
    const events = result.rows.map(toRecorded);
    const hasMore = events.length === limit;
    const last = events[events.length - 1]?.globalPosition;
    const checkpoint = hasMore ? last! : bound && comparePositions(bound, after) > 0 ? bound : (last ?? after);
    return { events, checkpoint, hasMore };
  }

  private async visibleHead(sql: Sql): Promise<GlobalPosition> {
    const result = await sql.query<{ transaction_text: string; global_position: number }>(
      `SELECT transaction_id::text AS transaction_text, global_position FROM events
       ORDER BY transaction_id DESC, global_position DESC LIMIT 1`,
    );
    const row = result.rows[0];
    return row ? { transactionId: row.transaction_text, position: row.global_position } : START;
  }
}

function assertExpected(streamId: string, expected: ExpectedVersion, current: number): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === 0) ||
    (expected === 'stream_exists' && current > 0) ||
    expected === current;
  if (!ok) throw new ConcurrencyError(streamId, expected, current);
}

