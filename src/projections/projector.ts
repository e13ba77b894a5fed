import type { RecordedEvent } from '../store/events.js';
import type { Sql } from '../store/sql.js';

/**
 * A read model builder. It owns its tables (emptied on rebuild) and is handed, in commit order,
 * batches of the events whose types it declares.
 *
 * - `inline`: applied in the transaction that appends the events (per-user read models:
 *   a client that uploads and then downloads sees its own writes).
 * - `async`: applied in the background from a checkpoint that is written in the same
 *   transaction as the projector's own writes (cross-user read models).
 *
 * `apply` must be deterministic given the events (no clock, no randomness): a rebuild then
 * yields exactly the rows that incremental application produced.
 */
export interface Projector {
  readonly name: string;
  readonly kind: 'inline' | 'async';
  /** Bump when the projection's logic or tables change: the projection is then rebuilt. */
  readonly version: number;
  /** Event types applied; `'*'` for every type. */
  readonly handles: readonly string[] | '*';
  readonly tables: readonly string[];
  apply(tx: Sql, events: readonly RecordedEvent[]): Promise<void>;
  /**
   * Deletes every row derived from this user's events (account erasure). A projector without
   * it is rebuilt instead after an erasure: fine for cross-user aggregates, slow for per-user
   * read models, which should implement it.
   */
  forgetUser?(tx: Sql, userId: string): Promise<void>;
  /**
   * Called in an erasure's transaction before any projector forgets the user, while the other
   * contexts' read models of the user are still there: for data that is not the user's own
   * events but exists only because of them (a private feed only this user followed).
   */
  beforeForgetUser?(tx: Sql, userId: string): Promise<void>;
}

export function handlesType(projector: Projector, type: string): boolean {
  return projector.handles === '*' || projector.handles.includes(type);
}

export function interestedEvents(projector: Projector, events: readonly RecordedEvent[]): readonly RecordedEvent[] {
  return projector.handles === '*' ? events : events.filter((event) => handlesType(projector, event.type));
}

/** The `types` filter to read the log with for this projector (undefined: all types). */
export function typeFilter(projector: Projector): readonly string[] | undefined {
  return projector.handles === '*' ? undefined : projector.handles;
}
