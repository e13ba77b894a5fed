/**
 * Position updates without HTTP: `npm run bench:playback`. The playback service called by 1, 8
 * and 32 concurrent callers (one account each), 3 s each, on each driver: what the write path
 * (coalescing, one lookup and one appending statement per batch) can do by itself, to compare
 * with the HTTP figures of `npm run bench:sync`.
 */
import { applicationProjectors } from '../src/app/projectors.js';
import { PlaybackService } from '../src/playback/playback-service.js';
import { prepareProjections } from '../src/projections/startup.js';
import { EventStore } from '../src/store/event-store.js';
import { migrate } from '../src/store/migrations.js';
import { postgresUrl, withDatabase } from './support/databases.js';

const drivers = (process.env.BENCH_DRIVERS ?? 'pglite,postgres').split(',').filter((driver) => driver !== 'postgres' || postgresUrl);
const rows: string[] = [];
for (const driver of drivers) {
  await withDatabase(
    driver,
    async (db) => {
      await migrate(db);
      const projectors = applicationProjectors();
      const store = new EventStore(db, { inlineProjectors: projectors.filter((projector) => projector.kind === 'inline') });
      await prepareProjections(db, store, projectors);
      const playback = new PlaybackService(store);
      for (const callers of [1, 8, 32]) {
        let done = 0;
        const deadline = performance.now() + 3000;
        await Promise.all(
          Array.from({ length: callers }, async (_, caller) => {
            for (let n = 0; performance.now() < deadline; n++) {
              await playback.record(`user-${caller}`, { episode: { feedUrl: 'https://feeds.example/show.xml', guid: `episode-${n % 50}` }, change: { kind: 'recordProgress', position: n + 1 } });
              done++;
            }
          }),
        );
        rows.push(`| ${driver} | ${callers} | ${Math.round(done / 3).toLocaleString('en-US')} |`);
        process.stderr.write(`${rows[rows.length - 1]}\n`);
      }
    },
    { maxConnections: 10 },
  );
}
console.log('\n| driver | concurrent callers | position updates/s |\n|---|---:|---:|');
for (const row of rows) console.log(row);
