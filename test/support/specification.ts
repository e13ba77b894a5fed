import assert from 'node:assert/strict';
import { fold, type Decider, type DomainEvent } from '../../src/domain/decider.js';

/**
 * Given-events / when-command / then-events specifications for deciders:
 *
 *   spec(decider).given([subscribed]).when(unsubscribe).then([unsubscribed]);
 *   spec(decider).given([]).when(unsubscribe).thenThrows(DomainError, /not subscribed/);
 */
export function spec<Command, Event extends DomainEvent, State>(decider: Decider<Command, Event, State>) {
  return {
    given(events: readonly Event[]) {
      return {
        when(command: Command) {
          const run = () => decider.decide(command, fold(decider, events));
          return {
            then(expected: readonly Event[]): void {
              assert.deepEqual(run(), expected);
            },
            thenNothing(): void {
              assert.deepEqual(run(), []);
            },
            thenThrows(errorClass: new (...args: never[]) => Error, message?: RegExp): void {
              assert.throws(run, (error: unknown) => {
                assert.ok(error instanceof errorClass, `expected ${errorClass.name}, got ${String(error)}`);
                if (message) assert.match((error as Error).message, message);
                return true;
              });
            },
          };
        },
      };
    },
  };
}
