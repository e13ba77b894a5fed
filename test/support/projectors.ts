import { applyNextBatch } from '../../src/projections/catch-up.js';
import { readCheckpoint } from '../../src/projections/checkpoints.js';
import type { Projector } from '../../src/projections/projector.js';
import type { EventStore } from '../../src/store/event-store.js';
import type { RecordedEvent } from '../../src/store/events.js';
import type { Database, Sql } from '../../src/store/sql.js';

/**
 * Projectors for the conformance tests. Both are deliberately not idempotent (they add), so
 * an event applied twice or skipped shows up in their rows.
 */
export const projectorTables = `
  CREATE TABLE IF NOT EXISTS test_stream_totals (stream_id text PRIMARY KEY, events bigint NOT NULL, total bigint NOT NULL, last_version bigint NOT NULL);
  CREATE TABLE IF NOT EXISTS test_type_totals (type text PRIMARY KEY, events bigint NOT NULL, total bigint NOT NULL, order_hash text NOT NULL);
`;

function amount(event: RecordedEvent): number {
  const data = event.data as { amount?: number };
  return typeof data.amount === 'number' ? data.amount : 0;
}

export function streamTotals(handles: readonly string[] = ['Added', 'Removed'], version = 1): Projector {
  return {
    name: 'test_stream_totals',
    kind: 'inline',
    version,
    handles,
    tables: ['test_stream_totals'],
    async apply(tx: Sql, events) {
      for (const event of events) {
        const delta = event.type === 'Removed' ? -amount(event) : amount(event);
        await tx.query(
          `INSERT INTO test_stream_totals (stream_id, events, total, last_version) VALUES ($1, 1, $2, $3)
           ON CONFLICT (stream_id) DO UPDATE SET events = test_stream_totals.events + 1,
             total = test_stream_totals.total + EXCLUDED.total, last_version = EXCLUDED.last_version`,
          [event.streamId, delta, event.streamVersion],
        );
      }
    },
  };
}

export interface FaultInjection {
  /** Throw once when this event (by `data.seq`) is about to be applied. */
  failAtSeq?: number;
}

/**
 * Totals per type, and a hash chained over the order the events were applied in: the rebuild
 * and the incremental run must apply the same events in the same order.
 */
export function typeTotals(faults: FaultInjection = {}, version = 1): Projector {
  return {
    name: 'test_type_totals',
    kind: 'async',
    version,
    handles: ['Added', 'Removed'],
    tables: ['test_type_totals'],
    async apply(tx: Sql, events) {
      for (const event of events) {
        await tx.query(
          `INSERT INTO test_type_totals (type, events, total, order_hash) VALUES ($1, 1, $2, md5($3))
           ON CONFLICT (type) DO UPDATE SET events = test_type_totals.events + 1, total = test_type_totals.total + EXCLUDED.total,
             order_hash = md5(test_type_totals.order_hash || $3)`,
          [event.type, amount(event), event.id],
        );
        const seq = (event.data as { seq?: number }).seq;
        if (faults.failAtSeq !== undefined && seq === faults.failAtSeq) {
          faults.failAtSeq = undefined;
          throw new Error(`simulated crash at event ${seq}`);
        }
      }
    },
  };
}

export async function tableRows(sql: Sql, table: string, orderBy: string): Promise<unknown[]> {
  const result = await sql.query(`SELECT * FROM ${table} ORDER BY ${orderBy}`);
  return result.rows;
}

/**
 * Applies an async projector up to every event committed before the call. Transactions of other
 * test files on a shared server may hold the log's safe head back a moment: it waits them out.
 */
export async function catchUpAsync(db: Database, store: EventStore, projector: Projector): Promise<void> {
  const head = Number((await db.query<{ head: number }>('SELECT COALESCE(max(global_position), 0)::int8 AS head FROM events')).rows[0]!.head);
  for (let attempt = 0; attempt < 500; attempt++) {
    while ((await applyNextBatch(db, store, projector, 1000)).hasMore);
    if ((await readCheckpoint(db, projector.name))!.position.position >= head) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${projector.name} did not catch up`);
}
