/**
 * Event store benchmark: `npm run bench:eventstore`.
 *
 * Side by side, in one run, on each driver: plain SQL doing the same work (the reference) and
 * the event store's own append and global-read paths; then rebuilds of a realistic projection
 * over a large log. Each figure is the median of several runs. Environment:
 *   BENCH_DATABASE_URL (else TEST_DATABASE_URL): PostgreSQL to measure (skipped when unset)
 *   BENCH_EVENTS: events in the log rebuilt (default 1,000,000)
 *   BENCH_DRIVERS: comma-separated subset of pglite,postgres
 */
import { postgresUrl, withDatabase } from './support/databases.js';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Projector } from '../src/projections/projector.js';
import { rebuildProjection } from '../src/projections/rebuild.js';
import { EventStore } from '../src/store/event-store.js';
import { START, type GlobalPosition, type NewEvent } from '../src/store/events.js';
import { migrate } from '../src/store/migrations.js';
import type { Database, Sql } from '../src/store/sql.js';
import { episodePositions } from './episode-positions.js';

const RUNS = 5;
const totalEvents = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const drivers = (process.env.BENCH_DRIVERS ?? 'pglite,postgres').split(',').filter((d) => d !== 'postgres' || postgresUrl);

interface Row {
  driver: string;
  measure: string;
  reference: number | null;
  store: number;
}
const results: Row[] = [];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

let counter = 0;
function playEvent(): NewEvent {
  const n = counter++;
  const user = n % 10_000;
  return {
    type: 'PlayPositionUpdated',
    data: { feed: `https://feeds.example.org/podcast-${n % 500}.xml`, episode: `guid-${n % 50}`, position: n % 3600, total: 3600, played: n % 3600 > 3500 },
    metadata: { userId: `user-${user}`, deviceId: `device-${user % 3}`, clientTimestamp: new Date(1_790_000_000_000 + n * 1000).toISOString() },
  };
}

const RAW_TABLE = `CREATE TABLE raw_events (
  global_position bigserial PRIMARY KEY, stream_id text NOT NULL, stream_version bigint NOT NULL, event_id uuid NOT NULL,
  type text NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now())`;

