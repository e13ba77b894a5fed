-- Privacy settings (inline read model of the privacy context, `privacy-<userId>` streams): one
-- row per setting an account ever made: its default (scope 'default', feed_url and episode_key
-- ''), each podcast override (episode_key '') and each episode override. `level` is null once
-- an override is cleared: the row stays, so a device that syncs later learns of the clearing.
-- `at` and `device_id` are the client time and device of the change in force (latest wins).
CREATE TABLE privacy_settings (
  user_id     text NOT NULL,
  scope       text NOT NULL CHECK (scope IN ('default', 'podcast', 'episode')),
  feed_url    text NOT NULL,
  episode_key text NOT NULL,
  level       text CHECK (level IN ('public', 'anonymous', 'private')),
  at          timestamptz NOT NULL,
  device_id   text,
  seq         bigint NOT NULL
);
-- Episode keys may be 4,096 characters long (a media URL): with a 2,048-character feed URL the
-- key would not fit in a B-tree entry, so the index holds its digest.
CREATE UNIQUE INDEX privacy_settings_key ON privacy_settings (user_id, scope, feed_url, md5(episode_key));
CREATE INDEX privacy_settings_by_seq ON privacy_settings (user_id, seq);
