import type { Decider, DomainEvent } from '../domain/decider.js';
import type { EventStore } from '../store/event-store.js';
import { ConcurrencyError } from '../store/events.js';
import type { Database, Sql } from '../store/sql.js';

export interface Decided<Event, State> {
  /** What each command recorded (empty: nothing), and the state after it. */
  steps: { events: Event[]; state: State }[];
  state: State;
}

/**
 * Several commands on one stream decided in turn, each against the state the previous ones
 * left, and appended at once (or none, when one is refused): what a PATCH of several fields, an
 * offline batch or an OPML import needs. The stream is folded, as CommandHandler does: the
 * playlist and collection deciders are built to replay their streams (a 10,000-change playlist
 * folds in 5 to 25 ms; reading its events from PostgreSQL takes 80 to 160 ms more, the cost to
 * cut with snapshots if such playlists turn out to be common). `plan` sees the folded state, so
 * that commands may depend on it.
 */
export async function decideInStream<Command, Event extends DomainEvent, State>(
  store: EventStore,
  decider: Decider<Command, Event, State>,
  tx: Sql,
  streamId: string,
  userId: string,
  plan: (state: State) => readonly Command[],
): Promise<Decided<Event, State>> {
  const stream = await store.readStream(streamId, { tx });
  let state = stream.events.reduce((current, event) => decider.evolve(current, event as unknown as Event), decider.initialState());
  const steps: { events: Event[]; state: State }[] = [];
  const all: Event[] = [];
  for (const command of plan(state)) {
    const events = decider.decide(command, state);
    for (const event of events) state = decider.evolve(state, event);
    steps.push({ events, state });
    all.push(...events);
  }
  if (all.length > 0) {
    await store.appendToStream(
      streamId,
      all.map((event) => ({ type: event.type, data: event.data, metadata: { userId } })),
      { expectedVersion: stream.currentVersion, tx },
    );
  }
  return { steps, state };
}

const ATTEMPTS = 5;

/**
 * Runs `work` in the caller's transaction, or in a new one retried when another writer moved a
 * stream meanwhile (the caller of a given transaction retries it: an offline batch does).
 */
export async function inTransaction<T>(db: Database, tx: Sql | undefined, work: (tx: Sql) => Promise<T>): Promise<T> {
  if (tx) return work(tx);
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(work);
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= ATTEMPTS) throw error;
    }
  }
}
