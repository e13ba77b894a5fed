/**
 * Relative URL resolution. Absolute URLs are returned exactly as written (trimmed): normalizing
 * them through `new URL` would change strings that serve as identifiers (fallback GUIDs, enclosure
 * URLs that clients compare), for no gain.
 */

const ABSOLUTE = /^[a-z][a-z0-9+.-]*:/i;

/** The URL, resolved against `base` when it is relative and a base is known; null when blank. */
export function resolveUrl(value: string | null | undefined, base: string | null): string | null {
  if (value == null) return null;
  const trimmed = value.trim();
  if (trimmed === '') return null;
  if (ABSOLUTE.test(trimmed) || base === null) return trimmed;
  try {
    return new URL(trimmed, base).href;
  } catch {
    return trimmed;
  }
}

/** An absolute base URL for resolution, or null when the value cannot serve as one. */
export function absoluteBase(value: string | null | undefined, parent: string | null): string | null {
  const resolved = resolveUrl(value, parent);
  if (resolved === null) return parent;
  try {
    return new URL(resolved).href;
  } catch {
    return parent;
  }
}
