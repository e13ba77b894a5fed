/**
 * The podcast directory's async projection (src/directory): `npm run bench:directory`.
 *
 * An instance of BENCH_USERS accounts (default 1,000), each subscribed to 20 of 1,000 podcasts
 * (feed 0 by every account, the others spread), half with a public default, a quarter
 * anonymous, a quarter private. Measured on each driver:
 * - a rebuild: the whole log applied from scratch, in batches of 1,000 events;
 * - catching up with one change: the batch applying one account's default privacy change (a
 *   recount of its 20 podcasts, the most popular included), median of 20.
 */
import { applicationProjectors } from '../src/app/projectors.js';
import { directoryProjector } from '../src/directory/directory-projector.js';
import { PrivacyService } from '../src/privacy/privacy-service.js';
import { applyNextBatch } from '../src/projections/catch-up.js';
import { resetAsyncProjection } from '../src/projections/rebuild.js';
import { prepareProjections } from '../src/projections/startup.js';
import { EventStore } from '../src/store/event-store.js';
import { migrate } from '../src/store/migrations.js';
import { SubscriptionService } from '../src/subscriptions/subscription-service.js';
import { postgresUrl, withDatabase } from './support/databases.js';

const USERS = Number(process.env.BENCH_USERS ?? 1000);
const FEEDS = 1000;
const PER_USER = 20;
const drivers = (process.env.BENCH_DRIVERS ?? 'pglite,postgres').split(',').filter((driver) => driver !== 'postgres' || postgresUrl);
const rows: string[] = [];

for (const driver of drivers) {
  await withDatabase(driver, async (db) => {
    await migrate(db);
    const projectors = applicationProjectors();
    const store = new EventStore(db, { inlineProjectors: projectors.filter((projector) => projector.kind === 'inline') });
    await prepareProjections(db, store, projectors);
    const subscriptions = new SubscriptionService(store);
    const privacy = new PrivacyService(store);
    const levels = ['public', 'public', 'anonymous', 'private'] as const;
    for (let user = 0; user < USERS; user++) {
      const feeds = [0, ...Array.from({ length: PER_USER - 1 }, (_, n) => 1 + ((user * 7 + n * 13) % (FEEDS - 1)))];
      await subscriptions.change(`user-${user}`, [...new Set(feeds)].map((feed) => ({ feedUrl: `https://feeds.example/${feed}.xml`, subscribed: true })));
      await privacy.setDefault(`user-${user}`, levels[user % 4]!);
    }
    const projector = directoryProjector();
    const events = Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE type IN ('PodcastSubscribed', 'PrivacyChanged', 'PrivacyReaffirmed')`)).rows[0]!.n);

    await resetAsyncProjection(db, projector);
    const started = performance.now();
    while ((await applyNextBatch(db, store, projector, 1000)).hasMore);
    const rebuildMs = performance.now() - started;

    const latencies: number[] = [];
    for (let n = 0; n < 20; n++) {
      await privacy.setDefault(`user-${n * 4}`, n % 2 === 0 ? 'private' : 'public');
      const start = performance.now();
      await applyNextBatch(db, store, projector, 1000);
      latencies.push(performance.now() - start);
    }
    latencies.sort((a, b) => a - b);
    const top = (await db.query<{ subscribers: number }>('SELECT subscribers FROM directory_podcasts ORDER BY subscribers DESC LIMIT 1')).rows[0]!.subscribers;
    rows.push(
      `| ${driver} | ${USERS.toLocaleString('en-US')} | ${events.toLocaleString('en-US')} | ${Math.round(rebuildMs).toLocaleString('en-US')} ms (${Math.round(events / (rebuildMs / 1000)).toLocaleString('en-US')} events/s) | ${latencies[10]!.toFixed(1)} ms (most popular podcast: ${top} counted) |`,
    );
    process.stderr.write(`${rows[rows.length - 1]}\n`);
  });
}
console.log('\n| driver | accounts | events | rebuild | one default privacy change caught up (median) |\n|---|---:|---:|---:|---:|');
for (const row of rows) console.log(row);
