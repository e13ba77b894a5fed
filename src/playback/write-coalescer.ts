/**
 * Groups work submitted at about the same time into batches: while a batch is being written,
 * what arrives waits and goes into the next one. Concurrent position updates then share a
 * transaction (one commit, a few set-based statements) instead of each paying for its own.
 * `run` answers, for each item of a batch, its result or the error that is that item's alone.
 */
export class WriteCoalescer<Item, Result> {
  private queue: { item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void }[] = [];
  private running = 0;

  constructor(
    private readonly run: (items: readonly Item[]) => Promise<(Result | Error)[]>,
    private readonly options: { maxBatch: number; maxConcurrent: number },
  ) {}

  submit(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.options.maxConcurrent && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.running++;
      this.run(batch.map((entry) => entry.item))
        .then(
          (results) => batch.forEach((entry, index) => (results[index] instanceof Error ? entry.reject(results[index]) : entry.resolve(results[index] as Result))),
          (error: unknown) => batch.forEach((entry) => entry.reject(error)),
        )
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
  }
}
