import type { Projector } from '../projections/projector.js';
import type { RecordedEvent } from '../store/events.js';
import type { Sql } from '../store/sql.js';

/**
 * How many events of each type the log holds, for operators (`balados projections status`,
 * metrics). It also keeps one async projection running on every instance from day one.
 */
export function eventTypeCounts(): Projector {
  return {
    name: 'event_type_counts',
    kind: 'async',
    version: 1,
    handles: '*',
    tables: ['event_type_counts'],
    apply: applyCounts,
  };
}

async function applyCounts(tx: Sql, events: readonly RecordedEvent[]): Promise<void> {
  const byType = new Map<string, { events: number; last: Date }>();
  for (const event of events) {
    const entry = byType.get(event.type);
    if (entry) {
      entry.events += 1;
      if (event.recordedAt > entry.last) entry.last = event.recordedAt;
    } else {
      byType.set(event.type, { events: 1, last: event.recordedAt });
    }
  }
  const rows = [...byType].map(([type, entry]) => ({ type, events: entry.events, last: entry.last.toISOString() }));
  await tx.query(
    `INSERT INTO event_type_counts (type, events, last_recorded_at)
     SELECT r.type, r.events, r.last FROM jsonb_to_recordset($1::jsonb) AS r(type text, events bigint, last timestamptz)
     ON CONFLICT (type) DO UPDATE SET events = event_type_counts.events + EXCLUDED.events,
       last_recorded_at = GREATEST(event_type_counts.last_recorded_at, EXCLUDED.last_recorded_at)`,
    [JSON.stringify(rows)],
  );
}
