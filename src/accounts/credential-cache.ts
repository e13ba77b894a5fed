import { createHmac, randomBytes } from 'node:crypto';

/**
 * Remembers, for a short while, that a password was verified, so that a legacy client sending
 * HTTP Basic on every request pays the KDF once, not each time.
 *
 * The key is an HMAC (with a per-process random key) of the user id, the *current password
 * hash* and the password: the password itself is never kept, and a password change (or a
 * change made by another server process) changes the stored hash, so old entries simply stop
 * matching. Only successes are remembered; the size is bounded (oldest evicted first).
 */
export class CredentialCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, number>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly ttlMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  private fingerprint(userId: string, passwordHash: string, password: string): string {
    return createHmac('sha256', this.key).update(`${userId}\u0000${passwordHash}\u0000${password}`).digest('base64url');
  }

  has(userId: string, passwordHash: string, password: string): boolean {
    const id = this.fingerprint(userId, passwordHash, password);
    const expires = this.entries.get(id);
    if (expires === undefined) return false;
    if (expires <= this.now()) {
      this.entries.delete(id);
      return false;
    }
    return true;
  }

  remember(userId: string, passwordHash: string, password: string): void {
    const id = this.fingerprint(userId, passwordHash, password);
    this.entries.delete(id);
    this.entries.set(id, this.now() + this.ttlMs);
    // A Map iterates in insertion order: the first keys are the oldest.
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}
