/**
 * The shape of every piece of domain logic: pure functions, no I/O.
 *
 * - `decide(command, state)` says which events a command produces (or throws a DomainError);
 * - `evolve(state, event)` folds an event into the state the next decision needs;
 * - `initialState()` is the state of a stream with no events.
 */
export interface Decider<Command, Event extends DomainEvent, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

export interface DomainEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
}

/**
 * A command refused by the rules (not a bug): the API answers it with a 4xx carrying `code`.
 * `status` defaults to 409 (the request conflicts with the current state).
 */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: 400 | 403 | 404 | 409 | 422 = 409,
  ) {
    super(message);
  }
}

export function fold<Event extends DomainEvent, State>(decider: Pick<Decider<unknown, Event, State>, 'evolve' | 'initialState'>, events: readonly Event[]): State {
  return events.reduce((state, event) => decider.evolve(state, event), decider.initialState());
}
