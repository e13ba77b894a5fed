/**
 * HTTP Basic authentication benchmark: `npm run bench:auth`.
 *
 * Requests per second on a cheap authenticated endpoint (GET /api/v1/me) over 8 keep-alive
 * connections, with the account password: cold (every request runs the scrypt KDF, as a
 * server without a credential cache does) and warm (the verified-credentials cache answers),
 * and with an app password (a hash lookup, no KDF). Median of 3 runs of BENCH_SECONDS each.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { AccountService } from '../src/accounts/account-service.js';
import { accountsProjector } from '../src/accounts/accounts-projector.js';
import { DeviceService } from '../src/accounts/devices/device-service.js';
import { devicesProjector } from '../src/accounts/devices/devices-projector.js';
import { loadConfig } from '../src/config.js';
import { buildServer } from '../src/http/server.js';
import { prepareProjections } from '../src/projections/startup.js';
import { EventStore } from '../src/store/event-store.js';
import { migrate } from '../src/store/migrations.js';
import { PgliteDatabase } from '../src/store/pglite-driver.js';
import { median, runLoad } from './support/http-load.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 8;

function load(base: string, authorization: string) {
  return runLoad(base, { connections: CONNECTIONS, seconds: SECONDS, next: () => ({ method: 'GET', path: '/api/v1/me', headers: { authorization } }) });
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'balados-bench-auth-'));
const db = await PgliteDatabase.open({ dataDir });
await migrate(db);
const projectors = [accountsProjector(), devicesProjector()];
const store = new EventStore(db, { inlineProjectors: projectors });
await prepareProjections(db, store, projectors);
const config = loadConfig({ LOG_LEVEL: 'silent', REGISTRATION: 'open' });

const results: { scenario: string; runs: Awaited<ReturnType<typeof load>>[] }[] = [];
let app_password = '';
for (const scenario of ['cold: password, no cache', 'warm: password, cached', 'app password'] as const) {
  const accounts = new AccountService(store, { registration: 'open', cacheCredentials: scenario !== 'cold: password, no cache' });
  const app = await buildServer({ config, logger: pino({ level: 'silent' }), db, store, projectors, accounts, devices: new DeviceService(store), version: 'bench', requestLimits: { burst: 1e9, perSecond: 1e9 } });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  if (!(await accounts.findByUsername('bench'))) {
    const user = await accounts.register('bench', 'bench password 123');
    app_password = (await accounts.createAppPassword(user.userId, 'bench')).secret;
  }
  const authorization = `Basic ${Buffer.from(`bench:${scenario === 'app password' ? app_password : 'bench password 123'}`).toString('base64')}`;
  await load(base, authorization); // warm-up (and, warm scenario, fills the cache)
  const runs = [];
  for (let run = 0; run < 3; run++) runs.push(await load(base, authorization));
  results.push({ scenario, runs });
  process.stderr.write(`${scenario}: ${runs.map((r) => Math.round(r.rps)).join(', ')} req/s\n`);
  await app.close();
}
await db.close();
fs.rmSync(dataDir, { recursive: true, force: true });

console.log(`\nHTTP Basic on GET /api/v1/me, ${CONNECTIONS} connections, ${SECONDS} s runs, median of 3 (${os.cpus().length} cores, Node ${process.version}, PGlite)\n`);
console.log('| credentials | requests/s | p50 latency (ms) | p99 latency (ms) | errors |');
console.log('|---|---:|---:|---:|---:|');
for (const { scenario, runs } of results) {
  const rps = median(runs.map((r) => r.rps));
  const run = runs.find((r) => r.rps === rps)!;
  console.log(`| ${scenario} | ${Math.round(rps).toLocaleString('en-US')} | ${run.p50.toFixed(2)} | ${run.p99.toFixed(2)} | ${run.errors} |`);
}
