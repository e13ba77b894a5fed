import type { EventStore } from '../store/event-store.js';
import { ConcurrencyError, type RecordedEvent } from '../store/events.js';
import type { Sql } from '../store/sql.js';
import type { HandleOptions, HandleResult } from './command-handler.js';
import type { Decider, DomainEvent } from './decider.js';

/** How a decider's state is kept as JSON, and which shape of it this code reads. */
export interface Snapshotting<State> {
  /** Bump when the state's shape changes: older snapshots are then ignored. */
  schemaVersion: number;
  toSnapshot(state: State): unknown;
  fromSnapshot(json: unknown): State;
}

interface LoadRow {
  current_version: number;
  snapshot_version: number | null;
  state: unknown;
  type: string | null;
  data: unknown;
}

/**
 * Load, decide, append, like CommandHandler, but the state is read from the stream's snapshot
 * plus the events after it, and the new snapshot is written in the append's transaction: the
 * cost of a decision does not grow with the stream's length.
 */
export class SnapshotCommandHandler<Command, Event extends DomainEvent, State> {
  constructor(
    private readonly store: EventStore,
    private readonly decider: Decider<Command, Event, State>,
    private readonly snapshotting: Snapshotting<State>,
  ) {}

  async handle(streamId: string, command: Command, options: HandleOptions = {}): Promise<HandleResult<State>> {
    const attempts = options.tx ? 1 : (options.maxAttempts ?? 3);
    for (let attempt = 1; ; attempt++) {
      try {
        return options.tx ? await this.attempt(options.tx, streamId, command, options) : await this.store.db.transaction((tx) => this.attempt(tx, streamId, command, options));
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= attempts) throw error;
      }
    }
  }

  /** The current state (for reads that need the decider's view, not a projection's). */
  async load(streamId: string, sql: Sql = this.store.db): Promise<{ state: State; version: number }> {
    const result = await sql.query<LoadRow>(
      `SELECT s.version AS current_version, snap.version AS snapshot_version, snap.state, e.type, e.data
       FROM streams s
       LEFT JOIN snapshots snap ON snap.stream_id = s.stream_id AND snap.schema_version = $2
       LEFT JOIN LATERAL (
         SELECT type, data, stream_version FROM events
         WHERE stream_id = s.stream_id AND stream_version > COALESCE(snap.version, 0) ORDER BY stream_version
       ) e ON true
       WHERE s.stream_id = $1
       ORDER BY e.stream_version`,
      [streamId, this.snapshotting.schemaVersion],
      { name: 'balados_load_snapshot' },
    );
    const first = result.rows[0];
    if (!first) return { state: this.decider.initialState(), version: 0 };
    let state = first.snapshot_version === null ? this.decider.initialState() : this.snapshotting.fromSnapshot(first.state);
    for (const row of result.rows) {
      if (row.type !== null) state = this.decider.evolve(state, { type: row.type, data: row.data } as Event);
    }
    return { state, version: Number(first.current_version) };
  }

  private async attempt(tx: Sql, streamId: string, command: Command, options: HandleOptions): Promise<HandleResult<State>> {
    const loaded = await this.load(streamId, tx);
    let state = loaded.state;
    const decided = this.decider.decide(command, state);
    if (decided.length === 0) return { events: [], state, version: loaded.version };
    const appended = await this.store.appendToStream(
      streamId,
      decided.map((event) => ({ type: event.type, data: event.data, ...(options.metadata ? { metadata: options.metadata } : {}) })),
      { expectedVersion: loaded.version, tx },
    );
    for (const event of decided) state = this.decider.evolve(state, event);
    await tx.query(
      `INSERT INTO snapshots (stream_id, version, schema_version, state) VALUES ($1, $2, $3, $4)
       ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version, schema_version = EXCLUDED.schema_version, state = EXCLUDED.state`,
      [streamId, appended.nextExpectedVersion, this.snapshotting.schemaVersion, JSON.stringify(this.snapshotting.toSnapshot(state))],
      { name: 'balados_save_snapshot' },
    );
    return { events: appended.events as RecordedEvent[], state, version: appended.nextExpectedVersion };
  }
}
