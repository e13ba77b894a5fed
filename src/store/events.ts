/** What the event store records and hands back. */

export interface EventMetadata {
  /** The account the event belongs to. */
  userId?: string;
  /** The device (client-chosen id) that caused the change. */
  deviceId?: string;
  /** The event or command that caused this one. */
  causationId?: string;
  /** Groups every event caused by one request or job. */
  correlationId?: string;
  /** When the client says the change happened (ISO 8601); the server time is `recordedAt`. */
  clientTimestamp?: string;
  [key: string]: unknown;
}

export interface NewEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
  /** Optional caller-chosen UUID; generated otherwise. A duplicate id is refused. */
  id?: string;
  metadata?: EventMetadata;
}

/** A position in the global log, in commit-safe order. */
export interface GlobalPosition {
  /** The writing transaction id (xid8, as a decimal string). */
  transactionId: string;
  /** The event's sequence number (bigserial; unique, not gap-free). */
  position: number;
}

export const START: GlobalPosition = Object.freeze({ transactionId: '0', position: 0 });

export interface RecordedEvent<Type extends string = string, Data = unknown> {
  id: string;
  type: Type;
  data: Data;
  metadata: EventMetadata;
  streamId: string;
  /** 1 for the first event of a stream. */
  streamVersion: number;
  globalPosition: GlobalPosition;
  recordedAt: Date;
  /**
   * The event's number among its account's events (1, 2, 3... in commit order), when the
   * event belongs to an account (`metadata.userId`). Sync cursors are built on it.
   */
  userSeq?: number;
}

/**
 * What the caller expects of the stream before appending:
 * - a number: the stream's current version (0 means it must not exist yet);
 * - 'no_stream': the stream must not exist; 'stream_exists': it must exist; 'any': no check.
 */
export type ExpectedVersion = number | 'no_stream' | 'stream_exists' | 'any';

export class ConcurrencyError extends Error {
  readonly code = 'concurrency_conflict';
  override name = 'ConcurrencyError';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    readonly actual: number,
  ) {
    super(`Stream ${streamId} is at version ${actual}, expected ${String(expected)}`);
  }
}

export class DuplicateEventError extends Error {
  readonly code = 'duplicate_event';
  override name = 'DuplicateEventError';
}

export class InvalidEventError extends Error {
  readonly code = 'invalid_event';
  override name = 'InvalidEventError';
}

/** jsonb cannot hold NUL characters: refuse them clearly instead of failing deep in the database. */
export function refuseNul(payload: string): void {
  if (payload.includes('\\u0000')) throw new InvalidEventError('Event data must not contain NUL characters');
}

export function comparePositions(a: GlobalPosition, b: GlobalPosition): number {
  const ta = BigInt(a.transactionId);
  const tb = BigInt(b.transactionId);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.position - b.position;
}

/** Opaque text form of a position, for cursors crossing process or API boundaries. */
export function formatPosition(position: GlobalPosition): string {
  return `${position.transactionId}.${position.position}`;
}

export function parsePosition(text: string): GlobalPosition | undefined {
  const match = /^(\d{1,20})\.(\d{1,16})$/.exec(text);
  if (!match) return undefined;
  const position = Number(match[2]);
  if (!Number.isSafeInteger(position)) return undefined;
  return { transactionId: BigInt(match[1]!).toString(), position };
}

/**
 * Every deletion from the log (account erasure) appends a record to this stream: a reader that
 * copied events aside (an inline rebuild) compares its version to notice one happened meanwhile.
 */
export const ERASURES_STREAM = 'erased-accounts';
