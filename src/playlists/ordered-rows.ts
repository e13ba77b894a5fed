import type { Sql } from '../store/sql.js';

/**
 * Rows kept in order by a `position` column (0, 1, 2... within a parent), updated from the
 * `changes` that ordered-list events carry (src/domain/ordered-list.ts).
 *
 * A few changes: one statement each, whatever the list's length (the shift of the positions in
 * between is one UPDATE). Many changes at once (an offline batch of moves, an OPML import): the
 * parent's keys are read once, the changes applied to them in memory, and each row written at
 * most once (a DELETE, an UPDATE and an INSERT of sets), because shifting the same rows again
 * and again in one transaction piles up row versions that every later shift must step over
 * (500 moves in a 2,000-item playlist took 35 s on PostgreSQL; this way, well under a second).
 *
 * A change that does not find its row where the event says (a read model out of step with the
 * events: a bug) throws instead of guessing: the transaction that records the event fails, and
 * a rebuild of the projection (bump its version) puts the rows back in step.
 */
export interface OrderedTable {
  /** Table, parent and key column names: constants, never input. */
  readonly table: string;
  readonly parent: string;
  readonly key: string;
  /** Columns an insertion sets besides user_id, parent, key and position, with their SQL types. */
  readonly columns: readonly (readonly [name: string, type: string])[];
}

type Value = string | number | boolean | null;

export type RowChange =
  | { kind: 'inserted'; key: string; index: number; values: readonly Value[] }
  | { kind: 'removed'; key: string; fromIndex: number }
  | { kind: 'moved'; key: string; fromIndex: number; toIndex: number };

/** Beyond this many changes for one parent, they are applied in memory and written as sets. */
const ONE_BY_ONE = 8;

interface Statements {
  insert: string;
  remove: string;
  move: string;
  keys: string;
  deleteMany: string;
  placeMany: string;
  insertMany: string;
}

const statements = new WeakMap<OrderedTable, Statements>();

function statementsOf(t: OrderedTable): Statements {
  let known = statements.get(t);
  if (known) return known;
  const where = `user_id = $1 AND ${t.parent} = $2`;
  const names = t.columns.map(([name]) => name).join(', ');
  const values = t.columns.map((_, i) => `$${i + 5}`).join(', ');
  known = {
    // The shift and the insertion in one statement: both see the rows as they were before it.
    insert: `WITH shifted AS (UPDATE ${t.table} SET position = position + 1 WHERE ${where} AND position >= $4 RETURNING 1)
      INSERT INTO ${t.table} (user_id, ${t.parent}, ${t.key}, position, ${names}) VALUES ($1, $2, $3, $4, ${values})`,
    remove: `WITH gone AS (DELETE FROM ${t.table} WHERE ${where} AND ${t.key} = $3 AND position = $4 RETURNING 1),
      shifted AS (UPDATE ${t.table} SET position = position - 1 WHERE ${where} AND position > $4 AND EXISTS (SELECT 1 FROM gone) RETURNING 1)
      SELECT (SELECT count(*) FROM gone)::int AS removed`,
    // The moved row takes its new place; those it crossed shift by one towards its old place.
    move: `UPDATE ${t.table} SET position = CASE WHEN ${t.key} = $3 THEN $5::int WHEN $4::int < $5::int THEN position - 1 ELSE position + 1 END
      WHERE ${where} AND position BETWEEN LEAST($4::int, $5::int) AND GREATEST($4::int, $5::int)
        AND EXISTS (SELECT 1 FROM ${t.table} WHERE ${where} AND ${t.key} = $3 AND position = $4::int)`,
    keys: `SELECT ${t.key} AS key FROM ${t.table} WHERE ${where} ORDER BY position`,
    deleteMany: `DELETE FROM ${t.table} WHERE ${where} AND ${t.key} = ANY($3::text[])`,
    placeMany: `UPDATE ${t.table} AS t SET position = u.position FROM unnest($3::text[], $4::int[]) AS u(key, position)
      WHERE t.user_id = $1 AND t.${t.parent} = $2 AND t.${t.key} = u.key`,
    insertMany: `INSERT INTO ${t.table} (user_id, ${t.parent}, ${t.key}, position, ${names})
      SELECT $1, $2, r.key, r.position, ${t.columns.map(([name]) => `r.${name}`).join(', ')}
      FROM jsonb_to_recordset($3::jsonb) AS r(key text, position int, ${t.columns.map(([name, type]) => `${name} ${type}`).join(', ')})`,
  };
  statements.set(t, known);
  return known;
}

