/**
 * gpodder.net episode uploads: `npm run bench:gpodder`.
 *
 * `POST /api/2/episodes/{user}.json` with 10 play actions per request (AntennaPod and Kasts send
 * up to 30), HTTP Basic with an app password on every request (as Kasts and AntennaPod's
 * Nextcloud option do), 8 keep-alive connections from a load generator in its own process, one
 * account per connection. Requests/s, actions/s, p50 and p99 latency (median run of 3); then the
 * stored actions are counted: every acknowledged action must be an event in the log. Also the CPU
 * time each action cost the server's process and, when it runs here, PostgreSQL (median run):
 * on the 2 shared cores, throughput is what their sum (plus the load generator's) allows.
 *
 * Environment: BENCH_SECONDS (default 10) per run; BENCH_DRIVERS (pglite,postgres);
 * BENCH_DATABASE_URL or TEST_DATABASE_URL for PostgreSQL.
 */
import os from 'node:os';
import { isLocalPostgres, postgresUrl, withDatabase } from './support/databases.js';
import { cpuSnapshot, cpuSpentSince } from './support/cpu.js';
import { median, type LoadResult } from './support/http-load.js';
import { runLoadInWorker } from './support/load-worker.js';
import { appPasswordAuth, startServer } from './support/server.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 8;
const ACTIONS_PER_REQUEST = 10;
const drivers = (process.env.BENCH_DRIVERS ?? 'pglite,postgres').split(',').filter((driver) => driver !== 'postgres' || postgresUrl);
const log = (message: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
const rows: string[] = [];

for (const driver of drivers) {
  await withDatabase(
    driver,
    async (db) => {
      const { app, base, accounts } = await startServer(db);
      try {
        const users = await Promise.all(
          Array.from({ length: CONNECTIONS }, async (_, n) => {
            const username = `gpodder${n}`;
            return { username, authorization: await appPasswordAuth(accounts, username) };
          }),
        );
        await runLoadInWorker({ base, connections: CONNECTIONS, seconds: 2, scenario: { kind: 'get', path: '/api/v1/me', authorization: users[0]!.authorization } });
        const runs: LoadResult[] = [];
        const serverCpu: number[] = [];
        const postgresCpu: number[] = [];
        const measurePostgres = driver === 'postgres' && isLocalPostgres();
        for (let run = 0; run < 3; run++) {
          const before = cpuSnapshot({ postgres: measurePostgres });
          const result = await runLoadInWorker({ base, connections: CONNECTIONS, seconds: SECONDS, scenario: { kind: 'gpodder-episodes', users, actionsPerRequest: ACTIONS_PER_REQUEST, run } });
          const spent = cpuSpentSince(before);
          const actions = (result.requests - result.errors) * ACTIONS_PER_REQUEST;
          runs.push(result);
          serverCpu.push(spent.serverMicros / actions);
          if (spent.postgresMicros !== undefined) postgresCpu.push(spent.postgresMicros / actions);
          const cpu = `CPU µs/action: server ${(spent.serverMicros / actions).toFixed(1)}${spent.postgresMicros === undefined ? '' : `, PostgreSQL ${(spent.postgresMicros / actions).toFixed(1)}`}`;
          log(`${driver}: run ${run + 1}: ${Math.round(result.rps)} req/s, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, errors ${result.errors}, ${cpu}`);
        }
        const rps = median(runs.map((run) => run.rps));
        const middle = runs.find((run) => run.rps === rps)!;
        const acknowledged = runs.reduce((sum, run) => sum + (run.requests - run.errors) * ACTIONS_PER_REQUEST, 0);
        const stored = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE type = 'EpisodeProgressRecorded'`)).rows[0]!.n;
        rows.push(
          `| ${driver} | ${Math.round(rps).toLocaleString('en-US')} | ${Math.round(rps * ACTIONS_PER_REQUEST).toLocaleString('en-US')} | ${middle.p50.toFixed(2)} / ${middle.p99.toFixed(2)} | ${acknowledged.toLocaleString('en-US')} / ${stored.toLocaleString('en-US')} | ${median(serverCpu).toFixed(1)} | ${postgresCpu.length > 0 ? median(postgresCpu).toFixed(1) : driver === 'pglite' ? '(in the server)' : 'n/a'} |`,
        );
      } finally {
        await app.close();
      }
    },
    { maxConnections: 10 },
  );
}

console.log(`\ngpodder.net episode uploads, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}, Node ${process.version}, ${SECONDS} s runs (median of 3)\n`);
console.log('| driver | requests/s (10 play actions each) | actions/s | latency p50 / p99 (ms) | actions acknowledged / stored | server CPU µs/action | PostgreSQL CPU µs/action |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const row of rows) console.log(row);
