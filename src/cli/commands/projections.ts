import { parseArgs } from 'node:util';
import pino from 'pino';
import { openRuntime } from '../../app/runtime.js';
import { rebuildProjection } from '../../projections/rebuild.js';
import { prepareProjections } from '../../projections/startup.js';
import { projectionStatuses } from '../../projections/status.js';
import { UsageError, type Command } from '../command.js';
import { ProgressLine } from '../progress.js';

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
}

export const projectionsStatusCommand: Command = {
  path: ['projections', 'status'],
  usage: 'balados projections status [--json]',
  summary: 'Show every projection: kind, state, checkpoint, lag, last error',
  async run(args, context) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } }, strict: true });
    const runtime = await openRuntime(context.config(), pino({ level: 'silent' }));
    try {
      const statuses = await projectionStatuses(runtime.db, runtime.projectors);
      if (values.json) {
        context.out(JSON.stringify(statuses, null, 2));
      } else {
        const rows = [['NAME', 'KIND', 'STATE', 'VERSION', 'APPLIED', 'LAG', 'CHECKPOINT', 'LAST ERROR']];
        for (const s of statuses) {
          rows.push([s.name, s.kind, s.state, `${s.storedVersion ?? '-'}/${s.codeVersion}`, String(s.eventsApplied), String(s.lag), s.checkpoint ?? '-', s.lastError ?? '']);
        }
        table(rows).forEach((line) => context.out(line));
      }
      return 0;
    } finally {
      await runtime.close();
    }
  },
};

export const projectionsRebuildCommand: Command = {
  path: ['projections', 'rebuild'],
  usage: 'balados projections rebuild [name...] [--batch-size N]',
  summary: 'Rebuild projections from the whole event log (all of them when no name is given)',
  async run(args, context) {
    const { values, positionals } = parseArgs({
      args,
      options: { 'batch-size': { type: 'string', default: '5000' } },
      allowPositionals: true,
      strict: true,
    });
    const batchSize = Number(values['batch-size']);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) throw new UsageError('--batch-size must be an integer from 1 to 100000');
    const runtime = await openRuntime(context.config(), pino({ level: 'silent' }));
    try {
      const known = new Map(runtime.projectors.map((projector) => [projector.name, projector]));
      const unknown = positionals.filter((name) => !known.has(name));
      if (unknown.length > 0) throw new UsageError(`Unknown projection ${unknown.join(', ')}; known: ${[...known.keys()].join(', ')}`);
      const selected = positionals.length > 0 ? positionals.map((name) => known.get(name)!) : [...runtime.projectors];
      // Projections not being rebuilt but new or changed are brought up to date first.
      await prepareProjections(runtime.db, runtime.store, runtime.projectors.filter((p) => !selected.includes(p)));
      for (const projector of selected) {
        const progress = new ProgressLine(`${projector.name} (${projector.kind})`);
        let last = { done: 0, total: 0, elapsedMs: 0 };
        const result = await rebuildProjection(runtime.db, runtime.store, projector, {
          batchSize,
          onProgress: (p) => {
            last = { done: p.applied, total: p.total, elapsedMs: p.elapsedMs };
            progress.update(last);
          },
        });
        progress.finish({ ...last, done: result.applied, elapsedMs: result.elapsedMs });
      }
      context.out(`Rebuilt ${selected.map((projector) => projector.name).join(', ')}.`);
      return 0;
    } finally {
      await runtime.close();
    }
  },
};
