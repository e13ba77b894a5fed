import { parseArgs } from 'node:util';
import { describeDatabase, openDatabase } from '../../app/database.js';
import { migrate, migrationStatus } from '../../store/migrations.js';
import type { Command } from '../command.js';

export const migrateCommand: Command = {
  path: ['migrate'],
  usage: 'balados migrate [--status]',
  summary: 'Apply pending database migrations (--status: list them without applying)',
  async run(args, context) {
    const { values } = parseArgs({ args, options: { status: { type: 'boolean', default: false } }, strict: true });
    const config = context.config();
    const db = await openDatabase(config);
    try {
      context.out(`Database: ${describeDatabase(config)}`);
      if (values.status) {
        const status = await migrationStatus(db);
        context.out(`Applied: ${status.applied.length}; pending: ${status.pending.map((m) => `${m.version} ${m.name}`).join(', ') || 'none'}`);
        return status.pending.length === 0 ? 0 : 1;
      }
      const applied = await migrate(db);
      context.out(applied.length === 0 ? 'Already up to date.' : `Applied migrations: ${applied.join(', ')}`);
      return 0;
    } finally {
      await db.close();
    }
  },
};
