-- Read models of the subscriptions context (inline: written with the events). Every per-user
-- read model row carries `seq`, the account event number (events.user_seq) of the last event
-- that changed it: GET /api/v1/sync returns the rows whose seq is above the client's cursor.

-- The account-wide set: one row per feed the account ever subscribed to (unsubscribed rows stay,
-- so that a device that syncs later learns of the unsubscription).
CREATE TABLE subscriptions (
  user_id       text NOT NULL,
  feed_url      text NOT NULL,
  subscribed    boolean NOT NULL,
  -- The client time of the change that decided `subscribed`, and the device that made it.
  changed_at    timestamptz NOT NULL,
  device_id     text,
  title         text,
  -- Set when the feed moved to another URL (the row then says unsubscribed).
  moved_to      text,
  first_seen_at timestamptz NOT NULL,
  seq           bigint NOT NULL,
  PRIMARY KEY (user_id, feed_url)
);
CREATE INDEX subscriptions_by_seq ON subscriptions (user_id, seq);

-- Per device: what each device last did about each feed.
CREATE TABLE device_subscriptions (
  user_id    text NOT NULL,
  device_id  text NOT NULL,
  feed_url   text NOT NULL,
  subscribed boolean NOT NULL,
  changed_at timestamptz NOT NULL,
  seq        bigint NOT NULL,
  PRIMARY KEY (user_id, device_id, feed_url)
);

-- Offline batches (POST /api/v1/sync) and single changes carry idempotency keys: the answer is
-- kept, in the transaction that applied the changes, so that a retry gets it back unapplied.
CREATE TABLE idempotency_keys (
  user_id      text NOT NULL,
  key          text NOT NULL,
  request_hash text NOT NULL,
  response     jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
