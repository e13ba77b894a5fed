-- Settings (inline read model of the settings context, `settings-<userId>` streams): what apps
-- store through the gpodder.net settings API, one row per scope and subject with the subject's
-- settings as one JSON object. `subject` is '' for the account, the device id for a device, the
-- normalized feed URL for a podcast and for an episode (whose media URL is `episode_url`; ''
-- otherwise). A subject whose last setting is removed loses its row.
CREATE TABLE settings (
  user_id     text NOT NULL,
  scope       text NOT NULL CHECK (scope IN ('account', 'device', 'podcast', 'episode')),
  subject     text NOT NULL,
  episode_url text NOT NULL,
  settings    jsonb NOT NULL,
  seq         bigint NOT NULL
);
-- Hashed: a feed URL and a media URL together may not fit in a B-tree entry.
CREATE UNIQUE INDEX settings_key ON settings (user_id, scope, md5(subject), md5(episode_url));
CREATE INDEX settings_by_seq ON settings (user_id, seq);

-- The podcast directory (async read model, src/directory): how many accounts subscribe to each
-- podcast with a subscription they let be counted (effective privacy level public or anonymous).
-- The first two tables mirror, per account, what the count needs (subscriptions and privacy
-- levels of podcasts, with the same latest-wins rules as the per-user read models), so that the
-- projection is a function of the events alone; they are never shown. Only the counts are:
-- `directory_podcasts` holds no user id, and no podcast nobody may be counted for.
CREATE TABLE directory_subscriptions (
  user_id    text NOT NULL,
  feed_url   text NOT NULL,
  subscribed boolean NOT NULL,
  changed_at timestamptz NOT NULL,
  -- Left behind by a feed move: the next change of this URL starts it afresh.
  moved      boolean NOT NULL DEFAULT false,
  PRIMARY KEY (user_id, feed_url)
);
CREATE INDEX directory_subscriptions_by_feed ON directory_subscriptions (feed_url) WHERE subscribed;

-- Privacy levels: the account default (feed_url '') and podcast overrides (level null: cleared).
CREATE TABLE directory_privacy (
  user_id  text NOT NULL,
  feed_url text NOT NULL,
  level    text CHECK (level IN ('public', 'anonymous', 'private')),
  at       timestamptz NOT NULL,
  PRIMARY KEY (user_id, feed_url)
);

-- Counts move by differences; a row that reaches 0 is deleted in the same transaction. (No CHECK
-- on the count: an upsert's candidate row carries the difference, which may be negative.)
CREATE TABLE directory_podcasts (
  feed_url    text PRIMARY KEY,
  subscribers integer NOT NULL
);
CREATE INDEX directory_podcasts_by_subscribers ON directory_podcasts (subscribers DESC, feed_url);