async function rawAppend(db: Database, batch: NewEvent[], stream: string, version: number): Promise<void> {
  const params: unknown[] = [];
  const values = batch.map((event, i) => {
    params.push(stream, version + i + 1, randomUUID(), event.type, JSON.stringify(event.data), JSON.stringify(event.metadata));
    const b = i * 6;
    return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6})`;
  });
  await db.query(`INSERT INTO raw_events (stream_id, stream_version, event_id, type, data, metadata) VALUES ${values.join(', ')}`, params as string[]);
}

/** Events per second appending `count` events in batches of `size`, both ways, interleaved. */
async function measureAppend(driver: string, db: Database, store: EventStore, size: number, count: number): Promise<void> {
  const reference: number[] = [];
  const ours: number[] = [];
  const versions = new Map<string, number>();
  for (let run = 0; run < RUNS; run++) {
    const batches = Array.from({ length: count / size }, () => Array.from({ length: size }, playEvent));
    let started = performance.now();
    for (const [i, batch] of batches.entries()) {
      const stream = `raw-${i % 1000}`;
      const version = versions.get(stream) ?? 0;
      await rawAppend(db, batch, stream, version);
      versions.set(stream, version + size);
    }
    reference.push(count / ((performance.now() - started) / 1000));
    started = performance.now();
    for (const [i, batch] of batches.entries()) await store.appendToStream(`user-${i % 1000}/plays-${run}`, batch);
    ours.push(count / ((performance.now() - started) / 1000));
  }
  results.push({ driver, measure: `append, batches of ${size} (events/s)`, reference: median(reference), store: median(ours) });
  log(`${driver}: append x${size}: raw ${Math.round(median(reference))}/s, store ${Math.round(median(ours))}/s`);
}

async function measureRead(driver: string, db: Database, store: EventStore, page: number): Promise<void> {
  const reference: number[] = [];
  const ours: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    let started = performance.now();
    let read = 0;
    let after = 0;
    for (;;) {
      const result = await db.query<{ global_position: number }>(
        `SELECT global_position, stream_id, stream_version, event_id, type, data, metadata, recorded_at FROM raw_events
         WHERE global_position > $1 ORDER BY global_position LIMIT $2`,
        [after, page],
      );
      read += result.rows.length;
      if (result.rows.length < page) break;
      after = result.rows[result.rows.length - 1]!.global_position;
    }
    reference.push(read / ((performance.now() - started) / 1000));
    started = performance.now();
    let ourRead = 0;
    let checkpoint: GlobalPosition = START;
    for (;;) {
      const result = await store.readAll({ after: checkpoint, limit: page });
      ourRead += result.events.length;
      checkpoint = result.checkpoint;
      if (!result.hasMore) break;
    }
    ours.push(ourRead / ((performance.now() - started) / 1000));
  }
  results.push({ driver, measure: `global read, pages of ${page} (events/s)`, reference: median(reference), store: median(ours) });
  log(`${driver}: read: raw ${Math.round(median(reference))}/s, store ${Math.round(median(ours))}/s`);
}

async function fillLog(store: EventStore, target: number): Promise<void> {
  const existing = await store.db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM events');
  let have = existing.rows[0]!.n;
  const started = performance.now();
  while (have < target) {
    const size = Math.min(1000, target - have);
    await store.appendToStream(`fill-${have % 10_000}`, Array.from({ length: size }, playEvent));
    have += size;
    if (have % 100_000 === 0) log(`  log filled to ${have.toLocaleString('en-US')} events (${Math.round(have / ((performance.now() - started) / 1000))}/s)`);
  }
}

async function measureRebuild(driver: string, db: Database, store: EventStore, projector: Projector): Promise<void> {
  const rates: number[] = [];
  const runs = 3;
  for (let run = 0; run < runs; run++) {
    const result = await rebuildProjection(db, store, projector, { batchSize: 5000 });
    rates.push(result.applied / (result.elapsedMs / 1000));
    log(`${driver}: rebuild ${projector.kind} run ${run + 1}: ${result.applied} events in ${(result.elapsedMs / 1000).toFixed(1)} s`);
  }
  results.push({ driver, measure: `rebuild ${projector.kind} projection, ${totalEvents.toLocaleString('en-US')} events (events/s)`, reference: null, store: median(rates) });
}

async function benchDriver(driver: string): Promise<void> {
  await withDatabase(driver, async (db) => {
    await migrate(db);
    await db.exec(RAW_TABLE);
    const store = new EventStore(db);
    log(`${driver}: append`);
    await measureAppend(driver, db, store, 1, 2000);
    await measureAppend(driver, db, store, 100, 20_000);
    log(`${driver}: read`);
    await measureRead(driver, db, store, 1000);
    log(`${driver}: filling the log to ${totalEvents.toLocaleString('en-US')} events`);
    await fillLog(store, totalEvents);
    await (db as Sql).query('ANALYZE events');
    const counted = await db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM events');
    if (counted.rows[0]!.n !== totalEvents) {
      // Keep the rebuilds comparable across drivers: exactly totalEvents in the log.
      await db.query(`DELETE FROM events WHERE global_position > (SELECT global_position FROM events ORDER BY global_position OFFSET $1 LIMIT 1)`, [totalEvents - 1]);
    }
    await db.exec(episodePositions.tables);
    await measureRebuild(driver, db, store, episodePositions.projector('async'));
    await measureRebuild(driver, db, store, episodePositions.projector('inline'));
  });
}

function formatRate(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

log(`drivers: ${drivers.join(', ')}; ${RUNS} runs per figure (median); rebuild log: ${totalEvents.toLocaleString('en-US')} events`);
for (const driver of drivers) await benchDriver(driver);

console.log(`\nEvent store benchmark, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, Node ${process.version}\n`);
console.log('| driver | measure | plain SQL (reference) | event store | ratio |');
console.log('|---|---|---:|---:|---:|');
for (const row of results) {
  const ratio = row.reference ? `${Math.round((row.store / row.reference) * 100)}%` : '';
  console.log(`| ${row.driver} | ${row.measure} | ${row.reference ? formatRate(row.reference) : ''} | ${formatRate(row.store)} | ${ratio} |`);
}
