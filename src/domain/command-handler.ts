import type { EventStore } from '../store/event-store.js';
import { ConcurrencyError, type EventMetadata, type RecordedEvent } from '../store/events.js';
import type { Sql } from '../store/sql.js';
import type { Decider, DomainEvent } from './decider.js';

export interface HandleResult<State> {
  /** The events this command produced (empty when it changed nothing). */
  events: RecordedEvent[];
  /** The stream's state after the command. */
  state: State;
  version: number;
}

export interface HandleOptions {
  metadata?: EventMetadata;
  /** Run inside this transaction (no retry then: the caller owns the transaction). */
  tx?: Sql;
  /** Attempts when another writer moved the stream meanwhile (default 3). */
  maxAttempts?: number;
}

/**
 * Load, decide, append: reads the stream, folds it, asks the decider, and appends what it
 * decided with the version it decided on. When another writer got there first, the whole
 * cycle runs again on the new state, so a decision is never made on stale state.
 */
export class CommandHandler<Command, Event extends DomainEvent, State> {
  constructor(
    private readonly store: EventStore,
    private readonly decider: Decider<Command, Event, State>,
  ) {}

  async handle(streamId: string, command: Command, options: HandleOptions = {}): Promise<HandleResult<State>> {
    const attempts = options.tx ? 1 : (options.maxAttempts ?? 3);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(streamId, command, options);
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= attempts) throw error;
      }
    }
  }

  private async attempt(streamId: string, command: Command, options: HandleOptions): Promise<HandleResult<State>> {
    const stream = await this.store.readStream(streamId, options.tx ? { tx: options.tx } : {});
    let state = stream.events.reduce((current, event) => this.decider.evolve(current, event as unknown as Event), this.decider.initialState());
    const decided = this.decider.decide(command, state);
    if (decided.length === 0) return { events: [], state, version: stream.currentVersion };
    const appended = await this.store.appendToStream(
      streamId,
      decided.map((event) => ({ type: event.type, data: event.data, ...(options.metadata ? { metadata: options.metadata } : {}) })),
      { expectedVersion: stream.currentVersion, ...(options.tx ? { tx: options.tx } : {}) },
    );
    for (const event of decided) state = this.decider.evolve(state, event);
    return { events: appended.events, state, version: appended.nextExpectedVersion };
  }
}
