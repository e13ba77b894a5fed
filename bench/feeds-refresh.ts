/**
 * Feed refresh throughput: `npm run bench:refresh`. 10,000 subscribed feeds served by a local
 * fixture server (its own process; 200 host names resolved to it, as feeds live on many hosts):
 * a first round fetches, parses and catalogs every feed; the measured round refreshes them all
 * again, half answering 304 to the stored ETag and half answering 200 with an unchanged body
 * (read and hashed, not recorded). The scheduler runs as `serve` runs it (its loop, leases,
 * schedule updates), on PGlite and on PostgreSQL. BENCH_FEEDS, BENCH_CONCURRENCY and
 * BENCH_DRIVERS change the defaults.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { wireEventStore } from '../src/app/wiring.js';
import { loadConfig } from '../src/config.js';
import { createFeedRuntime } from '../src/feeds/feed-runtime.js';
import { createFeedFetcher } from '../src/feeds/fetcher/index.js';
import { fakeResolver } from '../src/feeds/fetcher/testing/fixture-server.js';
import { catchUpAsync } from '../src/projections/catch-up.js';
import { prepareProjections } from '../src/projections/startup.js';
import { migrate } from '../src/store/migrations.js';
import type { Database } from '../src/store/sql.js';
import { postgresUrl, withDatabase } from './support/databases.js';

const FEEDS = Number(process.env.BENCH_FEEDS ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const HOSTS = 200;
const drivers = (process.env.BENCH_DRIVERS ?? 'pglite,postgres').split(',').filter((driver) => driver !== 'postgres' || postgresUrl);

async function startServer(): Promise<{ port: number; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./feeds/refresh-server.ts', import.meta.url).pathname], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`fixture server exited (${code})`)));
  });
  return { port, stop: () => child.kill() };
}

async function fetchedSince(db: Database, since: Date): Promise<number> {
  const result = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM feed_schedule WHERE last_fetched_at >= $1', [since.toISOString()]);
  return result.rows[0]!.n;
}

async function round(db: Database, start: () => void, stop: () => Promise<void>): Promise<{ seconds: number; statuses: Record<string, number> }> {
  const since = new Date();
  const began = performance.now();
  start();
  while ((await fetchedSince(db, since)) < FEEDS) await new Promise((resolve) => setTimeout(resolve, 50));
  const seconds = (performance.now() - began) / 1000;
  await stop();
  const rows = await db.query<{ last_status: string; n: number }>('SELECT last_status, count(*)::int AS n FROM feed_schedule GROUP BY last_status');
  return { seconds, statuses: Object.fromEntries(rows.rows.map((row) => [row.last_status, row.n])) };
}

const server = await startServer();
const hosts = Object.fromEntries(Array.from({ length: HOSTS }, (_, index) => [`feeds-${index}.bench`, '127.0.0.1']));
const results: string[] = [];
try {
  for (const driver of drivers) {
    await withDatabase(
      driver,
      async (db) => {
        await migrate(db);
        const { projectors, store, services } = wireEventStore(db);
        await prepareProjections(db, store, projectors);
        const urls = Array.from({ length: FEEDS }, (_, n) => `http://feeds-${n % HOSTS}.bench:${server.port}/feed/${n}.xml`);
        for (let offset = 0; offset < FEEDS; offset += 5000) {
          await services.subscriptions.change(`bench-${offset}`, urls.slice(offset, offset + 5000).map((feedUrl) => ({ feedUrl, subscribed: true })));
        }
        await catchUpAsync(db, store, projectors);
        const config = loadConfig({ FEED_CONCURRENCY: String(CONCURRENCY) }).feeds;
        const fetcher = createFeedFetcher({ resolve: fakeResolver(hosts), allowedAddresses: ['127.0.0.1'], globalConcurrency: CONCURRENCY });
        const feeds = createFeedRuntime({ store, config, baseUrl: 'http://bench.local', fetcher, pollIntervalMs: 20 });
        try {
          const first = await round(db, () => feeds.scheduler.start(), () => feeds.scheduler.stop());
          const events = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE stream_id LIKE 'feed-%'`)).rows[0]!.n;
          process.stderr.write(`${driver}: first round ${(FEEDS / first.seconds).toFixed(0)} feeds/s, ${events} catalog events, ${JSON.stringify(first.statuses)}\n`);
          await db.query('UPDATE feed_schedule SET next_fetch_at = now()');
          const again = await round(db, () => feeds.scheduler.start(), () => feeds.scheduler.stop());
          const eventsAfter = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE stream_id LIKE 'feed-%'`)).rows[0]!.n;
          process.stderr.write(`${driver}: refresh round ${(FEEDS / again.seconds).toFixed(0)} feeds/s, ${JSON.stringify(again.statuses)}, ${eventsAfter - events} events appended\n`);
          results.push(
            `| ${driver} | ${FEEDS.toLocaleString('en-US')} | ${CONCURRENCY} | ${Math.round(FEEDS / first.seconds).toLocaleString('en-US')} | ${Math.round(FEEDS / again.seconds).toLocaleString('en-US')} | ${again.statuses.not_modified ?? 0} / ${again.statuses.unchanged ?? 0} | ${eventsAfter - events} |`,
          );
        } finally {
          await feeds.close();
          await fetcher.close();
        }
      },
      { maxConnections: 10 },
    );
  }
} finally {
  server.stop();
}
console.log(`\n${os.cpus().length} CPUs, load average ${os.loadavg().map((load) => load.toFixed(1)).join(' ')} at the end`);
console.log('\n| driver | feeds | concurrency | first round (fetch, parse, catalog) feeds/s | refresh round feeds/s | 304 / unchanged 200 | events appended by the refresh |\n|---|---:|---:|---:|---:|---|---:|');
for (const row of results) console.log(row);
