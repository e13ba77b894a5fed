-- The event log. One row per event, never updated; deleted only when an account is erased.
CREATE TABLE streams (
  stream_id text PRIMARY KEY,
  version   bigint NOT NULL CHECK (version > 0),
  -- The account a stream belongs to (from its first event's metadata): erasing an account finds
  -- its streams here, at a cost paid once per stream rather than once per event.
  user_id   text
);
CREATE INDEX streams_by_user ON streams (user_id) WHERE user_id IS NOT NULL;

CREATE TABLE events (
  global_position bigserial PRIMARY KEY,
  -- The writing transaction: readers of the global log stay below the oldest running
  -- transaction, so an event that commits late is never skipped (see docs/architecture.md).
  transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
  stream_id       text NOT NULL,
  stream_version  bigint NOT NULL,
  event_id        uuid NOT NULL UNIQUE,
  type            text NOT NULL,
  data            jsonb NOT NULL,
  metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (stream_id, stream_version)
);

CREATE INDEX events_commit_order ON events (transaction_id, global_position);

-- One row per projector: its code version and, for async ones, how far it has read.
CREATE TABLE projection_checkpoints (
  name            text PRIMARY KEY,
  kind            text NOT NULL CHECK (kind IN ('inline', 'async')),
  version         integer NOT NULL,
  transaction_id  xid8 NOT NULL DEFAULT '0',
  position        bigint NOT NULL DEFAULT 0,
  events_applied  bigint NOT NULL DEFAULT 0,
  last_error      text,
  last_error_at   timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
