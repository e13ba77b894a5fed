import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe } from 'node:test';
import pg from 'pg';
import { migrate } from '../../src/store/migrations.js';
import { PostgresDatabase, quoteIdentifier } from '../../src/store/pg-driver.js';
import { PgliteDatabase } from '../../src/store/pglite-driver.js';
import type { Database, DriverName } from '../../src/store/sql.js';

/**
 * Every suite that touches the database runs against PGlite, and against PostgreSQL when
 * TEST_DATABASE_URL is set. Each suite gets its own schema, dropped afterwards; PGlite suites
 * of one test file share one in-memory instance (it takes seconds to create one).
 */
const postgresUrl = process.env.TEST_DATABASE_URL;
if (process.env.REQUIRE_POSTGRES_TESTS === '1' && !postgresUrl) {
  throw new Error('REQUIRE_POSTGRES_TESTS=1 but TEST_DATABASE_URL is not set: the PostgreSQL suites would not run');
}

export const testDrivers: DriverName[] = postgresUrl ? ['pglite', 'postgres'] : ['pglite'];

let sharedPglite: Promise<PgliteDatabase> | undefined;

function pgliteInstance(): Promise<PgliteDatabase> {
  sharedPglite ??= (async () => {
    const templatePath = process.env.BALADOS_PGLITE_TEMPLATE;
    const template = templatePath && fs.existsSync(templatePath) ? new Blob([fs.readFileSync(templatePath)]) : undefined;
    return PgliteDatabase.open(template ? { template } : {});
  })();
  return sharedPglite;
}

// Registered while the test file's module loads, so it runs once, after all of its tests.
after(async () => {
  if (sharedPglite) await (await sharedPglite).close();
});

export interface TestDatabase {
  driver: DriverName;
  db: Database;
  schema: string;
  /** Opens another, independent handle on the same schema (PostgreSQL: a second pool). */
  connect(options?: { maxConnections?: number }): Database;
  dispose(): Promise<void>;
}

export async function createTestDatabase(driver: DriverName, options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  let test: TestDatabase;
  if (driver === 'pglite') {
    const shared = await pgliteInstance();
    await shared.pglite.exec(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
    const db = PgliteDatabase.withSchema(shared, schema);
    test = {
      driver,
      db,
      schema,
      connect: () => PgliteDatabase.withSchema(shared, schema),
      dispose: async () => {
        await shared.pglite.exec(`DROP SCHEMA ${quoteIdentifier(schema)} CASCADE`);
      },
    };
  } else {
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
    await admin.end();
    const pools: PostgresDatabase[] = [];
    const connect = (opts: { maxConnections?: number } = {}) => {
      const db = new PostgresDatabase({ connectionString: postgresUrl!, schema, ...opts });
      pools.push(db);
      return db;
    };
    test = {
      driver,
      db: connect({ maxConnections: 12 }),
      schema,
      connect,
      dispose: async () => {
        await Promise.all(pools.map((pool) => pool.close()));
        const cleanup = new pg.Client({ connectionString: postgresUrl });
        await cleanup.connect();
        await cleanup.query(`DROP SCHEMA ${quoteIdentifier(schema)} CASCADE`);
        await cleanup.end();
      },
    };
  }
  if (options.migrated ?? true) await migrate(test.db);
  if (driver === 'postgres' && process.env.BALADOS_TEST_MARKERS) fs.appendFileSync(process.env.BALADOS_TEST_MARKERS, `${schema}\n`);
  return test;
}

/**
 * Declares `body` once per driver. `current()` returns that driver's database inside tests;
 * a fresh migrated schema is made before the suite and dropped after it.
 */
export function describeEachDriver(title: string, body: (current: () => TestDatabase, driver: DriverName) => void): void {
  for (const driver of testDrivers) {
    describe(`${title} [${driver}]`, () => {
      let database: TestDatabase | undefined;
      before(async () => {
        database = await createTestDatabase(driver);
      });
      after(async () => {
        await database?.dispose();
      });
      body(() => {
        if (!database) throw new Error('database not ready');
        return database;
      }, driver);
    });
  }
}
