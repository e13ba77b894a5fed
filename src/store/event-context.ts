import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventMetadata } from './events.js';

/**
 * Metadata that every event recorded while handling one request should carry (the request id
 * as correlation id, the device the request came from), without passing it through every
 * function in between: the HTTP layer opens a context per request and the event store reads it.
 * Metadata given explicitly with an event wins over the context's.
 */
// Never the user: a stream's owner comes from its first event's userId, and a request by one
// user may append to streams that are not theirs (the instance's, the invitations').
export type ContextMetadata = Pick<EventMetadata, 'correlationId' | 'causationId' | 'deviceId'>;

const storage = new AsyncLocalStorage<ContextMetadata>();

/** Runs `fn` with `metadata` added to every event appended inside it (and its async work). */
export function withEventContext<T>(metadata: ContextMetadata, fn: () => T): T {
  return storage.run(metadata, fn);
}

/** The current context's metadata object (mutable: filled in as the request is understood). */
export function eventContext(): ContextMetadata | undefined {
  return storage.getStore();
}

/** The device of the request being handled (X-Device-Id or the app password's), if any. */
export function requestDeviceId(): string | undefined {
  return eventContext()?.deviceId;
}

/** What an event about to be appended carries: the context's metadata, then its own (which wins). */
export function withContextMetadata(metadata: EventMetadata | undefined): EventMetadata {
  const context = eventContext();
  if (!context) return metadata ?? {};
  // A loop rather than entries/filter/fromEntries: this runs for every event appended.
  const merged: EventMetadata = {};
  for (const key of Object.keys(context) as (keyof ContextMetadata)[]) {
    const value = context[key];
    if (value !== undefined) merged[key] = value;
  }
  return metadata ? Object.assign(merged, metadata) : merged;
}
