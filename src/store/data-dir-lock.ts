import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * An exclusive, crash-safe claim on a PGlite data directory.
 *
 * PGlite runs Postgres inside this process: two processes on one directory would corrupt it,
 * and after `kill -9` its own `postmaster.pid` is left behind. Our lock file records who holds
 * the directory (pid plus the kernel's start time of that pid, so a recycled pid is not mistaken
 * for the holder); a lock whose holder is gone is stale and is taken over.
 */
export class DataDirLockedError extends Error {
  readonly code = 'data_dir_locked';
  constructor(readonly dataDir: string, readonly holder: LockOwner) {
    super(
      `The data directory ${dataDir} is in use by another Balados Sync process ` +
        `(pid ${holder.pid} on ${holder.hostname}, since ${holder.acquiredAt}). ` +
        `Stop that process first, or point DATA_DIR at another directory.`,
    );
    this.name = 'DataDirLockedError';
  }
}

export interface LockOwner {
  pid: number;
  hostname: string;
  /** Kernel start time of the process (Linux), to tell a live holder from a recycled pid. */
  processStart: string | null;
  acquiredAt: string;
}

export interface DataDirLock {
  readonly path: string;
  /** True when a previous holder had died without releasing the directory. */
  readonly recoveredStaleLock: boolean;
  release(): void;
}

const LOCK_FILE = 'balados.lock';
const FRESH_LOCK_MS = 5000;

function ageMs(file: string): number {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

export function processStartTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime) comes after the parenthesised command name, which may contain spaces.
    const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return afterName[19] ?? null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): LockOwner | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid !== 'number' || typeof parsed.hostname !== 'string') return null;
    return {
      pid: parsed.pid,
      hostname: parsed.hostname,
      processStart: parsed.processStart ?? null,
      acquiredAt: parsed.acquiredAt ?? 'unknown',
    };
  } catch {
    return null;
  }
}

function holderIsLive(owner: LockOwner): boolean {
  // On another host we cannot check: assume it is alive rather than risk two writers.
  if (owner.hostname !== os.hostname()) return true;
  if (!isAlive(owner.pid)) return false;
  const start = processStartTime(owner.pid);
  return owner.processStart === null || start === null || start === owner.processStart;
}

/**
 * Claims `dataDir`, creating it when needed. `onStale` runs after a dead holder's lock is
 * removed and before ours is written, to clear what that holder left behind.
 */
export function acquireDataDirLock(dataDir: string, onStale: () => void): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE);
  const me: LockOwner = {
    pid: process.pid,
    hostname: os.hostname(),
    processStart: processStartTime(process.pid),
    acquiredAt: new Date().toISOString(),
  };
  let recoveredStaleLock = false;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
      return {
        path: file,
        recoveredStaleLock,
        release() {
          const current = readOwner(file);
          if (current && current.pid === me.pid && current.processStart === me.processStart) fs.rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readOwner(file);
    if (owner && (owner.pid === process.pid ? owner.processStart === me.processStart : holderIsLive(owner))) {
      throw new DataDirLockedError(dataDir, owner);
    }
    if (!owner && ageMs(file) < FRESH_LOCK_MS) {
      // Unreadable but brand new: another process is between creating and writing it.
      throw new DataDirLockedError(dataDir, { pid: -1, hostname: 'unknown', processStart: null, acquiredAt: 'just now' });
    }
    // Dead holder (or a lock left unwritten by a process killed at that moment): take it over by
    // renaming it away, so that of two processes doing this at once only one gets it, and check
    // that what we took is the lock we judged dead, not a fresh one written meanwhile.
    const aside = `${file}.stale-${process.pid}-${Date.now()}`;
    try {
      fs.renameSync(file, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    const taken = readOwner(aside);
    const sameAsJudged = owner ? taken?.pid === owner.pid && taken.processStart === owner.processStart : taken === null;
    if (!sameAsJudged) {
      if (!fs.existsSync(file)) fs.renameSync(aside, file);
      else fs.rmSync(aside, { force: true });
      throw new DataDirLockedError(dataDir, taken ?? { pid: -1, hostname: 'unknown', processStart: null, acquiredAt: 'just now' });
    }
    fs.rmSync(aside, { force: true });
    onStale();
    recoveredStaleLock = true;
  }
  throw new Error(`Could not lock the data directory ${dataDir}: another process keeps racing for it`);
}
