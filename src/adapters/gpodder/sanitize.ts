import { tryNormalizeFeedUrl } from '../../subscriptions/feed-url.js';
import { HttpError } from '../../http/errors.js';

export interface SanitizedUpload {
  /** Normalized URL → subscribed, each feed once. */
  changes: Map<string, boolean>;
  /** `[submitted, normalized]` where they differ; `""` for a refused URL (never null: mygpoclient rejects it). */
  updateUrls: [string, string][];
}

function urlList(value: unknown, name: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')) throw new HttpError(400, 'invalid_body', `${name} must be a list of URLs`);
  // mygpo drops empty entries before anything else.
  return (value as string[]).filter((entry) => entry.trim() !== '');
}

/**
 * The sanitizing of mygpo's subscription upload (mygpo/api/subscriptions.py
 * `update_subscriptions`) with Balados' own URL identity (normalizeFeedUrl): the same URL in
 * both lists is refused, removals of a feed also added are ignored, and every rewritten URL is
 * reported.
 */
export function sanitizeUpload(body: unknown): SanitizedUpload {
  if (body === undefined) throw new HttpError(400, 'empty_body', 'POST data must not be empty');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'invalid_body', 'The body must be a JSON object with add and remove');
  const add = urlList((body as { add?: unknown }).add, 'add');
  const remove = urlList((body as { remove?: unknown }).remove, 'remove');
  const both = add.find((url) => remove.includes(url));
  if (both !== undefined) throw new HttpError(400, 'add_and_remove', `can not add and remove ${both.slice(0, 200)} at the same time`);
  const updateUrls: [string, string][] = [];
  const changes = normalizedChanges(add, remove, 'add', (submitted, normalized) => updateUrls.push([submitted, normalized ?? '']));
  return { changes, updateUrls };
}

/**
 * Normalized URL → subscribed, each feed once; unusable URLs are left out. A feed both added and
 * removed (after normalization) keeps the change `wins` names. `rewritten` hears of every URL the
 * normalization changed (undefined: refused).
 */
export function normalizedChanges(
  add: readonly string[],
  remove: readonly string[],
  wins: 'add' | 'remove',
  rewritten?: (submitted: string, normalized: string | undefined) => void,
): Map<string, boolean> {
  const normalize = (url: string): string | undefined => {
    const normalized = tryNormalizeFeedUrl(url);
    if (normalized !== url) rewritten?.(url, normalized);
    return normalized;
  };
  const changes = new Map<string, boolean>();
  for (const url of add) {
    const normalized = normalize(url);
    if (normalized) changes.set(normalized, true);
  }
  for (const url of remove) {
    const normalized = normalize(url);
    if (normalized && (wins === 'remove' || !changes.has(normalized))) changes.set(normalized, false);
  }
  return changes;
}
