/**
 * A progress line for long CLI operations (rebuilds): bar, count, rate and ETA. On a terminal
 * it redraws in place; in a log (CI, systemd) it prints a line every few seconds instead.
 */
export interface ProgressSnapshot {
  done: number;
  total: number;
  elapsedMs: number;
}

export function formatProgress(label: string, { done, total, elapsedMs }: ProgressSnapshot, width = 24): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(fraction * width);
  const rate = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0;
  const remaining = rate > 0 ? (total - done) / rate : 0;
  const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
  const count = `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} events`;
  return `${label} [${bar}] ${(fraction * 100).toFixed(0).padStart(3)}% ${count}  ${Math.round(rate).toLocaleString('en-US')} events/s  ETA ${formatDuration(remaining)}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return '0s';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

export class ProgressLine {
  private lastDraw = 0;
  private readonly interactive: boolean;

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.interactive = Boolean(stream.isTTY);
  }

  update(snapshot: ProgressSnapshot): void {
    const now = Date.now();
    const interval = this.interactive ? 100 : 2000;
    if (now - this.lastDraw < interval && snapshot.done < snapshot.total) return;
    this.lastDraw = now;
    const line = formatProgress(this.label, snapshot);
    if (this.interactive) this.stream.write(`\r${line}\x1b[K`);
    else this.stream.write(`${line}\n`);
  }

  finish(snapshot: ProgressSnapshot): void {
    const line = formatProgress(this.label, { ...snapshot, total: Math.max(snapshot.total, snapshot.done) });
    this.stream.write(this.interactive ? `\r${line}\x1b[K\n` : `${line}\n`);
  }
}
