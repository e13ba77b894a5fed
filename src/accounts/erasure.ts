import type { Projector } from '../projections/projector.js';
import { rebuildProjection, resetAsyncProjection } from '../projections/rebuild.js';
import type { EventStore } from '../store/event-store.js';
import { deleteStreams } from '../store/delete-streams.js';
import { ERASURES_STREAM } from '../store/events.js';

export interface ErasureResult {
  streams: number;
  events: number;
}

/**
 * Per-user state that is not derived from events (so no projector forgets it): web sessions,
 * the gpodder.net adapter's sessions and `since` marks (src/adapters/gpodder), the Nextcloud
 * login flows the user granted (src/adapters/nextcloud). A new table of this kind goes here.
 */
const OPERATIONAL_TABLES = ['sessions', 'gpodder_sessions', 'gpodder_marks', 'gpodder_device_marks', 'nextcloud_login_flows'] as const;

/**
 * Erases an account: its streams and events, every read-model row derived from them, its
 * sessions. This is the one exception to the immutability of the log; what remains is an
 * anonymous `AccountErased` record (counts only). Cross-user read models that counted the
 * user's events are reset and rebuilt in the background without them.
 */
export class AccountEraser {
  constructor(
    private readonly store: EventStore,
    private readonly projectors: readonly Projector[],
  ) {}

  async erase(userId: string): Promise<ErasureResult> {
    const db = this.store.db;
    const result = await db.transaction(async (tx) => {
      // Locking the stream rows makes concurrent appends to them wait, then fail their version check.
      // Deleting the account's event counter first makes its in-flight appends wait for this erasure.
      await tx.query('DELETE FROM user_sequences WHERE user_id = $1', [userId]);
      const streams = await tx.query<{ stream_id: string }>('SELECT stream_id FROM streams WHERE user_id = $1 FOR UPDATE', [userId]);
      const ids = streams.rows.map((row) => row.stream_id);
      const events = await deleteStreams(tx, ids);
      for (const projector of this.projectors) await projector.beforeForgetUser?.(tx, userId);
      for (const projector of this.projectors) await projector.forgetUser?.(tx, userId);
      for (const table of OPERATIONAL_TABLES) await tx.query(`DELETE FROM ${table} WHERE user_id = $1`, [userId]);
      const erased = { streams: ids.length, events };
      await this.store.appendToStream(ERASURES_STREAM, [{ type: 'AccountErased', data: erased }], { tx });
      return erased;
    });
    for (const projector of this.projectors) {
      if (projector.forgetUser) continue;
      if (projector.kind === 'async') await resetAsyncProjection(db, projector);
      else await rebuildProjection(db, this.store, projector);
    }
    return result;
  }
}
