/**
 * Keeps the episodes a caller asked for, as they stream by.
 *
 * Duplicate GUIDs: the first occurrence wins, later ones are counted and dropped (not passed to
 * the callback either), since clients key episodes by GUID.
 *
 * `maxEpisodes`: the N most recent episodes by publication date are kept, whatever the feed's
 * order (most feeds list newest first, but serial shows often list oldest first, where "the first
 * N" would be the N oldest). Undated episodes rank as oldest; among equal dates the one earlier
 * in the document wins. A bounded min-heap does this in O(log N) per item and O(N) memory. The
 * result is returned in document order. Only the GUID set grows with the feed (a few dozen bytes
 * per item), which duplicate detection needs.
 *
 * A kept episode's strings are copied (detached, below) when it enters the bounded selection:
 * otherwise each one would keep the decoded chunks it was cut from alive, and in the old
 * generation, since kept episodes live long (measured: 12 of the 17 MB promoted per 20 MB feed).
 */

import type { Episode } from './model.js';

interface Entry<T> {
  item: T;
  order: number;
  time: number;
}

export class EpisodeCollector<T extends Episode> {
  private readonly seen = new Set<string>();
  private readonly kept: Array<Entry<T>> = [];
  private order = 0;
  /** Unique items seen. */
  count = 0;
  duplicates = 0;
  firstDuplicate: string | null = null;

  constructor(
    private readonly max: number,
    private readonly onItem: ((item: T) => void) | undefined,
  ) {}

  add(item: T): void {
    if (this.seen.has(item.guid)) {
      this.duplicates++;
      this.firstDuplicate ??= detached(item.guid);
      return;
    }
    this.seen.add(detached(item.guid));
    this.count++;
    const entry: Entry<T> = { item, order: this.order++, time: item.publishedAt === null ? -Infinity : Date.parse(item.publishedAt) };
    if (this.max === Infinity) {
      this.kept.push(entry);
    } else if (this.kept.length < this.max) {
      detachStrings(item);
      this.push(entry);
    } else if (this.max > 0 && older(this.kept[0]!, entry)) {
      detachStrings(item);
      this.replaceTop(entry);
    }
    this.onItem?.(item);
  }

  /** Kept items in document order. */
  result(): T[] {
    return [...this.kept].sort((a, b) => a.order - b.order).map((entry) => entry.item);
  }

  private push(entry: Entry<T>): void {
    const heap = this.kept;
    heap.push(entry);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!older(heap[index]!, heap[parent]!)) break;
      [heap[index], heap[parent]] = [heap[parent]!, heap[index]!];
      index = parent;
    }
  }

  private replaceTop(entry: Entry<T>): void {
    const heap = this.kept;
    heap[0] = entry;
    let index = 0;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let oldest = index;
      if (left < heap.length && older(heap[left]!, heap[oldest]!)) oldest = left;
      if (right < heap.length && older(heap[right]!, heap[oldest]!)) oldest = right;
      if (oldest === index) return;
      [heap[index], heap[oldest]] = [heap[oldest]!, heap[index]!];
      index = oldest;
    }
  }
}

/** Whether `a` ranks below `b`: published earlier, or same date but later in the document. */
function older<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.time < b.time || (a.time === b.time && a.order > b.order);
}

/**
 * Replaces, in place, every string in an episode (nested objects and arrays included) with a
 * detached copy. Strings shorter than 13 characters are left alone: V8 copies such substrings
 * and never builds them by reference.
 */
function detachStrings(value: object): void {
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const field = record[key];
    if (typeof field === 'string') {
      if (field.length >= 13) record[key] = detached(field);
    } else if (field !== null && typeof field === 'object') {
      detachStrings(field);
    }
  }
}

/**
 * A copy of the string that shares no memory with the text it was cut from. V8 keeps a
 * substring as a view on its parent: a GUID remembered for duplicate detection would keep
 * its whole decoded chunk alive, and memory would grow with the feed (measured: ~9 KB per item).
 */
function detached(text: string): string {
  // The concatenation is a rope; slicing it makes V8 flatten it into a new string first, and the
  // slice then refers to that copy. Much cheaper than a round trip through a Buffer.
  return text.length < 13 ? text : (' ' + text).slice(1);
}
