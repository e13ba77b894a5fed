import { createHmac, randomBytes } from 'node:crypto';
import type { ChannelListener, Database } from '../store/sql.js';
import type { Principal } from './principal.js';

/** Where account changes are announced (NOTIFY, payload: the user id), from any process. */
export const CREDENTIALS_CHANNEL = 'balados_credentials';

/** A bound on staleness should a listening connection die without anyone noticing. */
const DEFAULT_TTL_MS = 60_000;

interface Entry {
  principal: Principal;
  expires: number;
}

/**
 * Remembers who a presented secret (HTTP Basic with a password or an app password, a personal
 * token) stood for, so that apps sending credentials with every request cost no database round
 * trip. Correct across server processes because it trusts itself only while it hears every
 * account change: the accounts projector NOTIFYs each one in its transaction (revocation,
 * password change, disabling, erasure), every process drops that user's entries when told, and
 * the whole cache is bypassed while the listening connection is down.
 *
 * Keys are HMACs (per-process random key) of the presented credentials: no secret is kept.
 */
export class PrincipalCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, Entry>();
  private listening = false;
  private listener: ChannelListener | undefined;
  /** Bumped by every invalidation: a lookup that began before one must not be remembered. */
  private generation = 0;

  constructor(
    private readonly maxEntries = 10_000,
    private readonly ttlMs = DEFAULT_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts hearing account changes; until it does, nothing is served from memory. */
  async watch(db: Database): Promise<void> {
    if (this.listener) return;
    this.listener = await db.listen(CREDENTIALS_CHANNEL, {
      message: (userId) => this.forgetUser(userId),
      ready: () => {
        // A lookup begun while deaf may have read a state whose change was never heard.
        this.clear();
        this.listening = true;
      },
      lost: () => {
        this.listening = false;
        this.clear();
      },
    });
  }

  async stop(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    this.listening = false;
    this.clear();
    await listener?.stop();
  }

  keyOf(kind: string, username: string, secret: string): string {
    return createHmac('sha256', this.key).update(`${kind}\u0000${username}\u0000${secret}`).digest('base64url');
  }

  /** The marker to hand back to `remember` after looking the credentials up. */
  begin(): number {
    return this.generation;
  }

  get(key: string): Principal | undefined {
    if (!this.listening) return undefined;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.principal;
  }

  /** `expiresAt`: when the credential itself expires (personal tokens), if it does. */
  remember(key: string, principal: Principal, began: number, expiresAt?: Date | null): void {
    if (!this.listening || began !== this.generation) return;
    const expires = Math.min(this.now() + this.ttlMs, expiresAt ? expiresAt.getTime() : Infinity);
    this.entries.delete(key);
    this.entries.set(key, { principal, expires });
    // A Map iterates in insertion order: the first keys are the oldest.
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  forgetUser(userId: string): void {
    this.generation++;
    for (const [key, entry] of this.entries) if (entry.principal.userId === userId) this.entries.delete(key);
  }

  private clear(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
