import type { Logger } from 'pino';
import type { EventStore } from '../store/event-store.js';
import type { Database } from '../store/sql.js';
import { applyNextBatch } from './catch-up.js';
import { recordProjectionError } from './checkpoints.js';
import type { Projector } from './projector.js';

export interface AsyncRunnerOptions {
  batchSize?: number;
  /** How often an idle projector looks for events written by other processes. */
  idleIntervalMs?: number;
  /** First delay after a failure; doubles up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  logger?: Logger;
}

/**
 * Keeps async projections up to date in the background. Each projector has its own loop:
 * apply batches while there are some, then sleep until an append in this process wakes it
 * or the idle interval passes (events appended by other processes). A failing batch is
 * rolled back, recorded, and retried with exponential backoff; other projectors go on.
 */
export class AsyncProjectionRunner {
  private running = false;
  private readonly wakers = new Set<() => void>();
  private loops: Promise<void>[] = [];
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly db: Database,
    private readonly store: EventStore,
    private readonly projectors: readonly Projector[],
    private readonly options: AsyncRunnerOptions = {},
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.store.onAppended(() => this.wakeAll());
    this.loops = this.projectors.filter((projector) => projector.kind === 'async').map((projector) => this.loop(projector));
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unsubscribe?.();
    this.wakeAll();
    await Promise.all(this.loops);
    this.loops = [];
  }

  private wakeAll(): void {
    for (const wake of this.wakers) wake();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  private async loop(projector: Projector): Promise<void> {
    const batchSize = this.options.batchSize ?? 1000;
    const idle = this.options.idleIntervalMs ?? 500;
    const initialBackoff = this.options.initialBackoffMs ?? 1000;
    let backoff = initialBackoff;
    while (this.running) {
      try {
        const outcome = await applyNextBatch(this.db, this.store, projector, batchSize);
        backoff = initialBackoff;
        if (!outcome.hasMore) await this.sleep(idle);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.options.logger?.error({ err: error, projector: projector.name, retryInMs: backoff }, 'projection batch failed');
        await recordProjectionError(this.db, projector.name, message).catch(() => {});
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, this.options.maxBackoffMs ?? 60_000);
      }
    }
  }
}