/** Applies changes in sequence (the indexes of each are those left by the one before). */
export async function applyRowChanges(tx: Sql, t: OrderedTable, userId: string, parentId: string, changes: readonly RowChange[]): Promise<void> {
  if (changes.length > ONE_BY_ONE) return applyAsSets(tx, t, userId, parentId, changes);
  const sql = statementsOf(t);
  for (const change of changes) {
    switch (change.kind) {
      case 'inserted':
        await tx.query(sql.insert, [userId, parentId, change.key, change.index, ...change.values], { name: `balados_${t.table}_insert` });
        break;
      case 'removed': {
        const result = await tx.query<{ removed: number }>(sql.remove, [userId, parentId, change.key, change.fromIndex], { name: `balados_${t.table}_remove` });
        if (result.rows[0]?.removed !== 1) throw outOfStep(t, parentId, change);
        break;
      }
      case 'moved': {
        if (change.fromIndex === change.toIndex) break;
        const result = await tx.query(sql.move, [userId, parentId, change.key, change.fromIndex, change.toIndex], { name: `balados_${t.table}_move` });
        if (result.rowCount !== Math.abs(change.toIndex - change.fromIndex) + 1) throw outOfStep(t, parentId, change);
        break;
      }
    }
  }
}

async function applyAsSets(tx: Sql, t: OrderedTable, userId: string, parentId: string, changes: readonly RowChange[]): Promise<void> {
  const sql = statementsOf(t);
  const before = (await tx.query<{ key: string }>(sql.keys, [userId, parentId])).rows.map((row) => row.key);
  const order = before.slice();
  const inserted = new Map<string, readonly Value[]>();
  for (const change of changes) {
    if (change.kind === 'inserted') {
      order.splice(change.index, 0, change.key);
      inserted.set(change.key, change.values);
      continue;
    }
    if (order[change.fromIndex] !== change.key) throw outOfStep(t, parentId, change);
    order.splice(change.fromIndex, 1);
    if (change.kind === 'moved') order.splice(change.toIndex, 0, change.key);
    else inserted.delete(change.key);
  }
  const now = new Map(order.map((key, position) => [key, position]));
  const was = new Map(before.map((key, position) => [key, position]));
  // A key removed and inserted again is written anew (its values may have changed).
  const deleted = before.filter((key) => !now.has(key) || inserted.has(key));
  const placed = order.filter((key, position) => !inserted.has(key) && was.get(key) !== position);
  if (deleted.length > 0) await tx.query(sql.deleteMany, [userId, parentId, deleted]);
  if (placed.length > 0) await tx.query(sql.placeMany, [userId, parentId, placed, placed.map((key) => now.get(key)!)]);
  if (inserted.size > 0) {
    const rows = [...inserted].map(([key, values]) => ({ key, position: now.get(key)!, ...Object.fromEntries(t.columns.map(([name], i) => [name, values[i] ?? null])) }));
    await tx.query(sql.insertMany, [userId, parentId, JSON.stringify(rows)]);
  }
}

function outOfStep(t: OrderedTable, parentId: string, change: Exclude<RowChange, { kind: 'inserted' }>): Error {
  return new Error(`${t.table} of ${parentId} out of step with its events: ${change.kind} ${change.key} was expected at ${change.fromIndex}`);
}
