/**
 * Groups work submitted at about the same time into batches: while a batch is being written,
 * what arrives waits and goes into the next one. Concurrent position updates then share a
 * transaction (one commit, a few set-based statements) instead of each paying for its own.
 * `run` answers, for each item of a batch, its result or the error that is that item's alone.
 */
export class WriteCoalescer<Item, Result> {
  private queue: { item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void }[] = [];
  private running = 0;
  private scheduled = false;

  constructor(
    private readonly run: (items: readonly Item[]) => Promise<(Result | Error)[]>,
    /** `maxBatch` counts `weight` (default 1 per item); a batch holds at least one item. */
    private readonly options: { maxBatch: number; maxConcurrent: number; weight?: (item: Item) => number },
  ) {}

  submit(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Starts batches on the next turn of the event loop, not at once: requests whose data has
   * arrived get to join first. (With PGlite a batch may complete without ever yielding to
   * I/O, so starting at once made every batch a batch of one.)
   */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private batchLength(): number {
    const weight = this.options.weight;
    if (!weight) return this.options.maxBatch;
    let total = 0;
    let length = 0;
    while (length < this.queue.length && (length === 0 || total + weight(this.queue[length]!.item) <= this.options.maxBatch)) total += weight(this.queue[length++]!.item);
    return length;
  }

  private pump(): void {
    while (this.running < this.options.maxConcurrent && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.batchLength());
      this.running++;
      this.run(batch.map((entry) => entry.item))
        .then(
          (results) => batch.forEach((entry, index) => (results[index] instanceof Error ? entry.reject(results[index]) : entry.resolve(results[index] as Result))),
          (error: unknown) => batch.forEach((entry) => entry.reject(error)),
        )
        .finally(() => {
          this.running--;
          this.schedule();
        });
    }
  }
}
