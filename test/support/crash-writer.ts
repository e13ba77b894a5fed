// Child process for the crash tests: appends events to an embedded database and prints
// "ack <n>" once each append has resolved, until it is killed.
import { EventStore } from '../../src/store/event-store.js';
import { migrate } from '../../src/store/migrations.js';
import { PgliteDatabase } from '../../src/store/pglite-driver.js';

const dataDir = process.argv[2]!;
const db = await PgliteDatabase.open({ dataDir });
await migrate(db);
const store = new EventStore(db);
process.stdout.write('ready\n');
for (let n = 1; ; n++) {
  await store.appendToStream(`crash-${n % 7}`, [{ type: 'CrashTest', data: { n } }]);
  process.stdout.write(`ack ${n}\n`);
}
