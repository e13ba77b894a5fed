import { START, type GlobalPosition } from '../store/events.js';
import type { Sql } from '../store/sql.js';
import type { AccountService } from './account-service.js';
import type { DeviceService } from './devices/device-service.js';

/** Hashes of secrets are the user's own, but an export file travels: they are left out. */
const REDACTED_FIELDS = new Set(['passwordHash', 'secretHash']);

function redact(data: unknown): unknown {
  if (Array.isArray(data)) return data.map(redact);
  if (data && typeof data === 'object') {
    return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, REDACTED_FIELDS.has(key) ? '[redacted]' : redact(value)]));
  }
  return data;
}

interface ExportRow {
  event_id: string;
  type: string;
  stream_id: string;
  stream_version: number;
  data: unknown;
  metadata: unknown;
  recorded_at: Date;
  transaction_text: string;
  global_position: number;
}

const PAGE = 1000;

/**
 * Everything the account has recorded, as one JSON document produced piece by piece (a long
 * history never sits in memory whole): a summary of the current state, then every event of the
 * user's streams in the order they happened.
 */
export async function* exportAccount(db: Sql, accounts: AccountService, devices: DeviceService, userId: string): AsyncGenerator<string> {
  const account = await accounts.findById(userId);
  if (!account) return;
  const summary = {
    format: 'balados-sync-export',
    version: 1,
    exportedAt: new Date().toISOString(),
    account: { userId: account.userId, username: account.username, admin: account.admin, registeredAt: account.registeredAt.toISOString() },
    devices: (await devices.list(userId)).map((d) => ({ id: d.id, caption: d.caption, type: d.type, createdAt: d.createdAt.toISOString() })),
    credentials: (await accounts.listCredentials(userId)).map((c) => ({ id: c.id, kind: c.kind, label: c.label, scopes: c.scopes, createdAt: c.createdAt.toISOString() })),
  };
  const head = JSON.stringify(summary);
  yield `${head.slice(0, -1)},"events":[`;
  let after: GlobalPosition = START;
  let first = true;
  for (;;) {
    const page = await db.query<ExportRow>(
      `SELECT event_id, type, stream_id, stream_version, data, metadata, recorded_at, transaction_id::text AS transaction_text, global_position
       FROM events WHERE stream_id IN (SELECT stream_id FROM streams WHERE user_id = $1)
         AND (transaction_id, global_position) > ($2::xid8, $3::bigint)
       ORDER BY transaction_id, global_position LIMIT ${PAGE}`,
      [userId, after.transactionId, after.position],
    );
    for (const row of page.rows) {
      const event = { id: row.event_id, type: row.type, stream: row.stream_id, version: row.stream_version, recordedAt: row.recorded_at.toISOString(), data: redact(row.data), metadata: row.metadata };
      yield `${first ? '' : ','}${JSON.stringify(event)}`;
      first = false;
    }
    if (page.rows.length < PAGE) break;
    const last = page.rows[page.rows.length - 1]!;
    after = { transactionId: last.transaction_text, position: last.global_position };
  }
  yield ']}';
}
