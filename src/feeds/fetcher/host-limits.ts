import { Semaphore, type Release } from './semaphore.js';

export interface ConcurrencyLimitOptions {
  /** Requests in flight to one hostname (politeness: small podcast hosts are small servers). */
  perHost: number;
  /** Requests in flight in total (sockets, memory). */
  global: number;
}

/**
 * Per-host and global request limits. The host permit is taken first: waiting for a busy host must not
 * hold one of the global permits, or a single slow host with many feeds would starve every other host.
 */
export class ConcurrencyLimits {
  readonly #perHost: number;
  readonly #global: Semaphore;
  // One semaphore per host with activity, dropped when idle so the map does not grow with every host seen.
  readonly #hosts = new Map<string, Semaphore>();

  constructor(options: ConcurrencyLimitOptions) {
    if (!Number.isInteger(options.perHost) || options.perHost < 1) {
      throw new RangeError(`perHost limit must be a positive integer, got ${options.perHost}`);
    }
    this.#perHost = options.perHost;
    this.#global = new Semaphore(options.global);
  }

  async acquire(host: string, signal?: AbortSignal): Promise<Release> {
    const key = host.toLowerCase();
    let hostSemaphore = this.#hosts.get(key);
    if (!hostSemaphore) {
      hostSemaphore = new Semaphore(this.#perHost);
      this.#hosts.set(key, hostSemaphore);
    }
    const semaphore = hostSemaphore;
    const forget = () => {
      if (semaphore.idle && this.#hosts.get(key) === semaphore) this.#hosts.delete(key);
    };
    let releaseHost: Release;
    try {
      releaseHost = await semaphore.acquire(signal);
    } catch (error) {
      forget();
      throw error;
    }
    let releaseGlobal: Release;
    try {
      releaseGlobal = await this.#global.acquire(signal);
    } catch (error) {
      releaseHost();
      forget();
      throw error;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      releaseGlobal();
      releaseHost();
      forget();
    };
  }

  /** For metrics and tests. */
  get stats(): { active: number; waiting: number; hosts: number } {
    let waiting = this.#global.waiting;
    for (const semaphore of this.#hosts.values()) waiting += semaphore.waiting;
    return { active: this.#global.active, waiting, hosts: this.#hosts.size };
  }
}
