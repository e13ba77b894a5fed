/**
 * Collects the problems a parse tolerated. Bounded: a broken generator repeats the same mistake in
 * every item, and 5,000 identical warnings help nobody (nor memory).
 */
export class Warnings {
  private readonly messages: string[] = [];
  private readonly seen = new Set<string>();
  private suppressed = 0;

  constructor(private readonly max: number) {}

  add(message: string): void {
    if (this.seen.has(message)) return;
    if (this.messages.length >= this.max) {
      this.suppressed++;
      return;
    }
    this.seen.add(message);
    this.messages.push(message);
  }

  toArray(): string[] {
    return this.suppressed === 0 ? [...this.messages] : [...this.messages, `${this.suppressed} more warning(s) not shown`];
  }
}

/**
 * XML well-formedness errors grouped by kind: the parser reports each occurrence with its
 * position, the caller wants "undefined entity (12 times, first at 3:40)".
 */
export class XmlErrorSummary {
  private readonly kinds = new Map<string, { count: number; firstAt: string }>();

  /** `lineOffset`: lines the parser never saw (skipped before the document), to report real line numbers. */
  add(error: Error, lineOffset = 0): void {
    const match = /^(?:[^:]*:)?(\d+):(\d+): (.*)$/s.exec(error.message);
    const kind = match?.[3] ?? error.message;
    const at = match === null ? '?' : `line ${Number(match[1]) + lineOffset}, column ${match[2]}`;
    const entry = this.kinds.get(kind);
    if (entry !== undefined) entry.count++;
    else if (this.kinds.size < 50) this.kinds.set(kind, { count: 1, firstAt: at });
  }

  get empty(): boolean {
    return this.kinds.size === 0;
  }

  describe(): string[] {
    return [...this.kinds].map(([kind, { count, firstAt }]) =>
      count === 1 ? `XML error at ${firstAt}: ${kind}` : `XML error: ${kind} (${count} times, first at ${firstAt})`,
    );
  }
}
