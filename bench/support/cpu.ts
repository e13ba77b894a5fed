/**
 * CPU time spent around a measured run, by the server under test (this process: its event loop,
 * garbage collection and helper threads) and by the local PostgreSQL server (every `postgres`
 * process: backends, WAL writer, checkpointer). On 2 shared cores throughput is the cores divided
 * by the CPU a request costs everywhere, so these say where a change saved (or moved) work, and
 * they vary far less between runs than requests/s does on a busy machine.
 */
import fs from 'node:fs';

export interface CpuSnapshot {
  serverMicros: number;
  /** Per PostgreSQL process id, its CPU time so far (µs); undefined without a local /proc. */
  postgres?: Map<number, number>;
}

export interface CpuSpent {
  serverMicros: number;
  postgresMicros?: number;
}

const TICKS_PER_SECOND = 100;

function postgresProcesses(): Map<number, number> | undefined {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return undefined;
  }
  const times = new Map<number, number>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces, the fields after it do not.
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
      const fields = stat.slice(close + 2).split(' ');
      times.set(Number(entry), ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS_PER_SECOND);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return times;
}

export function cpuSnapshot(options: { postgres: boolean }): CpuSnapshot {
  const usage = process.cpuUsage();
  const postgres = options.postgres ? postgresProcesses() : undefined;
  return { serverMicros: usage.user + usage.system, ...(postgres ? { postgres } : {}) };
}

/**
 * CPU spent since `before`. A PostgreSQL process that ended meanwhile is not counted (pools keep
 * their connections for a whole benchmark); one that started counts from zero.
 */
export function cpuSpentSince(before: CpuSnapshot): CpuSpent {
  const now = cpuSnapshot({ postgres: before.postgres !== undefined });
  const spent: CpuSpent = { serverMicros: now.serverMicros - before.serverMicros };
  if (before.postgres && now.postgres) {
    let total = 0;
    for (const [pid, micros] of now.postgres) total += micros - (before.postgres.get(pid) ?? 0);
    spent.postgresMicros = total;
  }
  return spent;
}
