import type { Sql } from './sql.js';

/**
 * Deletes streams whole: their events, snapshots and version rows. The one exception to the
 * log's immutability, for erasure (an account's streams, and what only it made exist). Run it
 * in the caller's transaction, with the streams' rows locked or otherwise kept from appends.
 * Answers the number of events deleted.
 */
export async function deleteStreams(tx: Sql, streamIds: readonly string[]): Promise<number> {
  if (streamIds.length === 0) return 0;
  const events = await tx.query('DELETE FROM events WHERE stream_id = ANY($1::text[])', [streamIds]);
  await tx.query('DELETE FROM snapshots WHERE stream_id = ANY($1::text[])', [streamIds]);
  await tx.query('DELETE FROM streams WHERE stream_id = ANY($1::text[])', [streamIds]);
  return events.rowCount ?? 0;
}
