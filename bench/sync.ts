/**
 * Sync benchmark: `npm run bench:sync`.
 *
 * (a) Single position updates over HTTP (POST /api/v1/episodes/progress): 8 keep-alive
 *     connections from a load generator in its own thread (the server's event loop is its own),
 *     one account each (app password, HTTP Basic on every request), each update
 *     a new position of one of 50 episodes. Requests/s, p50 and p99 latency; afterwards the
 *     recorded events are counted (nothing lost).
 * (b) GET /api/v1/sync of an account with 10,000 changes (2,000 subscriptions and 8,000
 *     episode states, written through POST /api/v1/sync in batches of 1,000): the whole
 *     history from no cursor (pages of 5,000), and a delta of 100 changes.
 *
 * Environment: BENCH_SECONDS (default 10) per run, 3 runs, median; BENCH_DRIVERS (pglite,postgres);
 * BENCH_DATABASE_URL or TEST_DATABASE_URL for PostgreSQL.
 */
import os from 'node:os';
import type { Database } from '../src/store/sql.js';
import { postgresUrl, withDatabase } from './support/databases.js';
import { median, type LoadResult } from './support/http-load.js';
import { runLoadInWorker } from './support/load-worker.js';
import { appPasswordAuth, startServer } from './support/server.js';
import type { AccountService } from '../src/accounts/account-service.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 8;
const EPISODES = 50;
const drivers = (process.env.BENCH_DRIVERS ?? 'pglite,postgres').split(',').filter((driver) => driver !== 'postgres' || postgresUrl);
const log = (message: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);

interface Row {
  driver: string;
  measure: string;
  value: string;
}
const rows: Row[] = [];

async function benchPositions(driver: string, db: Database, base: string, accounts: AccountService): Promise<void> {
  const auths = await Promise.all(Array.from({ length: CONNECTIONS }, (_, n) => appPasswordAuth(accounts, `listener${n}`)));
  const load = () => runLoadInWorker({ base, connections: CONNECTIONS, seconds: SECONDS, scenario: { kind: 'positions', authorizations: auths, episodes: EPISODES } });
  await runLoadInWorker({ base, connections: CONNECTIONS, seconds: 2, scenario: { kind: 'get', path: '/api/v1/me', authorization: auths[0]! } });
  const runs: LoadResult[] = [];
  for (let run = 0; run < 3; run++) {
    runs.push(await load());
    log(`${driver}: positions run ${run + 1}: ${Math.round(runs[run]!.rps)} req/s, p99 ${runs[run]!.p99.toFixed(1)} ms, errors ${runs[run]!.errors}`);
  }
  const rps = median(runs.map((r) => r.rps));
  const middle = runs.find((r) => r.rps === rps)!;
  const ok = runs.reduce((sum, r) => sum + r.requests - r.errors, 0);
  const stored = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE type = 'EpisodeProgressRecorded'`);
  rows.push(
    { driver, measure: 'position updates/s (8 connections)', value: Math.round(rps).toLocaleString('en-US') },
    { driver, measure: 'position update latency p50 / p99 (ms)', value: `${middle.p50.toFixed(2)} / ${middle.p99.toFixed(2)}` },
    { driver, measure: 'updates acknowledged / events stored', value: `${ok.toLocaleString('en-US')} / ${stored.rows[0]!.n.toLocaleString('en-US')}` },
  );
}

async function call(base: string, auth: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any; bytes: number }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return { status: response.status, json: JSON.parse(text), bytes: text.length };
}

async function benchSyncRead(driver: string, base: string, accounts: AccountService): Promise<void> {
  const auth = await appPasswordAuth(accounts, 'historian');
  const started = performance.now();
  for (let batch = 0; batch < 10; batch++) {
    const changes = Array.from({ length: 1000 }, (_, i) => {
      const n = batch * 1000 + i;
      return n < 2000
        ? { type: 'subscription', feedUrl: `https://feeds.example/podcast-${n}.xml`, subscribed: true }
        : { type: 'episode', action: 'progress', episode: { feedUrl: `https://feeds.example/podcast-${n % 2000}.xml`, guid: `ep-${n}` }, position: n, total: 3600 };
    });
    await call(base, auth, 'POST', '/api/v1/sync', { changes });
  }
  const writeSeconds = (performance.now() - started) / 1000;
  log(`${driver}: 10,000 changes written in ${writeSeconds.toFixed(1)} s`);

  const fullTimes: number[] = [];
  let items = 0;
  let bytes = 0;
  let cursor = '';
  for (let run = 0; run < 5; run++) {
    const t0 = performance.now();
    items = 0;
    bytes = 0;
    let since = '';
    for (;;) {
      const page = await call(base, auth, 'GET', `/api/v1/sync?limit=5000${since ? `&since=${since}` : ''}`);
      items += page.json.changes.subscriptions.length + page.json.changes.episodes.length;
      bytes += page.bytes;
      since = page.json.cursor;
      if (!page.json.hasMore) break;
    }
    cursor = since;
    fullTimes.push(performance.now() - t0);
  }
  const changes = Array.from({ length: 100 }, (_, n) => ({ type: 'episode', action: 'progress', episode: { feedUrl: 'https://feeds.example/podcast-1.xml', guid: `ep-${2000 + n}` }, position: 99_999 }));
  await call(base, auth, 'POST', '/api/v1/sync', { changes });
  const deltaTimes: number[] = [];
  let deltaItems = 0;
  for (let run = 0; run < 5; run++) {
    const t0 = performance.now();
    const page = await call(base, auth, 'GET', `/api/v1/sync?since=${cursor}`);
    deltaTimes.push(performance.now() - t0);
    deltaItems = page.json.changes.episodes.length;
  }
  rows.push(
    { driver, measure: 'POST /api/v1/sync, 10 batches of 1,000 changes (changes/s)', value: Math.round(10_000 / writeSeconds).toLocaleString('en-US') },
    { driver, measure: `GET /api/v1/sync, whole history (${items.toLocaleString('en-US')} items, ${(bytes / 1e6).toFixed(1)} MB, pages of 5,000) (ms)`, value: median(fullTimes).toFixed(0) },
    { driver, measure: `GET /api/v1/sync, delta of ${deltaItems} changes (ms)`, value: median(deltaTimes).toFixed(1) },
  );
}

for (const driver of drivers) {
  await withDatabase(
    driver,
    async (db) => {
      const { app, base, accounts } = await startServer(db);
      try {
        log(`${driver}: position updates`);
        await benchPositions(driver, db, base, accounts);
        log(`${driver}: sync of 10,000 changes`);
        await benchSyncRead(driver, base, accounts);
      } finally {
        await app.close();
      }
    },
    { maxConnections: 10 },
  );
}

console.log(`\nSync benchmark, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, Node ${process.version}, ${SECONDS} s runs (median of 3)\n`);
console.log('| driver | measure | value |');
console.log('|---|---|---:|');
for (const row of rows) console.log(`| ${row.driver} | ${row.measure} | ${row.value} |`);
