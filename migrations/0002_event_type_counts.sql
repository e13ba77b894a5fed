-- Read model of the event_type_counts projector (src/operations/event-type-counts.ts).
CREATE TABLE event_type_counts (
  type             text PRIMARY KEY,
  events           bigint NOT NULL,
  last_recorded_at timestamptz NOT NULL
);
