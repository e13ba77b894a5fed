import fastifyPlugin from 'fastify-plugin';
import type { FastifyPluginAsync, preHandlerAsyncHookHandler } from 'fastify';
import { TooManyAttemptsError, type Throttle, type ThrottleRule } from '../accounts/throttle.js';

/**
 * Limits on request volume.
 *
 * - Per credential (every authenticated request): a token bucket in this process's memory,
 *   so that it costs nothing per request. With several server processes the effective limit is
 *   their number times this one: a runaway client is still stopped, which is its purpose.
 * - Per client address on the endpoints that mint credentials: counted in the database
 *   (`Throttle`), shared by every process.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; updated: number }>();

  constructor(
    private readonly capacity: number,
    private readonly refillPerSecond: number,
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token; answers how many seconds to wait when there is none. */
  take(key: string): { allowed: boolean; retryAfterSeconds: number } {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.capacity, updated: now };
    bucket.tokens = Math.min(this.capacity, bucket.tokens + ((now - bucket.updated) / 1000) * this.refillPerSecond);
    bucket.updated = now;
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, retryAfterSeconds: 0 };
    }
    return { allowed: false, retryAfterSeconds: Math.ceil((1 - bucket.tokens) / this.refillPerSecond) };
  }
}

export interface RequestLimitOptions {
  /** Burst size per credential. */
  burst: number;
  /** Sustained requests per second per credential. */
  perSecond: number;
}

export const DEFAULT_REQUEST_LIMITS: RequestLimitOptions = { burst: 300, perSecond: 20 };

/** Registered after authentication: one bucket per credential (token, app password, session or account password). */
export const credentialRateLimit = fastifyPlugin<RequestLimitOptions>(
  async (app, options) => {
    const buckets = new TokenBuckets(options.burst, options.perSecond);
    app.addHook('onRequest', async (request) => {
      const principal = request.principal;
      if (!principal) return;
      const key = principal.credentialId ?? `${principal.via}:${principal.userId}`;
      const outcome = buckets.take(key);
      if (!outcome.allowed) throw new TooManyAttemptsError(outcome.retryAfterSeconds);
    });
  },
  { name: 'balados-credential-rate-limit' },
) as FastifyPluginAsync<RequestLimitOptions>;

/** Route preHandler: counts the request against its client address. */
export function throttleAddress(throttle: Throttle, name: string, rule: ThrottleRule): preHandlerAsyncHookHandler {
  return async function throttleByAddress(request) {
    const state = await throttle.hit(`${name}:${request.ip}`, rule);
    if (!state.allowed) throw new TooManyAttemptsError(state.retryAfterSeconds);
  };
}
